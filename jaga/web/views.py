"""The liveness probe. (The home page is ``jaga.reports.views.home``: it differs by role.)"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def health(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers and `jaga run`: 200 "ok", no database access."""
    return HttpResponse("ok", content_type="text/plain")
