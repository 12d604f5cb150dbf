"""The maintenance calendar (issue 14 point 7): a month view of the visits per team member
(FullCalendar, vendored), its JSON events, and each technician's iCalendar feed behind a
secret URL they can reset.

- ``/pemeliharaan/kalender/``: the month view, for the Diskominfo side of an agency, with
  the signed-in user's feed address and a reset button.
- ``/pemeliharaan/kalender/acara.json?start=…&end=…&member=<user id>``: the events of a
  period (ISO 8601 dates or times, at most 100 days apart), FullCalendar's shape.
- ``/pemeliharaan/kalender/<token>.ics``: the feed, no login (the token is the secret);
  an unknown or reset token, an inactive user or agency: 404.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jaga.maintenance.agenda import agenda, feed_for, member_of_feed, reset_feed
from jaga.maintenance.ical import feed_calendar
from jaga.maintenance.permissions import may_edit_checklists
from jaga.maintenance.services import FIRST_YEAR, LAST_YEAR
from jaga.maintenance.views import staff_user
from jaga.org.models import User

#: The widest period the JSON endpoint answers (a month view asks for six weeks).
MAX_PERIOD = dt.timedelta(days=100)
#: What the feed covers around now.
FEED_PAST = dt.timedelta(days=31)
FEED_FUTURE = dt.timedelta(days=366)

_COLOURS = {"planned": "#667382", "open": "#206bc4", "closed": "#2fb344", "cancelled": "#adb5bd"}


def _members(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(
            agency_id=agency_id, opd__isnull=True, is_active=True, employee__is_active=True
        )
        .select_related("employee")
        .order_by("employee__name")
    )


@login_required
@require_safe
def month(request: HttpRequest) -> HttpResponse:
    """The month view, filtered to one team member with ``?member=<id>``."""
    user = staff_user(request)
    feed = feed_for(user)
    feed_url = request.build_absolute_uri(reverse("maintenance:feed", args=[feed.token]))
    return render(
        request,
        "maintenance/calendar.html",
        {
            "members": _members(user.agency_id or 0),
            "show_checklists": may_edit_checklists(user),
            "member": request.GET.get("member", ""),
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            "agency_now": timezone.localtime().replace(tzinfo=None).isoformat(timespec="seconds"),
        },
    )


def _moment(value: str) -> dt.datetime | None:
    """``value`` (ISO 8601 date or time) as an aware time; one without an offset is the
    agency's wall-clock time (the active zone, set per request). None for anything else,
    and for a year outside ``FIRST_YEAR``..``LAST_YEAR`` (the plans' own bounds)."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time())
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            return None  # no calendar that far; near year 1 or 9999 it would overflow
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
    except (ValueError, OverflowError):
        return None
    return moment


@login_required
@require_safe
def events(request: HttpRequest) -> HttpResponse:
    """The events of ``start``..``end`` as FullCalendar event objects (400 on bad input)."""
    user = staff_user(request)
    start = _moment(request.GET.get("start", ""))
    end = _moment(request.GET.get("end", ""))
    if start is None or end is None or not start < end <= start + MAX_PERIOD:
        return HttpResponseBadRequest(
            _("Give start and end as ISO 8601 dates, at most 100 days apart.")
        )
    member = None
    member_id = request.GET.get("member", "")
    if member_id:
        member = next((m for m in _members(user.agency_id or 0) if str(m.pk) == member_id), None)
        if member is None:
            return HttpResponseBadRequest(_("Unknown team member."))
    found = agenda(user.agency_id or 0, start, end, member)
    zone = ZoneInfo(user.agency.timezone) if user.agency is not None else dt.UTC

    def wall(moment: dt.datetime) -> str:
        # The agency's wall-clock time without an offset: the page runs FullCalendar in
        # its "UTC" zone with ``now`` given the same way, so every browser shows the
        # agency's times whatever its own zone (FullCalendar needs a plugin for named
        # zones).
        return moment.astimezone(zone).replace(tzinfo=None).isoformat()

    return JsonResponse(
        [
            {
                "id": event.uid,
                "title": event.title,
                "start": wall(event.start),
                "end": wall(event.end),
                "url": event.path,
                "color": "#d63939" if event.late else _COLOURS.get(event.state, "#667382"),
                "extendedProps": {"state": event.state, "sites": list(event.sites)},
            }
            for event in found
        ],
        safe=False,
    )


@login_required
@require_POST
def feed_reset(request: HttpRequest) -> HttpResponse:
    """Give the signed-in user a new feed address."""
    user = staff_user(request)
    reset_feed(user)
    return HttpResponseRedirect(reverse("maintenance:calendar") + "#feed")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed of the user holding ``token``."""
    member = member_of_feed(token)
    if member is None or member.agency_id is None:
        raise Http404
    now = timezone.now()
    found = agenda(member.agency_id, now - FEED_PAST, now + FEED_FUTURE, member, now=now)
    employee = getattr(member, "employee", None)
    name = _("Jaga maintenance: %(name)s") % {
        "name": employee.name if employee is not None else member.get_username()
    }
    response = HttpResponse(
        feed_calendar(name, found, now), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
