"""The notifications pages (issue 15 points 2 and 4): the bell, the list, mark as read,
opening one, and the user's preferences."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jaga.notifications.forms import PreferencesForm
from jaga.notifications.messages import Message
from jaga.notifications.messages import render as render_message
from jaga.notifications.models import Notification, PushSubscription, TelegramLink
from jaga.notifications.push import application_server_key
from jaga.notifications.services import mark_read, save_preferences, unread_count
from jaga.org.models import User

PAGE_SIZE = 25


@dataclass(frozen=True)
class Row:
    """One notification of the list, with its words in the reader's language."""

    notification: Notification
    message: Message


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with the unread count (htmx swaps it in every 20 s and on focus)."""
    return render(request, "notifications/_bell.html", {"unread": unread_count(_user(request))})


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 25 a page; ``?unread=1`` the unread only."""
    user = _user(request)
    rows = Notification.objects.filter(recipient=user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "rows": [Row(item, render_message(item)) for item in page.object_list],
            "only_unread": only_unread,
            "unread": unread_count(user),
        },
    )


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    changed = mark_read(_user(request))
    messages.success(request, _("%(count)d notification(s) marked as read.") % {"count": changed})
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to its page (the list when it
    links nowhere). Another user's notification is 404."""
    notification = get_object_or_404(Notification, pk=pk, recipient=_user(request))
    mark_read(_user(request), [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return HttpResponseRedirect(target)
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which kinds of notice the user receives on which channel, and the daily digest."""
    user = _user(request)
    form = PreferencesForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        save_preferences(user, form.choices())
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    context = {
        "form": form,
        "telegram_on": bool(settings.JAGA_TELEGRAM_TOKEN),
        "telegram_bot": settings.JAGA_TELEGRAM_BOT_NAME,
        "telegram_link": TelegramLink.objects.filter(user=user).first(),
        "telegram_code": request.session.pop("telegram_code", ""),
        "push_key": application_server_key(),
        "push_count": PushSubscription.objects.filter(user=user).count(),
    }
    return render(request, "notifications/preferences.html", context)
