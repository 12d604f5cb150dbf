"""The working calendar: days off, working hours, and deadlines of time standards."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from jaga.tenancy.calendar import (
    PERPRES_21_2023,
    RAMADAN_PERPRES_21_2023,
    REASON_AGENCY_DAY_OFF,
    REASON_WEEKEND,
    SpecialPeriod,
    WeekSchedule,
    WorkingCalendar,
    national_days_off,
)
from jaga.tenancy.timestandard import TimeStandard, TimeUnit, parse_time_standard

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

# November 2026 has no national holiday: Friday 20 -> Monday 23 is a plain weekend.
FRIDAY = date(2026, 11, 20)
MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)

# Ramadan 1447 H, roughly; only the shape matters here.
RAMADAN_2026 = SpecialPeriod(
    name="Ramadan 1447 H",
    start=date(2026, 2, 18),
    end=date(2026, 3, 19),
    schedule=RAMADAN_PERPRES_21_2023,
)


def wib(day: date, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=WIB)


def due(calendar: WorkingCalendar, start: datetime, text: str) -> datetime | None:
    return calendar.due_at(start, parse_time_standard(text))


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar(timezone=WIB)


# -- schedules ------------------------------------------------------------------------------


def test_it_gives_perpres_21_2023_thirty_seven_and_a_half_hours_over_five_days() -> None:
    assert PERPRES_21_2023.minutes_per_week == 37 * 60 + 30
    assert PERPRES_21_2023.working_days_per_week == 5
    assert [PERPRES_21_2023.minutes_on(d) for d in range(7)] == [450, 450, 450, 450, 450, 0, 0]
    assert PERPRES_21_2023.days[0][0][0] == time(7, 30)
    assert PERPRES_21_2023.days[0][-1][1] == time(16, 0)
    assert PERPRES_21_2023.days[4][-1][1] == time(16, 30)


def test_it_gives_perpres_21_2023_ramadan_thirty_two_and_a_half_hours_from_eight() -> None:
    assert RAMADAN_PERPRES_21_2023.minutes_per_week == 32 * 60 + 30
    assert RAMADAN_PERPRES_21_2023.working_days_per_week == 5
    assert all(RAMADAN_PERPRES_21_2023.days[d][0][0] == time(8, 0) for d in range(5))


def test_it_stores_a_schedule_given_as_lists_as_tuples() -> None:
    schedule = WeekSchedule(days=[[(time(8), time(12))], [], [], [], [], [], []])  # type: ignore[arg-type]

    assert schedule.days[0] == ((time(8), time(12)),)
    assert schedule.minutes_on(0) == 240
    assert schedule.working_days_per_week == 1


def test_it_accepts_an_interval_starting_where_the_previous_one_ends() -> None:
    schedule = WeekSchedule(
        days=(((time(8), time(10)), (time(10), time(12))), (), (), (), (), (), ())
    )

    assert schedule.minutes_on(0) == 240


@pytest.mark.parametrize(
    ("days", "problem"),
    [
        (((),) * 6, "needs 7 days"),
        (((),) * 8, "needs 7 days"),
        ((((time(12), time(8)),),) + ((),) * 6, "must start before it ends"),
        ((((time(8), time(8)),),) + ((),) * 6, "must start before it ends"),
        ((((time(8), time(12)), (time(11), time(13))),) + ((),) * 6, "must not overlap"),
        ((((time(13), time(15)), (time(8), time(12))),) + ((),) * 6, "must be sorted"),
        ((((time(8, tzinfo=UTC), time(12, tzinfo=UTC)),),) + ((),) * 6, "must be naive"),
        ((((time(8), time(12), time(13)),),) + ((),) * 6, "pair of times"),
        (((("08:00", "12:00"),),) + ((),) * 6, "pair of times"),
    ],
)
def test_it_rejects_an_invalid_week_schedule(days: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        WeekSchedule(days=days)  # type: ignore[arg-type]


def test_it_rejects_a_weekday_outside_monday_to_sunday() -> None:
    with pytest.raises(ValueError, match="weekday must be 0"):
        PERPRES_21_2023.minutes_on(7)


def test_it_rejects_a_special_period_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="ends"):
        SpecialPeriod("x", date(2026, 3, 2), date(2026, 3, 1), RAMADAN_PERPRES_21_2023)


def test_it_rejects_overlapping_special_periods() -> None:
    other = SpecialPeriod("x", date(2026, 3, 19), date(2026, 3, 30), PERPRES_21_2023)

    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(WIB, special_periods=(RAMADAN_2026, other))


def test_it_rejects_a_regular_schedule_without_working_days() -> None:
    with pytest.raises(ValueError, match="no working day"):
        WorkingCalendar(WIB, schedule=WeekSchedule(days=((),) * 7))


def test_it_rejects_a_timezone_that_is_not_a_zoneinfo() -> None:
    with pytest.raises(ValueError, match="ZoneInfo"):
        WorkingCalendar(UTC)  # type: ignore[arg-type]


# -- days off -------------------------------------------------------------------------------


def test_it_knows_national_holidays_and_cuti_bersama() -> None:
    days_off = national_days_off(2026)

    assert days_off[date(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"
    assert days_off[date(2026, 12, 25)] == "Hari Raya Natal"
    assert days_off[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert date(2026, 12, 23) not in days_off
    assert all(day.year == 2026 for day in days_off)


def test_it_caches_national_days_off_per_year_read_only() -> None:
    assert national_days_off(2026) is national_days_off(2026)
    with pytest.raises(TypeError):
        national_days_off(2026)[date(2026, 12, 23)] = "x"  # type: ignore[index]


def test_it_gives_the_reason_a_day_is_off(calendar: WorkingCalendar) -> None:
    agency = WorkingCalendar(WIB, extra_days_off=frozenset({TUESDAY}))

    assert calendar.day_off_reason(MONDAY) is None
    assert calendar.day_off_reason(date(2026, 11, 21)) == REASON_WEEKEND
    assert calendar.day_off_reason(date(2026, 12, 25)) == "Hari Raya Natal"
    assert calendar.day_off_reason(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"
    assert agency.day_off_reason(TUESDAY) == REASON_AGENCY_DAY_OFF
    assert calendar.is_working_day(TUESDAY)
    assert not agency.is_working_day(TUESDAY)


def test_it_works_on_national_holidays_when_they_are_switched_off() -> None:
    calendar = WorkingCalendar(WIB, national_holidays=False)

    assert calendar.is_working_day(date(2026, 12, 24))
    assert calendar.day_off_reason(date(2026, 12, 26)) == REASON_WEEKEND


def test_it_names_a_special_period_that_closes_a_regular_working_day() -> None:
    closed = SpecialPeriod("Libur kantor", MONDAY, TUESDAY, WeekSchedule(days=((),) * 7))
    calendar = WorkingCalendar(WIB, special_periods=(closed,))

    assert calendar.day_off_reason(MONDAY) == "Libur kantor"
    assert calendar.day_off_reason(date(2026, 11, 25)) is None


# -- working intervals ----------------------------------------------------------------------


def test_it_lists_the_working_intervals_of_a_day_in_local_time(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.working_intervals(MONDAY) == [
        (wib(MONDAY, 7, 30), wib(MONDAY, 12)),
        (wib(MONDAY, 13), wib(MONDAY, 16)),
    ]
    assert calendar.working_intervals(FRIDAY) == [
        (wib(FRIDAY, 7, 30), wib(FRIDAY, 11, 30)),
        (wib(FRIDAY, 13), wib(FRIDAY, 16, 30)),
    ]
    assert all(start.tzinfo is WIB for start, _ in calendar.working_intervals(MONDAY))
    assert calendar.working_intervals(date(2026, 11, 22)) == []
    assert calendar.working_intervals(date(2026, 12, 25)) == []


@pytest.mark.parametrize(
    ("at", "working"),
    [
        (wib(MONDAY, 7, 29, 59, 999_999), False),
        (wib(MONDAY, 7, 30), True),
        (wib(MONDAY, 11, 59, 59, 999_999), True),
        (wib(MONDAY, 12), False),
        (wib(MONDAY, 12, 30), False),
        (wib(MONDAY, 13), True),
        (wib(MONDAY, 16), False),
        (wib(FRIDAY, 11, 45), False),
        (wib(FRIDAY, 16, 15), True),
        (wib(date(2026, 11, 21), 10), False),
        (wib(date(2026, 12, 24), 10), False),
    ],
)
def test_it_tells_working_time_with_half_open_intervals(
    calendar: WorkingCalendar, at: datetime, working: bool
) -> None:
    assert calendar.is_working_time(at) is working


def test_it_does_not_count_breaks_as_working_time(calendar: WorkingCalendar) -> None:
    assert calendar.working_time_between(wib(MONDAY, 11), wib(MONDAY, 14)) == timedelta(hours=2)
    assert calendar.working_time_between(wib(MONDAY, 12), wib(MONDAY, 13)) == timedelta(0)
    # Friday's break is 90 minutes.
    assert calendar.working_time_between(wib(FRIDAY, 11), wib(FRIDAY, 14)) == timedelta(
        hours=1, minutes=30
    )
    assert calendar.add_working_time(wib(MONDAY, 11, 45), timedelta(minutes=30)) == wib(
        MONDAY, 13, 15
    )


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (wib(MONDAY, 9), wib(MONDAY, 9)),
        (wib(MONDAY, 6), wib(MONDAY, 7, 30)),
        (wib(MONDAY, 12, 15), wib(MONDAY, 13)),
        (wib(FRIDAY, 16, 30), wib(MONDAY, 7, 30)),
        (wib(date(2026, 12, 23), 17), wib(date(2026, 12, 28), 7, 30)),
    ],
)
def test_it_finds_the_next_working_instant(
    calendar: WorkingCalendar, at: datetime, expected: datetime
) -> None:
    result = calendar.next_working_instant(at)

    assert result == expected
    assert result.tzinfo is UTC


# -- working time ---------------------------------------------------------------------------


def test_it_counts_a_regular_week_as_thirty_seven_and_a_half_hours(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.working_time_between(wib(MONDAY, 0), wib(MONDAY + timedelta(7), 0)) == (
        timedelta(hours=37, minutes=30)
    )


def test_it_counts_working_time_backwards_as_negative(calendar: WorkingCalendar) -> None:
    # Friday 16:00-16:30 and Monday 07:30-10:00.
    assert calendar.working_time_between(wib(MONDAY, 10), wib(FRIDAY, 16)) == -timedelta(hours=3)


def test_it_counts_working_time_to_the_microsecond(calendar: WorkingCalendar) -> None:
    start = wib(MONDAY, 11, 59, 59, 999_998)

    assert calendar.working_time_between(start, wib(MONDAY, 13, 0, 0, 1)) == timedelta(
        microseconds=3
    )


def test_it_counts_a_year_of_working_time(calendar: WorkingCalendar) -> None:
    # (Its speed is measured by bench/calendar.py, not here.)
    total = calendar.working_time_between(wib(date(2026, 1, 1), 0), wib(date(2027, 1, 1), 0))

    # 2026 has 240 working days: 261 weekdays less 21 weekday holidays and cuti bersama.
    assert total == 240 * timedelta(hours=7, minutes=30)


def test_it_adds_working_time_up_to_the_end_of_an_interval(calendar: WorkingCalendar) -> None:
    assert calendar.add_working_time(wib(FRIDAY, 16), timedelta(minutes=30)) == wib(FRIDAY, 16, 30)


def test_it_returns_the_start_for_zero_working_time(calendar: WorkingCalendar) -> None:
    start = wib(date(2026, 11, 21), 10)

    assert calendar.add_working_time(start, timedelta(0)) == start


def test_it_rejects_negative_working_time(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.add_working_time(wib(MONDAY, 9), timedelta(minutes=-1))


def test_it_returns_instants_in_utc(calendar: WorkingCalendar) -> None:
    result = calendar.add_working_time(wib(MONDAY, 9), timedelta(hours=1))

    assert result.tzinfo is UTC
    assert result == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def test_it_reads_an_instant_given_in_another_zone_in_its_own_zone(
    calendar: WorkingCalendar,
) -> None:
    friday_16_15_wib = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)

    assert due(calendar, friday_16_15_wib, "30 menit") == wib(MONDAY, 7, 45)


# -- deadlines ------------------------------------------------------------------------------


def test_it_makes_30_menit_from_friday_16_15_due_monday_07_45(calendar: WorkingCalendar) -> None:
    assert due(calendar, wib(FRIDAY, 16, 15), "30 menit") == wib(MONDAY, 7, 45)


def test_it_skips_national_holidays_in_working_time(calendar: WorkingCalendar) -> None:
    # Wednesday 23 December 2026: Thursday is cuti bersama, Friday is Natal.
    assert due(calendar, wib(date(2026, 12, 23), 15, 30), "1 jam") == wib(date(2026, 12, 28), 8)


def test_it_skips_the_agencys_own_days_off() -> None:
    calendar = WorkingCalendar(WIB, extra_days_off=frozenset({MONDAY}))

    assert due(calendar, wib(FRIDAY, 16, 15), "30 menit") == wib(TUESDAY, 7, 45)
    assert due(calendar, wib(FRIDAY, 10), "1 hari") == wib(TUESDAY, 10)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (wib(MONDAY, 7, 30), 1, wib(MONDAY, 16)),
        (wib(MONDAY, 7, 30), 2, wib(TUESDAY, 16)),
        (wib(MONDAY, 6), 1, wib(MONDAY, 16)),
        (wib(MONDAY, 10), 1, wib(TUESDAY, 10)),
        (wib(MONDAY, 10), 3, wib(date(2026, 11, 26), 10)),
        (wib(FRIDAY, 16, 15), 1, wib(MONDAY, 15, 45)),
        (wib(FRIDAY, 10), 1, wib(MONDAY, 10)),
        (wib(date(2026, 11, 21), 10), 1, wib(MONDAY, 16)),
        (wib(FRIDAY, 16, 30), 1, wib(MONDAY, 16)),
        # A start in the break counts from 13:00 (270 of 450 minutes done): the earliest
        # instant with 270 minutes done on Tuesday is the end of the morning.
        (wib(MONDAY, 12, 30), 1, wib(TUESDAY, 12)),
    ],
)
def test_it_adds_working_days_at_the_same_fraction_of_the_day(
    calendar: WorkingCalendar, start: datetime, days: int, expected: datetime
) -> None:
    assert calendar.add_working_days(start, days) == expected


def test_it_makes_1_hari_before_cuti_bersama_skip_it(calendar: WorkingCalendar) -> None:
    days_off = national_days_off(2026)
    assert "Cuti Bersama" in days_off[date(2026, 12, 24)]
    assert date(2026, 12, 25) in days_off

    assert due(calendar, wib(date(2026, 12, 23), 10), "1 hari") == wib(date(2026, 12, 28), 10)


def test_it_treats_3_hari_kerja_as_3_hari(calendar: WorkingCalendar) -> None:
    start = wib(FRIDAY, 9)

    assert due(calendar, start, "3 hari kerja") == due(calendar, start, "3 hari")
    assert due(calendar, start, "3 hari") == wib(date(2026, 11, 25), 9)


def test_it_rejects_fewer_than_one_working_day(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(wib(MONDAY, 9), 0)


def test_it_makes_a_minggu_as_many_working_days_as_the_week_has(
    calendar: WorkingCalendar,
) -> None:
    assert due(calendar, wib(FRIDAY, 10), "1 minggu") == wib(date(2026, 11, 27), 10)
    assert due(calendar, wib(FRIDAY, 10), "2 minggu") == wib(date(2026, 12, 4), 10)


def test_it_makes_a_bulan_the_same_local_time_a_calendar_month_later(
    calendar: WorkingCalendar,
) -> None:
    assert due(calendar, wib(date(2026, 11, 10), 10), "1 bulan") == wib(date(2026, 12, 10), 10)


def test_it_clamps_a_bulan_to_the_month_end_then_moves_to_working_time(
    calendar: WorkingCalendar,
) -> None:
    # 31 January -> 28 February 2026, a Saturday -> Monday 2 March 07:30.
    assert due(calendar, wib(date(2026, 1, 31), 10), "1 bulan") == wib(date(2026, 3, 2), 7, 30)
    # 31 March + 11 months crosses the year: 29 February does not exist in 2027.
    assert due(calendar, wib(date(2026, 3, 31), 10), "11 bulan") == wib(date(2027, 3, 1), 7, 30)


def test_it_makes_n_x_24_jam_clock_time_even_in_working_mode(calendar: WorkingCalendar) -> None:
    assert due(calendar, wib(FRIDAY, 16, 15), "2x24 jam") == wib(date(2026, 11, 22), 16, 15)
    assert due(calendar, wib(date(2026, 12, 23), 10), "1 x 24 jam") == wib(date(2026, 12, 24), 10)


def test_it_gives_no_deadline_for_kondisional(calendar: WorkingCalendar) -> None:
    assert due(calendar, wib(FRIDAY, 10), "kondisional") is None
    assert calendar.as_24x7().due_at(wib(FRIDAY, 10), TimeStandard.kondisional()) is None


def test_it_computes_a_wita_calendar_in_its_own_zone(calendar: WorkingCalendar) -> None:
    wita = WorkingCalendar(timezone=WITA)
    start_wib = wib(FRIDAY, 16, 15)
    start_wita = start_wib.replace(tzinfo=WITA)

    result_wib = due(calendar, start_wib, "30 menit")
    result_wita = due(wita, start_wita, "30 menit")

    assert result_wita == datetime.combine(MONDAY, time(7, 45), tzinfo=WITA)
    assert result_wita == datetime(2026, 11, 22, 23, 45, tzinfo=UTC)
    assert result_wib is not None
    assert result_wib - result_wita == timedelta(hours=1)
    # The same WIB instant is 17:15 WITA, already after Friday's hours in Makassar.
    assert due(wita, start_wib, "30 menit") == datetime.combine(MONDAY, time(8), tzinfo=WITA)


def test_it_computes_a_wit_calendar_two_hours_ahead_of_wib(calendar: WorkingCalendar) -> None:
    wit = WorkingCalendar(timezone=WIT)
    start = wib(MONDAY, 10)

    result_wit = due(wit, start.replace(tzinfo=WIT), "1 hari")
    result_wib = due(calendar, start, "1 hari")

    assert result_wit == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert result_wib is not None
    assert result_wib - result_wit == timedelta(hours=2)


# -- special periods ------------------------------------------------------------------------


def test_it_applies_ramadan_hours_only_inside_their_date_range() -> None:
    calendar = WorkingCalendar(WIB, special_periods=(RAMADAN_2026,))
    inside = date(2026, 3, 2)  # Monday
    outside = date(2026, 3, 30)  # Monday after Ramadan and the Idul Fitri days off

    assert calendar.working_intervals(inside)[0][0] == wib(inside, 8)
    assert calendar.working_intervals(inside)[-1][1] == wib(inside, 15)
    assert calendar.working_intervals(outside)[0][0] == wib(outside, 7, 30)
    assert not calendar.is_working_time(wib(inside, 7, 45))
    assert calendar.is_working_time(wib(outside, 7, 45))
    assert calendar.is_working_time(wib(inside, 12, 30))
    assert not calendar.is_working_time(wib(outside, 12, 30))
    # The last regular working day before the period and its first day.
    assert calendar.working_intervals(date(2026, 2, 13))[0][0] == wib(date(2026, 2, 13), 7, 30)
    assert calendar.working_intervals(date(2026, 2, 18))[0][0] == wib(date(2026, 2, 18), 8)


def test_it_counts_ramadan_deadlines_in_ramadan_hours() -> None:
    calendar = WorkingCalendar(WIB, special_periods=(RAMADAN_2026,))
    friday = date(2026, 2, 27)
    monday = date(2026, 3, 2)

    assert due(calendar, wib(friday, 15, 15), "30 menit") == wib(monday, 8, 15)
    assert due(calendar, wib(friday, 10), "1 hari") == wib(monday, 10)


def test_it_keeps_the_fraction_of_the_day_across_days_of_different_length() -> None:
    calendar = WorkingCalendar(WIB, special_periods=(RAMADAN_2026,))
    # Friday 13 February 10:00 is 150 of 450 minutes (one third) of a regular day. The next
    # working day is Wednesday 18 February (16 is cuti bersama, 17 Imlek), in Ramadan: one
    # third of its 390 minutes is 130, from 08:00 that is 10:10.
    start = wib(date(2026, 2, 13), 10)

    assert calendar.add_working_days(start, 1) == wib(date(2026, 2, 18), 10, 10)


def test_it_skips_a_special_period_without_hours() -> None:
    closed = SpecialPeriod("Tutup", date(2026, 1, 5), date(2026, 12, 31), WeekSchedule(((),) * 7))
    calendar = WorkingCalendar(WIB, special_periods=(closed,), national_holidays=False)

    assert due(calendar, wib(date(2026, 1, 2), 16), "1 jam") == wib(date(2027, 1, 1), 8)
    assert calendar.working_time_between(
        wib(date(2026, 1, 2), 0), wib(date(2027, 1, 2), 0)
    ) == timedelta(hours=15)


# -- 24x7 -----------------------------------------------------------------------------------


def test_it_ignores_weekends_and_holidays_in_24x7_mode(calendar: WorkingCalendar) -> None:
    always = calendar.as_24x7()
    natal = date(2026, 12, 25)

    assert always.always_working
    assert not calendar.always_working
    assert always.is_working_day(natal)
    assert always.day_off_reason(date(2026, 12, 26)) is None
    assert always.is_working_time(wib(natal, 3))
    assert always.working_intervals(natal) == [(wib(natal, 0), wib(natal + timedelta(1), 0))]
    assert always.next_working_instant(wib(natal, 3)) == wib(natal, 3)
    assert always.working_time_between(wib(natal, 0), wib(natal, 0) + timedelta(days=3)) == (
        timedelta(days=3)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 menit", wib(FRIDAY, 16, 45)),
        ("8 jam", wib(date(2026, 11, 21), 0, 15)),
        ("1 hari", wib(date(2026, 11, 21), 16, 15)),
        ("1 minggu", wib(date(2026, 11, 27), 16, 15)),
        ("1 bulan", wib(date(2026, 12, 20), 16, 15)),
        ("2 x 24 jam", wib(date(2026, 11, 22), 16, 15)),
    ],
)
def test_it_counts_every_standard_as_clock_time_in_24x7_mode(
    calendar: WorkingCalendar, text: str, expected: datetime
) -> None:
    assert due(calendar.as_24x7(), wib(FRIDAY, 16, 15), text) == expected


def test_it_keeps_a_24x7_bulan_on_a_day_off(calendar: WorkingCalendar) -> None:
    # 28 February 2026 is a Saturday; around the clock it is still the deadline.
    assert due(calendar.as_24x7(), wib(date(2026, 1, 31), 10), "1 bulan") == wib(
        date(2026, 2, 28), 10
    )


# -- arguments ------------------------------------------------------------------------------

NAIVE = datetime(2026, 11, 23, 9, 0)
AWARE = wib(MONDAY, 9)
HARI = TimeStandard(amount=1, unit=TimeUnit.DAY)


@pytest.mark.parametrize("always_working", [False, True])
def test_it_rejects_naive_datetimes_naming_the_parameter(always_working: bool) -> None:
    calendar = WorkingCalendar(WIB, always_working=always_working)

    with pytest.raises(ValueError, match=r"^at must be timezone-aware"):
        calendar.is_working_time(NAIVE)
    with pytest.raises(ValueError, match=r"^at must be timezone-aware"):
        calendar.next_working_instant(NAIVE)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        calendar.add_working_time(NAIVE, timedelta(minutes=5))
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        calendar.working_time_between(NAIVE, AWARE)
    with pytest.raises(ValueError, match=r"^end must be timezone-aware"):
        calendar.working_time_between(AWARE, NAIVE)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        calendar.add_working_days(NAIVE, 1)
    with pytest.raises(ValueError, match=r"^start must be timezone-aware"):
        calendar.due_at(NAIVE, HARI)
