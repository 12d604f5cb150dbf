""" "My reports": the OPD's own reports, newest first, with the step each case waits on, in
a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.workflow.services import complete_step, open_step
from tests.incidents.conftest import client_for, report, upload

pytestmark = pytest.mark.django_db

URL = reverse("incidents:mine")


def shown_cases(username: str, page: int = 1) -> list[int]:
    response = client_for(username).get(URL, {"page": page})
    assert response.status_code == 200
    return [incident.case_id for incident, _waiting in response.context["rows"]]


def test_it_lists_only_the_opds_own_reports_newest_first(
    sop_a: SopDefinition, sop_b: SopDefinition, reporter: User, other_opd_user: User
) -> None:
    colleague = User.objects.create_user("alpha.dinkes2", agency=sop_a.agency, opd=reporter.opd)
    now = timezone.now()
    older = report(reporter, at=now - dt.timedelta(hours=3), since=now - dt.timedelta(hours=4))
    newer = report(colleague, at=now - dt.timedelta(hours=1), since=now - dt.timedelta(hours=2))
    report(other_opd_user, problem="Kecamatan offline")
    report(User.objects.get(username="beta.dinkes"), problem="Beta offline")
    assert shown_cases("alpha.dinkes") == [newer.case_id, older.case_id]
    assert len(shown_cases("alpha.kecamatan")) == 1
    page = client_for("alpha.dinkes").get(URL).content.decode()
    assert "Kecamatan offline" not in page
    assert "Beta offline" not in page


def test_it_shows_number_title_time_status_and_the_waiting_step(
    sop_a: SopDefinition, reporter: User
) -> None:
    at = dt.datetime(2026, 1, 5, 1, 15, tzinfo=dt.UTC)  # Monday 08:15 WIB
    late = report(reporter, problem="AP aula mati", at=at, since=at - dt.timedelta(hours=1))
    fresh = report(reporter, problem="Printer jaringan hilang")
    done = report(reporter, problem="Sudah beres")
    kadis = User.objects.get(username="alpha.kadis")
    for _ in range(2):
        step = open_step(done.case)
        assert step is not None
        complete_step(step, kadis)
    response = client_for("alpha.dinkes").get(URL)
    page = response.content.decode()
    assert f"#{late.case.number} AP aula mati" in page
    assert "5 Jan 2026 08:15 WIB" in page  # reported, in the agency's zone
    assert "Kadis menerima laporan" in page  # the kegiatan of step 2
    assert "(Kepala Dinas)" in page  # its lane
    assert "due 5 Jan 2026 09:15 WIB" in page
    rows = {incident.case_id: waiting for incident, waiting in response.context["rows"]}
    assert rows[late.case_id].step.is_late
    assert not rows[fresh.case_id].step.is_late
    assert rows[done.case_id] is None
    assert page.count(">Late<") == 1
    assert page.count(">Open<") == 2
    assert page.count(">Closed<") == 1


def test_it_links_the_photos(sop_a: SopDefinition, reporter: User) -> None:
    incident = report(reporter, photos=[upload("router.jpg")])
    page = client_for("alpha.dinkes").get(URL).content.decode()
    item = incident.attachments.get()
    assert reverse("incidents:attachment", args=[item.pk]) in page
    assert item.file.name not in page  # files are never linked by their storage name


def test_it_pages_by_25(sop_a: SopDefinition, reporter: User) -> None:
    start = timezone.now() - dt.timedelta(days=1)
    cases = [
        report(reporter, at=start + dt.timedelta(minutes=n), since=start).case_id for n in range(27)
    ]
    assert shown_cases("alpha.dinkes") == cases[::-1][:25]
    assert shown_cases("alpha.dinkes", page=2) == cases[1::-1]
    assert shown_cases("alpha.dinkes", page=99) == cases[1::-1]  # the last page


def test_it_does_not_grow_its_queries_with_the_reports(
    sop_a: SopDefinition,
    reporter: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    def add(count: int) -> None:
        for n in range(count):
            photos = [upload(f"{n}.jpg")] if n % 3 == 0 else []
            report(reporter, problem=f"Gangguan {n}", photos=photos)

    client = client_for("alpha.dinkes")
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["rows"]) == 25


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.admin"])
def test_it_forbids_my_reports_to_diskominfo_users(username: str, sop_a: SopDefinition) -> None:
    assert client_for(username).get(URL).status_code == 403


@pytest.mark.urls("tests.incidents.urls_with_case_page")
def test_it_links_each_report_to_the_case_page_when_there_is_one(
    sop_a: SopDefinition, reporter: User
) -> None:
    incident = report(reporter)
    page = client_for("alpha.dinkes").get(URL).content.decode()
    assert f'href="{reverse("workflow:case", args=[incident.case_id])}"' in page


@pytest.mark.urls("tests.incidents.urls_without_case_page")
def test_it_shows_reports_without_links_when_there_is_no_case_page(
    sop_a: SopDefinition, reporter: User
) -> None:
    incident = report(reporter)
    response = client_for("alpha.dinkes").get(URL)
    assert response.status_code == 200
    assert response.context["case_links"] is False
    assert f"#{incident.case.number} Internet mati" in response.content.decode()


def test_it_refreshes_the_status_every_minute_with_htmx(
    sop_a: SopDefinition, reporter: User
) -> None:
    report(reporter)
    page = client_for("alpha.dinkes").get(URL).content.decode()
    assert 'hx-trigger="every 60s"' in page
    assert 'hx-select="#reports"' in page
