"""Login throttling and Content-Security-Policy glue (issue 13 point 3).

django-axes counts failed logins per username and per client address (settings:
``AXES_*``); the callables here tell it which address a request comes from behind Jaga's
reverse proxy, which username a NIP login means, and how a locked-out login looks.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jaga.org.backends import user_for_nip

#: The longest login name axes records (its ``username`` column holds 255 characters).
MAX_LOGIN_LENGTH = 255


def _valid_ip(value: str) -> str | None:
    """``value`` as a normalised IPv4/IPv6 address, or None if it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for throttling (``AXES_CLIENT_IP_CALLABLE``).

    Without a proxy (``JAGA_BEHIND_PROXY`` off) it is ``REMOTE_ADDR``: a client-sent
    ``X-Forwarded-For`` is ignored, since anyone can forge it. Behind the proxy it is the
    entry ``JAGA_PROXY_COUNT`` places from the right of ``X-Forwarded-For``: each trusted
    proxy appends the address it received the request from, so the entries on the left are
    the client's own claims and never trusted. A missing or malformed entry falls back to
    ``REMOTE_ADDR``. Returns None when not even that is an address."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies: int = getattr(settings, "JAGA_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return _valid_ip(forwarded[-proxies]) or remote


def login_name(request: HttpRequest, credentials: Mapping[str, Any] | None) -> str:
    """The name a login attempt is counted under (``AXES_USERNAME_CALLABLE``): the
    username of the user a NIP login means (so that typing the NIP, grouped or not, or the
    username all count against one lock), else the login as typed, stripped of surrounding
    blanks and cut to ``MAX_LOGIN_LENGTH`` characters."""
    raw = (credentials if credentials is not None else request.POST).get("username")
    login = str(raw or "").strip()[:MAX_LOGIN_LENGTH]
    user = user_for_nip(login) if login else None
    return user.get_username() if user is not None else login


def cool_off_minutes() -> int:
    """How long a lock lasts, in whole minutes (``AXES_COOLOFF_TIME``, at least 1)."""
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """The answer to a login from a locked-out username or address
    (``AXES_LOCKOUT_CALLABLE``), for ``/login/`` and ``/admin/login/`` alike: Jaga's login
    page with the message, HTTP 429 Too Many Requests with ``Retry-After`` in seconds."""
    minutes = cool_off_minutes()
    message = ngettext(
        "Too many failed logins for this account or from this address. Logging in is "
        "blocked for %(minutes)d minute; try again later, or ask Jaga's administrator to "
        "unlock it.",
        "Too many failed logins for this account or from this address. Logging in is "
        "blocked for %(minutes)d minutes; try again later, or ask Jaga's administrator to "
        "unlock it.",
        minutes,
    ) % {"minutes": minutes}
    response = render(
        request,
        "registration/locked_out.html",
        {"message": message, "title": _("Login blocked")},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response


class HtmlCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, without the header on PDF answers (the archived documents,
    often opened inline): a PDF runs no page script, and a page policy such as
    ``object-src 'none'`` can keep a browser's built-in PDF viewer from showing it. Every
    other answer carries ``CONTENT_SECURITY_POLICY``."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.get("Content-Type", "").startswith("application/pdf"):
            return response
        return super().process_response(request, response)
