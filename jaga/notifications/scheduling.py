"""The notifications' part of each ``jaga scheduler`` pass (``JAGA_SCHEDULER_PASSES``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from jaga.notifications import delivery, reminders
from jaga.notifications.digest import run_digests


def run_once(clock: Callable[[], dt.datetime] = timezone.now, batch: int = 500) -> int:
    """Fire the due reminders and escalations (``reminders.run_due``), write the daily
    digests due (``digest.run_digests``), then queue the outbox rows that are due and not
    queued, or whose worker died (``delivery.sweep``). Returns how many reminders fired,
    digests were written and rows were queued."""
    fired = reminders.run_due(clock(), batch)
    fired += run_digests(clock())
    return fired + delivery.sweep(clock(), limit=batch * 2)
