"""Receivers of the engine's events (``jaga.workflow.events``; architecture.md, "Step
effects"), connected in ``NotificationsConfig.ready``. Each runs in the step's
transaction and writes notifications and their outbox rows (``services.notify_later``:
the notices of one engine operation are written together at its end)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jaga.notifications import reminders
from jaga.notifications.models import NotificationKind
from jaga.notifications.recipients import reporters_of, waiting_for
from jaga.notifications.services import Notice, notify_later
from jaga.notifications.steps import case_url, is_round_the_clock, step_params, step_url
from jaga.org.models import User
from jaga.sop.schema import Step, StepKind
from jaga.workflow.models import Case, CaseSource, StepInstance
from jaga.workflow.services import SENT_BACK


def on_step_opened(
    sender: Any,
    *,
    step: StepInstance,
    case: Case,
    at: dt.datetime,
    cause: StepInstance | None = None,
    named: list[User] | None = None,
    **_: Any,
) -> None:
    """Tell the people the new step waits for (named, holders, Plt/Plh, the OPD's users;
    ``named``: the engine's list of the people just named for it), except the one whose
    action opened it; a step a check sent back carries the reason. Then schedule its
    reminders (``reminders.schedule``)."""
    spec_step = case.definition.spec.step(step.step_no)
    returned = cause is not None and cause.outcome in SENT_BACK
    actor_id = cause.actor_id if cause is not None else None
    people = [r for r in waiting_for(step, at, named) if r.user.pk != actor_id]
    params = step_params(step, spec_step)
    if returned and cause is not None:
        params["reason"] = cause.note
    kind = NotificationKind.STEP_RETURNED if returned else NotificationKind.STEP_WAITING
    notify_later(
        case.agency,
        people,
        Notice(
            kind,
            f"step:{step.pk}:waiting",
            params,
            url=step_url(step),
            case_id=case.pk,
            step_id=step.pk,
            urgent=is_round_the_clock(case, spec_step),
        ),
        at,
    )
    reminders.schedule(step, spec_step, case)


def on_step_completed(
    sender: Any,
    *,
    step: StepInstance,
    spec_step: Step,
    case: Case,
    by: User,
    at: dt.datetime,
    **_: Any,
) -> None:
    """Tell the reporter when technicians were appointed to their report (issue 15 point
    1: "a case you reported changed state"). The step's pending reminders stay: the
    scheduler cancels them when they fall due (``reminders.run_due``)."""
    if spec_step.kind is StepKind.ASSIGNMENT and case.source == CaseSource.REPORT:
        people = [user for user in reporters_of(step) if user.pk != by.pk]
        params = step_params(step, spec_step) | {"event": "assigned"}
        notify_later(
            case.agency,
            people,
            Notice(
                NotificationKind.CASE_UPDATE,
                f"case:{case.pk}:assigned:{step.pk}",
                params,
                url=case_url(case.pk),
                case_id=case.pk,
            ),
            at,
        )


def on_case_closed(sender: Any, *, case: Case, by: User, at: dt.datetime, **_: Any) -> None:
    """Tell the reporter that the case of their report is finished (not the monitor's
    user, the reporter of the cases the monitor opens)."""
    reporter = case.reporter
    if (
        case.source != CaseSource.REPORT
        or reporter is None
        or reporter.pk == by.pk
        or not reporter.is_active
    ):
        return
    notify_later(
        case.agency,
        [reporter],
        Notice(
            NotificationKind.CASE_UPDATE,
            f"case:{case.pk}:closed",
            {"case": case.number, "title": case.title, "event": "closed"},
            url=case_url(case.pk),
            case_id=case.pk,
        ),
        at,
    )
