"""Properties of the working calendar that hold for any schedule, zone, and start."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaga.tenancy.calendar import (
    PERPRES_21_2023,
    RAMADAN_PERPRES_21_2023,
    Interval,
    SpecialPeriod,
    WeekSchedule,
    WorkingCalendar,
)

ZONES = tuple(
    ZoneInfo(name) for name in ("Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura")
)
MICROSECOND = timedelta(microseconds=1)
FIRST, LAST = date(2025, 1, 1), date(2027, 12, 31)

# Bounded so the whole file runs in a few seconds; the deadline is off because the first
# use of a year loads its holidays (~0.1 s).
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def day_intervals(draw: st.DrawFn) -> tuple[Interval, ...]:
    """0-3 sorted, non-overlapping intervals of at least 30 minutes, from 05:00."""
    intervals: list[Interval] = []
    cursor = 5 * 60
    for _ in range(draw(st.integers(0, 3))):
        start = cursor + draw(st.integers(0, 120))
        end = start + draw(st.integers(30, 300))
        if end > 23 * 60 + 59:
            break
        intervals.append((time(*divmod(start, 60)), time(*divmod(end, 60))))
        cursor = end
    return tuple(intervals)


random_schedules = st.tuples(*[day_intervals()] * 7).map(WeekSchedule)
# At least three working days a week keeps 20 days of working time within a few years.
schedules = st.one_of(
    st.sampled_from([PERPRES_21_2023, RAMADAN_PERPRES_21_2023]),
    random_schedules.filter(lambda schedule: schedule.working_days_per_week >= 3),
)
closed_week = WeekSchedule(days=((),) * 7)


@st.composite
def special_periods(draw: st.DrawFn) -> tuple[SpecialPeriod, ...]:
    """Up to two non-overlapping Ramadan-like periods of 1-40 days (or closures of 1-15)."""
    periods: list[SpecialPeriod] = []
    cursor = draw(st.dates(FIRST, LAST))
    for index in range(draw(st.integers(0, 2))):
        schedule = draw(st.sampled_from([RAMADAN_PERPRES_21_2023, closed_week]) | schedules)
        length = draw(st.integers(1, 15 if schedule is closed_week else 40))
        start = cursor + timedelta(days=draw(st.integers(0, 200)))
        end = start + timedelta(days=length - 1)
        periods.append(SpecialPeriod(f"period {index}", start, end, schedule))
        cursor = end + timedelta(days=1)
    return tuple(periods)


calendars = st.builds(
    WorkingCalendar,
    timezone=st.sampled_from(ZONES),
    schedule=schedules,
    special_periods=special_periods(),
    extra_days_off=st.frozensets(st.dates(FIRST, date(2028, 12, 31)), max_size=30),
    national_holidays=st.booleans(),
)


@st.composite
def aware_instants(draw: st.DrawFn) -> datetime:
    """An instant in 2025-2027 in one of the four Indonesian zones, to the microsecond."""
    naive = draw(st.datetimes(datetime.combine(FIRST, time.min), datetime.combine(LAST, time.max)))
    return naive.replace(tzinfo=draw(st.sampled_from(ZONES)))


durations = st.integers(0, 20 * 24 * 3600).map(lambda seconds: timedelta(seconds=seconds))


def is_interval_end(calendar: WorkingCalendar, at: datetime) -> bool:
    local_day = at.astimezone(calendar.timezone).date()
    return any(end == at for _, end in calendar.working_intervals(local_day))


@PROPERTY
@given(calendar=calendars, start=aware_instants(), duration=durations)
def test_it_adds_exactly_the_working_time_it_counts_back(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_working_time(start, duration)

    assert calendar.working_time_between(start, due) == duration
    assert calendar.working_time_between(due, start) == -duration
    assert due >= start


@PROPERTY
@given(calendar=calendars, start=aware_instants(), first=durations, second=durations)
def test_it_never_gives_an_earlier_deadline_for_more_working_time(
    calendar: WorkingCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted((first, second))

    assert calendar.add_working_time(start, shorter) <= calendar.add_working_time(start, longer)


@PROPERTY
@given(
    calendar=calendars,
    start=aware_instants(),
    middle=aware_instants(),
    end=aware_instants(),
)
def test_it_counts_working_time_additively_over_any_midpoint(
    calendar: WorkingCalendar, start: datetime, middle: datetime, end: datetime
) -> None:
    whole = calendar.working_time_between(start, end)

    assert whole == calendar.working_time_between(start, middle) + calendar.working_time_between(
        middle, end
    )
    if end >= start:
        assert whole >= timedelta(0)
    else:
        assert whole <= timedelta(0)


@PROPERTY
@given(calendar=calendars, start=aware_instants(), duration=durations)
def test_it_ends_a_positive_duration_just_after_working_time(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    due = calendar.add_working_time(start, duration)

    if duration > timedelta(0):
        assert calendar.is_working_time(due - MICROSECOND)
    else:
        assert due == start


@PROPERTY
@given(calendar=calendars, start=aware_instants(), duration=durations)
def test_it_adds_clock_time_in_24x7_mode(
    calendar: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    always = calendar.as_24x7()

    assert always.add_working_time(start, duration) == start + duration
    assert always.working_time_between(start, start + duration) == duration
    assert always.add_working_days(start, 3) == start + timedelta(days=3)


@PROPERTY
@given(calendar=calendars, start=aware_instants(), days=st.integers(1, 30))
def test_it_ends_working_days_in_working_time_or_at_an_interval_end(
    calendar: WorkingCalendar, start: datetime, days: int
) -> None:
    due = calendar.add_working_days(start, days)

    assert calendar.is_working_time(due) or is_interval_end(calendar, due)
    assert due > start
    # Between the first working instant and the deadline lie at least days - 1 whole
    # working days, so more than days - 1 distinct working days are touched.
    first = calendar.next_working_instant(start).astimezone(calendar.timezone).date()
    last = due.astimezone(calendar.timezone).date()
    touched = sum(
        1
        for offset in range((last - first).days + 1)
        if calendar.is_working_day(first + timedelta(days=offset))
    )
    assert touched in (days, days + 1)


@PROPERTY
@given(calendar=calendars, at=aware_instants())
def test_it_finds_a_working_instant_with_no_working_time_before_it(
    calendar: WorkingCalendar, at: datetime
) -> None:
    found = calendar.next_working_instant(at)

    assert found >= at
    assert calendar.is_working_time(found)
    assert calendar.working_time_between(at, found) == timedelta(0)
