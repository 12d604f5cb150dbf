"""Occurrences of a maintenance plan: an RFC 5545 RRULE (python-dateutil) moved by the
agency's working calendar (issue 14 point 1; docs/maintenance.md).

The rule gives *nominal* local dates from the plan's start date. Each becomes an
``Occurrence``:

- a nominal date that is a day off (weekend, national holiday or cuti bersama, the agency's
  own day off; docs/calendar.md) moves to the next working day, the previous one, or is
  skipped, as the plan's ``HolidayPolicy`` says;
- the visits begin at the plan's visit time on that day, or at the day's first working
  instant when that time is outside its working hours (a Ramadan week starts at 08:00, not
  07:30);
- the round starts ``lead_days`` working days before the visit day, at that day's first
  working instant (with no lead time: when the visits begin).

Days off are those of the offices' week even when the agency counts deadlines 24x7: a
visit needs the OPD open. All returned times are UTC.
"""

from __future__ import annotations

import calendar as month_calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from dateutil.rrule import (
    DAILY,
    MONTHLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
)
from django.utils.translation import gettext as _

from jaga.maintenance.models import HolidayPolicy, MaintenancePlan, RecurrencePreset
from jaga.tenancy.calendar import WorkingCalendar

#: Nominal dates examined per call before giving up (a rule whose every date is skipped).
MAX_NOMINAL_DATES = 2000
#: A rule must give a date within this many years of its start: one that does not is
#: refused, and checking it costs that window at most, not dateutil's walk to 9999. Daily
#: and weekly rules are checked over four years and a day (29 February comes back; a daily
#: rule costs dateutil a period per day), monthly and yearly ones over ten.
FIRST_DATE_WITHIN_YEARS = {DAILY: 4, WEEKLY: 4, MONTHLY: 10, YEARLY: 10}
_ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


#: How far before a moment the search for occurrences whose visits are still ahead starts
#: (days): a nominal date earlier than that cannot have its visits after the moment (the
#: longest run of days off moves a date by about ten days).
LOOKBACK_DAYS = 31


def search_after(last: dt.date | None, moment: dt.datetime) -> dt.date:
    """The nominal date to search occurrences after (``occurrences(after=...)``) for those
    whose visits begin at or after ``moment``: ``LOOKBACK_DAYS`` before it, or the last
    round's nominal date ``last`` when that is later. A plan started years ago is then not
    walked from its start date."""
    window = moment.date() - dt.timedelta(days=LOOKBACK_DAYS)
    return window if last is None else max(last, window)


class RecurrenceError(ValueError):
    """An RRULE Jaga cannot use; the message says why, in the active language."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a plan: the rule's local ``nominal_date``, the UTC instant the
    visits begin (``visit_at``) and the UTC instant its round must start (``due_at``)."""

    nominal_date: dt.date
    visit_at: dt.datetime
    due_at: dt.datetime


def _month_day(day: int) -> str:
    """BYMONTHDAY for "the start date's day": days past the 28th are clamped to the month's
    end (the 31st is the 30th in April and the 28th or 29th in February)."""
    if day <= 28:
        return f"BYMONTHDAY={day}"
    days = ",".join(str(d) for d in range(28, day + 1))
    return f"BYMONTHDAY={days};BYSETPOS=-1"


def preset_rule(preset: str, start: dt.date) -> str:
    """The RRULE of a ``RecurrencePreset`` counted from ``start``; raises ``RecurrenceError``
    for ``custom`` (whose rule is typed) or an unknown preset."""
    if preset == RecurrencePreset.MONTHLY:
        return f"FREQ=MONTHLY;{_month_day(start.day)}"
    if preset == RecurrencePreset.FIRST_MONDAY:
        return "FREQ=MONTHLY;BYDAY=1MO"
    if preset == RecurrencePreset.QUARTERLY:
        return f"FREQ=MONTHLY;INTERVAL=3;{_month_day(start.day)}"
    if preset == RecurrencePreset.SEMIANNUAL:
        return f"FREQ=MONTHLY;INTERVAL=6;{_month_day(start.day)}"
    if preset == RecurrencePreset.YEARLY:
        last = month_calendar.monthrange(2024, start.month)[1]  # a leap year: 29 Feb exists
        day = min(start.day, last)
        return f"FREQ=YEARLY;BYMONTH={start.month};{_month_day(day)}"
    if preset == RecurrencePreset.WEEKLY:
        return f"FREQ=WEEKLY;BYDAY={_WEEKDAYS[start.weekday()]}"
    raise RecurrenceError(_("Choose a recurrence or type an RRULE."))


