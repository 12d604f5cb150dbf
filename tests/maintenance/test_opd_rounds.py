"""The OPD sees rounds at its sites (issue 14 point 6): "Pemeliharaan di OPD Anda", the
navigation badge and the Berita Acara on the acknowledgment's card.

A round of seed 004 starts from ``jaga demo`` data on Batam's plan (three OPDs: Bappelitbangda,
Disdukcapil, Dinkes; Disdik is outside it) and is walked to step 7a: steps 1-5 on the
trunk, then each visit's 6 and 7 by the technicians the Kasi named.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jaga.documents.models import Document
from jaga.inventory.models import Site
from jaga.maintenance.agenda import opd_agenda
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.maintenance.permissions import acknowledgments_for
from jaga.maintenance.scheduling import start_due_round
from jaga.org.models import User
from jaga.workflow.errors import NotEligible
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step, open_step, open_steps
from tests.browser.conftest import ARTIFACTS, screenshot
from tests.conftest import PASSWORD
from tests.workflow.test_views_browser import on_a_phone

PAGE = "/pemeliharaan/opd/"
IN_PLAN = ("batam.dinkes", "batam.disdukcapil", "batam.bappelitbangda")
OUTSIDE = "batam.disdik"


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module)."""


def user(username: str) -> User:
    return User.objects.get(username=username)


def client(username: str) -> Client:
    browser = Client()
    browser.force_login(user(username))
    return browser


def batam_plan() -> MaintenancePlan:
    return MaintenancePlan.objects.get(agency__slug="batam")


def start_round() -> MaintenanceRound:
    plan = batam_plan()
    assert plan.next_due_at is not None
    started = start_due_round(plan.pk, plan.next_due_at)
    assert started is not None
    return started


def team() -> list[User]:
    return list(batam_plan().team.order_by("username")[:2])


def walk_to_visits(case: Case, at: dt.datetime) -> None:
    """Steps 1-5: rencana kerja, reports, dispositions, the Kasi names two technicians."""
    kasi, kabid, kadis = user("batam.kasi"), user("batam.kabid"), user("batam.kadis")

    def current() -> StepInstance:
        step = open_step(case)
        assert step is not None
        return step

    complete_step(current(), kasi, at=at)
    complete_step(current(), kabid, at=at)
    complete_step(current(), kadis, named=[kabid], at=at)
    complete_step(current(), kabid, named=[kasi], at=at)
    complete_step(current(), kasi, named=team(), at=at)


def walk_visits_to_acknowledgments(case: Case) -> None:
    """Each visit's steps 6 (the work) and 7 (the Berita Acara) by a named technician."""
    at = dt.datetime.now(dt.UTC)
    technician = team()[0]
    for step in open_steps(case):
        site = step.branch.site.name if step.branch and step.branch.site else ""
        data = {"lokasi": site, "hasil_pemeliharaan": "Perangkat normal"}
        complete_step(step, technician, data=data, at=at)  # 6
    for step in open_steps(case):
        complete_step(step, technician, output="Laporan hasil pelaksanaan", at=at)  # 7: the BA


def walk_to_acknowledgments(case: Case) -> dict[str, StepInstance]:
    """Walk the round to step 7a at every site; the waiting steps by their OPD user."""
    at = dt.datetime.now(dt.UTC)
    walk_to_visits(case, at)
    walk_visits_to_acknowledgments(case)
    waiting = open_steps(case)
    assert [step.step_no for step in waiting] == ["7a", "7a", "7a"]
    by_user = {}
    for username in IN_PLAN:
        opd_id = user(username).opd_id
        (mine,) = [
            step
            for step in waiting
            if step.branch and step.branch.site and step.branch.site.opd_id == opd_id
        ]
        by_user[username] = mine
    return by_user


def ba_of(step: StepInstance) -> Document:
    return Document.objects.get(
        step__branch_id=step.branch_id, document_type="berita_acara_pekerjaan"
    )


