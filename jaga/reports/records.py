"""Writing ``StepRecord`` rows: from a completed step (the receiver) and, for steps
completed before the reports app existed, in bulk (``jaga reports rebuild``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db import transaction

from jaga.org.models import Position
from jaga.reports.models import StepRecord
from jaga.reports.snapshots import forget
from jaga.sop.schema import SopSpec
from jaga.sop.timing import step_calendar
from jaga.tenancy.calendar import WorkingCalendar
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import StepInstance, StepStatus


def month_of(at: dt.datetime, timezone: str) -> dt.date:
    """The first day of the month ``at`` (aware) falls in, in ``timezone`` (an IANA name)."""
    return at.astimezone(ZoneInfo(timezone)).date().replace(day=1)


def _seconds(span: dt.timedelta) -> int:
    return max(0, round(span.total_seconds()))


def _position(step: StepInstance, spec: SopSpec) -> Position | None:
    """The position the step was done in: the one the actor acted for (holder, Plt, Plh),
    else the actor's own first position (a technician named by a disposition)."""
    if step.on_behalf_of_id is not None:
        return step.on_behalf_of
    employee = getattr(step.actor, "employee", None) if step.actor_id else None
    if employee is None:
        return None
    first: Position | None = employee.positions.order_by("pk").first()
    return first


def build(step: StepInstance, spec: SopSpec, agency_calendar: WorkingCalendar) -> StepRecord:
    """The unsaved ``StepRecord`` of completed ``step`` (its case and definition loaded),
    its durations measured on the calendar the step's Mutu Baku runs on. Raises
    ``ValueError`` for a step that is not done."""
    if step.status != StepStatus.DONE or step.completed_at is None:
        raise ValueError(f"step {step.pk} is not done")
    case = step.case
    calendar = step_calendar(agency_calendar, spec, spec.step(step.step_no))
    actual = _seconds(calendar.working_time_between(step.started_at, step.completed_at))
    standard: int | None = None
    late = 0
    on_time: bool | None = None
    if step.due_at is not None:
        standard = _seconds(calendar.working_time_between(step.started_at, step.due_at))
        on_time = step.completed_at <= step.due_at
        if not on_time:
            late = _seconds(calendar.working_time_between(step.due_at, step.completed_at))
    position = _position(step, spec)
    opd_id = case.opd_id
    site = step.branch.site if step.branch is not None else None
    if site is not None and site.opd_id is not None:
        opd_id = site.opd_id
    return StepRecord(
        agency_id=step.agency_id,
        step=step,
        case=case,
        sop_code=case.definition.code,
        step_no=step.step_no,
        lane=step.lane,
        visit=step.visit,
        source=case.source,
        opd_id=opd_id,
        position=position,
        unit_id=position.unit_id if position is not None else None,
        actor_id=step.actor_id,
        started_at=step.started_at,
        completed_at=step.completed_at,
        period=month_of(step.completed_at, case.agency.timezone),
        standard_seconds=standard,
        actual_seconds=actual,
        late_seconds=late,
        on_time=on_time,
    )


def record_step(step: StepInstance) -> StepRecord:
    """Write (or rewrite) the record of completed ``step``, in the caller's transaction:
    one upsert on the step (issue 19 point 2: a delete and an insert before)."""
    case = step.case
    record = build(step, case.definition.spec, working_calendar(case.agency))
    StepRecord.objects.bulk_create(
        [record],
        update_conflicts=True,
        unique_fields=["step"],
        update_fields=[
            field.name
            for field in StepRecord._meta.concrete_fields
            if not field.primary_key and field.name != "step"
        ],
    )
    forget(record.agency_id, [record.period])
    return record


def rebuild(steps: Iterable[StepInstance] | None = None, batch: int = 500) -> int:
    """Write the records of every completed step that has none (or of ``steps``), in
    batches of ``batch`` steps, each batch one transaction; returns how many were written.
    Idempotent: run again, it writes only what is missing."""
    queryset = (
        StepInstance.objects.filter(status=StepStatus.DONE, record__isnull=True)
        .select_related(
            "case__agency", "case__definition", "branch__site", "on_behalf_of", "actor__employee"
        )
        .order_by("pk")
    )
    pending = list(steps) if steps is not None else None
    written = 0
    last = 0
    while True:
        if pending is not None:
            chunk, pending = pending[:batch], pending[batch:]
        else:
            chunk = list(queryset.filter(pk__gt=last)[:batch])
        if not chunk:
            return written
        last = chunk[-1].pk
        with transaction.atomic():
            rows = [
                build(step, step.case.definition.spec, working_calendar(step.case.agency))
                for step in chunk
                if step.status == StepStatus.DONE
            ]
            StepRecord.objects.bulk_create(rows, ignore_conflicts=True)
            for agency_id in {row.agency_id for row in rows}:
                forget(agency_id, [row.period for row in rows if row.agency_id == agency_id])
        written += len(rows)
