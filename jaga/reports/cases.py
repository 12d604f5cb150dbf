"""Keeping ``CaseRecord`` up to date from the engine's and the monitor's events."""

from __future__ import annotations

import datetime as dt

from jaga.reports.models import CaseRecord, Restoration, StepRecord
from jaga.reports.records import month_of
from jaga.sop.schema import SopSpec, StepKind
from jaga.workflow.models import Case, StepInstance


def technician_lanes(spec: SopSpec) -> set[str]:
    """The lanes an assignment step names (``to_lane``): where the technicians work (seed
    000 step 4, seed 003 step 4: the Kasi appoints the team)."""
    return {
        step.to_lane
        for step in spec.steps
        if step.kind is StepKind.ASSIGNMENT and step.to_lane is not None
    }


def _seconds(start: dt.datetime, end: dt.datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def record_of(case: Case) -> CaseRecord:
    """The case's record, created (unsaved fields filled from the case) when missing;
    locked for update in the caller's transaction."""
    record = CaseRecord.objects.select_for_update().filter(case=case).first()
    if record is not None:
        return record
    return CaseRecord(
        agency_id=case.agency_id,
        case=case,
        sop_code=case.definition.code,
        source=case.source,
        opd_id=case.opd_id,
        started_at=case.started_at,
        period=month_of(case.started_at, case.agency.timezone),
        broke_at=case.started_at,
    )


def step_done(step: StepInstance) -> CaseRecord | None:
    """Count completed ``step`` in its case's record when it is a technicians' step on the
    case's trunk: the first action, the restoration (None otherwise: nothing written).

    Only such steps write, and they run one at a time (a trunk has one open step): the
    parallel visits of a fan-out never wait on each other for this row, and the engine's
    own case lock (``_branch_done``) stays the only one they meet. In the caller's
    transaction."""
    case = step.case
    at = step.completed_at
    if at is None or step.branch_id is not None:
        return None
    if step.lane not in technician_lanes(case.definition.spec):
        return None
    found = record_of(case)
    if found.first_action_at is None or at < found.first_action_at:
        found.first_action_at = at
    if found.restored_by != Restoration.MONITOR:
        found.restored_at = at
        found.restored_by = Restoration.STEP
    _times(found)
    found.save()
    return found


def outage_recovered(case: Case, started_at: dt.datetime, ended_at: dt.datetime) -> CaseRecord:
    """The monitor saw the outage of ``case`` (started ``started_at``) end at ``ended_at``:
    the service broke and came back then, whatever the steps say."""
    found = record_of(case)
    found.broke_at = min(started_at, found.started_at)
    found.restored_at = ended_at
    found.restored_by = Restoration.MONITOR
    _times(found)
    found.save()
    return found


def _times(found: CaseRecord) -> None:
    found.action_seconds = _seconds(found.started_at, found.first_action_at)
    found.restore_seconds = _seconds(found.broke_at, found.restored_at)


def rebuild_cases(batch: int = 200) -> int:
    """Write the ``CaseRecord`` of every case that has none from its completed steps'
    records and the monitor's ended outages (steps completed before the reports app
    existed; run after ``records.rebuild``); batches of ``batch`` cases, one transaction
    each. Returns how many were written; idempotent."""
    from django.db import transaction

    from jaga.monitoring.models import Outage

    written = 0
    last = 0
    while True:
        cases = list(
            Case.objects.filter(record__isnull=True, pk__gt=last)
            .select_related("definition", "agency")
            .order_by("pk")[:batch]
        )
        if not cases:
            return written
        last = cases[-1].pk
        with transaction.atomic():
            for case in cases:
                found = record_of(case)
                lanes = technician_lanes(case.definition.spec)
                trunk = StepRecord.objects.filter(case=case, step__branch__isnull=True)
                for step_record in trunk.order_by("completed_at", "pk"):
                    if step_record.lane in lanes:
                        at = step_record.completed_at
                        if found.first_action_at is None:
                            found.first_action_at = at
                        found.restored_at, found.restored_by = at, Restoration.STEP
                outage = (
                    Outage.objects.filter(case=case, ended_at__isnull=False)
                    .order_by("-ended_at")
                    .first()
                )
                if outage is not None and outage.ended_at is not None:
                    found.broke_at = min(outage.started_at, found.started_at)
                    found.restored_at, found.restored_by = outage.ended_at, Restoration.MONITOR
                _times(found)
                found.save()
                written += 1
