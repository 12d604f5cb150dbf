"""The SOP builder in Debian's Chromium (issue 17 point 4): an agency administrator writes a
new SOP with three lanes and a three-way classification whose branches set the repair's
waktu, sees a problem appear and go away as he types, sees the SOP AP preview and
publishes it; on a desktop and on a 390 px phone. Screenshots in /tmp/shots/builder/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jaga.sop.models import SopDefinition, SopDraft
from jaga.tenancy.models import Agency
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.conftest import sign_in as signed_in
from tests.conftest import PASSWORD, make_agency
from tests.workflow.conftest import add_holder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/builder")


def agency() -> Agency:
    alpha = make_agency("alpha")
    unit = alpha.orgunit_set.get()
    add_holder(alpha, "kasi", "Kepala Seksi", unit, "alpha.kasi", "198001012005031002")
    add_holder(alpha, "teknisi", "Teknisi", unit, "alpha.tek", "199001012015031003")
    return alpha


def sign_in(browser: Any, url: str, viewport: dict[str, int]) -> Any:
    return signed_in(browser, url, "alpha.admin", PASSWORD, viewport, locale="en-US")


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def add_lane(page: Any, key: str, label: str, positions: list[str], reporter: bool = False) -> None:
    page.click("#add-lane")
    row = page.locator("#lanes-table tbody tr").last
    row.locator("input[name$='-key']").fill(key)
    row.locator("input[name$='-label']").fill(label)
    if positions:
        row.locator("select[name$='-positions']").select_option(positions)
    if reporter:
        row.locator("input[name$='-reporter']").check()


def add_step(
    page: Any, no: str, kegiatan: str, lane: str, waktu: str, kind: str = "activity"
) -> Any:
    page.click("#add-step")
    # nth, not last: a later step would otherwise become this locator's row.
    step = page.locator("#steps-table > tbody").nth(
        page.locator("#steps-table > tbody").count() - 1
    )
    step.locator("input[name$='-no']").fill(no)
    step.locator("textarea[name$='-kegiatan']").fill(kegiatan)
    step.locator("input[name$='-lane']").fill(lane)
    step.locator("select[name$='-kind']").select_option(kind)
    step.locator("input[name$='-waktu']").fill(waktu)
    return step


def wait_for_problems(page: Any, text: str | None) -> None:
    """Wait until the live check lists a problem containing ``text`` (None: no problems)."""
    if text is None:
        try:
            page.wait_for_selector("#builder-problems [data-problems='0']")
        except Exception:
            shot(page, "failed")
            raise AssertionError(page.locator("#builder-problems").inner_text()) from None
    else:
        page.locator("#builder-problems [data-problem]", has_text=text).first.wait_for()


def test_an_admin_builds_and_publishes_an_sop(live_server: Any, browser: Any) -> None:
    alpha = agency()
    page = sign_in(browser, live_server.url, DESKTOP)
    page.goto(f"{live_server.url}/sop/penyusun/")
    page.click("#new-sop")
    page.wait_for_selector("#builder-form")
    page.fill("#f-code", "pemasangan-ap")
    page.fill("#f-nama", "Pemasangan Access Point")
    page.fill("#f-deadline", "14 hari kalender")
    add_lane(page, "opd", "OPD Pemohon", [], reporter=True)
    add_lane(page, "kasi", "Kepala Seksi", ["kasi"])
    add_lane(page, "teknis", "Tim Teknis", ["teknisi"])
    add_step(page, "1", "OPD mengajukan permohonan", "opd", "30 menit", "report")
    decision = add_step(page, "2", "Klasifikasi gangguan", "teknis", "30 menit", "decision")
    for key, label in (("ringan", "Ringan"), ("sedang", "Sedang"), ("berat", "Berat")):
        decision.locator("[data-add-row=branch-template]").click()
        branch = decision.locator("[data-rows=branch] tr").last
        branch.locator("input[name$='-key']").fill(key)
        branch.locator("input[name$='-label']").fill(label)
        branch.locator("input[name$='-next']").fill("3")
    repair = add_step(page, "3", "Perbaikan", "teknik", "1-7 hari")
    repair.locator("summary").click()
    repair.locator("input[name$='-waktu_by_decision']").fill("2")
    repair.locator("textarea[name$='-waktu_by_branches']").fill(
        "ringan: 1 hari\nsedang: 3 hari\nberat: 7 hari"
    )
    add_step(page, "4", "Kepala Seksi melaporkan hasil", "kasi", "1 hari", "report")
    # The lane typed wrong: the live check names the problem and links to the step's row.
    wait_for_problems(page, '"teknik"')  # lajur "teknik" tidak dikenal
    link = page.locator("#builder-problems [data-problem] a").first
    assert link.get_attribute("href") == "#step-2"
    shot(page, "editor-problem-1280")
    repair.locator("input[name$='-lane']").fill("teknis")
    wait_for_problems(page, None)
    page.locator("#builder-preview .sop-flowchart").first.wait_for()
    assert "Klasifikasi gangguan" in page.locator("#builder-preview").inner_text()
    shot(page, "editor-valid-1280")
    draft = SopDraft.objects.get(agency=alpha)
    assert "waktu_by:" in draft.source
    assert "format: jaga-sop/2" in draft.source
    page.click("#publish")
    page.wait_for_selector("#versions")
    shot(page, "versions-1280")
    definition = SopDefinition.objects.get(agency=alpha, code="pemasangan-ap", is_current=True)
    assert definition.version == 1
    spec = definition.spec
    assert [branch.key for branch in spec.step("2").branches] == ["ringan", "sedang", "berat"]
    waktu_by = spec.step("3").waktu_by
    assert waktu_by is not None
    assert waktu_by.branches == {
        "ringan": "1 hari",
        "sedang": "3 hari",
        "berat": "7 hari",
    }
    assert spec.deadline == "14 hari kalender"
    # The phone: the editor of the published SOP's draft fits, its tables scroll inside.
    phone = sign_in(browser, live_server.url, PHONE)
    phone.goto(f"{live_server.url}/sop/penyusun/{draft.pk}/")
    phone.wait_for_selector("#builder-form")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "editor-390")
    phone.goto(f"{live_server.url}/sop/penyusun/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "list-390")
