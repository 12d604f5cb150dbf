"""Seeds 003 (Bolaang Mongondow Utara) and 002 (Pontianak) run end to end in Chromium with
the demo agencies (``jaga demo``), every step by its person through the pages: the report
form, the task list, the step forms on the case page. A third seed-003 case has the Kasi's
check (12) send the Berita Acara back to 11 and the loop close in the browser (its steps
before 12, driven through the pages by the first test, are taken by the engine's calls to
keep the file under a minute and a half).

Each person has a browser context of their own and logs in through the login form. At the
end the database holds the case closed with the path the pages took."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from jaga.incidents.services import report_disruption
from jaga.inventory.models import Device, DeviceStatus
from jaga.org.models import User
from jaga.workflow.models import Case, CaseStatus, StepInstance
from jaga.workflow.services import complete_step, decide, open_step
from tests.browser.seed_support import Office, office, step_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLACEMENT = {
    "nama_barang": "Switch 8 port",
    "merk_tipe": "TP-Link TL-SG1008D",
    "jumlah": "1",
    "kondisi": "Rusak berat",
    "alasan": "Port terbakar tersambar petir",
}


@pytest.fixture
def people(demo: None, live_server: Any, browser: Any) -> Iterator[Office]:
    with office(browser, live_server.url) as run:
        yield run


def assert_closed(people: Office, username: str, case: Case) -> None:
    """``username`` opens the case and sees it closed, with no step waiting."""
    page = people.page_of(username)
    with page.expect_navigation():
        page.goto(f"{people.base}/kasus/{case.pk}/")
    header = page.locator(".page-title").inner_text()
    assert header.startswith(f"#{case.number} "), header
    assert header.rstrip().endswith("Selesai"), header
    assert page.locator("#current-step").count() == 0
    assert page.locator("#step-form").count() == 0
    assert page.locator("#sop-chart tr.chart-current").count() == 0


def bolmut_to_8(people: Office) -> Case:
    """Seed 003 from the OPD's report to the technician's decision 8: the two dispositions,
    the Kasi appointing a technician, the check (5), not the server (6 ya), on site (7)."""
    case = people.report(
        "bolmut.dinkes", "Gedung Dinkes lantai 1, ruang pelayanan", "Koneksi internet putus"
    )
    assert case.title == "Koneksi internet putus"

    page = people.open_task("bolmut.kadis", case, "2")
    people.dispose(page, "bolmut.kabid", "3", "2")
    page = people.open_task("bolmut.kabid", case, "3")
    people.dispose(page, "bolmut.kasi", "4", "3")
    page = people.open_task("bolmut.kasi", case, "4")
    people.appoint(page, ["bolmut.teknisi1"], "5", "4")

    page = people.open_task("bolmut.teknisi1", case, "5")
    people.complete(
        page, "5", "6", {"jenis_gangguan": "Koneksi putus", "lokasi_gangguan": "Ruang pelayanan"}
    )
    page = people.open_task("bolmut.teknisi1", case, "6")
    people.decide(page, "ya", "7", "6")
    page = people.open_task("bolmut.teknisi1", case, "7")
    people.complete(page, "7", "8")
    return case


def bolmut_replacement(people: Office, case: Case) -> None:
    """8 diganti, 9 ya, 9a the OPD fills in the replacement form, 10 the replacement."""
    page = people.open_task("bolmut.teknisi1", case, "8")
    people.decide(page, "diganti", "9", "8")
    page = people.open_task("bolmut.teknisi1", case, "9")
    people.decide(page, "ya", "9a", "9")
    page = people.open_task("bolmut.dinkes", case, "9a")
    people.complete(page, "9a", "10", REPLACEMENT, shot="case-form")
    page = people.open_task("bolmut.teknisi1", case, "10")
    # The broken device (the first of the Dinkes devices offered) and a spare from the store.
    page.select_option("#id_removed", index=1)
    page.select_option("#id_installed", index=1)
    removed = int(page.locator("#id_removed").input_value())
    installed = int(page.locator("#id_installed").input_value())
    # The store's spare is another model of switch than the broken one: the form warns and
    # asks the technician to confirm that it does the same job.
    with page.expect_navigation():
        page.click("#step-form button[type=submit]")
    assert "PoE" in page.locator("#step-form").inner_text()
    assert int(page.locator("#id_installed").input_value()) == installed
    page.check("#id_confirm_model")
    people.complete(page, "10", "11", shot="case-replacement")
    swapped = {d.pk: d.status for d in Device.objects.filter(pk__in=[removed, installed])}
    assert swapped == {removed: DeviceStatus.IN_REPAIR, installed: DeviceStatus.IN_SERVICE}


def berita_acara(people: Office, case: Case) -> None:
    """11 the technician's report, 11a the OPD acknowledges it."""
    page = people.open_task("bolmut.teknisi1", case, "11")
    people.complete(page, "11", "11a", shot="case-report")
    page = people.open_task("bolmut.dinkes", case, "11a")
    people.complete(page, "11a", "12", shot="case-acknowledgment")


