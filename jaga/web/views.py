"""The home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """What Jaga is, the signed-in user's agency, and where to go next."""
    return render(request, "web/home.html")


def health(request: HttpRequest) -> HttpResponse:
    """Liveness probe for load balancers and `jaga run`: 200 "ok", no database access."""
    return HttpResponse("ok", content_type="text/plain")
