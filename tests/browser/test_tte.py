"""The Kepala Dinas of the demo's Kabupaten Bolaang Mongondow Utara signs a Lembar
Disposisi electronically from the case page against the fake esign-client (issue 18 point
6): types the passphrase on the signing form, comes back to the case page with the badge
and the signed version's download, then opens the public verification page, which shows
the valid signature, by whom and when (point 7). Screenshots at 1280 px and 390 px of the
form and the verification page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from jaga.documents.models import Document
from jaga.org.models import Employee, User
from jaga.signatures import services
from jaga.signatures.models import ApiVersion, EsignClient, Signature, SignatureStatus, Signer
from tests.browser.conftest import screenshot
from tests.browser.seed_support import Office, office
from tests.pdf_support import save_pngs
from tests.signatures.fake_esign import PASSPHRASE, PASSWORD, USERNAME, FakeEsign, serve
from tests.signatures.pki import NIK_KADIS, make_pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def esign(demo: None, settings: Settings, tmp_path: Path) -> Iterator[FakeEsign]:
    """The fake esign-client as Bolaang Mongondow Utara's (API v2), its Kepala Dinas a
    signer with a NIK, the test root trusted."""
    kadis = User.objects.get(username="bolmut.kadis")
    agency = kadis.agency
    assert agency is not None
    pki = make_pki(Employee.objects.get(user=kadis).name)
    settings.JAGA_TTE_TRUST_ROOTS = str(pki.write_roots(tmp_path))
    Signer.objects.create(agency=agency, user=kadis, nik=NIK_KADIS)
    with serve(pki) as fake:
        EsignClient.objects.create(
            agency=agency,
            base_url=fake.url,
            api_version=ApiVersion.V2,
            username=USERNAME,
            password=PASSWORD,
        )
        yield fake


@pytest.fixture
def people(esign: FakeEsign, live_server: Any, browser: Any) -> Iterator[Office]:
    with office(browser, live_server.url) as run:
        yield run


def shots(page: Any, name: str) -> None:
    """``tte-<name>-1280.png`` and ``tte-<name>-390.png`` (a phone), back to 1280 after."""
    screenshot(page, f"tte-{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"tte-{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_kepala_dinas_signs_a_lembar_disposisi_and_the_verification_page_shows_it(
    people: Office, esign: FakeEsign
) -> None:
    case = people.report(
        "bolmut.dinkes", "Gedung Dinkes lantai 1, ruang pelayanan", "Koneksi internet putus"
    )
    page = people.open_task("bolmut.kadis", case, "2")
    people.dispose(page, "bolmut.kabid", "3", "2")
    document = Document.objects.get(case=case, document_type="lembar_disposisi")
    assert document.issued_by == User.objects.get(username="bolmut.kadis")

    # The case page's documents panel offers the Kepala Dinas the signing.
    sign_button = page.locator(f"[data-tte-sign='{document.pk}']")
    assert sign_button.count() == 1
    with page.expect_navigation():
        sign_button.click()
    assert page.locator("#tte-number").inner_text() == document.number
    assert page.locator("#tte-passphrase").get_attribute("autocomplete") == "off"
    shots(page, "sign-form")
    # A mistyped passphrase: the service refuses it (BSrE 2031), the page says so and
    # offers the form again, empty.
    page.fill("#tte-passphrase", "salah-ketik")
    with page.expect_navigation():
        page.click("#tte-submit")
    assert "2031" in page.locator("#tte-last-error").inner_text()
    assert page.locator("#tte-passphrase").input_value() == ""
    shots(page, "sign-wrong-passphrase")
    page.fill("#tte-passphrase", PASSPHRASE)
    with page.expect_navigation():
        page.click("#tte-submit")
    assert page.url.endswith(f"/kasus/{case.pk}/")
    signature = Signature.objects.get(document=document, status=SignatureStatus.SIGNED)
    assert page.locator(f"[data-tte-signed='{document.pk}']").count() == 1
    assert page.locator(f"[data-tte-download='{document.pk}']").count() == 1
    assert esign.seen[-1] == "POST /api/v2/sign/pdf"
    screenshot(page, "tte-case-signed-1280")
    # The signed PDF, with the service's visible signature where the document prints the tag.
    assert save_pngs(services.signed_bytes(signature), "signatures", "lembar-disposisi-ttd")

    # The public verification page (the QR code's) shows the valid signature.
    with page.expect_navigation():
        page.click(f"[data-document='{document.pk}'] a[href='/verifikasi/{document.token}/']")
    assert page.locator("#tte-valid").count() == 1
    signer = page.locator("#tte-signer").inner_text()
    assert Employee.objects.get(user__username="bolmut.kadis").name in signer
    assert "Kepala Dinas" in signer
    assert page.locator("#tte-chain").inner_text().strip()
    assert page.locator("#tte-sha256").inner_text() == signature.signed_sha256
    shots(page, "verify")
