"""Writes and derived objects of the tenancy app: agencies and their working calendar."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from jaga.audit.services import record
from jaga.org.models import User
from jaga.tenancy.calendar import (
    PERPRES_21_2023,
    SpecialPeriod,
    WeekSchedule,
    WorkingCalendar,
)
from jaga.tenancy.models import Agency, CalendarMode, DayOff, WorkingHours, new_token
from jaga.tenancy.models import SpecialPeriod as SpecialPeriodRow


def _week_from_rows(rows: list[WorkingHours]) -> WeekSchedule:
    days: list[list[tuple[object, object]]] = [[] for _ in range(7)]
    for row in sorted(rows, key=lambda r: (r.weekday, r.start)):
        days[row.weekday].append((row.start, row.end))
    return WeekSchedule(tuple(tuple(day) for day in days))  # type: ignore[arg-type]


_CACHE: dict[tuple[int, str], WorkingCalendar] = {}
_CACHE_SIZE = 512


def working_calendar(agency: Agency) -> WorkingCalendar:
    """The ``WorkingCalendar`` of ``agency``: built from its rows (3 queries) the first time,
    then from a per-process cache keyed on ``agency.calendar_token``, which changes with
    every change to the rows (jaga.tenancy.signals).

    The regular week is the agency's ``WorkingHours`` without a period, or the Perpres
    21/2023 default when it has none; each ``SpecialPeriod`` (e.g. Ramadan) brings its own
    week; ``DayOff`` rows add to the national holidays and cuti bersama. ``calendar_mode``
    24x7 gives a calendar on which every instant is working time.
    """
    key = (agency.pk, agency.calendar_token)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    calendar = _build(agency)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = calendar
    return calendar


def calendar_changed(agency_id: int) -> None:
    """Give the agency a new calendar token, so its cached calendars are not used again."""
    Agency.objects.filter(pk=agency_id).update(calendar_token=new_token())


def _build(agency: Agency) -> WorkingCalendar:
    hours = list(WorkingHours.objects.filter(agency=agency))
    regular = [row for row in hours if row.period_id is None]
    periods = tuple(
        SpecialPeriod(
            name=period.name,
            start=period.start_date,
            end=period.end_date,
            schedule=_week_from_rows([row for row in hours if row.period_id == period.pk]),
        )
        for period in SpecialPeriodRow.objects.filter(agency=agency).order_by("start_date")
    )
    days_off = frozenset(DayOff.objects.filter(agency=agency).values_list("date", flat=True))
    return WorkingCalendar(
        timezone=ZoneInfo(agency.timezone),
        schedule=_week_from_rows(regular) if regular else PERPRES_21_2023,
        special_periods=periods,
        extra_days_off=days_off,
        national_holidays=agency.national_holidays,
        always_working=agency.calendar_mode == CalendarMode.ALWAYS,
    )


def week_state(agency: Agency, period: SpecialPeriodRow | None = None) -> dict[str, Any]:
    """The stored week of ``agency`` (of ``period`` if given) as its audit events hold it:
    ``{"week": [["07:30-12:00", "13:00-16:00"], …]}``, seven lists of local wall-time
    intervals, Monday first."""
    days: list[list[str]] = [[] for _ in range(7)]
    rows = WorkingHours.objects.filter(agency=agency, period=period).order_by("weekday", "start")
    for row in rows:
        days[row.weekday].append(f"{row.start:%H:%M}-{row.end:%H:%M}")
    return {"week": days}


def set_working_week(
    agency: Agency,
    schedule: WeekSchedule,
    period: SpecialPeriodRow | None = None,
    *,
    by: User | None = None,
) -> None:
    """Write ``schedule`` as ``WorkingHours`` rows of ``agency`` (of ``period`` if given),
    replacing the rows already there, in one transaction with its audit event
    ``tenancy.working_week.set`` about the agency (or the period) by ``by``, ``before`` and
    ``after`` as ``week_state`` gives them (no event when the week stays the same; issue 13
    point 5)."""
    with transaction.atomic():
        before = week_state(agency, period)
        _write_week(agency, schedule, period)
        after = week_state(agency, period)
        if before != after:
            record(
                agency=agency,
                actor=by,
                action="tenancy.working_week.set",
                obj=period if period is not None else agency,
                before=before,
                after=after,
            )


def _write_week(agency: Agency, schedule: WeekSchedule, period: SpecialPeriodRow | None) -> None:
    with transaction.atomic():
        WorkingHours.objects.filter(agency=agency, period=period).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(agency=agency, period=period, weekday=weekday, start=start, end=end)
            for weekday, intervals in enumerate(schedule.days)
            for start, end in intervals
        )
        calendar_changed(agency.pk)
        agency.refresh_from_db(fields=["calendar_token"])


def install_default_working_hours(
    agency: Agency, *, audited: bool = False, by: User | None = None
) -> bool:
    """Give ``agency`` the Perpres 21/2023 week (Mon–Thu 07:30–16:00 with a 60-minute
    break, Fri 07:30–16:30 with 90 minutes) unless it already has regular hours; True when
    it did. ``audited``: record it as ``tenancy.working_week.set`` by ``by`` (an agency
    created in the admin); without, no event is written (fixtures and the demo loader
    bootstrap agencies that have no chain yet)."""
    if WorkingHours.objects.filter(agency=agency, period__isnull=True).exists():
        return False
    if audited:
        set_working_week(agency, PERPRES_21_2023, by=by)
    else:
        _write_week(agency, PERPRES_21_2023, None)
    return True
