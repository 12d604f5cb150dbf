"""Admin forms of the working calendar refuse what the calendar cannot use."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms import inlineformset_factory
from django.utils import translation

from jaga.tenancy.admin import WorkingHoursFormSet
from jaga.tenancy.models import Agency, WorkingHours

pytestmark = pytest.mark.django_db

FormSet: Any = inlineformset_factory(
    Agency, WorkingHours, formset=WorkingHoursFormSet, fields=("weekday", "start", "end"), extra=0
)


def week_data(*rows: tuple[int, str, str]) -> dict[str, str]:
    data = {
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for index, (weekday, start, end) in enumerate(rows):
        data |= {
            f"hours-{index}-weekday": str(weekday),
            f"hours-{index}-start": start,
            f"hours-{index}-end": end,
        }
    return data


def test_it_refuses_overlapping_working_hours_on_one_day(agency_a: Agency) -> None:
    formset = FormSet(
        week_data((0, "07:30", "12:00"), (0, "11:00", "16:00"), (1, "07:30", "16:00")),
        instance=agency_a,
        prefix="hours",
    )
    assert not formset.is_valid()
    assert formset.non_form_errors() == [
        "Working hours on Monday overlap: 11:00 starts before 12:00."
    ]


def test_it_says_so_in_indonesian(agency_a: Agency) -> None:
    with translation.override("id"):
        formset = FormSet(
            week_data((4, "07:30", "12:00"), (4, "11:30", "16:30")),
            instance=agency_a,
            prefix="hours",
        )
        assert not formset.is_valid()
        assert "Jumat" in formset.non_form_errors()[0]


def test_it_accepts_a_break_between_intervals(agency_a: Agency) -> None:
    WorkingHours.objects.filter(agency=agency_a).delete()
    formset = FormSet(
        week_data((0, "07:30", "12:00"), (0, "13:00", "16:00")), instance=agency_a, prefix="hours"
    )
    assert formset.is_valid(), formset.errors
    formset.save()
    assert WorkingHours.objects.filter(agency=agency_a, weekday=0).count() == 2
