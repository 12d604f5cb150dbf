"""Issue 17's acceptance in Debian's Chromium: an agency administrator builds an SOP with
a three-way classification whose branches carry different waktu and an overall deadline,
publishes it; an OPD user requests it from the catalogue; the case runs with the chosen
branch's deadline; the agency's disruption reports still start the disruption SOP. And a
help-desk clerk records a phone report for an OPD, which the OPD then sees in its own list.
Screenshots at 1280 and 390 px in /tmp/shots/catalogue/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from jaga.org.models import User
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.tenancy.services import working_calendar
from jaga.tenancy.timestandard import parse_time_standard
from jaga.workflow.models import Case, StepInstance, StepStatus
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.conftest import sign_in as signed_in
from tests.browser.test_sop_builder import add_lane, add_step, wait_for_problems
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import add_holder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/catalogue")

DISRUPTION = """
format: jaga-sop/1
code: gangguan
identity: {nama: Penanganan Gangguan Jaringan, instansi: [DINAS UJI]}
start: [report]
lanes:
  - {key: opd, label: OPD Pelapor, reporter: true}
  - {key: kasi, label: Kepala Seksi, positions: [kasi]}
  - {key: teknis, label: Tim Teknis, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Laporan gangguan masuk, lane: opd, waktu: 30 menit}
  - {no: 2, kegiatan: Tim memperbaiki, lane: teknis, waktu: 1 hari}
  - {no: 3, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, waktu: 1 hari}
