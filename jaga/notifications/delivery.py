"""Delivering the outbox exactly once per notification and channel (issue 15 point 1).

``deliver(pk)`` is the task queue's job for one ``Delivery``:

1. **claim** it by compare-and-set: a row ``PENDING`` and due (``not_before``), or
   ``SENDING`` whose ``lease_until`` has passed (its worker died), becomes ``SENDING`` with
   a fresh ``claim`` token and lease; the claim commits before anything is sent. Of two
   workers given the same row, one claims it and the other does nothing.
2. **send** it on its channel, outside any transaction.
3. **finish**: ``SENT`` (only where the row still carries this worker's claim), or back to
   ``PENDING`` with a later ``not_before`` after a temporary failure (``RETRY_MINUTES``),
   ``FAILED`` after ``MAX_ATTEMPTS`` or a permanent one.

``sweep(now)`` is the safety net ``jaga scheduler`` runs every pass: it queues again every
delivery that is due and was never queued or was queued more than ``REQUEUE_AFTER`` ago
(a queue that lost its job, a notice held until the working day starts) and every expired
claim. A worker killed with SIGKILL mid-send leaves its row ``SENDING``; once its lease
expires the sweep queues it and another worker sends it. The one window this cannot close
is a kill after the server accepted the message and before step 3 commits: the message
then goes out twice, with the same idempotency key (the e-mail's ``Message-ID``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone, translation

from jaga.notifications.channels import Permanent, Temporary, channels
from jaga.notifications.messages import render
from jaga.notifications.models import Channel, Delivery, DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: Minutes to wait after the n-th failed attempt (the last value repeats).
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)
REQUEUE_AFTER = dt.timedelta(minutes=2)


def lease() -> dt.timedelta:
    """How long a claim lasts: ``JAGA_DELIVERY_LEASE_SECONDS`` (default 300)."""
    return dt.timedelta(seconds=settings.JAGA_DELIVERY_LEASE_SECONDS)


def claim(pk: int, now: dt.datetime) -> Delivery | None:
    """Claim delivery ``pk`` for this worker at ``now`` (see the module docstring); the
    claimed row with its notification and recipient, or None when it is not this
    worker's to send (sent, claimed by a live worker, not yet due)."""
    token = uuid.uuid4().hex
    claimable = Q(status=DeliveryStatus.PENDING, not_before__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )
    changed = Delivery.objects.filter(claimable, pk=pk).update(
        status=DeliveryStatus.SENDING,
        claim=token,
        lease_until=now + lease(),
        attempts=F("attempts") + 1,
    )
    if changed != 1:
        return None
    return Delivery.objects.select_related("notification__recipient", "notification__agency").get(
        pk=pk, claim=token
    )


def link_for(path: str) -> str:
    """The absolute address of ``path`` on this Jaga (``JAGA_PUBLIC_URL``); "" for none."""
    if not path:
        return ""
    return settings.JAGA_PUBLIC_URL.rstrip("/") + path


def deliver(pk: int, now: dt.datetime | None = None) -> str:
    """Send delivery ``pk`` once (see the module docstring); returns its status afterwards
    (``"skipped"`` when this call did not claim it)."""
    delivery = claim(pk, now or timezone.now())
    if delivery is None:
        return "not claimed"
    backend = channels().get(Channel(delivery.channel))
    mine = Delivery.objects.filter(pk=pk, claim=delivery.claim, status=DeliveryStatus.SENDING)
    if backend is None:
        mine.update(status=DeliveryStatus.FAILED, error="channel not configured")
        return DeliveryStatus.FAILED
    notification = delivery.notification
    with translation.override(settings.LANGUAGE_CODE):
        message = render(notification)
        try:
            backend.send(delivery, message, link_for(notification.url))
        except Permanent as exc:
            mine.update(status=DeliveryStatus.FAILED, error=str(exc)[:2000], lease_until=None)
            log.warning("delivery %s failed for good: %s", delivery.idempotency_key, exc)
            return DeliveryStatus.FAILED
        except Temporary as exc:
            return _retry(delivery, str(exc))
    mine.update(status=DeliveryStatus.SENT, sent_at=timezone.now(), error="", lease_until=None)
    return DeliveryStatus.SENT


def _retry(delivery: Delivery, error: str) -> str:
    """Give a failed attempt back to the outbox, or give up after ``MAX_ATTEMPTS``."""
    mine = Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim)
    if delivery.attempts >= MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.FAILED, error=error[:2000], lease_until=None)
        log.warning("delivery %s gave up: %s", delivery.idempotency_key, error)
        return DeliveryStatus.FAILED
    wait = RETRY_MINUTES[min(delivery.attempts, len(RETRY_MINUTES)) - 1]
    mine.update(
        status=DeliveryStatus.PENDING,
        not_before=timezone.now() + dt.timedelta(minutes=wait),
        enqueued_at=None,
        error=error[:2000],
        lease_until=None,
    )
    log.info("delivery %s will be tried again in %d min: %s", delivery.idempotency_key, wait, error)
    return DeliveryStatus.PENDING


def enqueue(ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Queue a ``deliver`` job for each delivery in ``ids`` and note when; returns how
    many were queued."""
    from jaga.notifications.tasks import deliver_notification

    ids = list(ids)
    for pk in ids:
        deliver_notification.enqueue(pk)
    Delivery.objects.filter(pk__in=ids).update(enqueued_at=now or timezone.now())
    return len(ids)


def sweep(now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Queue again the deliveries that are due and not in the queue, and the expired
    claims (see the module docstring); at most ``limit`` per call. Returns how many."""
    now = now or timezone.now()
    due = Q(status=DeliveryStatus.PENDING, not_before__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    )
    expired = Q(status=DeliveryStatus.SENDING, lease_until__lt=now) & (
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=F("lease_until"))
        | Q(enqueued_at__lt=now - REQUEUE_AFTER)
    )
    ids = list(Delivery.objects.filter(due | expired).values_list("pk", flat=True)[:limit])
    return enqueue(ids, now)
