"""The working calendar built from an agency's rows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from jaga.tenancy.calendar import PERPRES_21_2023, RAMADAN_PERPRES_21_2023
from jaga.tenancy.models import Agency, CalendarMode, DayOff, SpecialPeriod, WorkingHours
from jaga.tenancy.services import set_working_week, working_calendar
from jaga.tenancy.timestandard import parse_time_standard

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")


def test_it_gives_a_new_agency_the_perpres_week(agency_a: Agency) -> None:
    calendar = working_calendar(agency_a)
    assert calendar.schedule == PERPRES_21_2023
    assert WorkingHours.objects.filter(agency=agency_a).count() == 10  # 5 days x 2 intervals


def test_it_computes_a_wita_agencys_deadlines_in_asia_makassar(agency_b: Agency) -> None:
    calendar = working_calendar(agency_b)
    start = datetime(2026, 11, 20, 16, 15, tzinfo=WITA)  # Friday
    due = calendar.due_at(start, parse_time_standard("30 menit"))
    assert due == datetime(2026, 11, 23, 7, 45, tzinfo=WITA)
    assert due is not None
    assert due.utcoffset() == timedelta(0)


def test_it_skips_the_agencys_own_day_off(agency_a: Agency) -> None:
    DayOff.objects.create(agency=agency_a, date=date(2026, 11, 23), name="HUT Kota")
    calendar = working_calendar(agency_a)
    due = calendar.due_at(
        datetime(2026, 11, 20, 16, 15, tzinfo=WIB), parse_time_standard("30 menit")
    )
    assert due == datetime(2026, 11, 24, 7, 45, tzinfo=WIB)


def test_it_applies_a_special_periods_hours_only_inside_it(agency_a: Agency) -> None:
    period = SpecialPeriod.objects.create(
        agency=agency_a,
        name="Ramadan 1448 H",
        start_date=date(2027, 2, 8),
        end_date=date(2027, 3, 9),
    )
    set_working_week(agency_a, RAMADAN_PERPRES_21_2023, period)
    calendar = working_calendar(agency_a)
    assert not calendar.is_working_time(datetime(2027, 2, 10, 7, 45, tzinfo=WIB))
    assert calendar.is_working_time(datetime(2027, 2, 10, 8, 0, tzinfo=WIB))
    assert calendar.is_working_time(datetime(2027, 3, 17, 7, 45, tzinfo=WIB))


def test_it_uses_edited_working_hours(agency_a: Agency) -> None:
    WorkingHours.objects.filter(agency=agency_a, weekday=0).delete()
    WorkingHours.objects.create(agency=agency_a, weekday=0, start=time(9, 0), end=time(12, 0))
    calendar = working_calendar(agency_a)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=WIB)
    assert not calendar.is_working_time(monday)
    assert calendar.add_working_time(monday, timedelta(hours=1)) == datetime(
        2026, 11, 23, 10, 0, tzinfo=WIB
    )


def test_it_counts_clock_time_for_a_24x7_agency(agency_a: Agency) -> None:
    agency_a.calendar_mode = CalendarMode.ALWAYS
    agency_a.save()
    start = datetime(2026, 12, 24, 23, 0, tzinfo=WIB)  # cuti bersama, at night
    due = working_calendar(agency_a).due_at(start, parse_time_standard("1 jam"))
    assert due == start + timedelta(hours=1)


def test_it_rejects_overlapping_special_periods(agency_a: Agency) -> None:
    SpecialPeriod.objects.create(
        agency=agency_a, name="Ramadan", start_date=date(2027, 2, 8), end_date=date(2027, 3, 9)
    )
    clash = SpecialPeriod(
        agency=agency_a, name="Lain", start_date=date(2027, 3, 1), end_date=date(2027, 3, 20)
    )
    with pytest.raises(ValidationError, match="overlap"):
        clash.full_clean()


def test_it_allows_the_same_dates_in_another_agency(agency_a: Agency, agency_b: Agency) -> None:
    SpecialPeriod.objects.create(
        agency=agency_a, name="Ramadan", start_date=date(2027, 2, 8), end_date=date(2027, 3, 9)
    )
    SpecialPeriod(
        agency=agency_b, name="Ramadan", start_date=date(2027, 2, 8), end_date=date(2027, 3, 9)
    ).full_clean()


def test_it_rebuilds_a_cached_calendar_after_a_change(agency_a: Agency) -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    assert working_calendar(agency_a).is_working_time(monday)
    assert working_calendar(agency_a) is working_calendar(agency_a)  # cached
    DayOff.objects.create(agency=agency_a, date=date(2026, 11, 23), name="HUT Kota")
    agency_a.refresh_from_db()
    assert not working_calendar(agency_a).is_working_time(monday)
    agency_a.calendar_mode = CalendarMode.ALWAYS
    agency_a.save()
    assert working_calendar(agency_a).is_working_time(monday)
