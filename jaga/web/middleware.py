"""Per-request time zone (the agency's) and language (Indonesian unless chosen otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation


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


class LanguageMiddleware(LocaleMiddleware):
    """Indonesian unless the user chose another language (the language cookie set by the
    language switch). Unlike Django's LocaleMiddleware it ignores the browser's
    Accept-Language: government computers often run English-language browsers, and Jaga's
    default is Indonesian."""

    def process_request(self, request: HttpRequest) -> None:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
