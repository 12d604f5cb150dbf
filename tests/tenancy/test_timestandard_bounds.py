"""Time standards with bounds and calendar days (SOP format 2, issue 17 point 3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jaga.tenancy.calendar import WorkingCalendar
from jaga.tenancy.timestandard import (
    Bound,
    TimeStandard,
    TimeStandardError,
    TimeUnit,
    parse_time_standard,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("≤ 30 menit", 30, TimeUnit.MINUTE),
        ("<= 30 menit", 30, TimeUnit.MINUTE),
        ("maks. 1 jam", 1, TimeUnit.HOUR),
        ("Maks 1 jam", 1, TimeUnit.HOUR),
        ("maksimal 2 jam", 2, TimeUnit.HOUR),
        ("paling lama 3 hari", 3, TimeUnit.DAY),
    ],
)
def test_it_reads_an_upper_bound_as_the_deadline(text: str, amount: int, unit: TimeUnit) -> None:
    standard = parse_time_standard(text)
    assert (standard.amount, standard.unit, standard.bound) == (amount, unit, Bound.AT_MOST)
    assert standard.minimum is None


@pytest.mark.parametrize(
    "text", ["min. 1 hari", "minimal 1 hari", "≥ 1 hari", "paling cepat 1 hari"]
)
def test_it_reads_a_lower_bound_as_a_minimum_without_a_deadline(text: str) -> None:
    standard = parse_time_standard(text)
    assert standard.conditional
    assert standard.bound is Bound.AT_LEAST
    assert standard.minimum == TimeStandard(1, TimeUnit.DAY)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("1-3 hari", TimeStandard(1, TimeUnit.DAY), (3, TimeUnit.DAY)),
        ("1–3 hari", TimeStandard(1, TimeUnit.DAY), (3, TimeUnit.DAY)),
        ("1 s.d. 3 hari", TimeStandard(1, TimeUnit.DAY), (3, TimeUnit.DAY)),
        ("1 s/d 3 hari", TimeStandard(1, TimeUnit.DAY), (3, TimeUnit.DAY)),
        ("1 sampai 2 minggu", TimeStandard(1, TimeUnit.WEEK), (2, TimeUnit.WEEK)),
        ("30 menit - 2 jam", TimeStandard(30, TimeUnit.MINUTE), (2, TimeUnit.HOUR)),
    ],
)
def test_it_reads_a_range_as_a_minimum_and_a_deadline(
    text: str, low: TimeStandard, high: tuple[int, TimeUnit]
) -> None:
    standard = parse_time_standard(text)
    assert standard.bound is Bound.RANGE
    assert standard.minimum == low
    assert (standard.amount, standard.unit) == high


@pytest.mark.parametrize(
    "text", ["3-1 hari", "2 jam - 30 menit", "1-1 hari", "maks kondisional", "1-2 x 24 jam", "maks"]
)
def test_it_refuses_a_bound_it_cannot_read(text: str) -> None:
    with pytest.raises(TimeStandardError):
        parse_time_standard(text)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("≤ 30 menit", "maks. 30 menit"),
        ("minimal 1 hari", "min. 1 hari"),
        ("1–3 hari", "1-3 hari"),
        ("30 menit - 2 jam", "30 menit - 2 jam"),
        ("14 hari kalender", "14 hari kalender"),
    ],
)
def test_it_prints_a_bound_canonically_and_reads_it_back(text: str, canonical: str) -> None:
    assert str(parse_time_standard(text)) == canonical
    assert parse_time_standard(canonical) == parse_time_standard(text)


def test_it_counts_calendar_days_as_clock_time_over_weekends() -> None:
    calendar = WorkingCalendar(timezone=JAKARTA)
    friday = dt.datetime(2030, 3, 1, 15, 0, tzinfo=JAKARTA)  # a Friday afternoon
    due = calendar.due_at(friday, parse_time_standard("3 hari kalender"))
    assert due == (friday + dt.timedelta(days=3)).astimezone(dt.UTC)
    working = calendar.due_at(friday, parse_time_standard("3 hari"))
    assert working is not None
    assert due is not None
    assert working > due


def test_it_puts_the_deadline_of_a_range_at_its_upper_bound() -> None:
    calendar = WorkingCalendar(timezone=JAKARTA)
    monday = dt.datetime(2030, 3, 4, 9, 0, tzinfo=JAKARTA)
    assert calendar.due_at(monday, parse_time_standard("1-3 hari")) == calendar.due_at(
        monday, parse_time_standard("3 hari")
    )
    assert calendar.due_at(monday, parse_time_standard("min. 1 hari")) is None
