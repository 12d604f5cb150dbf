"""Maintenance rounds end to end in Chromium (issue 14, Acceptance), with the demo agencies.

- Seed 004 (Kota Batam): the scheduler starts the round of Batam's plan over three OPD
  sites; the Kasi drafts the Rencana Kerja and reports it up, the Kabid and the Kepala
  Dinas dispose it back down, the Kasi appoints two staff; a technician on a 390 px phone
  fills each site's checklist (one item fails at the first site and opens a corrective
  case), does the work and writes each site's Berita Acara; each OPD acknowledges its own;
  the Kasi checks, the Kabid reports and the Kepala Dinas's review closes the round.
- Seed 000 (Kota Bogor): a round whose first site's switch fails its checklist and is
  replaced by a spare from the store at step 3b; the other sites have no damage.

Every person uses their own browser context and logs in through the login form; the
scheduler's own function starts the rounds (``start_due_round`` at the plan's due time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from jaga.inventory.models import Device, DeviceStatus
from jaga.maintenance.models import (
    Inspection,
    MaintenancePlan,
    MaintenanceRound,
    WorkPlanVisit,
)
from jaga.maintenance.scheduling import start_due_round
from jaga.org.models import User
from jaga.workflow.models import Case, CaseStatus, StepInstance
from tests.browser.conftest import PHONE, log_in, screenshot
from tests.browser.seed_support import DEMO_PASSWORD, MOVED_ON, Office, office
from tests.incidents.conftest import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(demo: None, live_server: Any, browser: Any) -> Iterator[Office]:
    with office(browser, live_server.url) as run:
        yield run


def scheduled_round(slug: str, kinds: list[str]) -> MaintenanceRound:
    """The next round of ``slug``'s demo plan, narrowed to devices of ``kinds``, started by
    the scheduler's claim at its due time."""
    plan = MaintenancePlan.objects.get(agency__slug=slug)
    plan.device_kinds = kinds
    plan.save(update_fields=["device_kinds"])
    assert plan.next_due_at is not None
    started = start_due_round(plan.pk, plan.next_due_at)
    assert started is not None
    return started


def phone(people: Office, username: str) -> Any:
    """``username`` on a 390 px phone, logged in through the login form."""
    context = people.browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    people.contexts.append(context)
    return log_in(context, people.base, username, DEMO_PASSWORD)


def open_visit(people: Office, page: Any, case: Case, step: StepInstance) -> None:
    """Open the visit ``step`` from the task list (its row names the site); on a phone the
    menu opens first."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#nav-menu a.nav-link:has-text('Tugas Saya')").wait_for(state="visible")
    people.nav(page, "Tugas Saya")
    link = page.locator(f"#inbox a[href='/kasus/{case.pk}/?step={step.pk}']")
    assert link.count() == 1, f"the task list has no row for visit step {step.pk}"
    with page.expect_navigation():
        link.click()
    assert (
        page.locator("#current-step > .card-header .card-title")
        .inner_text()
        .startswith(f"Menunggu langkah {step.step_no}:")
    )


def fill_checklist(page: Any, fail_first: bool, tmp_path: Any) -> None:
    """Fill the open inspection form: every item passes (values inside their range, a
    photo for photo items), except the first pass/fail item with ``fail_first``."""
    photo = tmp_path / "rak.png"
    photo.write_bytes(image_bytes("PNG"))
    failed = False
    for group in page.locator(".inspection-item[data-kind]").all():
        kind = group.get_attribute("data-kind")
        if kind == "pass_fail":
            choice = "fail" if fail_first and not failed else "pass"
            failed = failed or fail_first
            radio = group.locator(f"input[value='{choice}']")
            group.locator(f"label[for='{radio.get_attribute('id')}']").click()
        elif kind == "measure":
            low = group.get_attribute("data-minimum") or "0"
            high = group.get_attribute("data-maximum")
            value = low if high else str(float(low) + 1)
            group.locator("input[inputmode=decimal]").fill(value.replace(".", ","))
        elif kind == "text":
            group.locator("textarea").first.fill("Kondisi baik")
        elif kind == "photo":
            group.locator("input[type=file]").set_input_files(str(photo))


def inspect_visit(page: Any, fail_first: bool, tmp_path: Any, shot: str) -> None:
    """Inspect every device of the visit's card, back on the visit after each."""
    while page.locator("#visit-checklist a.btn-primary").count():
        with page.expect_navigation():
            page.locator("#visit-checklist a.btn-primary").first.click()
        fill_checklist(page, fail_first, tmp_path)
        screenshot(page, f"{shot}-form")
        fail_first = False
        with page.expect_navigation():
            page.click("#save-inspection")
        assert page.locator("#visit-checklist").count() == 1, page.url
    screenshot(page, f"{shot}-visit")


