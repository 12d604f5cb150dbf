"""Availability of checks, devices, sites and OPDs over a period (issue 7, "Availability"),
read from the rollups (``jaga.monitoring.rollups``).

**Definition.** The availability of a set of checks over a period is
``up / (up + down)``, summed over all their runs in the period: ``up`` the runs that
succeeded, ``down`` those that failed while the check's parents answered. Runs that failed
because a parent was failing (``unreachable``: the outage is the parent's) and runs inside a
maintenance window (``maintenance``) are left out of both. A check runs at a fixed interval,
so its run counts measure time; a device, a site or an OPD is the sum of all its checks'
runs (a check every 10 s weighs six times one every minute). With no counted run the ratio
is ``None`` (shown as "—"), never 0 or 1.

**Which table.** ``table_for`` picks the finest rollup table that still holds the period:
``ResultMinute`` when the period lasts at most ``rollups.MINUTE_DAYS`` (2) days and starts
within the minutes kept, ``ResultHour`` when it lasts at most ``rollups.HOUR_DAYS`` (90) days
and starts within the hours kept, ``ResultDay`` otherwise. A row counts whole when its bucket
*starts* inside [start, end): the period is in effect rounded to the table's grain (a bucket
that begins before ``start`` is left out, one that begins before ``end`` and runs past it is
counted whole). Over the pages' periods the error is at most one bucket at each end: a
minute in 24 hours, an hour in 7 or 30 days.

Buckets are UTC minutes, hours and days; ``series`` groups them by the agency's local hour
or day (hour rows grouped by local date in Python, so a local day is exact in every
whole-hour zone such as WIB, WITA and WIT).

Every function here makes one query, whatever the number of checks (``checks`` may be a
queryset, used as a subquery).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from jaga.inventory.models import Device, Site
from jaga.monitoring.models import Check, ResultDay, ResultHour, ResultMinute
from jaga.monitoring.rollups import HOUR_DAYS, MINUTE_DAYS
from jaga.org.models import Opd

#: Checks as a queryset (used as a subquery) or as check ids.
Checks: TypeAlias = QuerySet[Check] | Iterable[int]
Step: TypeAlias = Literal["hour", "day"]
RollupTable: TypeAlias = type[ResultMinute] | type[ResultHour] | type[ResultDay]

_SUMS = {
    "up": Sum("n_up"),
    "down": Sum("n_down"),
    "unreachable": Sum("n_unreachable"),
    "maintenance": Sum("n_maintenance"),
    "rtt_sum": Sum("rtt_sum_ms"),
    "rtt_count": Sum("rtt_count"),
}


@dataclass(frozen=True, slots=True)
class Availability:
    """Runs of a set of checks in a period, by class (counts of runs), and the mean
    round-trip time of the runs that measured one (milliseconds, None without any)."""

    up: int = 0
    down: int = 0
    unreachable: int = 0
    maintenance: int = 0
    mean_rtt_ms: float | None = None

    @property
    def counted(self) -> int:
        """The runs that count: up and down."""
        return self.up + self.down

    @property
    def ratio(self) -> float | None:
        """``up / (up + down)``, 0..1; None when no run counts."""
        return self.up / self.counted if self.counted else None

    @property
    def percent(self) -> float | None:
        """``ratio`` in percent, 0..100; None when no run counts."""
        ratio = self.ratio
        return None if ratio is None else ratio * 100


@dataclass(frozen=True, slots=True)
class Point:
    """One bucket of a series: ``start`` (aware, in the agency's zone) of a local hour or
    day, the availability ratio (0..1, None without counted runs), and the runs up and down."""

    start: dt.datetime
    ratio: float | None
    up: int
    down: int


def _ids(checks: Checks) -> QuerySet[Any, Any] | list[int]:
    """``checks`` as the right-hand side of ``monitor_check_id__in``: a subquery of ids, or
    a list of ids."""
    if isinstance(checks, QuerySet):
        return checks.order_by().values("pk")
    return list(checks)


def table_for(start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None) -> RollupTable:
    """The rollup table that answers the period [start, end) (aware datetimes): minutes for
    at most ``MINUTE_DAYS`` days starting within the minutes kept (``now`` minus
    ``MINUTE_DAYS``), hours for at most ``HOUR_DAYS`` days within the hours kept, else days."""
    now = now or timezone.now()
    length = end - start
    if length <= dt.timedelta(days=MINUTE_DAYS) and start >= now - dt.timedelta(days=MINUTE_DAYS):
        return ResultMinute
    if length <= dt.timedelta(days=HOUR_DAYS) and start >= now - dt.timedelta(days=HOUR_DAYS):
        return ResultHour
    return ResultDay


def availability(
    checks: Checks, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> Availability:
    """The availability of ``checks`` (a queryset or check ids) over [start, end), from the
    table ``table_for`` picks (rows whose bucket starts in the period count whole); one
    query."""
    table = table_for(start, end, now)
    sums = table.objects.filter(
        monitor_check_id__in=_ids(checks), start__gte=start, start__lt=end
    ).aggregate(**_SUMS)
    rtt_count = sums["rtt_count"] or 0
    return Availability(
        up=sums["up"] or 0,
        down=sums["down"] or 0,
        unreachable=sums["unreachable"] or 0,
        maintenance=sums["maintenance"] or 0,
        mean_rtt_ms=sums["rtt_sum"] / rtt_count if rtt_count else None,
    )


def bucket_start(at: dt.datetime, step: Step, tz: ZoneInfo) -> dt.datetime:
    """The start (aware, in ``tz``) of the local hour or day holding the instant ``at``."""
    local = at.astimezone(tz)
    if step == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=tz)


def _next(bucket: dt.datetime, step: Step, tz: ZoneInfo) -> dt.datetime:
    if step == "hour":  # an hour of elapsed time, then back to the local hour's start
        return bucket_start(bucket + dt.timedelta(hours=1), step, tz)
    return dt.datetime.combine(bucket.date() + dt.timedelta(days=1), dt.time(), tzinfo=tz)


def buckets(start: dt.datetime, end: dt.datetime, step: Step, tz: ZoneInfo) -> list[dt.datetime]:
    """The starts (aware, in ``tz``) of the local hours or days from the one holding
    ``start`` to the last one beginning before ``end``."""
    found: list[dt.datetime] = []
    bucket = bucket_start(start, step, tz)
    while bucket < end:
        found.append(bucket)
        bucket = _next(bucket, step, tz)
    return found


def series(
    checks: Checks,
    start: dt.datetime,
    end: dt.datetime,
    step: Step,
    tz: ZoneInfo,
    now: dt.datetime | None = None,
) -> list[Point]:
    """The availability of ``checks`` per local hour or day (``step``) in ``tz``, one point
    for every bucket of ``buckets(start, end)`` (None ratio where nothing counted); one
    query.

    Rows come from ``ResultHour`` (UTC hours: each lands in the local hour or day its start
    falls in), or from ``ResultDay`` when the first bucket is older than the hours kept
    (``HOUR_DAYS``): each UTC day then lands in the local day its start (00:00 UTC) falls in,
    the local day of the same date in the zones east of UTC."""
    now = now or timezone.now()
    starts = buckets(start, end, step, tz)
    if not starts:
        return []
    first = starts[0]
    table: RollupTable = (
        ResultHour if first >= now - dt.timedelta(days=HOUR_DAYS) or step == "hour" else ResultDay
    )
    rows = (
        table.objects.filter(monitor_check_id__in=_ids(checks), start__gte=first, start__lt=end)
        .order_by()
        .values("start")
        .annotate(up=Sum("n_up"), down=Sum("n_down"))
        .values_list("start", "up", "down")
    )
    up = dict.fromkeys(starts, 0)
    down = dict.fromkeys(starts, 0)
    for row_start, n_up, n_down in rows:
        key = bucket_start(row_start, step, tz)
        if key in up:
            up[key] += n_up or 0
            down[key] += n_down or 0
    return [
        Point(
            start=key,
            ratio=up[key] / (up[key] + down[key]) if up[key] + down[key] else None,
            up=up[key],
            down=down[key],
        )
        for key in starts
    ]


def checks_of_device(device: Device | int) -> QuerySet[Check]:
    """The checks of ``device``: its own and those of the links it is the near end
    (``a_device``) of, whose outages are the device's."""
    return Check.objects.filter(Q(device=device) | Q(link__a_device=device))


def checks_of_site(site: Site | int) -> QuerySet[Check]:
    """The checks of the devices standing at ``site`` and of the links whose near end
    stands there."""
    return Check.objects.filter(Q(device__site=site) | Q(link__a_device__site=site))


def checks_of_opd(opd: Opd | int) -> QuerySet[Check]:
    """The checks of the devices standing at ``opd``'s sites and of the links whose near
    end stands there."""
    return Check.objects.filter(Q(device__site__opd=opd) | Q(link__a_device__site__opd=opd))
