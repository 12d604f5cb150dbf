"""The figures of the home pages (issue 16 point 1). Each function is a fixed number of
queries, read through the indexes of open steps (``step_open_by_due``), of
``StepRecord`` and of the monitor's rollups; none walks the closed cases' steps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from jaga.monitoring.availability import Availability, table_for
from jaga.monitoring.models import Outage
from jaga.org.models import Employee, Opd, Position
from jaga.reports.compliance import person_name
from jaga.reports.periods import Period
from jaga.reports.permissions import ReportScope
from jaga.sop.models import SopDefinition
from jaga.workflow.models import Case, CaseStatus, StepInstance, StepStatus


@dataclass(frozen=True)
class Tally:
    """A labelled count; ``key`` is what its link filters on."""

    key: str
    label: str
    count: int


@dataclass
class LateStep:
    """An open step past its due time and who it waits for (names, or the OPD)."""

    step: StepInstance
    kegiatan: str
    waiting_on: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> dt.timedelta:
        """How long past due it is now (clock time)."""
        assert self.step.due_at is not None
        return timezone.now() - self.step.due_at


def open_steps(scope: ReportScope) -> QuerySet[StepInstance]:
    """The open steps of the scope's agency; for a unit head, those waiting on a position
    of their units (or on people holding one); for a technician, those naming them."""
    steps = StepInstance.objects.filter(agency=scope.agency, status=StepStatus.OPEN)
    if scope.person is not None:
        named = StepInstance.assignees.through.objects.filter(user_id=scope.person)
        return steps.filter(pk__in=named.values("stepinstance_id"))
    if scope.units is not None:
        # The units' positions and their holders first (a few rows), so that each part is
        # a plain IN on the small "waits for" tables.
        positions = list(
            Position.objects.filter(unit_id__in=scope.units).values_list("pk", flat=True)
        )
        people = list(
            Employee.objects.filter(positions__in=positions, user__isnull=False)
            .values_list("user_id", flat=True)
            .distinct()
        )
        through = StepInstance.positions.through.objects.filter(position_id__in=positions)
        named = StepInstance.assignees.through.objects.filter(user_id__in=people)
        return steps.filter(
            Q(pk__in=through.values("stepinstance_id")) | Q(pk__in=named.values("stepinstance_id"))
        )
    return steps


def open_cases_by_sop(scope: ReportScope) -> list[Tally]:
    """Open cases per SOP (by code, named after its newest definition), most first."""
    rows = (
        Case.objects.filter(agency=scope.agency, status=CaseStatus.OPEN)
        .values("definition__code")
        .annotate(n=Count("pk"))
        .order_by("-n", "definition__code")
    )
    counts = [(row["definition__code"], row["n"]) for row in rows]
    names = _sop_names(scope, [code for code, _ in counts])
    return [Tally(code, names.get(code, code), n) for code, n in counts]


def _sop_names(scope: ReportScope, codes: list[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for code, name in (
        SopDefinition.objects.filter(agency=scope.agency, code__in=codes)
        .order_by("code", "-version")
        .values_list("code", "name")
    ):
        names.setdefault(code, name)
    return names


def open_steps_by_step(scope: ReportScope, limit: int = 10) -> list[Tally]:
    """Open steps per SOP step ("SOP · no. kegiatan"), most first, at most ``limit``.

    Counted by step number and lane from the open steps alone (no join to their cases:
    bench/web.py), then named after the agency's current SOPs that have that step in that
    lane; when several do, the label names them all and ``key`` (the case list's SOP
    filter) is empty."""
    rows = list(
        open_steps(scope)
        .values("step_no", "lane")
        .annotate(n=Count("pk"))
        .order_by("-n", "step_no")[:limit]
    )
    current = list(
        SopDefinition.objects.filter(agency=scope.agency, is_current=True).order_by("code")
    )
    found = []
    for row in rows:
        matches = []
        for definition in current:
            try:
                step = definition.spec.step(row["step_no"])
            except KeyError:
                continue
            if row["lane"] in step.all_lanes:
                matches.append((definition.code, step.kegiatan))
        codes = "/".join(code for code, _ in matches) or "?"
        kegiatan = matches[0][1] if matches else ""
        key = matches[0][0] if len(matches) == 1 else ""
        found.append(Tally(key, f"{codes} · {row['step_no']}. {kegiatan}", row["n"]))
    return found


def late_steps(scope: ReportScope, now: dt.datetime, limit: int = 10) -> tuple[int, list[LateStep]]:
    """How many open steps of the scope are past due at ``now``, and the ``limit`` most
    overdue with who they wait for: the people named, else the holders of the positions
    (and their Plt/Plh are not listed: the position's title is), else the reporting OPD."""
    late = open_steps(scope).filter(due_at__lt=now)
    total = late.count()
    steps = list(
        late.select_related("case__definition", "case__opd").order_by("due_at", "pk")[:limit]
    )
    ids = [step.pk for step in steps]
    people: dict[int, list[str]] = defaultdict(list)
    for link in StepInstance.assignees.through.objects.filter(
        stepinstance_id__in=ids
    ).select_related("user__employee"):
        people[link.stepinstance_id].append(person_name(link.user))
    positions: dict[int, list[Position]] = defaultdict(list)
    for held in StepInstance.positions.through.objects.filter(
        stepinstance_id__in=ids
    ).select_related("position__unit"):
        positions[held.stepinstance_id].append(held.position)
    holders: dict[int, list[str]] = defaultdict(list)
    position_ids = {p.pk for found in positions.values() for p in found}
    for employee in Employee.objects.filter(
        positions__in=position_ids, is_active=True
    ).prefetch_related("positions"):
        for position in employee.positions.all():
            if position.pk in position_ids:
                holders[position.pk].append(employee.name)
    rows = []
    for step in steps:
        spec = step.case.definition.spec
        try:
            kegiatan = spec.step(step.step_no).kegiatan
        except KeyError:
            kegiatan = step.step_no
        row = LateStep(step, kegiatan)
        if people[step.pk]:
            row.waiting_on = people[step.pk]
        elif positions[step.pk]:
            for position in positions[step.pk]:
                names = ", ".join(holders[position.pk]) or "–"
                row.waiting_on.append(f"{position.title} ({names})")
                row.units.append(position.unit.name)
        elif step.for_reporter and step.case.opd is not None:
            row.waiting_on = [step.case.opd.name]
        rows.append(row)
    return total, rows


def late_by_unit(scope: ReportScope, now: dt.datetime) -> list[Tally]:
    """Open late steps per unit of the positions they wait on (a step waiting on named
    people counts in their first position's unit), most first."""
    late = open_steps(scope).filter(due_at__lt=now).values("pk")
    by_position = (
        StepInstance.positions.through.objects.filter(stepinstance_id__in=late)
        .values("position__unit_id", "position__unit__name")
        .annotate(n=Count("stepinstance_id", distinct=True))
    )
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for row in by_position:
        counts[(row["position__unit_id"], row["position__unit__name"])] += row["n"]
    return sorted(
        (Tally(str(pk), name, n) for (pk, name), n in counts.items()),
        key=lambda item: (-item.count, item.label),
    )


def waiting_on_opds(scope: ReportScope) -> tuple[int, list[Tally]]:
    """Cases waiting in a reporting OPD's lane (an acknowledgment, a form): how many, and
    per OPD. The open steps come from their partial index (``step_open_for_reporter``);
    only their cases are read."""
    steps = StepInstance.objects.filter(
        agency=scope.agency, status=StepStatus.OPEN, for_reporter=True
    ).values("case_id")
    rows = (
        Case.objects.filter(pk__in=steps)
        .values("opd_id", "opd__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "opd__name")
    )
    found = [Tally(str(row["opd_id"]), row["opd__name"] or "–", row["n"]) for row in rows]
    return sum(item.count for item in found), found


def open_outages(scope: ReportScope) -> int:
    """Outages of the agency not yet ended."""
    return Outage.objects.filter(agency=scope.agency, ended_at__isnull=True).count()


@dataclass(frozen=True)
class OpdAvailability:
    """One OPD's availability over a period (``Availability`` of all its checks)."""

    opd: Opd
    availability: Availability


def availability_by_opd(
    scope: ReportScope, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None
) -> list[OpdAvailability]:
    """Availability of each OPD's checks (its sites' devices and the links whose near end
    stands there) over ``[start, end)``, worst first; one query on the rollup table
    ``table_for`` picks, plus one for the OPDs. OPDs without monitored devices are left out."""
    table = table_for(start, end, now)
    opd = Coalesce(
        "monitor_check__device__site__opd_id", "monitor_check__link__a_device__site__opd_id"
    )
    rows = (
        table.objects.filter(monitor_check__agency=scope.agency, start__gte=start, start__lt=end)
        .annotate(opd=opd)
        .filter(opd__isnull=False)
        .values("opd")
        .annotate(
            up=Sum("n_up"),
            down=Sum("n_down"),
            unreachable=Sum("n_unreachable"),
            maintenance=Sum("n_maintenance"),
        )
    )
    sums: dict[int, dict[str, Any]] = {row["opd"]: row for row in rows}
    opds = Opd.objects.in_bulk(list(sums))
    found = [
        OpdAvailability(
            opds[pk],
            Availability(
                up=row["up"] or 0,
                down=row["down"] or 0,
                unreachable=row["unreachable"] or 0,
                maintenance=row["maintenance"] or 0,
            ),
        )
        for pk, row in sums.items()
        if pk in opds
    ]
    return sorted(
        found,
        key=lambda item: (
            item.availability.ratio if item.availability.ratio is not None else 2.0,
            item.opd.name,
        ),
    )


@dataclass(frozen=True)
class StepLine:
    """An open step as a home page lists it."""

    step: StepInstance
    kegiatan: str

    @property
    def late(self) -> bool:
        """Past its due time now."""
        return self.step.due_at is not None and self.step.due_at < timezone.now()


def describe_steps(steps: list[StepInstance]) -> list[StepLine]:
    """``steps`` (their ``case__definition`` loaded) with their kegiatan."""
    lines = []
    for step in steps:
        try:
            kegiatan = step.case.definition.spec.step(step.step_no).kegiatan
        except KeyError:
            kegiatan = step.step_no
        lines.append(StepLine(step, kegiatan))
    return lines


@dataclass(frozen=True)
class RoundsThisMonth:
    """Maintenance visits planned in the month (started rounds and occurrences still to
    come) against those whose round's case is closed."""

    planned: int
    done: int


def rounds_this_month(
    scope: ReportScope, month: Period, now: dt.datetime
) -> RoundsThisMonth | None:
    """The month's rounds of the agency (``jaga.maintenance.agenda``), None when the agency
    has no maintenance plan (the card is not shown)."""
    from jaga.maintenance.agenda import agenda
    from jaga.maintenance.models import MaintenancePlan

    if not MaintenancePlan.objects.filter(agency=scope.agency).exists():
        return None
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(month.end, dt.time.min, tzinfo=tz)
    events = agenda(scope.agency.pk, start, end, now=now)
    done = sum(1 for event in events if event.state == CaseStatus.CLOSED)
    return RoundsThisMonth(planned=len(events), done=done)


def week_of(user: Any, now: dt.datetime) -> list[Any]:
    """``user``'s maintenance visits from today to seven days on (``AgendaEvent`` rows)."""
    from jaga.maintenance.agenda import agenda

    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return agenda(user.agency_id, today, today + dt.timedelta(days=7), member=user, now=now)


def reports_of(user: Any, limit: int = 10) -> list[Case]:
    """The newest cases ``user``'s OPD reported, open ones first."""
    return list(
        Case.objects.filter(agency_id=user.agency_id, opd_id=user.opd_id)
        .select_related("definition")
        .order_by("status", "-started_at", "-pk")[:limit]
    )
