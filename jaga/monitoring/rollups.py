"""Results rolled up per minute, hour and day (issue 7, "Availability").

The monitor counts each run in its minute's ``Bucket`` in memory and ``write_minutes``
adds the finished minutes to ``ResultMinute`` (adding to a row already there: late results
of an agent, a second monitor process). ``roll_up`` recomputes the hours and days those
minutes fall in. ``prune`` keeps minutes for ``MINUTE_DAYS`` days and hours for
``HOUR_DAYS`` days; days are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from jaga.monitoring.bulk import chunks, update_rows
from jaga.monitoring.models import ResultDay, ResultHour, ResultMinute, Rollup
from jaga.monitoring.state import RunClass

#: Days of minute rows kept.
MINUTE_DAYS = 2
#: Days of hour rows kept.
HOUR_DAYS = 90
_COUNTS = ("n_up", "n_down", "n_unreachable", "n_maintenance")
_BUCKET_FIELDS = (*_COUNTS, "rtt_sum_ms", "rtt_count", "rtt_min_ms", "rtt_max_ms")


@dataclass(slots=True)
class Bucket:
    """Counts of one check's runs in one minute, by ``RunClass``, and their round-trip
    times in milliseconds."""

    n_up: int = 0
    n_down: int = 0
    n_unreachable: int = 0
    n_maintenance: int = 0
    rtt_sum_ms: float = 0.0
    rtt_count: int = 0
    rtt_min_ms: float | None = None
    rtt_max_ms: float | None = None

    def add(self, run: RunClass, rtt_ms: float | None) -> None:
        """Count one run of class ``run`` with its round-trip time (ms, or None)."""
        name = f"n_{run.value}"
        setattr(self, name, getattr(self, name) + 1)
        if rtt_ms is not None:
            self.rtt_sum_ms += rtt_ms
            self.rtt_count += 1
            self.rtt_min_ms = rtt_ms if self.rtt_min_ms is None else min(self.rtt_min_ms, rtt_ms)
            self.rtt_max_ms = rtt_ms if self.rtt_max_ms is None else max(self.rtt_max_ms, rtt_ms)

    def absorb(self, other: Bucket) -> None:
        """Add ``other``'s counts and times to this bucket."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rtt_sum_ms += other.rtt_sum_ms
        self.rtt_count += other.rtt_count
        for name, pick in (("rtt_min_ms", min), ("rtt_max_ms", max)):
            values = [v for v in (getattr(self, name), getattr(other, name)) if v is not None]
            setattr(self, name, pick(values) if values else None)