def checks_to_close(people: Office, case: Case) -> None:
    """12 the Kasi, 13 the Kabid and 14 the Kadis accept; the case closes."""
    page = people.open_task("bolmut.kasi", case, "12")
    people.accept(page, "12", "13")
    page = people.open_task("bolmut.kabid", case, "13")
    people.accept(page, "13", "14")
    page = people.open_task("bolmut.kadis", case, "14")
    people.accept(page, "14", None)


BOLMUT_TO_8 = [
    ("1", "done"),
    ("2", "done"),
    ("3", "done"),
    ("4", "done"),
    ("5", "done"),
    ("6", "ya"),
    ("7", "done"),
]
BOLMUT_REPLACEMENT = [
    ("8", "diganti"),
    ("9", "ya"),
    ("9a", "done"),
    ("10", "done"),
]
BOLMUT_BERITA_ACARA = [("11", "done"), ("11a", "done")]
BOLMUT_CHECKS = [("12", "accepted"), ("13", "accepted"), ("14", "accepted")]


def test_seed_003_replaces_the_device_and_closes(people: Office) -> None:
    case = bolmut_to_8(people)
    bolmut_replacement(people, case)
    berita_acara(people, case)
    checks_to_close(people, case)

    page = people.page_of("bolmut.kadis")
    people.shot(page, "case-closed")
    for username in ("bolmut.kadis", "bolmut.dinkes"):
        assert_closed(people, username, case)
    people.nav(page, "Kasus")
    row = page.locator(f"tr.case-row[data-case='{case.pk}']")
    assert "Selesai" in row.inner_text()
    people.shot(page, "cases")
    people.nav(page, "Tugas Saya")
    assert "Tidak ada tugas yang menunggu Anda." in page.locator(".card-body").inner_text()
    people.log_out("bolmut.kadis")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    assert step_path(case) == [
        *BOLMUT_TO_8,
        *BOLMUT_REPLACEMENT,
        *BOLMUT_BERITA_ACARA,
        *BOLMUT_CHECKS,
    ]


def waiting(case: Case, step_no: str) -> StepInstance:
    step = open_step(case)
    assert step is not None
    assert step.step_no == step_no
    return step


def bolmut_by_engine_to_11a(at: dt.datetime) -> Case:
    """Seed 003 up to the OPD's acknowledgment (11a), through the repair branch (8
    diperbaiki), by the engine's own calls (the pages call them too; the first test drives
    these steps through the pages already): the return loop below is what the browser does."""
    user = {
        name: User.objects.get(username=f"bolmut.{name}")
        for name in ("dinkes", "kadis", "kabid", "kasi", "teknisi1")
    }
    case = report_disruption(
        user["dinkes"],
        location="Gedung Dinkes lantai 1",
        problem="Wifi ruang pelayanan mati",
        since=at,
        contact_name="Petugas Dinkes",
        contact_phone="0812 3456 7890",
    ).case
    complete_step(
        waiting(case, "2"), user["kadis"], named=[user["kabid"]], instructions=["Tindak lanjuti"]
    )
    complete_step(
        waiting(case, "3"), user["kabid"], named=[user["kasi"]], instructions=["Tindak lanjuti"]
    )
    complete_step(waiting(case, "4"), user["kasi"], named=[user["teknisi1"]])
    complete_step(
        waiting(case, "5"),
        user["teknisi1"],
        data={"jenis_gangguan": "Wifi mati", "lokasi_gangguan": "Ruang pelayanan"},
    )
    decide(waiting(case, "6"), user["teknisi1"], "ya")
    complete_step(waiting(case, "7"), user["teknisi1"])
    decide(waiting(case, "8"), user["teknisi1"], "diperbaiki")
    complete_step(waiting(case, "11"), user["teknisi1"])
    complete_step(waiting(case, "11a"), user["dinkes"])
    return case


