"""A technician fills an inspection on a 390 px phone in Debian's Chromium."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from jaga.inventory.models import Device
from jaga.maintenance.models import Inspection
from jaga.tenancy.models import Agency
from tests.browser.conftest import screenshot
from tests.maintenance.conftest import PASSWORD, make_world

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
