"""The daily digest (issue 15 point 4): at the start of each working day, the users who
asked for it (``Preference`` of kind ``digest``) get one notice counting what waits for
them in Tugas Saya, how much of it is due before the working day ends, and how much is
late. Run by each ``jaga scheduler`` pass; one digest per user and local date
(``digest:<date>``), none on a day off and none when nothing waits.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jaga.notifications.models import Notification, NotificationKind, Preference
from jaga.notifications.services import Notice, notify
from jaga.org.models import User
from jaga.tenancy.models import Agency
from jaga.tenancy.services import working_calendar
from jaga.workflow.permissions import inbox


def _inbox_url() -> str:
    try:
        return reverse("workflow:inbox")
    except NoReverseMatch:
        return ""


def run_digests(now: dt.datetime | None = None) -> int:
    """Write today's digests that are due at ``now`` (UTC); returns how many."""
    now = now or timezone.now()
    subscribers = (
        Preference.objects.filter(kind=NotificationKind.DIGEST, enabled=True)
        .values_list("user__agency_id", flat=True)
        .distinct()
    )
    made = 0
    for agency in Agency.objects.filter(pk__in=list(subscribers), is_active=True):
        made += _agency_digests(agency, now)
    return made


def _agency_digests(agency: Agency, now: dt.datetime) -> int:
    calendar = working_calendar(agency)
    today = now.astimezone(ZoneInfo(agency.timezone)).date()
    spans = calendar.working_intervals(today)
    if not spans or now < spans[0][0]:
        return 0  # a day off, or the working day has not begun
    day_ends = spans[-1][1]
    key = f"digest:{today.isoformat()}"
    done = Notification.objects.filter(agency=agency, key=key).values_list("recipient_id")
    users = User.objects.filter(
        agency=agency,
        is_active=True,
        notification_preferences__kind=NotificationKind.DIGEST,
        notification_preferences__enabled=True,
    ).exclude(pk__in=done)
    made = 0
    for user in users.distinct():
        counts = inbox(user, now).aggregate(
            waiting=Count("pk"),
            late=Count("pk", filter=Q(due_at__lt=now)),
            near=Count("pk", filter=Q(due_at__gte=now, due_at__lte=day_ends)),
        )
        if not counts["waiting"]:
            continue
        notice = Notice(NotificationKind.DIGEST, key, counts, url=_inbox_url())
        made += len(notify(agency, [user], notice, now))
    return made