def test_each_visit_keeps_its_own_berita_acara_in_force(demo: None) -> None:
    waiting = walk_to_acknowledgments(start_round().case)
    documents = [ba_of(step) for step in waiting.values()]
    assert len({document.number for document in documents}) == 3
    assert all(document.supersedes is None for document in documents)
    assert not Document.objects.filter(supersedes__in=documents).exists()


def nav_count(response: Any) -> int:
    (item,) = [item for item in response.context["nav_items"] if item.url == PAGE]
    return int(item.count)


# --- Waiting for the acknowledgment ------------------------------------------------------


def test_each_opd_user_sees_exactly_their_own_visit_waiting_with_its_ba(demo: None) -> None:
    case = start_round().case
    waiting = walk_to_acknowledgments(case)
    for username, step in waiting.items():
        response = client(username).get(PAGE)
        assert response.status_code == 200
        rows = response.context["waiting"]
        assert [row.step.pk for row in rows] == [step.pk]
        assert rows[0].branch.site.opd_id == user(username).opd_id
        document = ba_of(step)
        assert rows[0].document == document
        page = response.content.decode()
        assert reverse("documents:download", args=[document.pk]) in page
        assert f"{reverse('workflow:case', args=[case.pk])}?step={step.pk}#current-step" in page
        for other, other_step in waiting.items():
            if other != username:
                assert ba_of(other_step).number not in page
    outside = client(OUTSIDE).get(PAGE)
    assert outside.status_code == 200
    assert outside.context["waiting"] == []
    assert case.title not in outside.content.decode()


def test_the_badge_counts_the_visits_waiting_for_the_opd(demo: None) -> None:
    case = start_round().case
    assert nav_count(client("batam.dinkes").get("/")) == 0
    walk_to_acknowledgments(case)
    assert nav_count(client("batam.dinkes").get("/")) == 1
    assert nav_count(client("batam.dinkes").get(PAGE)) == 1
    assert nav_count(client(OUTSIDE).get("/")) == 0
    staff = client("batam.kasi").get("/")
    assert all(item.url != PAGE for item in staff.context["nav_items"])


def test_the_badges_cost_one_count_query_each(demo: None, django_assert_num_queries: Any) -> None:
    from django.test import RequestFactory

    from jaga.web.context_processors import navigation

    walk_to_acknowledgments(start_round().case)
    request = RequestFactory().get("/")
    request.user = user("batam.dinkes")
    # The visits to acknowledge (Pemeliharaan) and the office's tasks (Tugas Saya).
    with django_assert_num_queries(2):
        items = navigation(request)
    assert [item.count for item in items if item.url == PAGE] == [1]


