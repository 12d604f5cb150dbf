"""Issue 18 in Debian's Chromium: the administrator of the demo's Kabupaten Bolaang
Mongondow Utara corrects a Berita Acara Pekerjaan on the correction page (on a phone) and
registers a Surat Tugas that SRIKANDI numbers on the SRIKANDI page; a holder of the paper
opens the verification page. Screenshots at 1280 px and 390 px in tests/artifacts/."""

from __future__ import annotations

from typing import Any

import pytest

from jaga.documents.models import Document, NumberedBy, NumberPattern
from jaga.web.management.commands.demo import DEMO_PASSWORD
from jaga.workflow.models import Case
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.conftest import sign_in as signed_in
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import BOLMUT_REPLACED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(demo: None) -> Case:
    """Seed 003 walked to the end, its Surat Tugas numbered by SRIKANDI."""
    NumberPattern.objects.filter(agency__slug="bolmut", document_type="surat_tugas").update(
        numbered_by=NumberedBy.SRIKANDI
    )
    return run(BOLMUT_REPLACED)


def sign_in(browser: Any, url: str, viewport: dict[str, int]) -> Any:
    return signed_in(browser, url, "bolmut.admin", DEMO_PASSWORD, viewport)


def fits(page: Any, viewport: dict[str, int]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_admin_corrects_a_berita_acara_and_registers_a_srikandi_number(
    case: Case, live_server: Any, browser: Any
) -> None:
    work = Document.objects.get(
        case=case, document_type="berita_acara_pekerjaan", superseded_by__isnull=True
    )
    phone = sign_in(browser, live_server.url, PHONE)
    phone.goto(f"{live_server.url}/kasus/{case.pk}/")
    phone.click(f"[data-correct='{work.pk}']")
    phone.wait_for_selector("#correction-form")
    fits(phone, PHONE)
    screenshot(phone, "documents-correct-390")
    phone.fill("[name='edit__items.1.no_seri']", "SN22020CDG-B")
    phone.fill("#id_reason", "Nomor seri perangkat pengganti salah ketik")
    phone.click("#correction-submit")
    phone.wait_for_url(f"{live_server.url}/kasus/{case.pk}/")
    corrected = Document.objects.get(supersedes=work)
    assert corrected.content["items"][1]["no_seri"] == "SN22020CDG-B"
    assert phone.locator(f"[data-document='{work.pk}'][data-superseded]").count() == 1

    desktop = sign_in(browser, live_server.url, DESKTOP)
    desktop.goto(f"{live_server.url}/dokumen/srikandi/?dari=2026-11-01&sampai=2026-11-30")
    surat = Document.objects.get(case=case, document_type="surat_tugas")
    waiting = desktop.locator(f"[data-waiting='{surat.pk}']")
    assert waiting.count() == 1
    screenshot(desktop, "documents-srikandi-1280")
    waiting.locator("input[name=number]").fill("B/800.1.11.1/15/DKIP/2026")
    waiting.locator("input[name=date]").fill("2026-11-24")
    waiting.locator("button[type=submit]").click()
    desktop.wait_for_selector(".alert-success")
    surat.refresh_from_db()
    assert surat.number == "B/800.1.11.1/15/DKIP/2026"
    assert desktop.locator(f"[data-waiting='{surat.pk}']").count() == 0
    desktop.set_viewport_size(PHONE)
    fits(desktop, PHONE)
    screenshot(desktop, "documents-srikandi-390")

    holder = browser.new_context(viewport=PHONE, locale="id-ID").new_page()
    holder.goto(f"{live_server.url}/verifikasi/{corrected.token}/")
    assert holder.locator("#number").inner_text() == corrected.number
    assert "Fadli" in holder.locator("#parties").inner_text()
    fits(holder, PHONE)
    screenshot(holder, "documents-verify-390")
    holder.set_viewport_size(DESKTOP)
    screenshot(holder, "documents-verify-1280")
