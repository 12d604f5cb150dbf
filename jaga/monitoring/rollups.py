"""Results rolled up per minute, hour and day (issue 7, "Availability").

The monitor counts each run in its minute's ``Bucket`` in memory and ``write_minutes``
adds the finished minutes to ``ResultMinute`` (adding to a row already there: late results
of an agent, a second monitor process). ``roll_up`` recomputes the hours and days those
minutes fall in. ``prune`` keeps minutes for ``MINUTE_DAYS`` days and hours for
``HOUR_DAYS`` days; days are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from jaga.monitoring.models import ResultDay, ResultHour, ResultMinute, Rollup
from jaga.monitoring.state import RunClass

#: Days of minute rows kept.
MINUTE_DAYS = 2
#: Days of hour rows kept.
HOUR_DAYS = 90
_COUNTS = ("n_up", "n_down", "n_unreachable", "n_maintenance")


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


def minute_of(at: float) -> int:
    """The UNIX second that starts the minute of ``at`` (UNIX seconds)."""
    return int(at // 60) * 60


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def write_minutes(buckets: Mapping[tuple[int, int], Bucket]) -> set[dt.datetime]:
    """Add ``buckets`` ({(check id, minute start in UNIX seconds): Bucket}) to
    ``ResultMinute`` in one transaction; returns the UTC hours touched (for ``roll_up``).
    Checks deleted meanwhile are skipped."""
    if not buckets:
        return set()
    from jaga.monitoring.models import Check

    live = set(
        Check.objects.filter(pk__in={check for check, _ in buckets}).values_list("pk", flat=True)
    )
    wanted = {(c, _utc(m)): b for (c, m), b in buckets.items() if c in live}
    with transaction.atomic():
        existing = {
            (row.monitor_check_id, row.start): row
            for row in ResultMinute.objects.filter(
                monitor_check_id__in={c for c, _ in wanted}, start__in={s for _, s in wanted}
            )
        }
        new, changed = [], []
        for (check, start), bucket in wanted.items():
            row = existing.get((check, start))
            if row is None:
                new.append(ResultMinute(monitor_check_id=check, start=start, **_values(bucket)))
            else:
                _merge(row, bucket)
                changed.append(row)
        ResultMinute.objects.bulk_create(new, batch_size=500)
        ResultMinute.objects.bulk_update(
            changed, [*_COUNTS, "rtt_sum_ms", "rtt_count", "rtt_min_ms", "rtt_max_ms"], 500
        )
    return {start.replace(minute=0) for _, start in wanted}


def _values(bucket: Bucket) -> dict[str, float | int | None]:
    return {
        "n_up": bucket.n_up,
        "n_down": bucket.n_down,
        "n_unreachable": bucket.n_unreachable,
        "n_maintenance": bucket.n_maintenance,
        "rtt_sum_ms": bucket.rtt_sum_ms,
        "rtt_count": bucket.rtt_count,
        "rtt_min_ms": bucket.rtt_min_ms,
        "rtt_max_ms": bucket.rtt_max_ms,
    }


def _merge(row: Rollup, bucket: Bucket) -> None:
    for name in _COUNTS:
        setattr(row, name, getattr(row, name) + getattr(bucket, name))
    row.rtt_sum_ms += bucket.rtt_sum_ms
    row.rtt_count += bucket.rtt_count
    for name, pick in (("rtt_min_ms", min), ("rtt_max_ms", max)):
        values = [v for v in (getattr(row, name), getattr(bucket, name)) if v is not None]
        setattr(row, name, pick(values) if values else None)


def _recompute(
    source: type[ResultMinute | ResultHour],
    target: type[ResultHour | ResultDay],
    start: dt.datetime,
    end: dt.datetime,
) -> None:
    """Replace ``target``'s rows starting at ``start`` by the sums of ``source``'s rows in
    [start, end)."""
    sums = (
        source.objects.filter(start__gte=start, start__lt=end)
        .values("monitor_check_id")
        .annotate(
            **{name: Sum(name) for name in (*_COUNTS, "rtt_sum_ms", "rtt_count")},
            rtt_min_ms=Min("rtt_min_ms"),
            rtt_max_ms=Max("rtt_max_ms"),
        )
    )
    rows: list[Any] = [target(start=start, **row) for row in sums]
    target.objects.filter(start=start).delete()
    target.objects.bulk_create(rows, batch_size=500)


def roll_up(hours: Iterable[dt.datetime], now: dt.datetime | None = None) -> None:
    """Recompute ``ResultHour`` for each UTC hour in ``hours`` from the minutes, then
    ``ResultDay`` for their UTC days from the hours; one transaction. Hours whose minutes
    may be pruned already (older than ``MINUTE_DAYS`` before ``now``) are left alone."""
    now = now or timezone.now()
    oldest = now - dt.timedelta(days=MINUTE_DAYS) + dt.timedelta(hours=1)
    hours = sorted(hour for hour in set(hours) if hour >= oldest)
    with transaction.atomic():
        for hour in hours:
            _recompute(ResultMinute, ResultHour, hour, hour + dt.timedelta(hours=1))
        for day in sorted({hour.replace(hour=0) for hour in hours}):
            _recompute(ResultHour, ResultDay, day, day + dt.timedelta(days=1))


def prune(now: dt.datetime) -> int:
    """Delete minute rows older than ``MINUTE_DAYS`` and hour rows older than
    ``HOUR_DAYS`` days before ``now``; returns the rows deleted."""
    minutes, _ = ResultMinute.objects.filter(
        start__lt=now - dt.timedelta(days=MINUTE_DAYS)
    ).delete()
    hours, _ = ResultHour.objects.filter(start__lt=now - dt.timedelta(days=HOUR_DAYS)).delete()
    return minutes + hours
