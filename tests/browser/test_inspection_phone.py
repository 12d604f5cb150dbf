"""A technician fills an inspection on a 390 px phone in Debian's Chromium; the Kasi edits a
round's Rencana Kerja on a phone and at 1280 px (screenshots in tests/artifacts/)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from PIL import Image

from jaga.inventory.models import Device
from jaga.maintenance.models import Inspection, WorkPlanVisit
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.browser.conftest import screenshot
from tests.maintenance.conftest import PASSWORD, make_world
from tests.maintenance.test_documents import start_batam_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploaded photos in a temporary directory (as tests/maintenance/conftest.py does)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def test_a_technician_fills_an_inspection_on_a_phone(
    agency_a: Agency, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    make_world(agency_a)
    router = Device.objects.get(agency=agency_a, name="RTR-DINKES")
    photo = tmp_path / "rak.jpg"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    _login(phone, live_server.url, "alpha.teknisi")
    phone.goto(f"{live_server.url}/inventaris/perangkat/{router.pk}/")
    phone.click("#inspect-device")
    phone.wait_for_selector("#inspection-form")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "inspection-form-phone")
    phone.click("text=Baik >> nth=0")
    fields = phone.locator("input[inputmode=decimal]")
    fields.nth(0).fill("52,5")  # above 45 °C: the item fails
    fields.nth(1).fill("48")
    phone.set_input_files("input[type=file]", str(photo))
    phone.fill("textarea >> nth=0", "Kipas berisik")
    box = phone.locator("#save-inspection").bounding_box()
    assert box is not None
    assert box["height"] >= 44
    phone.click("#save-inspection")
    phone.wait_for_selector("#answers")
    screenshot(phone, "inspection-detail-phone")
    inspection = Inspection.objects.get()
    assert inspection.failed
    assert list(inspection.answers.filter(failed=True).values_list("label", flat=True)) == [
        "Suhu perangkat"
    ]
    phone.goto(f"{live_server.url}/inventaris/perangkat/{router.pk}/")
    assert phone.locator("#last-inspection").get_attribute("data-result") == "fail"
    screenshot(phone, "device-phone")
    context.close()


def test_screenshots_of_the_pages_at_1280_px(
    agency_a: Agency, live_server: Any, browser: Any
) -> None:
    make_world(agency_a)
    router = Device.objects.get(agency=agency_a, name="RTR-DINKES")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    _login(page, live_server.url, "alpha.kasi")
    page.goto(f"{live_server.url}/pemeliharaan/perangkat/{router.pk}/periksa/")
    screenshot(page, "inspection-form-desktop")
    page.goto(f"{live_server.url}/inventaris/perangkat/{router.pk}/")
    screenshot(page, "device-desktop")
    page.goto(f"{live_server.url}/pemeliharaan/daftar-periksa/")
    page.click("#templates a")
    page.wait_for_selector("#template-form")
    screenshot(page, "template-editor-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "template-editor-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_the_kasi_edits_the_work_plan_on_a_phone_and_a_desktop(
    live_server: Any, browser: Any
) -> None:
    call_command("demo", "--quiet")
    kasi = User.objects.get(username="batam.kasi")
    kasi.set_password(PASSWORD)
    kasi.save()
    started = start_batam_round()
    address = f"{live_server.url}/pemeliharaan/putaran/{started.pk}/rencana-kerja/"
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    phone = phone_context.new_page()
    phone.set_default_timeout(15_000)
    _login(phone, live_server.url, "batam.kasi")
    phone.goto(address)
    phone.wait_for_selector("#work-plan-form")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "work-plan-phone")
    row = WorkPlanVisit.objects.filter(round=started).order_by("position").first()
    assert row is not None
    day = (started.started_at + dt.timedelta(days=10)).date().isoformat()
    phone.fill(f"#row-{row.pk}-planned_on", day)
    phone.fill(f"#row-{row.pk}-activities", "")
    box = phone.locator("#save-work-plan").bounding_box()
    assert box is not None
    assert box["height"] >= 44
    phone.click("#save-work-plan")
    phone.wait_for_selector(".invalid-feedback")
    screenshot(phone, "work-plan-phone-errors")
    phone.fill(f"#row-{row.pk}-activities", "Uji kecepatan dan rapikan rak.")
    phone.click("#save-work-plan")
    phone.wait_for_selector("#round-panel")
    screenshot(phone, "round-card-phone")
    row.refresh_from_db()
    assert row.planned_on.isoformat() == day
    assert row.activities == "Uji kecepatan dan rapikan rak."
    phone_context.close()

    desktop_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    desktop = desktop_context.new_page()
    desktop.set_default_timeout(15_000)
    _login(desktop, live_server.url, "batam.kasi")
    desktop.goto(address)
    desktop.wait_for_selector("#work-plan-form")
    screenshot(desktop, "work-plan-desktop")
    desktop.goto(f"{live_server.url}/kasus/{started.case_id}/")
    desktop.wait_for_selector("#round-panel")
    screenshot(desktop, "round-card-desktop")
    desktop_context.close()
