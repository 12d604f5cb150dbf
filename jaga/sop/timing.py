"""Which clock a step's Mutu Baku runs on, and its deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt

from jaga.sop.schema import CalendarChoice, SopSpec, Step
from jaga.tenancy.calendar import WorkingCalendar


def step_calendar(agency_calendar: WorkingCalendar, spec: SopSpec, step: Step) -> WorkingCalendar:
    """The calendar ``step`` runs on: the step's ``calendar`` setting, else the SOP's, else
    the agency's own (working time, or 24x7 when the agency counts clock time)."""
    choice = step.calendar or spec.calendar
    if choice is CalendarChoice.ALWAYS:
        return agency_calendar.as_24x7()
    if choice is CalendarChoice.WORKING and agency_calendar.always_working:
        return dataclasses.replace(agency_calendar, always_working=False)
    return agency_calendar


def step_due(
    agency_calendar: WorkingCalendar,
    spec: SopSpec,
    step: Step,
    started_at: dt.datetime,
    branch: str | None = None,
) -> dt.datetime | None:
    """When ``step`` started at ``started_at`` (aware) is due, in UTC; None for kondisional
    or a minimum alone. ``branch`` is the branch its ``waktu_by`` decision took (format 2;
    None: not taken, the step's own ``waktu``)."""
    standard = step.standard_for(branch)
    return step_calendar(agency_calendar, spec, step).due_at(started_at, standard)


def step_earliest(
    agency_calendar: WorkingCalendar,
    spec: SopSpec,
    step: Step,
    started_at: dt.datetime,
    branch: str | None = None,
) -> dt.datetime | None:
    """The lower bound of ``step``'s bounded waktu ("1-3 hari", "min. 1 hari") counted from
    ``started_at`` on the step's clock, in UTC; None when the waktu has no minimum."""
    minimum = step.standard_for(branch).minimum
    if minimum is None:
        return None
    return step_calendar(agency_calendar, spec, step).due_at(started_at, minimum)


def case_due(
    agency_calendar: WorkingCalendar, spec: SopSpec, started_at: dt.datetime
) -> dt.datetime | None:
    """The whole procedure's deadline (SOP ``deadline``, format 2) for a case started at
    ``started_at``, on the SOP's clock (its ``calendar``, else the agency's), in UTC; None
    when the SOP sets none or it is kondisional."""
    standard = spec.deadline_standard
    if standard is None:
        return None
    choice = spec.calendar
    if choice is CalendarChoice.ALWAYS:
        clock = agency_calendar.as_24x7()
    elif choice is CalendarChoice.WORKING and agency_calendar.always_working:
        clock = dataclasses.replace(agency_calendar, always_working=False)
    else:
        clock = agency_calendar
    return clock.due_at(started_at, standard)