def parse_rule(text: str, start: dt.date) -> rrule:
    """The dateutil ``rrule`` of RRULE value ``text`` (with or without ``RRULE:``) from
    local date ``start``. Raises ``RecurrenceError`` for text dateutil cannot read, a
    frequency below a day (HOURLY, MINUTELY, SECONDLY: rounds are planned by the day), a
    DTSTART inside the rule (the plan's start date is the start), an INTERVAL below 1, or a
    rule with no date within ``FIRST_DATE_WITHIN_YEARS`` of the start."""
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    value = value.strip().upper()
    if not value:
        raise RecurrenceError(_("The recurrence rule is empty."))
    if "\n" in value or "DTSTART" in value:
        raise RecurrenceError(
            _("Give one RRULE line only; the plan's start date is the rule's start.")
        )
    try:
        rule = rrulestr(f"RRULE:{value}", dtstart=dt.datetime.combine(start, dt.time()))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(
            _("The recurrence rule is not valid RFC 5545: %(error)s") % {"error": exc}
        ) from exc
    if not isinstance(rule, rrule):  # pragma: no cover - one RRULE line gives an rrule
        raise RecurrenceError(_("Give one RRULE line only."))
    frequency: int = getattr(rule, "_freq")  # noqa: B009 - dateutil keeps FREQ private
    if frequency not in _ALLOWED_FREQUENCIES:
        raise RecurrenceError(
            _("Rounds recur daily at most: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")
        )
    interval: int = getattr(rule, "_interval")  # noqa: B009 - dateutil keeps it private
    if interval < 1:
        # INTERVAL=0 repeats the start forever; a negative one fails while iterating.
        raise RecurrenceError(_("INTERVAL must be 1 or more."))
    years = FIRST_DATE_WITHIN_YEARS[frequency]
    try:
        found = _first_date_soon(rule, dt.datetime.combine(start, dt.time()), years, interval)
    except (ValueError, OverflowError) as exc:
        raise RecurrenceError(
            _("The recurrence rule is not valid RFC 5545: %(error)s") % {"error": exc}
        ) from exc
    if not found:
        raise RecurrenceError(
            _("The recurrence rule gives no date within %(years)d years of the start.")
            % {"years": years}
        )
    return rule


def _first_date_soon(rule: rrule, first: dt.datetime, years: int, interval: int) -> bool:
    """Whether ``rule`` gives a date within ``years`` years of ``first``, cheaply.

    dateutil checks UNTIL only against dates it finds, so a rule that finds none walks
    every period to year 9999 (seconds for a daily rule). The probe runs the same rule
    moved forward by whole Gregorian cycles of 400 years times the interval, which keep
    every weekday, leap day and interval phase, to the last such cycle before 9999: the
    walk then ends within a few hundred years."""
    cycle = 400 * interval
    latest = dt.MAXYEAR - years - 1
    shift = (latest - first.year) // cycle * cycle if first.year + cycle <= latest else 0
    moved = first.replace(year=first.year + shift)
    horizon = moved + dt.timedelta(days=366 * years + 1)
    until: dt.datetime | None = getattr(rule, "_until")  # noqa: B009 - dateutil keeps it
    if until is not None:
        horizon = min(horizon, until.replace(year=until.year + shift))
    probe = rule.replace(dtstart=moved, count=None, until=horizon)
    return probe.after(moved, inc=True) is not None