def submit_step(page: Any, fields: dict[str, str], step_no: str, next_no: str) -> None:
    for key, value in fields.items():
        page.fill(f"#id_f_{key}", value)
    with page.expect_navigation():
        page.click("#step-form button[type=submit]")
    message = page.locator(".alert-success").inner_text()
    assert message == MOVED_ON.format(no=step_no, next=next_no), message


def open_steps_of(case: Case, step_no: str) -> list[StepInstance]:
    return list(
        StepInstance.objects.filter(case=case, step_no=step_no, status="open")
        .select_related("branch__site__opd")
        .order_by("branch__position")
    )


def test_a_seed_004_round_runs_from_the_rencana_kerja_to_the_review(
    people: Office, tmp_path: Any
) -> None:
    started = scheduled_round("batam", ["switch"])
    case = started.case
    assert case.sites.count() == 3

    # The Kasi edits the drafted Rencana Kerja: the first site a day later, other work.
    page = people.open_task("batam.kasi", case, "1")
    with page.expect_navigation():
        page.click("#edit-work-plan")
    first = WorkPlanVisit.objects.filter(round=started).order_by("position").first()
    assert first is not None
    later = first.planned_on + dt.timedelta(days=1)
    page.fill(f"#row-{first.pk}-planned_on", later.isoformat())
    page.fill(f"#row-{first.pk}-activities", "Penggantian kabel patch dan pembersihan rak.")
    screenshot(page, "round-rencana-kerja-edit")
    with page.expect_navigation():
        page.click("#save-work-plan")
    first.refresh_from_db()
    assert first.planned_on == later
    assert first.activities == "Penggantian kabel patch dan pembersihan rak."
    page = people.open_task("batam.kasi", case, "1")
    people.complete(page, "1", "2", shot="round-rencana-kerja")
    assert case.documents.filter(document_type="rencana_kerja").count() == 1
    page = people.open_task("batam.kabid", case, "2")
    people.complete(page, "2", "3")
    page = people.open_task("batam.kadis", case, "3")
    people.dispose(page, "batam.kabid", "4", "3")
    page = people.open_task("batam.kabid", case, "4")
    people.dispose(page, "batam.kasi", "5", "4")
    team = list(started.plan.team.order_by("pk")[:2])
    page = people.open_task("batam.kasi", case, "5")
    people.appoint(page, [member.username for member in team], "6", "5")

    technician = phone(people, team[0].username)
    for number, visit in enumerate(open_steps_of(case, "6")):
        open_visit(people, technician, case, visit)
        inspect_visit(technician, number == 0, tmp_path, f"round-004-site{number}")
        site = visit.branch.site if visit.branch else None
        assert site is not None
        submit_step(
            technician,
            {"lokasi": site.name, "hasil_pemeliharaan": "Switch dibersihkan, kabel dirapikan."},
            "6",
            "7",
        )
        (report,) = [s for s in open_steps_of(case, "7") if s.branch_id == visit.branch_id]
        open_visit(people, technician, case, report)
        submit_step(technician, {}, "7", "7a")

    failed = Inspection.objects.filter(step__case=case, result="fail")
    assert failed.count() == 1
    corrective = failed.get().corrective_case
    assert corrective is not None
    assert corrective.devices.filter(pk=failed.get().device_id).exists()

    # Each OPD finds its own visit on its "Pemeliharaan" page, reads the Berita Acara linked
    # there and acknowledges it on the case page.
    for visit in open_steps_of(case, "7a"):
        assert visit.branch is not None
        assert visit.branch.site is not None
        opd_user = User.objects.filter(opd=visit.branch.site.opd).order_by("pk").first()
        assert opd_user is not None
        page = people.page_of(opd_user.username)
        people.nav(page, "Pemeliharaan")
        waiting = page.locator("#waiting .list-group-item")
        assert waiting.count() == 1, f"{opd_user} sees {waiting.count()} visits waiting"
        assert waiting.locator(".ba-link").count() == 1
        with page.expect_navigation():
            waiting.locator(".acknowledge-link").click()
        people.complete(page, "7a", "8")

    page = people.open_task("batam.kasi", case, "8")
    people.accept(page, "8", "9")
    page = people.open_task("batam.kabid", case, "9")
    people.complete(page, "9", "10")
    page = people.open_task("batam.kadis", case, "10")
    people.accept(page, "10", None)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.documents.filter(document_type="berita_acara_pekerjaan").count() == 3


