"""Shows times in the zone of the user's agency (time is stored in UTC; architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class AgencyTimezoneMiddleware:
    """Activates ``request.user.agency.timezone`` for the request; others get TIME_ZONE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agency = getattr(request.user, "agency", None) if request.user.is_authenticated else None
        if agency is not None:
            timezone.activate(ZoneInfo(agency.timezone))
        else:
            timezone.deactivate()
        return self.get_response(request)
