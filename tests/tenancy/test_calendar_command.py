"""`jaga calendar` prints deadlines and days off of an agency."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jaga.tenancy.models import Agency

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_deadline_in_the_agencys_zone(agency_b: Agency) -> None:
    output = run("due", "beta", "2026-11-20 16:15", "30 Menit")
    assert "due Mon 2026-11-23 07:45 Asia/Makassar" in output


def test_it_prints_working_and_elapsed_time_as_hours_and_minutes(agency_a: Agency) -> None:
    output = run("due", "alpha", "2026-11-20 16:15", "30 Menit")
    assert "(30 minutes of working time, 63 hours 30 minutes elapsed)" in output


def test_it_prints_a_working_day_and_more_in_hours_not_days(agency_a: Agency) -> None:
    output = run("due", "alpha", "2026-11-23 08:00", "24 jam")
    assert "(24 hours of working time, " in output
    assert "day" not in output


def test_it_says_kondisional_has_no_deadline(agency_a: Agency) -> None:
    assert "no deadline" in run("due", "alpha", "2026-11-20 10:00", "kondisional")


def test_it_lists_cuti_bersama_among_the_days_off(agency_a: Agency) -> None:
    output = run("days-off", "alpha", "2026")
    assert "2026-12-24 Thu  Cuti Bersama Hari Raya Natal" in output
    assert "2026-11-21" not in output  # a Saturday is not listed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("due", "alpha", "kemarin", "1 jam"), "start must look like"),
        (("due", "alpha", "2026-11-20 10:00", "1 tahun"), "tahun"),
        (("due", "gamma", "2026-11-20 10:00", "1 jam"), "no agency 'gamma'"),
    ],
)
def test_it_rejects_bad_input_with_a_clear_message(
    agency_a: Agency, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