def _checked(dates: Iterable[dt.datetime]) -> Iterator[dt.datetime]:
    """``dates`` as dateutil yields them; an error of dateutil's while iterating (a date
    past year 9999) becomes ``RecurrenceError``."""
    try:
        yield from dates
    except (ValueError, OverflowError) as exc:
        raise RecurrenceError(
            _("The recurrence rule is not valid RFC 5545: %(error)s") % {"error": exc}
        ) from exc


def _office_days(calendar: WorkingCalendar) -> WorkingCalendar:
    return dataclasses.replace(calendar, always_working=False)


def _move(day: dt.date, policy: str, calendar: WorkingCalendar) -> dt.date | None:
    """The working day an occurrence on ``day`` is held on, or None when it is skipped."""
    if calendar.is_working_day(day):
        return day
    if policy == HolidayPolicy.SKIP:
        return None
    step = dt.timedelta(days=-1 if policy == HolidayPolicy.PREVIOUS_WORKING_DAY else 1)
    for _i in range(366):
        day += step
        if calendar.is_working_day(day):
            return day
    return None


def _day_start(day: dt.date, calendar: WorkingCalendar) -> dt.datetime:
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=calendar.timezone)
    return calendar.next_working_instant(midnight)


def _lead_day(day: dt.date, lead_days: int, calendar: WorkingCalendar) -> dt.date:
    """The working day ``lead_days`` working days before ``day``."""
    remaining = lead_days
    while remaining > 0:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            remaining -= 1
    return day


def occurrence_on(
    nominal: dt.date,
    *,
    visit_time: dt.time,
    lead_days: int,
    policy: str,
    calendar: WorkingCalendar,
) -> Occurrence | None:
    """The ``Occurrence`` of nominal local date ``nominal`` (None when the policy skips it);
    see the module's rules."""
    office = _office_days(calendar)
    day = _move(nominal, policy, office)
    if day is None:
        return None
    wanted = dt.datetime.combine(day, visit_time, tzinfo=office.timezone)
    visit_at = office.next_working_instant(wanted)
    if visit_at.astimezone(office.timezone).date() != day:
        # After the day's hours: the visits begin when the day begins instead.
        visit_at = _day_start(day, office)
    due_at = visit_at if lead_days == 0 else _day_start(_lead_day(day, lead_days, office), office)
    return Occurrence(nominal_date=nominal, visit_at=visit_at, due_at=due_at)


def occurrences(
    rule: rrule,
    *,
    visit_time: dt.time,
    lead_days: int,
    policy: str,
    calendar: WorkingCalendar,
    after: dt.date | None = None,
) -> Iterator[Occurrence]:
    """The occurrences of ``rule`` whose nominal date is after ``after`` (all when None), in
    order. Stops after ``MAX_NOMINAL_DATES`` nominal dates (a rule that ends stops sooner)."""
    dates = rule if after is None else rule.xafter(dt.datetime.combine(after, dt.time.max))
    for count, moment in enumerate(_checked(dates)):
        if count >= MAX_NOMINAL_DATES:
            return
        nominal = moment.date()
        found = occurrence_on(
            nominal,
            visit_time=visit_time,
            lead_days=lead_days,
            policy=policy,
            calendar=calendar,
        )
        if found is not None:
            yield found


def plan_occurrences(
    plan: MaintenancePlan, calendar: WorkingCalendar, after: dt.date | None
) -> Iterator[Occurrence]:
    """``occurrences`` of ``plan``: its RRULE from its start date, with its visit time,
    lead days and day-off policy on ``calendar`` (the agency's), after nominal date
    ``after``. Raises ``RecurrenceError`` at once for a rule that does not parse."""
    return occurrences(
        parse_rule(plan.rrule, plan.start_date),
        visit_time=plan.visit_time,
        lead_days=plan.lead_days,
        policy=plan.holiday_policy,
        calendar=calendar,
        after=after,
    )
