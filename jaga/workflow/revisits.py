"""A step visited again after a check sent the work back (issue 13 point 12).

The person who redoes a returned step sees why it came back (the check's reason, who
returned it and when) on the step's card, and finds the form filled with what was entered at
the previous completion of the same step, so that only what the check asked for needs
changing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jaga.org.models import User
from jaga.workflow.models import LaneAssignee, StepInstance, StepStatus

#: The outcomes that send the work back: a check's return (``services.CHECK_RETURNED``)
#: and an OPD's dispute of the document it was to acknowledge (``services.DISPUTED``).
SENT_BACK = ("returned", "disputed")


@dataclass(frozen=True)
class ReturnNote:
    """Why the open step is being visited again: the check (or the disputed
    acknowledgment) step, its number, the person who sent the work back, when (UTC) and
    the reason they gave."""

    from_step_no: str
    actor: User | None
    at: dt.datetime | None
    reason: str


def return_note(instances: Sequence[StepInstance], current: StepInstance) -> ReturnNote | None:
    """The return that opened ``current``, or None when it was not opened by a return.

    ``instances`` are the case's step visits in the order they were opened (as the case page
    loads them). A return completes the check step and opens the step it returns to in the
    same transaction, so the visit opened just before ``current`` is the check that sent
    it back.
    """
    before = [i for i in instances if i.pk != current.pk and i.started_at <= current.started_at]
    if not before:
        return None
    previous = max(before, key=lambda i: (i.completed_at or i.started_at, i.pk))
    if (
        previous.status != StepStatus.DONE
        or previous.outcome not in SENT_BACK
        or previous.next_step_no != current.step_no
    ):
        return None
    return ReturnNote(
        from_step_no=previous.step_no,
        actor=previous.actor,
        at=previous.completed_at,
        reason=previous.note,
    )


def previous_visit(step: StepInstance) -> StepInstance | None:
    """The latest completed earlier visit of ``step``'s SOP step in the same case (and the
    same fan-out visit)."""
    if step.visit <= 1:
        return None
    return (
        StepInstance.objects.filter(
            case_id=step.case_id,
            branch_id=step.branch_id,
            step_no=step.step_no,
            status=StepStatus.DONE,
            visit__lt=step.visit,
        )
        .order_by("-visit", "-pk")
        .first()
    )


def earlier_values(step: StepInstance, field_prefix: str) -> dict[str, Any]:
    """Initial values for the form of a revisited ``step``, taken from its previous
    completion: the declared fields (``field_prefix`` + key), the note, the report text
    (``output``), a decision's branch, the disposition's instructions and recipient, and
    the people an assignment appointed. Empty for a first visit."""
    previous = previous_visit(step)
    if previous is None:
        return {}
    initial: dict[str, Any] = {}
    data = dict(previous.data or {})
    instructions = data.pop("instructions", None)
    if isinstance(instructions, list):
        initial["instructions"] = instructions
    sifat = data.pop("sifat", None)
    if isinstance(sifat, str):
        initial["sifat"] = sifat
    for key, value in data.items():
        initial[field_prefix + key] = value
    if previous.note:
        initial["note"] = previous.note
    if previous.output:
        initial["output"] = previous.output
    if previous.outcome:
        initial["branch"] = previous.outcome  # a decision's branch; other forms have none
    named = list(
        LaneAssignee.objects.filter(named_by=previous)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if named:
        initial["recipient"] = named[0]
        initial["people"] = named
    return initial
