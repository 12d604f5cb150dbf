"""Writing notifications and reading them (issue 15 points 1, 2 and 4).

``notify`` is called by the receivers of the engine's events (and by the monitor, the
scheduler) inside the transaction of the event: it writes one ``Notification`` per
recipient and one outbox ``Delivery`` per outside channel the recipient can receive on and
has not turned off, and queues their delivery once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jaga import deferred
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


@dataclass(frozen=True)
class _Telling:
    """One ``notify`` call: who to tell what, for which agency, at what instant."""

    agency: Agency
    people: list[Recipient]
    notice: Notice
    at: dt.datetime


def _telling(
    agency: Agency, recipients: Iterable[Recipient | User], notice: Notice, at: dt.datetime | None
) -> _Telling:
    people = [r if isinstance(r, Recipient) else Recipient(r) for r in recipients]
    people = list({r.user.pk: r for r in people if r.user.is_active}.values())
    return _Telling(agency, people, notice, at or timezone.now())


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
    return _write([_telling(agency, recipients, notice, at)])


def notify_later(
    agency: Agency,
    recipients: Iterable[Recipient | User],
    notice: Notice,
    at: dt.datetime | None = None,
) -> None:
    """``notify``, gathered with the other notices of the operation under way (a step
    completion: the reporter's news and the next step's people) into the same four
    statements at its end (``jaga.deferred``); at once outside a gathering. For the
    receivers of the engine's events, which need no return value."""
    deferred.add(_write, _telling(agency, recipients, notice, at))


def _write(tellings: Sequence[_Telling]) -> list[Notification]:
    """Write the notifications and deliveries of ``tellings`` in four statements (see
    ``notify``); returns the new notifications."""
    tellings = [telling for telling in tellings if telling.people]
    if not tellings:
        return []
    users = list({p.user.pk: p.user for t in tellings for p in t.people}.values())
    kinds = {t.notice.kind for t in tellings}
    rows = Preference.objects.filter(user__in=[user.pk for user in users], kind__in=kinds)
    chosen = {(row.user_id, row.kind, row.channel): row.enabled for row in rows}
    outside = channels()
    wanted = {
        channel: [
            user
            for user in users
            if any(chosen.get((user.pk, kind, channel), default_enabled(kind)) for kind in kinds)
        ]
        for channel in outside
    }
    reachable = {
        channel: outside[channel].available_among(people) if people else set()
        for channel, people in wanted.items()
    }
    new: list[dict[str, Any]] = []
    told: list[_Telling] = []  # the telling of each row of ``new``
    for telling in tellings:
        notice = telling.notice
        for person in telling.people:
            params = dict(notice.params)
            params.setdefault("zone", telling.agency.timezone)
            if person.acting_as:
                params["acting"] = person.acting_as
            new.append(
                {
                    "agency_id": telling.agency.pk,
                    "recipient_id": person.user.pk,
                    "kind": notice.kind,
                    "key": notice.key,
                    "params": params,
                    "url": notice.url,
                    "case_id": notice.case_id,
                    "step_id": notice.step_id,
                    "urgent": notice.urgent,
                    "created_at": telling.at,
                    "read_at": None,
                }
            )
            told.append(telling)
    inserted = {
        (recipient_id, key): pk
        for pk, recipient_id, key in insert_new(Notification, new, ["id", "recipient_id", "key"])
    }
    made = [
        (Notification(pk=inserted[row["recipient_id"], row["key"]], **row), telling)
        for row, telling in zip(new, told, strict=True)
        if (row["recipient_id"], row["key"]) in inserted
    ]
    # When each notice's deliveries may go out.
    not_befores = {id(t): send_after(t.agency, t.at, t.notice.urgent) for t in tellings}
    deliveries: list[Delivery] = []
    queued: list[Delivery] = []
    for notification, telling in made:
        not_before = not_befores[id(telling)]
        for channel in outside:
            wants = chosen.get(
                (notification.recipient_id, notification.kind, channel),
                default_enabled(notification.kind),
            )
            if wants and notification.recipient_id in reachable[channel]:
                delivery = Delivery(
                    notification_id=notification.pk,
                    channel=channel,
                    idempotency_key=f"{notification.pk}:{channel}",
                    not_before=not_before,
                )
                deliveries.append(delivery)
                if not_before <= telling.at:
                    queued.append(delivery)
    Delivery.objects.bulk_create(deliveries)
    if queued:
        ids = [delivery.pk for delivery in queued]
        # Robust: a queue that is down must not fail the committed action; the scheduler's
        # sweep queues what was not queued (``delivery.sweep``).
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return [notification for notification, _ in made]


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