def test_seed_003_kasi_returns_the_berita_acara_and_the_loop_closes(people: Office) -> None:
    case = bolmut_by_engine_to_11a(timezone.now() - dt.timedelta(hours=1))

    page = people.open_task("bolmut.kasi", case, "12")
    assert page.locator("#history tr.history-row").count() == 11  # 1 to 8, 11, 11a, 12
    people.send_back(page, "12", "11", "Berita Acara belum mencantumkan nomor seri")
    history = page.locator("#history tr.history-row[data-step='12']").inner_text()
    assert "Dikembalikan ke langkah 11" in history, history
    assert "Berita Acara belum mencantumkan nomor seri" in history, history

    # The technician sees step 11 again (second visit) and redoes it; then the loop goes on.
    page = people.open_task("bolmut.teknisi1", case, "11")
    assert page.locator("#history tr.history-row[data-step='11']").count() == 2
    reason = page.locator("#history tr.history-row[data-step='12']").inner_text()
    assert "Berita Acara belum mencantumkan nomor seri" in reason
    people.complete(page, "11", "11a", shot="case-report")
    page = people.open_task("bolmut.dinkes", case, "11a")
    people.complete(page, "11a", "12", shot="case-acknowledgment")
    checks_to_close(people, case)
    assert_closed(people, "bolmut.kasi", case)

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert step_path(case) == [
        *BOLMUT_TO_8,
        ("8", "diperbaiki"),
        *BOLMUT_BERITA_ACARA,
        ("12", "returned"),
        *BOLMUT_BERITA_ACARA,
        *BOLMUT_CHECKS,
    ]


def pontianak_to_2a(people: Office, branch: str, next_no: str) -> Case:
    """Seed 002: the OPD reports, the Kadis (1) and the Kabid (1a) forward it, the Kasi
    surveys (2) and grades the damage ``branch`` (2a)."""
    case = people.report("pontianak.dinkes", "Dinkes, ruang server", "Router tidak stabil")
    page = people.open_task("pontianak.kadis", case, "1")
    people.dispose(page, "pontianak.kabid", "1a", "1")
    page = people.open_task("pontianak.kabid", case, "1a")
    people.dispose(page, "pontianak.kasi", "2", "1a")
    page = people.open_task("pontianak.kasi", case, "2")
    people.complete(
        page,
        "2",
        "2a",
        {"lokasi": "Dinas Kesehatan, ruang server", "hasil_survey": "Router tidak stabil"},
    )
    page = people.open_task("pontianak.kasi", case, "2a")
    people.decide(page, branch, next_no, "2a")
    return case


def test_seed_002_light_damage(people: Office) -> None:
    case = pontianak_to_2a(people, "ringan", "4")
    page = people.open_task("pontianak.kasi", case, "4")
    people.complete(page, "4", "5")
    page = people.open_task("pontianak.kasi", case, "5")
    people.complete(page, "5", None, shot="case-report")
    assert_closed(people, "pontianak.dinkes", case)
    people.shot(people.page_of("pontianak.dinkes"), "case-closed")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert step_path(case) == [
        ("1", "done"),
        ("1a", "done"),
        ("2", "done"),
        ("2a", "ringan"),
        ("4", "done"),
        ("5", "done"),
    ]


def test_seed_002_medium_damage(people: Office) -> None:
    case = pontianak_to_2a(people, "sedang", "4a")
    page = people.open_task("pontianak.kasi", case, "4a")
    people.complete(page, "4a", "4b", shot="case-report")
    # The report reaches the Kabid: step 4b waits in the Kabid's Tugas Saya (issue 20
    # point 3), on the desktop (open_task) and on a 390 px phone.
    page = people.open_task("pontianak.kabid", case, "4b")
    page.set_viewport_size({"width": 390, "height": 844})
    with page.expect_navigation():
        page.goto(f"{people.base}/kasus/tugas/")
    row = page.locator("#inbox .inbox-row").filter(has=page.locator(f"a[href='/kasus/{case.pk}/']"))
    assert row.count() == 1
    assert row.locator("span.badge").first.inner_text() == "4b"
    with page.expect_navigation():
        row.locator(f"a[href='/kasus/{case.pk}/']").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    people.complete(page, "4b", "3")
    page = people.open_task("pontianak.kasi", case, "3")
    people.complete(page, "3", "5")
    page = people.open_task("pontianak.kasi", case, "5")
    people.complete(page, "5", None, shot="case-report")
    assert_closed(people, "pontianak.kabid", case)

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert step_path(case) == [
        ("1", "done"),
        ("1a", "done"),
        ("2", "done"),
        ("2a", "sedang"),
        ("4a", "done"),
        ("4b", "done"),
        ("3", "done"),
        ("5", "done"),
    ]
