"""The web pages of a round with per-site visits (issue 14): starting it with its sites,
the case page's visits, each visit's steps in the inbox, and a return into one visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jaga.inventory.models import Site
from jaga.workflow.models import Case, CaseBranch, StepInstance, StepStatus
from jaga.workflow.permissions import cases_for
from jaga.workflow.permissions import inbox as inbox_for
from jaga.workflow.services import complete_step, decide, open_step
from tests.workflow.conftest import World
from tests.workflow.fanout_support import Round, make_round
from tests.workflow.test_views import client_for, report, to_step_5, waiting


@pytest.fixture
def rnd(world: World) -> Round:
    return make_round(world)


def started(rnd: Round) -> Case:
    """A round started through the start form, with both sites, its visits open."""
    admin = client_for(rnd.world.admin)
    form = admin.get(reverse("workflow:start")).content.decode()
    assert 'name="sites"' in form
    response = admin.post(
        reverse("workflow:start"),
        {
            "definition": rnd.definition.pk,
            "title": "Pemeliharaan Desember",
            "sites": [rnd.puskesmas.pk, rnd.kantor.pk],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="Pemeliharaan Desember")
    at = timezone.now() - dt.timedelta(hours=2)
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, at=at)
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, named=[rnd.world.tech1], at=at)
    return case


def test_it_asks_for_the_sites_of_a_round_on_the_start_form(rnd: Round) -> None:
    response = client_for(rnd.world.admin).post(
        reverse("workflow:start"), {"definition": rnd.definition.pk, "title": "Tanpa lokasi"}
    )
    assert response.status_code == 200
    assert "This SOP runs steps once per site" in response.content.decode()
    assert not Case.objects.exists()


def test_it_shows_one_row_per_visit_on_the_case_page(rnd: Round) -> None:
    case = started(rnd)
    html = client_for(rnd.world.kasi).get(reverse("workflow:case", args=[case.pk]))
    text = html.content.decode()
    assert 'id="visits"' in text
    assert text.count('class="visit-row') == 2
    assert text.index("Kantor Camat Barat") < text.index("Puskesmas Utara")
    assert "Kecamatan Barat" in text
    assert "Dinas Kesehatan" in text
    assert "Tim memelihara" in text


def test_it_shows_the_form_of_the_visit_asked_for(rnd: Round) -> None:
    case = started(rnd)
    puskesmas = StepInstance.objects.get(branch__site=rnd.puskesmas, status=StepStatus.OPEN)
    url = reverse("workflow:case", args=[case.pk]) + f"?step={puskesmas.pk}"
    text = client_for(rnd.world.tech1).get(url).content.decode()
    assert 'id="current-site">Puskesmas Utara<' in text
    assert reverse("workflow:act", args=[case.pk, puskesmas.pk]) in text


def test_it_lists_each_visit_step_in_the_inbox_of_who_may_act(rnd: Round) -> None:
    case = started(rnd)
    tech = client_for(rnd.world.tech1).get(reverse("workflow:inbox")).content.decode()
    assert tech.count('class="inbox-row') == 2
    assert "at Kantor Camat Barat" in tech
    assert "at Puskesmas Utara" in tech
    for branch in CaseBranch.objects.filter(case=case):
        step = StepInstance.objects.get(branch=branch, status=StepStatus.OPEN)
        complete_step(step, rnd.world.tech1)
        complete_step(StepInstance.objects.get(branch=branch, status="open"), rnd.world.tech1)
    waiting_camat = list(inbox_for(rnd.camat))
    assert [(s.step_no, s.branch and s.branch.site) for s in waiting_camat] == [("5", rnd.kantor)]
    assert case in cases_for(rnd.camat)


def test_it_gives_an_opd_user_their_office_s_steps_and_counts_them_alike(rnd: Round) -> None:
    world = rnd.world
    case = started(rnd)
    for branch in CaseBranch.objects.filter(case=case):  # each visit to its OPD's acknowledgment
        for _ in range(2):
            complete_step(StepInstance.objects.get(branch=branch, status="open"), world.tech1)
    visits = {
        branch.site: StepInstance.objects.get(branch=branch, status=StepStatus.OPEN)
        for branch in CaseBranch.objects.filter(case=case)
    }
    reported = report(world, "Dinkes mati")  # the Dinkes's own case, at its acknowledgment
    repair = {"lokasi": "A", "tingkat": "ringan"}
    decide(to_step_5(world, reported), world.tech1, "perbaiki", data=repair)
    complete_step(waiting(reported), world.tech1)
    acknowledgment = waiting(reported)
    report(world, "Dinkes lagi")  # waiting for the Kadis, not for the OPD
    dinkes = inbox_for(rnd.dinkes)
    assert [step.pk for step in dinkes] == [visits[rnd.puskesmas].pk, acknowledgment.pk]
    assert dinkes.count() == 2
    camat = inbox_for(rnd.camat)
    assert [step.pk for step in camat] == [visits[rnd.kantor].pk]
    assert camat.count() == 1


def test_it_returns_into_the_visit_chosen_on_the_check_form(rnd: Round) -> None:
    case = started(rnd)
    for branch in CaseBranch.objects.filter(case=case):
        for actor in (
            rnd.world.tech1,
            rnd.world.tech1,
            rnd.dinkes if branch.site == rnd.puskesmas else rnd.camat,
        ):
            complete_step(StepInstance.objects.get(branch=branch, status="open"), actor)
    check = open_step(case)
    assert check is not None
    assert check.step_no == "6"
    kasi = client_for(rnd.world.kasi)
    text = kasi.get(reverse("workflow:case", args=[case.pk])).content.decode()
    puskesmas = CaseBranch.objects.get(case=case, site=rnd.puskesmas)
    assert f'value="4@{puskesmas.pk}"' in text
    assert "4 — Puskesmas Utara: Tim membuat Berita Acara" in text
    response = kasi.post(
        reverse("workflow:act", args=[case.pk, check.pk]),
        {"action": "return", "return_to": f"4@{puskesmas.pk}", "reason": "Foto kurang"},
    )
    assert response.status_code == 302
    reopened = StepInstance.objects.get(case=case, status=StepStatus.OPEN)
    assert (reopened.step_no, reopened.branch, reopened.visit) == ("4", puskesmas, 2)


def test_it_loads_the_case_page_in_the_same_queries_for_1_or_4_visits(rnd: Round) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(sites: list[Site]) -> int:
        case = start_case_with(rnd, sites)
        client = client_for(rnd.world.kasi)
        url = reverse("workflow:case", args=[case.pk])
        client.get(url)  # warm caches (session, agency)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    agency = rnd.world.agency
    more = [
        Site.objects.create(agency=agency, code=f"extra-{n}", name=f"Extra {n}", opd=rnd.world.opd)
        for n in range(2)
    ]
    one = queries_for([rnd.puskesmas])
    four = queries_for([rnd.puskesmas, rnd.kantor, *more])
    assert four == one


def start_case_with(rnd: Round, sites: list[Site]) -> Case:
    from jaga.workflow.models import CaseSource
    from jaga.workflow.services import start_case

    case = start_case(
        rnd.definition, source=CaseSource.SCHEDULE, title="Ronde", by=rnd.world.admin, sites=sites
    )
    at = timezone.now() - dt.timedelta(hours=1)
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, at=at)
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, named=[rnd.world.tech1], at=at)
    return case


def test_it_shows_the_visits_of_a_case_in_the_admin(rnd: Round) -> None:
    from jaga.org.models import User

    case = started(rnd)
    root = User.objects.create_superuser("root-fanout", password="x")
    html = client_for(root).get(reverse("admin:workflow_case_change", args=[case.pk]))
    assert html.status_code == 200
    text = html.content.decode()
    assert "Kantor Camat Barat" in text
    assert "Puskesmas Utara" in text


def test_the_chart_keeps_a_step_current_while_any_site_waits_on_it(rnd: Round) -> None:
    case = started(rnd)
    visits = list(StepInstance.objects.filter(case=case, status=StepStatus.OPEN).order_by("pk"))
    assert len(visits) == 2
    entry = visits[0].step_no
    # The site listed last finishes the step; the first still waits on it.
    complete_step(visits[1], rnd.world.tech1, at=timezone.now() - dt.timedelta(minutes=30))
    response = client_for(rnd.world.kasi).get(reverse("workflow:case", args=[case.pk]))
    (row,) = [row for row in response.context["chart"] if row.step.no == entry]
    assert row.state == "current"
    assert row.latest == visits[0]
    assert row.visits == 1  # one pass at each of two sites, not two passes
