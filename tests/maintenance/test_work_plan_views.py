"""The Rencana Kerja editor and the round's card on the case page (issue 14 point 5): who
reads and edits, errors by each field with nothing written, read-only after the issue, and
a bounded number of queries on the case page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from jaga.maintenance.models import MaintenanceRound, WorkPlanVisit
from jaga.org.models import User
from jaga.workflow.services import complete_step, open_steps
from tests.maintenance.test_documents import (
    current,
    demo,
    inspect_site,
    media,
    start_batam_round,
    team_of,
    user,
)

__all__ = ["demo", "media"]


def logged_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def url(started: MaintenanceRound) -> str:
    return reverse("maintenance:work_plan", args=[started.pk])


def form(started: MaintenanceRound, **changes: Any) -> dict[str, Any]:
    """The editor's fields as stored, with ``changes`` (``<field>`` for every row)."""
    data: dict[str, Any] = {}
    for row in WorkPlanVisit.objects.filter(round=started):
        prefix = f"row-{row.pk}-"
        data[prefix + "planned_on"] = changes.get("planned_on", row.planned_on.isoformat())
        data[prefix + "team"] = changes.get(
            "team", [str(pk) for pk in row.team.values_list("pk", flat=True)]
        )
        data[prefix + "activities"] = changes.get("activities", row.activities)
    return data


@pytest.fixture
def started(demo: None) -> MaintenanceRound:
    return start_batam_round()


def test_the_kasi_edits_every_row_on_one_page(started: MaintenanceRound) -> None:
    page = logged_in("batam.kasi").get(url(started))
    assert page.status_code == 200
    assert b'id="work-plan-form"' in page.content
    assert page.content.count(b'class="card mb-3 work-plan-row') == 3
    assert b"Pemeriksaan" in page.content  # the checklist each device gets
    member = team_of(started)[0]
    day = (started.started_at + dt.timedelta(days=12)).date().isoformat()
    response = logged_in("batam.kasi").post(
        url(started), form(started, planned_on=day, team=[str(member.pk)], activities="Uji")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:case", args=[started.case_id])
    for row in WorkPlanVisit.objects.filter(round=started):
        assert row.planned_on.isoformat() == day
        assert list(row.team.all()) == [member]
        assert row.activities == "Uji"


def test_bad_input_shows_each_error_keeps_what_was_typed_and_writes_nothing(
    started: MaintenanceRound,
) -> None:
    opd_user = User.objects.filter(agency=started.agency, opd__isnull=False).first()
    assert opd_user is not None
    before = list(WorkPlanVisit.objects.filter(round=started).values("planned_on", "activities"))
    response = logged_in("batam.kasi").post(
        url(started),
        form(started, planned_on="2001-01-01", team=[str(opd_user.pk), "x"], activities=" "),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert content.count("invalid-feedback d-block") == 9  # 3 rows x date, team, activities
    assert 'value="2001-01-01"' in content
    after = list(WorkPlanVisit.objects.filter(round=started).values("planned_on", "activities"))
    assert after == before


def test_after_the_issue_the_page_is_read_only_and_names_the_document(
    started: MaintenanceRound,
) -> None:
    complete_step(current(started.case), user("batam.kasi"))  # step 1 issues it
    number = started.case.documents.get(document_type="rencana_kerja").number
    page = logged_in("batam.kasi").get(url(started))
    assert page.status_code == 200
    assert b'id="work-plan-form"' not in page.content
    assert number.encode() in page.content
    refused = logged_in("batam.kasi").post(url(started), form(started, activities="Lain"))
    assert refused.status_code == 409
    assert not WorkPlanVisit.objects.filter(round=started, activities="Lain").exists()


def test_staff_read_others_are_refused(started: MaintenanceRound) -> None:
    member = team_of(started)[0]
    staff = Client()
    staff.force_login(member)
    page = staff.get(url(started))
    assert page.status_code == 200
    assert b'id="work-plan-form"' not in page.content
    assert staff.post(url(started), form(started, activities="Lain")).status_code == 403
    opd_user = User.objects.filter(agency=started.agency, opd__isnull=False).first()
    assert opd_user is not None
    opd = Client()
    opd.force_login(opd_user)
    assert opd.get(url(started)).status_code == 403
    assert opd.post(url(started), form(started)).status_code == 403
    other = Client()
    other.force_login(user("bogor.kasi"))
    assert other.get(url(started)).status_code == 404
    assert other.post(url(started), form(started, activities="Lain")).status_code == 404
    assert not WorkPlanVisit.objects.filter(round=started, activities="Lain").exists()


def test_the_case_page_shows_the_round_card_in_bounded_queries(
    started: MaintenanceRound, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    case = started.case
    kasi = user("batam.kasi")
    client = logged_in("batam.kasi")
    page = client.get(reverse("workflow:case", args=[case.pk]))
    assert b'id="round-panel"' in page.content
    assert b'id="edit-work-plan"' in page.content
    assert page.content.count(b"<tr data-site=") == 3
    at = dt.datetime.now(dt.UTC)
    complete_step(current(case), kasi, at=at)
    complete_step(current(case), user("batam.kabid"), at=at)
    complete_step(current(case), user("batam.kadis"), named=[user("batam.kabid")], at=at)
    complete_step(current(case), user("batam.kabid"), named=[kasi], at=at)
    team = team_of(started)
    complete_step(current(case), kasi, named=team, at=at)
    for visit in open_steps(case):
        inspect_site(visit, team[0], fail_first=True)
    # 27 measured with three sites and seven inspections; the card's own queries do not
    # grow with sites, devices or inspections (jaga.maintenance.panels).
    with django_assert_max_num_queries(32):
        page = client.get(reverse("workflow:case", args=[case.pk]))
    content = page.content.decode()
    assert 'id="work-plan-issued"' in content
    assert 'id="edit-work-plan"' not in content
    assert 'data-failed="1"' in content
    opd_user = User.objects.filter(agency=started.agency, opd__isnull=False).first()
    assert opd_user is not None
    opd = Client()
    opd.force_login(opd_user)
    assert b'id="round-panel"' not in opd.get(reverse("workflow:case", args=[case.pk])).content