def test_a_seed_000_round_replaces_a_broken_switch_at_step_3(people: Office, tmp_path: Any) -> None:
    started = scheduled_round("bogor", ["switch"])
    case = started.case
    page = people.open_task("bogor.kadis", case, "1")
    people.dispose(page, "bogor.kabid", "1a", "1")
    page = people.open_task("bogor.kabid", case, "1a")
    people.dispose(page, "bogor.kasi", "2", "1a")
    team = list(started.plan.team.order_by("pk")[:1])
    page = people.open_task("bogor.kasi", case, "2")
    people.appoint(page, [member.username for member in team], "3", "2")

    technician = phone(people, team[0].username)
    visits = open_steps_of(case, "3")
    assert len(visits) == case.sites.count()
    for number, visit in enumerate(visits):
        open_visit(people, technician, case, visit)
        inspect_visit(technician, number == 0, tmp_path, f"round-000-site{number}")
        site = visit.branch.site if visit.branch else None
        assert site is not None
        submit_step(
            technician,
            {"lokasi": site.name, "hasil_pengecekan": "Dicek" if number else "Switch mati"},
            "3",
            "3a",
        )
        (question,) = [s for s in open_steps_of(case, "3a") if s.branch_id == visit.branch_id]
        open_visit(people, technician, case, question)
        if number == 0:
            technician.check("#step-form input[name=branch][value='ada_kerusakan']")
            with technician.expect_navigation():
                technician.click("#step-form button[type=submit]")
            (repair,) = [s for s in open_steps_of(case, "3b") if s.branch_id == visit.branch_id]
            open_visit(people, technician, case, repair)
            technician.select_option("#id_f_tindakan", "Penggantian")
            technician.fill("#id_f_uraian", "Switch akses mati, diganti dari gudang.")
            broken = Inspection.objects.get(step__case=case, result="fail").device
            technician.select_option("#id_removed", str(broken.pk))
            spare = technician.locator("#id_installed option", has_text="Switch cadangan").first
            technician.select_option("#id_installed", spare.get_attribute("value"))
            removed = broken.pk
            installed = int(technician.locator("#id_installed").input_value())
            with technician.expect_navigation():
                technician.click("#step-form button[type=submit]")
            if technician.locator("#id_confirm_model").count():
                technician.check("#id_confirm_model")
                with technician.expect_navigation():
                    technician.click("#step-form button[type=submit]")
            screenshot(technician, "round-000-replacement")
            swapped = dict(
                Device.objects.filter(pk__in=[removed, installed]).values_list("pk", "status")
            )
            assert swapped == {removed: DeviceStatus.IN_REPAIR, installed: DeviceStatus.IN_SERVICE}
        else:
            technician.check("#step-form input[name=branch][value='tidak']")
            with technician.expect_navigation():
                technician.click("#step-form button[type=submit]")

    failed = Inspection.objects.get(step__case=case, result="fail")
    assert failed.corrective_case is None  # seed 000 repairs in its own branch
    page = people.open_task(team[0].username, case, "4")
    people.complete(page, "4", "5")
    page = people.open_task("bogor.kasi", case, "5")
    people.complete(page, "5", "6")
    page = people.open_task("bogor.kabid", case, "6")
    people.complete(page, "6", "6a")
    # The Kabid's report reaches the Kepala Dinas in their task list (issue 20 point 3).
    page = people.open_task("bogor.kadis", case, "6a")
    people.complete(page, "6a", None)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
