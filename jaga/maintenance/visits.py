"""A round's visit on the case page (issue 14 point 4): the devices of the visit's site and
their checklists, and whether the SOP handles a failed item itself.

- ``visit_panel`` (a case panel, ``jaga.workflow.panels``, place "current"): on an open
  step of a visit (``StepInstance.branch``) of a round, the devices in the round's scope
  standing at the visit's site, each with its inspection in this round (none yet, passed,
  failed) and an "Inspect" button to the phone form tied to the step (``?step=``).
- ``sop_handles_failures``: seed 000 step 3 ("Jika ada yang rusak / trouble, maka dilakukan
  penggantian / perbaikan perangkat") is followed, in the same visit, by its own decision
  (3a "Ada yang rusak / trouble?") and repair step (3b). When the step an inspection is made
  at is followed by a decision inside the same fan-out, the SOP takes the failure there and
  no separate corrective case is opened; otherwise (seed 004) a failed item opens one in
  the agency's disruption SOP (``jaga.maintenance.corrective``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from jaga.inventory.models import Device
from jaga.maintenance.models import Inspection, InspectionResult
from jaga.maintenance.permissions import may_inspect
from jaga.org.models import User
from jaga.sop.schema import StepKind
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.panels import CasePanel


@dataclass(frozen=True)
class VisitDevice:
    """A device of the visit's site: its inspection in this round (the latest), or None."""

    device: Device
    inspection: Inspection | None
    may_inspect: bool


def sop_handles_failures(step: StepInstance) -> bool:
    """Whether the visit step ``step`` is followed, in its own fan-out, by a decision (the
    SOP's own "is anything broken?" branch, seed 000 step 3a)."""
    if step.branch_id is None:
        return False
    spec = step.case.definition.spec
    fan = spec.fan_out_of(step.step_no)
    if fan is None or step.step_no not in fan.steps:
        return False
    later = fan.steps[fan.steps.index(step.step_no) + 1 :]
    return any(spec.step(no).kind is StepKind.DECISION for no in later)


def visit_panel(user: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """The checklist card of an open visit step of a round (module docstring); [] for any
    other step or case. Three queries."""
    if (
        shown is None
        or shown.branch_id is None
        or shown.status != StepStatus.OPEN
        or getattr(case, "maintenance_round", None) is None
    ):
        return []
    site = shown.branch.site if shown.branch is not None else None
    if site is None:
        return []
    inspections = Inspection.objects.filter(step__case=case).order_by("-inspected_at", "-pk")
    devices = list(
        case.devices.filter(site=site)
        .select_related("site", "agency")
        .prefetch_related(Prefetch("inspections", queryset=inspections, to_attr="in_round"))
        .order_by("name", "pk")
    )
    if not devices:
        return []
    rows = [
        VisitDevice(
            device=device,
            inspection=next(iter(getattr(device, "in_round", [])), None),
            may_inspect=may_inspect(user, device),
        )
        for device in devices
    ]
    done = [row.inspection for row in rows if row.inspection is not None]
    failed = [inspection for inspection in done if inspection.result == InspectionResult.FAIL]
    corrected = sum(1 for inspection in failed if inspection.corrective_case_id is not None)
    return [
        CasePanel(
            template="maintenance/_visit_panel.html",
            place="current",
            context={
                "site": site,
                "rows": rows,
                "done": len(done),
                "total": len(rows),
                "failed": len(failed),
                "corrected": corrected,
                "in_visit": len(failed) - corrected,
                "step": shown,
            },
            order=10,
        )
    ]
