"""Operational figures of a period (issue 16 point 3; docs/reports.md, "Operational
figures"): cases by SOP, OPD, source and outcome; MTTA and MTTR per OPD; the backlog's age;
failures by device kind, vendor and model; replaced devices; spare stock against its
minimum. Each function is a fixed number of queries over indexed rows (``Case`` by agency
and start, ``CaseRecord`` by period, ``Replacement`` by time)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import Device, DeviceKind, DeviceStatus, Replacement, SpareMinimum
from jaga.org.models import Opd
from jaga.reports.models import CaseRecord, StepRecord
from jaga.reports.periods import Period
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource, CaseStatus


@dataclass(frozen=True)
class Tally:
    """A labelled count; ``key`` is the value the case list filters on."""

    key: str
    label: str
    count: int


def bounds(agency: Agency, period: Period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware instants ``[start, end)`` in the agency's zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(agency.timezone)
    return (
        dt.datetime.combine(period.start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(period.end, dt.time.min, tzinfo=zone),
    )


def cases_started(agency: Agency, period: Period) -> QuerySet[Case]:
    """The agency's cases started in ``period`` (local dates)."""
    start, end = bounds(agency, period)
    return Case.objects.filter(agency=agency, started_at__gte=start, started_at__lt=end)


def cases_by(agency: Agency, period: Period, field: str) -> list[Tally]:
    """Cases started in ``period`` per ``field``: "sop" (named after the newest
    definition), "opd", "source" or "status" (open, closed, cancelled), most first; or
    "outcome" (closed on time, closed late, open, cancelled: ``OUTCOMES``, in that order)."""
    cases = cases_started(agency, period).order_by()
    if field == "sop":
        rows = cases.values("definition__code", "definition__name").annotate(n=Count("pk"))
        merged: dict[str, list[Any]] = {}
        for row in rows:
            item = merged.setdefault(row["definition__code"], [row["definition__name"], 0])
            item[1] += row["n"]
        found = [Tally(code, name, n) for code, (name, n) in merged.items()]
    elif field == "opd":
        rows = cases.values("opd_id", "opd__name").annotate(n=Count("pk"))
        found = [
            Tally(str(row["opd_id"] or ""), row["opd__name"] or str(_("(none)")), row["n"])
            for row in rows
        ]
    elif field == "source":
        labels = dict(CaseSource.choices)
        rows = cases.values("source").annotate(n=Count("pk"))
        found = [Tally(row["source"], str(labels.get(row["source"], "")), row["n"]) for row in rows]
    elif field == "status":
        labels = dict(CaseStatus.choices)
        rows = cases.values("status").annotate(n=Count("pk"))
        found = [Tally(row["status"], str(labels.get(row["status"], "")), row["n"]) for row in rows]
    elif field == "outcome":
        return _by_outcome(cases)
    else:
        raise ValueError(f"cannot count cases by {field!r}")
    return sorted(found, key=lambda item: (-item.count, item.label))


#: Deadline outcomes of cases, in the order the page shows them; ``key`` is the case
#: list's ``late`` filter value (``jaga.workflow.filters``) or its ``status``.
OUTCOMES = (
    ("closed_on_time", _("Closed on time")),
    ("closed_late", _("Closed late")),
    ("open", _("Open")),
    ("cancelled", _("Cancelled")),
)


def _by_outcome(cases: QuerySet[Case]) -> list[Tally]:
    """Cases by deadline outcome: closed with no late step, closed with one or more (a
    ``StepRecord`` completed after its due time), still open, cancelled. One query."""
    late = Exists(StepRecord.objects.filter(case=OuterRef("pk"), on_time=False))
    sums = cases.annotate(has_late=late).aggregate(
        closed_on_time=Count("pk", filter=Q(status=CaseStatus.CLOSED, has_late=False)),
        closed_late=Count("pk", filter=Q(status=CaseStatus.CLOSED, has_late=True)),
        open=Count("pk", filter=Q(status=CaseStatus.OPEN)),
        cancelled=Count("pk", filter=Q(status=CaseStatus.CANCELLED)),
    )
    return [Tally(key, str(label), sums[key] or 0) for key, label in OUTCOMES]


@dataclass(frozen=True)
class ServiceTimes:
    """MTTA and MTTR of an OPD's cases started in a period, in minutes of clock time:
    ``acted``/``restored`` cases counted, the mean and the median of each (None when none)."""

    opd: Opd | None
    acted: int
    mtta_minutes: float | None
    median_action_minutes: float | None
    restored: int
    mttr_minutes: float | None
    median_restore_minutes: float | None


def _minutes(values: list[int], mean: bool) -> float | None:
    if not values:
        return None
    value = statistics.fmean(values) if mean else statistics.median(values)
    return round(value / 60, 1)


