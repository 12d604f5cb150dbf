"""Occurrences of maintenance plans: RRULE dates moved by the working calendar (issue 14,
"Recurrence tests"). Pure functions: no database, no clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jaga.maintenance.models import HolidayPolicy, RecurrencePreset
from jaga.maintenance.recurrence import (
    RecurrenceError,
    occurrence_on,
    occurrences,
    parse_rule,
    preset_rule,
)
from jaga.tenancy.calendar import RAMADAN_PERPRES_21_2023, SpecialPeriod, WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")
JAKARTA = WorkingCalendar(timezone=WIB)


def local(value: dt.datetime, zone: ZoneInfo = WIB) -> dt.datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def take(rule_text: str, start: dt.date, count: int, **kwargs: object) -> list[dt.date]:
    rule = parse_rule(rule_text, start)
    params: dict[str, object] = {
        "visit_time": dt.time(8, 0),
        "lead_days": 0,
        "policy": HolidayPolicy.NEXT_WORKING_DAY,
        "calendar": JAKARTA,
    }
    params.update(kwargs)
    found = occurrences(rule, **params)  # type: ignore[arg-type]
    return [local(next(found).visit_at).date() for _ in range(count)]


def test_it_moves_an_occurrence_on_christmas_and_its_cuti_bersama_to_the_next_working_day() -> None:
    # Thursday 24 December 2026 is cuti bersama, Friday the 25th Christmas: Monday the 28th.
    occurrence = occurrence_on(
        dt.date(2026, 12, 24),
        visit_time=dt.time(9, 0),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=JAKARTA,
    )
    assert occurrence is not None
    assert local(occurrence.visit_at) == dt.datetime(2026, 12, 28, 9, 0)
    assert occurrence.nominal_date == dt.date(2026, 12, 24)


def test_it_moves_an_occurrence_on_a_holiday_back_when_the_plan_says_previous() -> None:
    occurrence = occurrence_on(
        dt.date(2026, 12, 25),
        visit_time=dt.time(9, 0),
        lead_days=0,
        policy=HolidayPolicy.PREVIOUS_WORKING_DAY,
        calendar=JAKARTA,
    )
    assert occurrence is not None
    assert local(occurrence.visit_at) == dt.datetime(2026, 12, 23, 9, 0)


def test_it_skips_an_occurrence_on_a_day_off_when_the_plan_says_skip() -> None:
    weekly = parse_rule("FREQ=WEEKLY;BYDAY=FR", dt.date(2026, 12, 1))
    found = occurrences(
        weekly,
        visit_time=dt.time(9, 0),
        lead_days=0,
        policy=HolidayPolicy.SKIP,
        calendar=JAKARTA,
    )
    days = [local(next(found).visit_at).date() for _ in range(3)]
    assert days == [dt.date(2026, 12, 4), dt.date(2026, 12, 11), dt.date(2026, 12, 18)]
    assert local(next(found).visit_at).date() == dt.date(2027, 1, 8)  # 25 Dec and 1 Jan skipped


def test_it_moves_an_agency_day_off_too() -> None:
    calendar = WorkingCalendar(timezone=WIB, extra_days_off=frozenset({dt.date(2027, 3, 1)}))
    assert take("FREQ=MONTHLY;BYDAY=1MO", dt.date(2027, 3, 1), 1, calendar=calendar) == [
        dt.date(2027, 3, 2)
    ]


def test_it_clamps_a_monthly_occurrence_on_the_31st_to_the_month_end() -> None:
    rule = preset_rule(RecurrencePreset.MONTHLY, dt.date(2027, 1, 29))
    nominal = [d.date() for d in list(parse_rule(rule, dt.date(2027, 1, 29)))[:4]]
    assert nominal == [
        dt.date(2027, 1, 29),
        dt.date(2027, 2, 28),  # no 29 February in 2027
        dt.date(2027, 3, 29),
        dt.date(2027, 4, 29),
    ]
    rule = preset_rule(RecurrencePreset.MONTHLY, dt.date(2027, 1, 31))
    nominal = [d.date() for d in list(parse_rule(rule, dt.date(2027, 1, 31)))[:4]]
    assert nominal == [
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
    ]


def test_it_holds_a_month_end_that_is_a_sunday_on_the_next_working_day() -> None:
    # 31 January 2027 is a Sunday: the visit is Monday 1 February.
    rule = preset_rule(RecurrencePreset.MONTHLY, dt.date(2027, 1, 31))
    assert take(rule, dt.date(2027, 1, 31), 2) == [dt.date(2027, 2, 1), dt.date(2027, 3, 1)]


def test_it_reads_the_first_monday_of_the_month() -> None:
    rule = preset_rule(RecurrencePreset.FIRST_MONDAY, dt.date(2027, 1, 1))
    assert take(rule, dt.date(2027, 1, 1), 3) == [
        dt.date(2027, 1, 4),
        dt.date(2027, 2, 1),
        dt.date(2027, 3, 1),
    ]


def test_it_repeats_quarterly_and_yearly_from_the_start_date() -> None:
    start = dt.date(2027, 1, 15)
    quarterly = preset_rule(RecurrencePreset.QUARTERLY, start)
    assert [d.date() for d in list(parse_rule(quarterly, start))[:3]] == [
        dt.date(2027, 1, 15),
        dt.date(2027, 4, 15),
        dt.date(2027, 7, 15),
    ]
    leap = dt.date(2028, 2, 29)
    yearly = preset_rule(RecurrencePreset.YEARLY, leap)
    assert [d.date() for d in list(parse_rule(yearly, leap))[:2]] == [
        dt.date(2028, 2, 29),
        dt.date(2029, 2, 28),
    ]


def test_it_starts_visits_at_the_ramadan_hours_when_the_plan_time_is_before_them() -> None:
    ramadan = SpecialPeriod(
        "Ramadan 1448 H", dt.date(2027, 2, 8), dt.date(2027, 3, 9), RAMADAN_PERPRES_21_2023
    )
    calendar = WorkingCalendar(timezone=WIB, special_periods=(ramadan,))
    occurrence = occurrence_on(
        dt.date(2027, 2, 15),
        visit_time=dt.time(7, 30),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=calendar,
    )
    assert occurrence is not None
    assert local(occurrence.visit_at) == dt.datetime(2027, 2, 15, 8, 0)
    outside = occurrence_on(
        dt.date(2027, 3, 22),
        visit_time=dt.time(7, 30),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=calendar,
    )
    assert outside is not None
    assert local(outside.visit_at) == dt.datetime(2027, 3, 22, 7, 30)


def test_it_starts_the_round_lead_days_working_days_before_its_visits() -> None:
    # Visits Monday 4 January 2027; three working days before: Tuesday 29 December 2026
    # (1 January is New Year, 31 December a Thursday): 29, 30, 31 December.
    occurrence = occurrence_on(
        dt.date(2027, 1, 4),
        visit_time=dt.time(9, 0),
        lead_days=3,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=JAKARTA,
    )
    assert occurrence is not None
    assert local(occurrence.due_at) == dt.datetime(2026, 12, 29, 7, 30)


def test_it_reads_times_in_the_agency_time_zone() -> None:
    papua = WorkingCalendar(timezone=WIT)
    occurrence = occurrence_on(
        dt.date(2027, 1, 4),
        visit_time=dt.time(8, 0),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=papua,
    )
    assert occurrence is not None
    assert occurrence.visit_at == dt.datetime(2027, 1, 3, 23, 0, tzinfo=dt.UTC)
    assert local(occurrence.visit_at, WIT) == dt.datetime(2027, 1, 4, 8, 0)


def test_it_holds_visits_on_office_days_even_when_deadlines_run_24x7() -> None:
    always = WorkingCalendar(timezone=WIB, always_working=True)
    assert take("FREQ=MONTHLY;BYMONTHDAY=25", dt.date(2026, 12, 1), 1, calendar=always) == [
        dt.date(2026, 12, 28)
    ]


def test_it_begins_visits_at_the_next_day_start_when_the_time_is_after_hours() -> None:
    occurrence = occurrence_on(
        dt.date(2027, 1, 4),
        visit_time=dt.time(18, 0),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=JAKARTA,
    )
    assert occurrence is not None
    assert local(occurrence.visit_at) == dt.datetime(2027, 1, 4, 7, 30)


def test_it_lists_occurrences_after_a_nominal_date_only() -> None:
    rule = parse_rule("FREQ=MONTHLY;BYMONTHDAY=10", dt.date(2027, 1, 1))
    found = occurrences(
        rule,
        visit_time=dt.time(9, 0),
        lead_days=0,
        policy=HolidayPolicy.NEXT_WORKING_DAY,
        calendar=JAKARTA,
        after=dt.date(2027, 2, 10),
    )
    assert next(found).nominal_date == dt.date(2027, 3, 10)


def test_it_stops_when_the_rule_ends() -> None:
    rule = parse_rule("FREQ=MONTHLY;COUNT=2", dt.date(2027, 1, 5))
    found = list(
        occurrences(
            rule,
            visit_time=dt.time(9, 0),
            lead_days=0,
            policy=HolidayPolicy.NEXT_WORKING_DAY,
            calendar=JAKARTA,
        )
    )
    assert [o.nominal_date for o in found] == [dt.date(2027, 1, 5), dt.date(2027, 2, 5)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("FREQ=HOURLY", "daily at most"),
        ("FREQ=MINUTELY;INTERVAL=5", "daily at most"),
        ("FREQ=FORTNIGHTLY", "not valid RFC 5545"),
        ("BYDAY=MO", "not valid RFC 5545"),
        ("FREQ=MONTHLY;UNTIL=20200101", "no date"),
        ("DTSTART:20270101\nRRULE:FREQ=DAILY", "one RRULE line"),
        # INTERVAL=0 repeated the start date forever (a hung request, a hung scheduler);
        # a negative one failed inside dateutil (a 500).
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be 1 or more"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL must be 1 or more"),
        # No date at all: refused after four or ten years of dates, not after dateutil's
        # walk to 9999.
        ("FREQ=DAILY;BYSETPOS=5", "no date within 4 years"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no date within 10 years"),
    ],
)
def test_it_refuses_a_rule_it_cannot_use(text: str, message: str) -> None:
    with pytest.raises(RecurrenceError, match=message):
        parse_rule(text, dt.date(2027, 1, 1))


def test_it_accepts_the_rrule_prefix_and_lower_case() -> None:
    rule = parse_rule("rrule:freq=weekly;byday=we", dt.date(2027, 1, 1))
    assert rule[0].date() == dt.date(2027, 1, 6)


def test_it_keeps_an_intervals_phase_when_checking_for_a_date() -> None:
    # Every seventh day from a Monday is always a Monday; from a Tuesday, never.
    rule = parse_rule("FREQ=DAILY;INTERVAL=7;BYDAY=MO", dt.date(2027, 1, 4))
    assert rule[1].date() == dt.date(2027, 1, 11)
    with pytest.raises(RecurrenceError, match="no date within 4 years"):
        parse_rule("FREQ=DAILY;INTERVAL=7;BYDAY=MO", dt.date(2027, 1, 5))
    # 29 February comes back within four years.
    leap = parse_rule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", dt.date(2029, 3, 1))
    assert leap[0].date() == dt.date(2032, 2, 29)
