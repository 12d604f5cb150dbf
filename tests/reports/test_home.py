"""The home page per role (issue 16 point 1): the Kepala Dinas's overview with the late
step and whom it waits for, a unit head's narrowed to his units, a technician's tasks, an
OPD user's reports and tasks; each in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jaga.workflow.models import Case, CaseSource
from jaga.workflow.services import start_case
from tests.conftest import PASSWORD
from tests.reports.conftest import Rekap

pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def late_case(rekap: Rekap) -> Case:
    """A case whose step 1 (30 minutes, the Kadis's) started two hours ago: late now."""
    return start_case(
        rekap.definition,
        source=CaseSource.MANUAL,
        title="Router aula mati",
        by=rekap.kadis,
        at=timezone.now() - dt.timedelta(hours=2),
    )


def test_it_shows_the_kadis_the_late_step_and_whom_it_waits_for(rekap: Rekap) -> None:
    case = late_case(rekap)
    response = login("rekap.kadis").get("/")
    assert response.status_code == 200
    assert response.context["late_total"] == 1
    page = response.content.decode()
    assert f"#{case.number} · rekap 1. Disposisi" in page
    assert "Kepala Dinas (Kadis rekap)" in page
    assert f'href="/kasus/{case.pk}/"' in page


def test_it_compares_this_months_mutu_baku_with_last_months(rekap: Rekap) -> None:
    response = login("rekap.kadis").get("/")
    assert response.context["last"].on_time == 33
    assert response.context["this"].done == 0
    assert "bulan lalu 78,6%" in response.content.decode()


def test_it_counts_open_cases_by_sop_with_a_link_to_them(rekap: Rekap) -> None:
    late_case(rekap)
    late_case(rekap)
    response = login("rekap.kadis").get("/")
    assert [(item.key, item.count) for item in response.context["by_sop"]] == [("rekap", 2)]
    assert "/kasus/?status=open&amp;sop=rekap" in response.content.decode()


def test_it_narrows_a_kabids_home_to_his_units(rekap: Rekap) -> None:
    late_case(rekap)  # waits on the Kepala Dinas, above the Kabid's units
    response = login("rekap.kabid").get("/")
    assert response.status_code == 200
    assert response.context["late_total"] == 0
    assert response.context["last"].done == 44  # the Seksi's steps 2 and 3


def test_it_gives_a_technician_his_tasks_and_his_month(rekap: Rekap) -> None:
    response = login("rekap.teknisi").get("/")
    assert response.status_code == 200
    assert response.context["task_count"] == 0
    assert response.context["mine"].done == 0  # this month: his steps were last month
    assert "Pekerjaan saya" in response.content.decode()


def test_it_gives_an_opd_user_the_offices_reports_and_tasks(rekap: Rekap) -> None:
    response = login("rekap.dinkes").get("/")
    assert response.status_code == 200
    assert response.context["task_count"] == 0
    assert "Lapor Gangguan" in response.content.decode()


def test_it_answers_every_home_in_a_bounded_number_of_queries(
    rekap: Rekap, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        late_case(rekap)
    for username, most in (
        ("rekap.kadis", 40),
        ("rekap.kabid", 40),
        ("rekap.teknisi", 25),
        ("rekap.dinkes", 20),
    ):
        client = login(username)
        with django_assert_max_num_queries(most):
            assert client.get("/").status_code == 200
