"""Writing notifications and reading them (issue 15 points 1, 2 and 4).

``notify`` is called by the receivers of the engine's events (and by the monitor, the
scheduler) inside the transaction of the event: it writes one ``Notification`` per
recipient and one outbox ``Delivery`` per outside channel the recipient can receive on and
has not turned off, and queues their delivery once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jaga.notifications.channels import channels
from jaga.notifications.models import (
    OUTBOX_CHANNELS,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    Preference,
)
from jaga.notifications.recipients import Recipient
from jaga.org.models import User
from jaga.sql import insert_new
from jaga.tenancy.models import Agency
from jaga.tenancy.services import working_calendar


@dataclass(frozen=True)
class Notice:
    """What to tell: ``kind``, the event ``key`` (unique per recipient), the facts for
    the text (``params``), the page to open (``url``, a path), the case and step it is
    about, and whether it is ``urgent`` (sent at once, even outside working hours)."""

    kind: NotificationKind
    key: str
    params: Mapping[str, Any]
    url: str = ""
    case_id: int | None = None
    step_id: int | None = None
    urgent: bool = False


#: Kinds that go out only to those who ask for them (the digest repeats the inbox).
OPT_IN = frozenset({NotificationKind.DIGEST})


def default_enabled(kind: str) -> bool:
    """Whether ``kind`` goes out on a channel the user has not chosen for: every kind but
    the opt-in ones (``OPT_IN``)."""
    return kind not in OPT_IN


def choices_of(users: Iterable[User], kind: str) -> dict[tuple[int, str], bool]:
    """The (user id, channel) choices ``users`` made for ``kind`` (``Preference`` rows)."""
    rows = Preference.objects.filter(user__in=[user.pk for user in users], kind=kind)
    return {(row.user_id, row.channel): row.enabled for row in rows}


def preferences_of(user: User) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) of the outside channels for ``user``: their choice, else the
    default (``default_enabled``)."""
    chosen = {(row.kind, row.channel): row.enabled for row in Preference.objects.filter(user=user)}
    return {
        (kind, channel): chosen.get((kind, channel), default_enabled(kind))
        for kind in NotificationKind.values
        for channel in OUTBOX_CHANNELS
    }


def save_preferences(user: User, wanted: Mapping[tuple[str, str], bool]) -> None:
    """Record ``user``'s choices (``(kind, channel) -> on``) in one transaction: a row
    where the choice differs from the default, none where it matches it."""
    with transaction.atomic():
        for (kind, channel), enabled in wanted.items():
            rows = Preference.objects.filter(user=user, kind=kind, channel=channel)
            if enabled == default_enabled(kind):
                rows.delete()
            else:
                Preference.objects.update_or_create(
                    user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
                )


def send_after(agency: Agency, at: dt.datetime, urgent: bool) -> dt.datetime:
    """When a notice made at ``at`` may go out: at once when ``urgent`` or in the agency's
    working hours, else at the next working start (issue 15 point 3: "non-urgent notices
    are not sent outside working hours"). UTC."""
    if urgent:
        return at
    return working_calendar(agency).next_working_instant(at)


def notify(
    agency: Agency,
    recipients: Iterable[Recipient | User],
    notice: Notice,
    at: dt.datetime | None = None,
) -> list[Notification]:
    """Tell ``recipients`` (users, or ``Recipient`` with their acting ground, which goes
    into the text) about ``notice`` at ``at`` (default now). Runs in the caller's
    transaction. A recipient already told under ``notice.key`` is skipped by the database
    (``jaga.sql.insert_new``: two writers of the same event at once tell them once).
    Returns the new notifications; their deliveries are queued after commit.

    Four statements whatever the number of recipients (issue 19 point 2): their channel
    choices, who of them has a browser subscribed (and a chat linked, with Telegram), the
    notifications, the deliveries."""
    at = at or timezone.now()
    people = [r if isinstance(r, Recipient) else Recipient(r) for r in recipients]
    people = list({r.user.pk: r for r in people if r.user.is_active}.values())
    if not people:
        return []
    users = [person.user for person in people]
    chosen = choices_of(users, notice.kind)
    default = default_enabled(notice.kind)
    outside = channels()
    wanting = {
        channel: [user for user in users if chosen.get((user.pk, channel), default)]
        for channel in outside
    }
    reachable = {
        channel: outside[channel].available_among(wanted) if wanted else set()
        for channel, wanted in wanting.items()
    }
    rows: list[dict[str, Any]] = []
    for person in people:
        params = dict(notice.params)
        params.setdefault("zone", agency.timezone)
        if person.acting_as:
            params["acting"] = person.acting_as
        rows.append(
            {
                "agency_id": agency.pk,
                "recipient_id": person.user.pk,
                "kind": notice.kind,
                "key": notice.key,
                "params": params,
                "url": notice.url,
                "case_id": notice.case_id,
                "step_id": notice.step_id,
                "urgent": notice.urgent,
                "created_at": at,
                "read_at": None,
            }
        )
    inserted = {
        recipient_id: pk
        for pk, recipient_id in insert_new(Notification, rows, ["id", "recipient_id"])
    }
    made = [
        Notification(pk=inserted[row["recipient_id"]], **row)
        for row in rows
        if row["recipient_id"] in inserted
    ]
    not_before = send_after(agency, at, notice.urgent)
    deliveries = [
        Delivery(
            notification_id=notification.pk,
            channel=channel,
            idempotency_key=f"{notification.pk}:{channel}",
            not_before=not_before,
        )
        for notification in made
        for channel in outside
        if notification.recipient_id in reachable[channel]
    ]
    queued = [delivery.pk for delivery in Delivery.objects.bulk_create(deliveries)]
    if queued and not_before <= at:
        # Robust: a queue that is down must not fail the committed action; the scheduler's
        # sweep queues what was not queued (``delivery.sweep``).
        transaction.on_commit(lambda: _enqueue(queued), robust=True)
    return made


def _enqueue(ids: list[int]) -> None:
    from jaga.notifications.delivery import enqueue

    enqueue(ids)


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread (the bell's badge)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: User, ids: Iterable[int] | None = None, at: dt.datetime | None = None) -> int:
    """Mark ``user``'s notifications ``ids`` (all unread ones when None) read at ``at``;
    returns how many changed. Another user's ids are ignored."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=at or timezone.now())


def pending_deliveries() -> int:
    """Deliveries not yet sent or given up (for the operator's health page)."""
    return Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    ).count()
