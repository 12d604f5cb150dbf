"""The Web Push endpoints (issue 15 point 2): the service worker, and a browser's
subscription sent by ``push.js``; and the Telegram link code and unlinking."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jaga.notifications.push import BadSubscription, subscribe, unsubscribe
from jaga.notifications.telegram.linking import new_code, unlink
from jaga.org.models import User

SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "notifications" / "sw.js"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: the service worker, served at the site's root so that its scope is the
    whole of Jaga; not cached for long, so a new version reaches phones within a day."""
    answer = HttpResponse(SERVICE_WORKER.read_text(), content_type="text/javascript")
    answer["Cache-Control"] = "max-age=3600"
    return answer


def _payload(request: HttpRequest) -> dict[str, object] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> HttpResponse:
    """Record this browser's subscription (JSON from ``pushManager.subscribe``): 201, or
    400 with ``{"error": …}`` for a malformed one."""
    data = _payload(request)
    if data is None:
        return JsonResponse({"error": _("The subscription is not JSON.")}, status=400)
    try:
        subscribe(_user(request), data, request.headers.get("User-Agent", ""))
    except BadSubscription as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"ok": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> HttpResponse:
    """Forget a subscription of the user (JSON ``{"endpoint": …}``): 200 ``{"removed"}``."""
    data = _payload(request) or {}
    endpoint = data.get("endpoint")
    removed = unsubscribe(_user(request), endpoint) if isinstance(endpoint, str) else False
    return JsonResponse({"removed": removed})


@login_required
@require_POST
def telegram_code(request: HttpRequest) -> HttpResponse:
    """Make a one-time Telegram link code and show it on the settings page."""
    code = new_code(_user(request))
    request.session["telegram_code"] = code.code
    return redirect("notifications:preferences")


@login_required
@require_POST
def telegram_unlink(request: HttpRequest) -> HttpResponse:
    """Forget the user's Telegram chat."""
    if unlink(_user(request)):
        messages.success(request, _("Your Telegram chat is no longer linked."))
    return redirect("notifications:preferences")
