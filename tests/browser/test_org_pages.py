"""The organisation import and the setup checklist in Chromium (issue 17 point 5): a new
agency's administrator opens Setup from the menu, sees everything missing, downloads the
empty workbook, uploads a bad workbook (every bad row listed, nothing imported), then a
good one, and the people items of the checklist are done. At 1280 px and on a 390 px
phone; screenshots in tests/artifacts/ (and ``JAGA_SHOTS``, when set)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from jaga.org.models import Employee, User
from jaga.org.orgsheets import EMPLOYEES, POSITIONS
from jaga.tenancy.models import Agency
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.org.test_org_import import organisation, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shot(page: Any, name: str) -> None:
    path = screenshot(page, f"org-{name}")
    target = os.environ.get("JAGA_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        Path(target, path.name).write_bytes(path.read_bytes())


@pytest.mark.parametrize("width", [1280, 390])
def test_an_administrator_sets_up_a_new_agency(
    transactional_db: None, live_server: Any, browser: Any, tmp_path: Path, width: int
) -> None:
    agency = Agency.objects.create(
        slug="baru",
        name="Dinas Komunikasi dan Informatika Kota Baru",
        government_name="Pemerintah Kota Baru",
        region_kind="kota",
        region_name="Kota Baru",
        kemendagri_code="32.99",
    )
    User.objects.create_user("baru.admin", password=PASSWORD, agency=agency, is_staff=True)
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="en-US", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "baru.admin")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{live_server.url}/organisasi/persiapan/")
    assert page.locator("#setup-checklist").get_attribute("data-missing") == "9"
    assert page.locator(".setup-item[data-done=no]").count() == 9
    shot(page, f"setup-bare-{width}")

    page.goto(f"{live_server.url}/organisasi/impor/")
    with page.expect_download() as download:
        page.click("#template-link")
    assert download.value.suggested_filename == "organisasi.xlsx"

    rows = organisation(employees=300, opds=20)
    rows[EMPLOYEES][4]["nip"] = "12345"
    rows[EMPLOYEES][12]["username"] = "pegawai.000"
    rows[POSITIONS][3]["unit"] = "Bidang Hantu"
    bad = tmp_path / "organisasi-salah.xlsx"
    bad.write_bytes(workbook(rows))
    page.set_input_files("#id_file", str(bad))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    assert page.locator("#import-result").get_attribute("data-outcome") == "refused"
    assert page.locator(".import-error").count() == 3
    assert Employee.objects.filter(agency=agency).count() == 0
    shot(page, f"import-refused-{width}")

    good = tmp_path / "organisasi.xlsx"
    good.write_bytes(workbook(organisation(employees=300, opds=20)))
    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    assert page.locator("#import-result").get_attribute("data-outcome") == "imported"
    assert page.locator("tr[data-sheet=Pegawai] [data-count=created]").inner_text() == "300"
    assert Employee.objects.filter(agency=agency).count() == 300
    shot(page, f"import-done-{width}")

    with page.expect_navigation():
        page.click("#import-result a[href='/organisasi/persiapan/']")
    done = {
        item.get_attribute("data-item"): item.get_attribute("data-done")
        for item in page.locator(".setup-item").all()
    }
    assert (done["units"], done["positions"], done["opds"]) == ("yes", "yes", "yes")
    shot(page, f"setup-people-{width}")
    context.close()
