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
    agency_calendar: WorkingCalendar, spec: SopSpec, step: Step, started_at: dt.datetime
) -> dt.datetime | None:
    """When ``step`` started at ``started_at`` (aware) is due, in UTC; None for
    kondisional."""
    return step_calendar(agency_calendar, spec, step).due_at(started_at, step.time_standard)
