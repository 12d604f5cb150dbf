"""Per-request time zone (the agency's), language (Indonesian unless chosen otherwise), and
the end of an inactive agency's sessions."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation

from jaga.org.backends import agency_is_active
from jaga.web.forms import INACTIVE_AGENCY_MESSAGE


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


class InactiveAgencyMiddleware:
    """Ends the session of a user whose agency was made inactive (``Agency.is_active``
    False; issue 13 point 4) on their next request, web page or admin alike: logs them out
    and says why, then the request goes on as anonymous (so a page asks to log in again).
    Platform administrators (no agency) are never affected. Comes after
    ``AuthenticationMiddleware`` and ``MessageMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not agency_is_active(user):
            logout(request)
            messages.error(request, INACTIVE_AGENCY_MESSAGE)
        return self.get_response(request)
