"""What a notification about a step says and links to, and how urgent it is."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse

from jaga.sop.schema import Step
from jaga.sop.timing import step_calendar
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import Case, StepInstance


def case_url(case_id: int | None) -> str:
    """The path of case ``case_id``'s page; "" without a case or without the case page
    (a deployment whose URLs leave the Diskominfo side out)."""
    if case_id is None:
        return ""
    try:
        return reverse("workflow:case", args=[case_id])
    except NoReverseMatch:
        return ""


def step_url(step: StepInstance) -> str:
    """The page where ``step`` is worked on: its case, with a fan-out visit's step
    selected (``?step=``), as the inbox links."""
    url = case_url(step.case_id)
    return f"{url}?step={step.pk}" if url and step.branch_id is not None else url


def is_round_the_clock(case: Case, spec_step: Step) -> bool:
    """Whether ``spec_step`` runs on a 24x7 clock (its own ``calendar``, the SOP's, or
    the agency's mode; ``jaga.sop.timing.step_calendar``): its notices are urgent (issue
    15 point 3: "24x7 steps excepted")."""
    clock = step_calendar(working_calendar(case.agency), case.definition.spec, spec_step)
    return clock.always_working


def step_params(step: StepInstance, spec_step: Step) -> dict[str, Any]:
    """The facts a step's notification shows (``messages.render``): case number and
    title, step number and activity, due time (ISO, UTC), the visit's site, the zone."""
    branch = step.branch if step.branch_id is not None else None
    site = branch.site if branch is not None else None
    return {
        "case": step.case.number,
        "title": step.case.title,
        "step_no": step.step_no,
        "step": spec_step.kegiatan[:200],
        "due": step.due_at.isoformat() if step.due_at is not None else "",
        "site": site.name if site is not None else "",
        "zone": step.case.agency.timezone,
    }