def test_acknowledging_removes_the_visit_and_lists_it_as_finished(demo: None) -> None:
    case = start_round().case
    waiting = walk_to_acknowledgments(case)
    mine = waiting["batam.dinkes"]
    browser = client("batam.dinkes")
    response = browser.post(reverse("workflow:act", args=[case.pk, mine.pk]), {"note": "Sudah"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "done"
    assert mine.actor == user("batam.dinkes")
    after = browser.get(PAGE)
    assert after.context["waiting"] == []
    assert nav_count(after) == 0
    (finished,) = after.context["recent"]
    assert finished.branch.pk == mine.branch_id
    assert finished.document == ba_of(mine)
    # The other OPDs still wait.
    assert acknowledgments_for(user("batam.disdukcapil")).count() == 1


# --- The step's card -----------------------------------------------------------------------


def test_the_acknowledgment_card_links_the_ba_of_that_visit(demo: None) -> None:
    case = start_round().case
    waiting = walk_to_acknowledgments(case)
    mine = waiting["batam.dinkes"]
    url = f"{reverse('workflow:case', args=[case.pk])}?step={mine.pk}"
    response = client("batam.dinkes").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    document = ba_of(mine)
    assert 'id="acknowledge-ba"' in page
    assert f'id="acknowledge-ba-number">{document.number}<' in page
    assert reverse("documents:download", args=[document.pk]) in page
    assert 'name="note"' in page  # the OPD's form is below it
    # Without ?step the OPD user lands on their own visit's step too.
    assert f'id="acknowledge-ba-number">{document.number}<' in (
        client("batam.dinkes").get(reverse("workflow:case", args=[case.pk])).content.decode()
    )


def test_the_card_says_so_when_the_visit_has_issued_no_ba(demo: None) -> None:
    case = start_round().case
    mine = walk_to_acknowledgments(case)["batam.dinkes"]
    # A visit whose SOP issues no Berita Acara Pekerjaan (the document recast as another type).
    Document.objects.filter(pk=ba_of(mine).pk).update(document_type="laporan_tindak_lanjut")
    url = f"{reverse('workflow:case', args=[case.pk])}?step={mine.pk}"
    page = client("batam.dinkes").get(url).content.decode()
    assert 'id="acknowledge-ba"' in page
    assert "acknowledge-ba-download" not in page
    assert client("batam.dinkes").get(PAGE).context["waiting"][0].document is None


def test_no_card_on_other_steps(demo: None) -> None:
    case = start_round().case
    walk_to_visits(case, dt.datetime.now(dt.UTC))
    page = client("batam.kasi").get(reverse("workflow:case", args=[case.pk])).content.decode()
    assert 'id="acknowledge-ba"' not in page


# --- Who sees and who acts -----------------------------------------------------------------


def test_an_opd_user_opens_the_round_visiting_its_site_but_not_others(demo: None) -> None:
    case = start_round().case
    walk_to_visits(case, dt.datetime.now(dt.UTC))
    url = reverse("workflow:case", args=[case.pk])
    assert client("batam.dinkes").get(url).status_code == 200
    assert client(OUTSIDE).get(url).status_code == 404
    assert client("bogor.dinkes").get(url).status_code == 404


def test_an_opd_user_cannot_acknowledge_another_opds_visit(demo: None) -> None:
    case = start_round().case
    waiting = walk_to_acknowledgments(case)
    theirs = waiting["batam.disdukcapil"]
    response = client("batam.dinkes").post(
        reverse("workflow:act", args=[case.pk, theirs.pk]), {"note": "x"}
    )
    assert response.status_code == 403
    with pytest.raises(NotEligible):
        complete_step(theirs, user("batam.dinkes"))
    theirs.refresh_from_db()
    assert theirs.status == "open"
    # Asking for their step shows the OPD user's own visit instead.
    url = f"{reverse('workflow:case', args=[case.pk])}?step={theirs.pk}"
    response = client("batam.dinkes").get(url)
    assert response.context["current"] == waiting["batam.dinkes"]
    assert reverse("workflow:act", args=[case.pk, theirs.pk]) not in response.content.decode()


def test_an_opd_user_sees_only_its_own_part_of_the_round(demo: None) -> None:
    case = start_round().case
    waiting = walk_to_acknowledgments(case)
    mine, theirs = waiting["batam.dinkes"], waiting["batam.disdukcapil"]
    browser = client("batam.dinkes")
    response = browser.get(reverse("workflow:case", args=[case.pk]))
    assert [row.branch.pk for row in response.context["visits"]] == [mine.branch_id]
    documents = response.context["documents"]
    assert [document.pk for document in documents] == [ba_of(mine).pk]
    history = {row.instance.branch_id for row in response.context["history"]}
    assert history == {None, mine.branch_id}  # the trunk's steps and its own visit's
    dinkes_opd = user("batam.dinkes").opd_id
    assert {site.opd_id for site in response.context["affected_sites"]} == {dinkes_opd}
    assert {d.site.opd_id for d in response.context["affected_devices"]} == {dinkes_opd}
    page = response.content.decode()
    assert ba_of(theirs).number not in page
    download = "documents:download"
    assert browser.get(reverse(download, args=[ba_of(mine).pk])).status_code == 200
    assert browser.get(reverse(download, args=[ba_of(theirs).pk])).status_code == 404
    work_plan = case.documents.get(document_type="rencana_kerja")
    assert browser.get(reverse(download, args=[work_plan.pk])).status_code == 404
    # The Diskominfo side still sees every visit and document.
    staff = client("batam.kasi").get(reverse("workflow:case", args=[case.pk]))
    assert len(staff.context["visits"]) == 3
    assert len(staff.context["documents"]) == case.documents.count()


@pytest.mark.parametrize("username", ["batam.kasi", "batam.admin", "batam.teknisi1"])
def test_the_diskominfo_side_gets_403(demo: None, username: str) -> None:
    assert client(username).get(PAGE).status_code == 403


def test_a_platform_administrator_gets_403(demo: None) -> None:
    User.objects.create_superuser("root-opd", password="x-root-opd-1234")
    assert client("root-opd").get(PAGE).status_code == 403


def test_another_agencys_opd_user_sees_nothing_of_batam(demo: None) -> None:
    case = start_round().case
    walk_to_acknowledgments(case)
    response = client("bogor.dinkes").get(PAGE)
    assert response.status_code == 200
    assert response.context["waiting"] == []
    page = response.content.decode()
    assert case.title not in page
    assert batam_plan().name not in page


# --- Upcoming visits -----------------------------------------------------------------------


def test_planned_visits_are_listed_for_an_opd_in_the_plans_scope_only(demo: None) -> None:
    plan = batam_plan()
    assert plan.next_occurrence is not None
    response = client("batam.dinkes").get(PAGE)
    planned = [event for event in response.context["upcoming"] if event.state == "planned"]
    assert planned[0].start == plan.next_occurrence
    assert planned[0].sites == ("Kantor Dinas Kesehatan",)
    names = {member.get_full_name() or member.username for member in plan.team.all()}
    assert set(planned[0].team) == names
    assert plan.name in response.content.decode()
    assert client(OUTSIDE).get(PAGE).context["upcoming"] == []


def test_a_named_site_brings_its_opd_into_the_scope(demo: None) -> None:
    plan = batam_plan()
    disdik = user(OUTSIDE)
    plan.sites.add(Site.objects.get(opd_id=disdik.opd_id or 0))
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    events = opd_agenda(plan.agency_id, disdik.opd_id or 0, end)
    assert events
    assert {event.sites for event in events} == {("Kantor Dinas Pendidikan",)}


def test_a_paused_plan_lists_no_planned_visit_but_keeps_its_round_under_way(demo: None) -> None:
    MaintenancePlan.objects.filter(agency__slug="batam").update(is_active=False)
    upcoming = client("batam.dinkes").get(PAGE).context["upcoming"]
    assert [event for event in upcoming if event.state == "planned"] == []
    # The demo's round under way at Dinkes still visits: pausing stops future rounds only.
    demo_round = MaintenanceRound.objects.get(agency__slug="batam", case__closed_at__isnull=True)
    assert [event.case_id for event in upcoming] == [demo_round.case_id]


def test_a_round_under_way_is_upcoming_until_its_visit_waits_for_the_opd(demo: None) -> None:
    demo_cases = set(MaintenanceRound.objects.values_list("case_id", flat=True))
    started = start_round()
    case = started.case
    dinkes = user("batam.dinkes")
    end = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)

    def under_way() -> list[Any]:
        events = opd_agenda(started.agency_id, dinkes.opd_id or 0, end)
        return [event for event in events if event.case_id == case.pk]

    (event,) = under_way()
    assert event.start == started.visit_at
    assert event.sites == ("Kantor Dinas Kesehatan",)
    assert event.path == ""  # before the visits begin the OPD does not see the case
    walk_to_visits(case, dt.datetime.now(dt.UTC))
    (event,) = under_way()
    assert set(event.team) == {member.get_full_name() or member.username for member in team()}
    assert event.path == reverse("workflow:case", args=[case.pk])
    walk_visits_to_acknowledgments(case)
    assert under_way() == []
    # The next occurrence of the plan is still planned.
    events = [
        event
        for event in opd_agenda(started.agency_id, dinkes.opd_id or 0, end)
        if event.case_id not in demo_cases
    ]
    assert 1 <= len(events) <= 3  # OPD_PLANNED_PER_PLAN
    assert {event.state for event in events} == {"planned"}
    assert events[0].start > started.visit_at


# --- Cost ----------------------------------------------------------------------------------


def test_the_page_costs_a_bounded_number_of_queries(
    demo: None, django_assert_max_num_queries: Any
) -> None:
    walk_to_acknowledgments(start_round().case)
    browser = client("batam.dinkes")
    browser.get(PAGE)  # the working calendar is built once per process
    # 16, and the navigation's two counts of issue 15: the OPD's tasks and the bell.
    with django_assert_max_num_queries(18):
        response = browser.get(PAGE)
    assert len(response.context["waiting"]) == 1
    # Planned visits, and the demo's own round whose visit has not reached the OPD yet.
    assert {event.state for event in response.context["upcoming"]} == {"open", "planned"}


# --- In a phone's browser --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_opd_user_acknowledges_from_the_badge_on_a_phone(live_server: Any) -> None:
    call_command("demo", "--quiet")
    case = start_round().case
    mine = walk_to_acknowledgments(case)["batam.dinkes"]
    document = ba_of(mine)
    dinkes = user("batam.dinkes")
    dinkes.set_password(PASSWORD)
    dinkes.save()
    downloaded: list[str] = []

    def steps(phone: Any) -> None:
        # The menu button opens the navigation and closes it again (Tabler's collapse);
        # its "Pemeliharaan" entry carries the badge.
        entry = phone.locator(f"#nav-menu a[href='{PAGE}']")
        phone.click(".navbar-toggler")
        phone.wait_for_selector("#nav-menu.collapse.show")  # opened, its transition over
        phone.click(".navbar-toggler")
        entry.wait_for(state="hidden")
        phone.wait_for_selector("#nav-menu.collapse:not(.show)", state="attached")
        phone.click(".navbar-toggler")
        phone.wait_for_selector("#nav-menu.collapse.show")
        assert entry.locator(".badge").inner_text() == "1"
        entry.click()
        phone.wait_for_selector(f"#waiting-{mine.pk}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "opd-rounds-phone")
        with phone.expect_download() as download:
            phone.click(f"#waiting-{mine.pk} .ba-link")
        downloaded.append(download.value.suggested_filename)
        phone.click(f"#waiting-{mine.pk} .acknowledge-link")
        phone.wait_for_selector("#acknowledge-ba")
        assert phone.inner_text("#acknowledge-ba-number") == document.number
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "opd-acknowledge-phone")
        phone.locator("#current-step").screenshot(path=str(ARTIFACTS / "opd-acknowledge-card.png"))
        phone.set_viewport_size({"width": 1280, "height": 900})
        screenshot(phone, "opd-acknowledge-desktop")
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.click("#current-step button[type=submit]")
        phone.wait_for_selector(".alert-success")
        phone.goto(f"{live_server.url}{PAGE}")
        phone.wait_for_selector("#recent")
        assert phone.locator(f"#waiting-{mine.pk}").count() == 0
        assert phone.locator(f"#nav-menu a[href='{PAGE}'] .badge").count() == 0
        phone.set_viewport_size({"width": 1280, "height": 900})
        screenshot(phone, "opd-rounds-desktop")

    on_a_phone(live_server.url, dinkes, steps)
    assert len(downloaded) == 1
    assert downloaded[0].endswith(".pdf")
    mine.refresh_from_db()
    assert mine.status == "done"
    assert mine.actor_id == dinkes.pk