def service_times(agency: Agency, period: Period) -> tuple[ServiceTimes, list[ServiceTimes]]:
    """MTTA and MTTR of the cases started in ``period``: all of them, then per OPD (worst
    MTTR first). The seconds come from ``CaseRecord`` (one row a case, written by the
    events), fetched in one query: a month is a few thousand rows at most."""
    action: dict[int | None, list[int]] = defaultdict(list)
    restore: dict[int | None, list[int]] = defaultdict(list)
    rows = CaseRecord.objects.filter(
        agency=agency, period__gte=period.start, period__lt=period.end
    ).values_list("opd_id", "action_seconds", "restore_seconds")
    for opd_id, acted, restored in rows:
        if acted is not None:
            action[opd_id].append(acted)
        if restored is not None:
            restore[opd_id].append(restored)
    opds = Opd.objects.in_bulk([pk for pk in set(action) | set(restore) if pk is not None])

    def times(opd_id: int | None, acted: list[int], restored: list[int]) -> ServiceTimes:
        return ServiceTimes(
            opds.get(opd_id) if opd_id is not None else None,
            len(acted),
            _minutes(acted, True),
            _minutes(acted, False),
            len(restored),
            _minutes(restored, True),
            _minutes(restored, False),
        )

    every_action = [value for values in action.values() for value in values]
    every_restore = [value for values in restore.values() for value in values]
    per_opd = [
        times(opd_id, action.get(opd_id, []), restore.get(opd_id, []))
        for opd_id in set(action) | set(restore)
    ]
    per_opd.sort(key=lambda item: (-(item.mttr_minutes or 0), item.opd.name if item.opd else ""))
    return times(None, every_action, every_restore), per_opd


#: Backlog age buckets: (label, from days, to days); the last is open-ended.
AGE_BUCKETS = (
    (_("under 1 day"), 0, 1),
    (_("1–3 days"), 1, 3),
    (_("3–7 days"), 3, 7),
    (_("7–30 days"), 7, 30),
    (_("over 30 days"), 30, None),
)


def backlog_ageing(agency: Agency, now: dt.datetime | None = None) -> list[Tally]:
    """Open cases by how long ago they started (clock days at ``now``), one query."""
    now = now or timezone.now()
    counts: dict[str, Any] = {}
    for index, (_label, low, high) in enumerate(AGE_BUCKETS):
        window = Q(started_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            window &= Q(started_at__gt=now - dt.timedelta(days=high))
        counts[f"b{index}"] = Count("pk", filter=window)
    sums = Case.objects.filter(agency=agency, status=CaseStatus.OPEN).aggregate(**counts)
    return [
        Tally(str(index), str(label), sums[f"b{index}"] or 0)
        for index, (label, _low, _high) in enumerate(AGE_BUCKETS)
    ]


def failures_by(agency: Agency, period: Period, field: str, limit: int = 10) -> list[Tally]:
    """Devices named as affected in the cases started in ``period``, counted per device
    ``field`` ("kind", "vendor" or "model"), most first; a device in two cases counts twice."""
    if field not in ("kind", "vendor", "model"):
        raise ValueError(f"cannot count failures by {field!r}")
    through = Case.devices.through
    case_ids = cases_started(agency, period).values("pk")
    rows = (
        through.objects.filter(case_id__in=case_ids)
        .values(f"device__{field}")
        .annotate(n=Count("pk"))
        .order_by("-n", f"device__{field}")[:limit]
    )
    labels = dict(DeviceKind.choices) if field == "kind" else {}
    return [
        Tally(
            row[f"device__{field}"],
            str(labels.get(row[f"device__{field}"], row[f"device__{field}"]) or _("(unknown)")),
            row["n"],
        )
        for row in rows
    ]


def replacements(agency: Agency, period: Period) -> QuerySet[Replacement]:
    """The devices replaced in ``period``, oldest first, with what the tables print."""
    start, end = bounds(agency, period)
    return (
        Replacement.objects.filter(agency=agency, at__gte=start, at__lt=end)
        .select_related("removed", "installed", "site", "case")
        .order_by("at", "pk")
    )


@dataclass(frozen=True)
class SpareStock:
    """Spares of one device kind in the stores against the agency's minimum for it."""

    kind: str
    label: str
    spares: int
    minimum: int

    @property
    def below(self) -> bool:
        """Fewer spares than the minimum: a warning."""
        return self.spares < self.minimum


def spare_stock(agency: Agency) -> list[SpareStock]:
    """Spare devices per kind against ``SpareMinimum``, kinds below their minimum first;
    every kind with spares or a minimum appears. Two queries."""
    spares = dict(
        Device.objects.filter(agency=agency, status=DeviceStatus.SPARE)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    minimums = dict(
        SpareMinimum.objects.filter(agency=agency).values_list("device_kind", "minimum")
    )
    labels = dict(DeviceKind.choices)
    found = [
        SpareStock(kind, str(labels.get(kind, kind)), spares.get(kind, 0), minimums.get(kind, 0))
        for kind in set(spares) | set(minimums)
    ]
    return sorted(found, key=lambda item: (not item.below, item.label))
