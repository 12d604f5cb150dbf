"""The documents' part of each ``jaga scheduler`` pass (``JAGA_SCHEDULER_PASSES``): queue
again the rendering of documents whose PDF a lost task never archived.

A document's PDF is rendered by the task queued when it is issued
(``services.queue_render``). A worker killed while rendering (SIGKILL, its machine gone)
leaves no PDF: RQ only notices the abandoned job once its heartbeat expires and a worker's
maintenance runs, minutes later, and then moves it to the failed jobs without running it
again (``StartedJobRegistry.cleanup``, ``AbandonedJobError``, for jobs without retries);
the database backend leaves it running for ever; a Redis that lost its queue drops it. So
``run_once`` queues again every document still without a PDF ``JAGA_RENDER_LEASE_SECONDS``
after it was issued; while it stays without one, again after two leases, four, eight… up
to a day (a rendering that keeps failing is not retried at every pass). The waits are
counted in this process: a scheduler that restarts queues each such document once more.

A second rendering of the same document is harmless: ``pdf_bytes`` archives exactly one
PDF (compare-and-set on the empty digest; the loser deletes its file), so a task queued
again while the first one still runs, or by two schedulers, costs time and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from jaga.documents.models import Document, NumberedBy

#: The longest wait between two requeueings of the same document.
MAX_WAIT = dt.timedelta(days=1)

#: Document id -> when this process last queued its rendering again, and how many times.
_requeued: dict[int, tuple[dt.datetime, int]] = {}


def lease() -> dt.timedelta:
    """How long a rendering may take before it is queued again:
    ``JAGA_RENDER_LEASE_SECONDS`` (default 300)."""
    return dt.timedelta(seconds=settings.JAGA_RENDER_LEASE_SECONDS)


def unrendered(now: dt.datetime, limit: int) -> list[int]:
    """The ids of the documents without an archived PDF, issued at least one lease before
    ``now``, that wait for no SRIKANDI number; oldest first, at most ``limit``."""
    return list(
        Document.objects.filter(sha256="", issued_at__lte=now - lease())
        .exclude(Q(numbered_by=NumberedBy.SRIKANDI) & Q(number=""))
        .order_by("issued_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def requeue_renders(now: dt.datetime, limit: int = 1000) -> int:
    """Queue again the rendering of each ``unrendered`` document that this process has not
    queued again ``n`` times within the last ``2**n`` leases (at most ``MAX_WAIT``);
    returns how many were queued."""
    from jaga.documents.services import queue_render

    found = unrendered(now, limit)
    current = set(found)
    for pk in [pk for pk in _requeued if pk not in current]:
        del _requeued[pk]  # rendered since
    queued = 0
    for pk in found:
        last, times = _requeued.get(pk, (None, 0))
        if last is not None and now - last < min(lease() * 2**times, MAX_WAIT):
            continue
        queue_render(pk)
        _requeued[pk] = (now, times + 1)
        queued += 1
    return queued


def run_once(clock: Callable[[], dt.datetime] = timezone.now, batch: int = 500) -> int:
    """One scheduler pass: ``requeue_renders`` at ``clock()``, at most ``batch * 2``
    documents. Returns how many renderings were queued."""
    return requeue_renders(clock(), limit=batch * 2)
