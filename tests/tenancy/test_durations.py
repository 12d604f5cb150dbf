"""Working time reads as hours and minutes, never as days or a Python timedelta (issue 13
point 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template

from jaga.tenancy.durations import format_duration


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(hours=24, minutes=15), "24 hours 15 minutes"),
        (timedelta(days=3, hours=2), "74 hours"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=30, seconds=59), "30 minutes"),
        (timedelta(0), "0 minutes"),
        (timedelta(seconds=-30), "0 minutes"),
        (-timedelta(hours=3, minutes=5), "-3 hours 5 minutes"),
    ],
)
def test_it_formats_a_duration_as_hours_and_minutes(value: timedelta, expected: str) -> None:
    assert format_duration(value) == expected


def test_it_never_prints_a_python_timedelta() -> None:
    text = format_duration(timedelta(days=1, minutes=15))
    assert "day" not in text
    assert ":" not in text


def test_the_case_page_filter_shows_hours_and_minutes_not_days() -> None:
    template = Template("{% load workflow_tags %}{{ value|duration }}")
    assert template.render(Context({"value": timedelta(hours=26, minutes=5)})) == (
        "26 hours 5 minutes"
    )
    assert template.render(Context({"value": None})) == ""