"""


def agency() -> Agency:
    alpha = make_agency("alpha")
    unit = alpha.orgunit_set.get()
    add_holder(alpha, "kasi", "Kepala Seksi", unit, "alpha.kasi", "198001012005031002")
    add_holder(alpha, "teknisi", "Teknisi", unit, "alpha.tek", "199001012015031003")
    load_definition(alpha, DISRUPTION, path="gangguan.yaml")
    return alpha


def sign_in(browser: Any, url: str, username: str, viewport: dict[str, int] = DESKTOP) -> Any:
    return signed_in(browser, url, username, PASSWORD, viewport, locale="en-US")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def build_and_publish(page: Any, url: str) -> None:
    """The administrator builds the installation SOP in the builder and publishes it."""
    page.goto(f"{url}/sop/penyusun/")
    page.click("#new-sop")
    page.wait_for_selector("#builder-form")
    page.fill("#f-code", "pemasangan-ap")
    page.fill("#f-nama", "Pemasangan Access Point")
    page.fill("#f-deadline", "14 hari kalender")
    page.fill("#f-sname", "Pemasangan Access Point baru")
    page.select_option("#f-scat", "request")
    page.fill("#f-sdesc", "Access Point baru untuk ruangan OPD.")
    page.check("input[name=service-requesters][value=opd]")
    add_lane(page, "opd", "OPD Pemohon", [], reporter=True)
    add_lane(page, "kasi", "Kepala Seksi", ["kasi"])
    add_lane(page, "teknis", "Tim Teknis", ["teknisi"])
    add_step(page, "1", "OPD mengajukan permohonan", "opd", "30 menit", "report")
    decision = add_step(page, "2", "Tim menilai pekerjaan", "teknis", "30 menit", "decision")
    for key, label in (("ringan", "Ringan"), ("sedang", "Sedang"), ("berat", "Berat")):
        decision.locator("[data-add-row=branch-template]").click()
        branch = decision.locator("[data-rows=branch] tr").last
        branch.locator("input[name$='-key']").fill(key)
        branch.locator("input[name$='-label']").fill(label)
        branch.locator("input[name$='-next']").fill("3")
    work = add_step(page, "3", "Tim memasang Access Point", "teknis", "1-7 hari")
    work.locator("summary").click()
    work.locator("input[name$='-waktu_by_decision']").fill("2")
    work.locator("textarea[name$='-waktu_by_branches']").fill(
        "ringan: 1 hari\nsedang: 3 hari\nberat: 7 hari"
    )
    add_step(page, "4", "Kepala Seksi melaporkan hasil", "kasi", "1 hari", "report")
    wait_for_problems(page, None)
    shot(page, "builder-1280")
    page.click("#publish")
    page.wait_for_selector("#versions")


def test_a_built_sop_is_requested_from_the_catalogue_and_runs_on_the_branch_deadline(
    live_server: Any, browser: Any
) -> None:
    alpha = agency()
    url = live_server.url
    build_and_publish(sign_in(browser, url, "alpha.admin"), url)

    # The OPD finds both services in the catalogue and requests the new one.
    opd = sign_in(browser, url, "alpha.dinkes")
    opd.click("#nav-menu a.nav-link[href='/layanan/']")
    opd.wait_for_url(f"{url}/layanan/")
    assert opd.locator("#service-pemasangan-ap").count() == 1
    report_link = opd.locator("#request-gangguan")
    assert report_link.get_attribute("href") == "/lapor/?layanan=gangguan"
    shot(opd, "catalogue-1280")
    opd.click("#request-pemasangan-ap")
    opd.wait_for_url(f"{url}/layanan/pemasangan-ap/ajukan/")
    opd.fill("#id_title", "Access Point ruang rapat lantai 2")
    opd.fill("#id_description", "Sinyal Wi-Fi tidak sampai ke ruang rapat.")
    opd.fill("#id_contact_phone", "0812 3456 7890")
    shot(opd, "request-1280")
    opd.click("form.card button[type=submit]")
    opd.wait_for_url(f"{url}/layanan/permohonan/")
    assert "#1" in opd.locator(".alert-success").inner_text()
    case = Case.objects.get(agency=alpha, number=1)
    assert case.definition.code == "pemasangan-ap"
    assert case.due_at == case.started_at + dt.timedelta(days=14)
    shot(opd, "requests-1280")

    # The technician classifies the work as heavy: the next step is due in 7 working days.
    tech = sign_in(browser, url, "alpha.tek")
    tech.goto(f"{url}/kasus/{case.pk}/")
    tech.check("#step-form input[name=branch][value='berat']")
    tech.click("#step-form button[type=submit]")
    tech.wait_for_selector(".alert-success")
    decided = StepInstance.objects.get(case=case, step_no="2")
    work = StepInstance.objects.get(case=case, step_no="3", status=StepStatus.OPEN)
    assert decided.completed_at is not None
    calendar = working_calendar(alpha)
    assert work.due_at == calendar.due_at(decided.completed_at, parse_time_standard("7 hari"))
    assert work.due_at != calendar.due_at(decided.completed_at, parse_time_standard("1 hari"))
    assert tech.locator("#case-deadline").count() == 1
    assert "7 hari (Berat)" in tech.locator(".chart-row[data-step='3']").inner_text()
    shot(tech, "case-1280")

    # Disruption reports still start the disruption SOP.
    opd.goto(f"{url}/lapor/")
    opd.fill("#id_location", "Ruang server")
    opd.fill("#id_problem", "Jaringan putus")
    opd.fill("#id_contact_phone", "0812 3456 7890")
    opd.click("form.card button[type=submit]")
    opd.wait_for_url(f"{url}/lapor/saya/")
    report = Case.objects.get(agency=alpha, number=2)
    assert report.definition.code == "gangguan"

    phone = sign_in(browser, url, "alpha.dinkes", PHONE)
    for path, name in (("/layanan/", "catalogue"), ("/layanan/pemasangan-ap/ajukan/", "request")):
        phone.goto(f"{url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, f"{name}-390")


def test_a_help_desk_clerk_records_a_phone_report_the_opd_sees_in_its_list(
    live_server: Any, browser: Any
) -> None:
    alpha = agency()
    clerk = User.objects.create_user("alpha.desk", password=PASSWORD, agency=alpha)
    clerk.user_permissions.add(Permission.objects.get(codename="record_request"))
    url = live_server.url
    desk = sign_in(browser, url, "alpha.desk")
    desk.goto(f"{url}/layanan/")
    desk.click("#record-gangguan")
    desk.wait_for_url(f"{url}/layanan/gangguan/catat/")
    desk.select_option("#id_channel", "phone")
    desk.select_option("#id_opd", label="Dinas Kesehatan (Dinkes)")
    desk.fill("#id_contact_name", "Bu Rina")
    desk.fill("#id_contact_phone", "0251 832 1075")
    desk.fill("#id_location", "Puskesmas, ruang pendaftaran")
    desk.fill("#id_description", "Komputer pendaftaran tidak bisa masuk jaringan")
    shot(desk, "record-1280")
    desk.click("form.card button[type=submit]")
    desk.wait_for_url(f"{url}/layanan/permohonan/")
    assert "#1" in desk.locator(".alert-success").inner_text()
    case = Case.objects.get(agency=alpha, number=1)
    assert (case.definition.code, case.channel, case.opd_id) == ("gangguan", "phone", case.opd_id)

    opd = sign_in(browser, url, "alpha.dinkes")
    opd.goto(f"{url}/lapor/saya/")
    row = opd.locator(f"#report-{case.pk}")
    assert "Komputer pendaftaran tidak bisa masuk jaringan" in row.inner_text()
    assert "Telepon, dicatat oleh meja layanan" in row.inner_text()
    shot(opd, "mine-1280")
    phone = sign_in(browser, url, "alpha.desk", PHONE)
    phone.goto(f"{url}/layanan/gangguan/catat/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "record-390")
