"""The work a case's steps recorded, as its documents print it (issue 18 point 1).

- ``recorded``: the findings (``temuan``) or the work done (``pekerjaan``) the steps so far
  recorded in the fields the SOP marks with ``records`` (docs/sop-format.md), each as
  ``{"label", "value", "step"}`` (``value`` keeps its line breaks; the template prints
  them with ``linebreaksbr``);
- ``timeline``: each completed step with its Mutu Baku and the time it took, as
  ``{"no", "kegiatan", "by", "done", "standard", "actual", "status"}``: ``standard`` is the
  waktu as the SOP prints it ("1 Jam", "kondisional"), ``actual`` the time from the step's
  start to its completion on the clock its Mutu Baku runs on ("45 menit", "1 jam 20
  menit"; working time unless the step runs 24x7), ``status`` "Tepat waktu", "Terlambat
  2 jam 5 menit" or "" for a step without a deadline.

Both read only the case (its steps, their data, the agency's working calendar) and return
JSON values, frozen in ``Document.content`` when the document is issued.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation

from jaga.documents.signatories import Signatories
from jaga.sop.schema import FieldRecord, SopSpec, Step
from jaga.sop.timing import step_calendar
from jaga.tenancy.durations import format_duration
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import Case, StepInstance, StepStatus


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return str(value).strip()


def _done_upto(case: Case, upto: StepInstance | None, branch_id: int | None) -> Any:
    steps = case.steps.filter(status=StepStatus.DONE)
    if upto is not None:
        steps = steps.filter(pk__lte=upto.pk)
    if branch_id is not None:
        steps = steps.filter(branch_id=branch_id)
    return steps.order_by("pk")


def recorded(
    case: Case,
    spec: SopSpec,
    kind: FieldRecord,
    upto: StepInstance | None = None,
    branch_id: int | None = None,
) -> list[dict[str, str]]:
    """The values of the fields marked ``records: <kind>`` in the case's completed steps up
    to ``upto`` (all when None), oldest first; only the steps of fan-out visit
    ``branch_id`` when given (a site's Berita Acara speaks of that site). A step done again
    (a check returned the case to it) prints its latest values only."""
    latest: dict[tuple[str, str], dict[str, str]] = {}
    for step in _done_upto(case, upto, branch_id):
        data = step.data or {}
        for field in spec.step(step.step_no).fields:
            if field.records is not kind:
                continue
            value = data.get(field.key)
            if value in (None, "") or (isinstance(value, list) and not value):
                continue
            key = (step.step_no, field.key)
            latest.pop(key, None)  # a later visit moves the value to its place in time
            latest[key] = {"label": field.label, "value": _value(value), "step": step.step_no}
    return list(latest.values())


def _standard(case: Case, spec_step: Step, step: StepInstance) -> str:
    """The waktu the visit ran on: the branch's of a ``waktu_by`` (format 2), else its own."""
    if spec_step.waktu_by is None:
        return spec_step.waktu
    from jaga.workflow.services import decided_branch  # the engine; imported when needed

    branch = decided_branch(case, spec_step, step.branch)
    return spec_step.waktu_by.branches.get(branch or "", spec_step.waktu)


def _late_text(late: dt.timedelta) -> str:
    return f"Terlambat {format_duration(late)}"


def timeline(case: Case, spec: SopSpec, people: Signatories) -> list[dict[str, str]]:
    """Each completed step of ``case`` with its Mutu Baku and the time it took (shape in
    the module docstring); ``people`` names the actors (read together). Durations are
    printed in Indonesian (official documents are never translated)."""
    agency_calendar = working_calendar(case.agency)
    rows = []
    steps = list(
        case.steps.filter(status=StepStatus.DONE).select_related("actor", "branch").order_by("pk")
    )
    people.load(step.actor for step in steps)
    with translation.override("id"):
        for step in steps:
            spec_step = spec.step(step.step_no)
            calendar = step_calendar(agency_calendar, spec, spec_step)
            done_local = (
                step.completed_at.astimezone(calendar.timezone) if step.completed_at else None
            )
            actual = (
                format_duration(calendar.working_time_between(step.started_at, step.completed_at))
                if step.completed_at is not None
                else ""
            )
            status = ""
            if step.due_at is not None and step.completed_at is not None:
                if step.completed_at <= step.due_at:
                    status = "Tepat waktu"
                else:
                    status = _late_text(
                        calendar.working_time_between(step.due_at, step.completed_at)
                    )
            rows.append(
                {
                    "no": step.step_no,
                    "kegiatan": spec_step.kegiatan,
                    "by": people.of(step.actor)["name"],
                    "done": f"{done_local:%d-%m-%Y %H.%M}" if done_local else "",
                    "standard": _standard(case, spec_step, step),
                    "actual": actual,
                    "status": status,
                }
            )
    return rows