def minute_of(at: float) -> int:
    """The UNIX second that starts the minute of ``at`` (UNIX seconds)."""
    return int(at // 60) * 60


def horizon(now: dt.datetime) -> dt.datetime:
    """The first UTC hour whose minutes are surely still kept at ``now`` (minutes live
    ``MINUTE_DAYS`` days; an hour of margin for the pruning)."""
    oldest = now - dt.timedelta(days=MINUTE_DAYS) + dt.timedelta(hours=1)
    return oldest.replace(minute=0, second=0, microsecond=0)


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _add(model: type[Rollup], buckets: Mapping[tuple[int, dt.datetime], Bucket]) -> None:
    """Add ``buckets`` ({(check id, period start): Bucket}) to ``model``'s rows, creating
    the missing ones (inside the caller's transaction)."""
    starts = {start for _, start in buckets}
    manager = model._default_manager
    existing = {
        (row.monitor_check_id, row.start): row
        for batch in chunks({c for c, _ in buckets})
        for row in manager.filter(monitor_check_id__in=batch, start__in=starts)
    }
    new, changed = [], []
    for (check, start), bucket in buckets.items():
        row = existing.get((check, start))
        if row is None:
            new.append(model(monitor_check_id=check, start=start, **_values(bucket)))
        else:
            _merge(row, bucket)
            changed.append(row)
    manager.bulk_create(new, batch_size=500)
    update_rows(
        model,
        _BUCKET_FIELDS,
        [{"pk": r.pk, **{name: getattr(r, name) for name in _BUCKET_FIELDS}} for r in changed],
    )


def _coarser(
    buckets: Mapping[tuple[int, dt.datetime], Bucket], period: str
) -> dict[tuple[int, dt.datetime], Bucket]:
    """``buckets`` summed per check and UTC ``period`` (``"hour"`` or ``"day"``)."""
    out: dict[tuple[int, dt.datetime], Bucket] = {}
    for (check, start), bucket in buckets.items():
        key = start.replace(minute=0) if period == "hour" else start.replace(hour=0, minute=0)
        out.setdefault((check, key), Bucket()).absorb(bucket)
    return out


def write_minutes(
    buckets: Mapping[tuple[int, int], Bucket], now: dt.datetime | None = None
) -> dict[dt.datetime, set[int]]:
    """Add ``buckets`` ({(check id, minute start in UNIX seconds): Bucket}) to
    ``ResultMinute`` in one transaction; returns the UTC hours touched with the checks
    touched in each (for ``roll_up``). Checks deleted meanwhile are skipped. Minutes too old
    for the minute table (an agent's results buffered for days: older than ``MINUTE_DAYS``
    before ``now`` less an hour) are added to their hour and day rows directly instead."""
    if not buckets:
        return {}
    from jaga.monitoring.models import Check

    live: set[int] = set()
    for batch in chunks({check for check, _ in buckets}):
        live.update(Check.objects.filter(pk__in=batch).values_list("pk", flat=True))
    oldest = horizon(now or timezone.now())
    wanted = {(c, _utc(m)): b for (c, m), b in buckets.items() if c in live}
    recent = {key: b for key, b in wanted.items() if key[1] >= oldest}
    old = {key: b for key, b in wanted.items() if key not in recent}
    with transaction.atomic():
        _add(ResultMinute, recent)
        if old:
            _add(ResultHour, _coarser(old, "hour"))
            _add(ResultDay, _coarser(old, "day"))
    touched: dict[dt.datetime, set[int]] = {}
    for check, start in recent:
        touched.setdefault(start.replace(minute=0), set()).add(check)
    return touched


def _values(bucket: Bucket) -> dict[str, float | int | None]:
    return {name: getattr(bucket, name) for name in _BUCKET_FIELDS}


def _merge(row: Rollup, bucket: Bucket) -> None:
    total = Bucket(**{name: getattr(row, name) for name in _BUCKET_FIELDS})
    total.absorb(bucket)
    for name in _BUCKET_FIELDS:
        setattr(row, name, getattr(total, name))


def _recompute(
    source: type[ResultMinute | ResultHour],
    target: type[ResultHour | ResultDay],
    start: dt.datetime,
    end: dt.datetime,
    checks: set[int],
) -> None:
    """Replace ``target``'s rows of ``checks`` starting at ``start`` by the sums of
    ``source``'s rows in [start, end)."""
    for batch in chunks(sorted(checks)):
        sums = (
            source.objects.filter(start__gte=start, start__lt=end, monitor_check_id__in=batch)
            .values("monitor_check_id")
            .annotate(
                **{name: Sum(name) for name in (*_COUNTS, "rtt_sum_ms", "rtt_count")},
                rtt_min_ms=Min("rtt_min_ms"),
                rtt_max_ms=Max("rtt_max_ms"),
            )
        )
        rows: list[Any] = [target(start=start, **row) for row in sums]
        target.objects.filter(start=start, monitor_check_id__in=batch).delete()
        target.objects.bulk_create(rows, batch_size=500)


def roll_up(hours: Mapping[dt.datetime, set[int]], now: dt.datetime | None = None) -> None:
    """Recompute ``ResultHour`` for each UTC hour of ``hours`` ({hour: check ids}) from the
    minutes, then ``ResultDay`` for their UTC days from the hours, for those checks only;
    one transaction. Hours whose minutes may be pruned already (older than ``MINUTE_DAYS``
    before ``now``) are left alone."""
    oldest = horizon(now or timezone.now())
    days: dict[dt.datetime, set[int]] = {}
    with transaction.atomic():
        for hour, checks in sorted(hours.items()):
            if hour < oldest or not checks:
                continue
            _recompute(ResultMinute, ResultHour, hour, hour + dt.timedelta(hours=1), checks)
            days.setdefault(hour.replace(hour=0), set()).update(checks)
        for day, checks in sorted(days.items()):
            _recompute(ResultHour, ResultDay, day, day + dt.timedelta(days=1), checks)


def prune(now: dt.datetime) -> int:
    """Delete minute rows older than ``MINUTE_DAYS`` and hour rows older than
    ``HOUR_DAYS`` days before ``now``; returns the rows deleted."""
    minutes, _ = ResultMinute.objects.filter(
        start__lt=now - dt.timedelta(days=MINUTE_DAYS)
    ).delete()
    hours, _ = ResultHour.objects.filter(start__lt=now - dt.timedelta(days=HOUR_DAYS)).delete()
    return minutes + hours
