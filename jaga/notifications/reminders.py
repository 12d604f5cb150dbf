"""Reminders before a Mutu Baku breach and escalation at it (issue 15 point 3).

When a step with a deadline opens, ``schedule`` writes a ``Reminder`` row per share of its
Mutu Baku (the step's ``reminders``, else the SOP's, else ``DEFAULT_SHARES``) and one at
100 %: the share is measured on the step's own clock (``jaga.sop.timing.step_calendar``),
so 50 % of "1 hari" started Friday 15:00 falls on Monday morning, past the weekend and a
cuti bersama. Kondisional steps (no deadline) get none. ``run_due`` (``jaga scheduler``)
cancels the due rows of steps done meanwhile (a completion does not touch its reminders),
claims the others by compare-and-set, one transaction each, and tells:

- below 100 %: the people the step waits for (``STEP_NEAR_DUE``);
- at 100 %: the people it waits for (``STEP_LATE``), and their superiors (the head of the
  unit above, or that day's Plt/Plh; ``recipients.superiors_of``) with the agency's
  ``EscalationPosition`` holders, naming who it waits for.

The outside channels hold a non-urgent notice until the next working start
(``services.send_after``); a step on a 24x7 clock is urgent.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jaga.notifications.models import EscalationPosition, NotificationKind, Reminder, ReminderStatus
from jaga.notifications.recipients import (
    Recipient,
    local_day,
    position_people,
    superiors_of,
    waiting_for,
)
from jaga.notifications.services import Notice, notify
from jaga.notifications.steps import is_round_the_clock, step_params, step_url
from jaga.sop.schema import Step
from jaga.sop.timing import step_calendar
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import Case, StepInstance, StepStatus

log = logging.getLogger(__name__)

DEFAULT_SHARES = (50, 80)
ESCALATION = 100


def shares_of(case: Case, spec_step: Step) -> tuple[int, ...]:
    """The reminder shares of ``spec_step`` in percent, sorted, without 100."""
    chosen = spec_step.reminders
    if chosen is None:
        chosen = case.definition.spec.reminders
    if chosen is None:
        return DEFAULT_SHARES
    return tuple(sorted(set(chosen)))


def schedule(step: StepInstance, spec_step: Step, case: Case) -> list[Reminder]:
    """Write the reminders of ``step`` (just opened): one per share and the escalation at
    its ``due_at``; none for a kondisional step. Runs in the step's transaction."""
    if step.due_at is None:
        return []
    clock = step_calendar(working_calendar(case.agency), case.definition.spec, spec_step)
    total = clock.working_time_between(step.started_at, step.due_at)
    rows = [
        Reminder(
            agency_id=step.agency_id,
            step=step,
            share=share,
            fire_at=clock.add_working_time(step.started_at, total * share / 100),
        )
        for share in shares_of(case, spec_step)
    ]
    rows.append(
        Reminder(agency_id=step.agency_id, step=step, share=ESCALATION, fire_at=step.due_at)
    )
    return Reminder.objects.bulk_create(rows)


def _escalation_people(step: StepInstance, at: dt.datetime) -> list[Recipient]:
    """Superiors of those ``step`` waits for, and the agency's escalation positions."""
    people = {r.user.pk: r for r in superiors_of(step, at)}
    named = list(
        EscalationPosition.objects.filter(agency_id=step.agency_id).values_list(
            "position_id", flat=True
        )
    )
    if named:
        for pk, recipient in position_people(set(named), local_day(step, at)).items():
            people.setdefault(pk, recipient)
    return list(people.values())


def fire(reminder: Reminder, at: dt.datetime) -> int:
    """Tell the people of ``reminder`` (claimed); returns how many notifications were
    written. Runs in the claim's transaction."""
    step = StepInstance.objects.select_related(
        "case__definition", "case__agency", "branch__site"
    ).get(pk=reminder.step_id)
    if step.status != StepStatus.OPEN:
        return 0
    case = step.case
    spec_step = case.definition.spec.step(step.step_no)
    params = step_params(step, spec_step) | {"share": reminder.share}
    urgent = is_round_the_clock(case, spec_step)
    waiting = waiting_for(step, at)

    def notice(kind: NotificationKind, key: str, facts: dict[str, Any]) -> Notice:
        return Notice(kind, key, facts, step_url(step), case.pk, step.pk, urgent)

    if reminder.share < ESCALATION:
        near = notice(
            NotificationKind.STEP_NEAR_DUE, f"step:{step.pk}:remind:{reminder.share}", params
        )
        return len(notify(case.agency, waiting, near, at))
    late = notice(NotificationKind.STEP_LATE, f"step:{step.pk}:late", params)
    told = len(notify(case.agency, waiting, late, at))
    names = ", ".join(r.user.get_full_name() or r.user.username for r in waiting)
    mine = {r.user.pk for r in waiting}
    above = [r for r in _escalation_people(step, at) if r.user.pk not in mine]
    escalated = notice(
        NotificationKind.STEP_LATE, f"step:{step.pk}:escalated", params | {"waiting": names or "-"}
    )
    return told + len(notify(case.agency, above, escalated, at))


def run_due(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Fire every pending reminder due at ``now`` (UTC): first cancel the due ones of
    steps no longer open (done or cancelled: a completion leaves its reminders to this),
    then claim each of the others by compare-and-set and tell its people in one
    transaction, so two schedulers fire it once and a killed one leaves it due. Returns
    how many fired."""
    now = now or timezone.now()
    # The reminders of steps done before them are cancelled here, in one statement a pass,
    # not by each completion (issue 19 point 2: a completion near its own SQL).
    # NOT EXISTS: a lookup of the step of each due reminder, not a list of every open step.
    still_open = StepInstance.objects.filter(pk=OuterRef("step_id"), status=StepStatus.OPEN)
    Reminder.objects.filter(status=ReminderStatus.PENDING, fire_at__lte=now).filter(
        ~Exists(still_open)
    ).update(status=ReminderStatus.CANCELLED)
    fired = 0
    due = list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, fire_at__lte=now)
        .order_by("fire_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due:
        try:
            with transaction.atomic():
                # A step done since the sweep: left pending, cancelled by the next pass.
                claimed = Reminder.objects.filter(
                    pk=pk, status=ReminderStatus.PENDING, step__status=StepStatus.OPEN
                ).update(status=ReminderStatus.SENT)
                if claimed != 1:
                    continue
                fire(Reminder.objects.get(pk=pk), now)
        except DatabaseError:
            raise  # the scheduler logs it and tries again next pass
        except Exception:
            # A step whose SOP no longer reads (a bug): never retried every pass.
            log.exception("reminder %s could not be sent", pk)
            Reminder.objects.filter(pk=pk).update(status=ReminderStatus.FAILED)
            continue
        fired += 1
    return fired
