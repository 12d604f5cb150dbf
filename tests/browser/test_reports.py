"""Issue 16 in Debian's Chromium: the Kepala Dinas logs in and finds, on his home page,
the late step of the fixture and whom it waits for, opens the month's Mutu Baku compliance
and the late steps behind it, and downloads last month's rekapitulasi from his home page;
on a desktop and on a 390 px phone. Screenshots in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jaga.workflow.models import Case
from tests.browser.conftest import PHONE, screenshot
from tests.browser.conftest import sign_in as signed_in
from tests.conftest import PASSWORD
from tests.pdf_support import pdf_text
from tests.reports.conftest import Rekap, build_rekap
from tests.reports.test_home import late_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def sign_in(browser: Any, url: str, username: str, viewport: dict[str, int]) -> Any:
    return signed_in(browser, url, username, PASSWORD, viewport, accept_downloads=True)


def see_the_late_step(page: Any, case: Case) -> None:
    late = page.locator("#late-steps .list-group-item", has_text=f"#{case.number}")
    assert late.count() == 1
    assert "Disposisi" in late.inner_text()
    assert "Kepala Dinas (Kadis rekap)" in late.inner_text()
    assert page.locator("[data-figure=late]").inner_text() == "1"


def test_the_kadis_sees_the_late_step_and_whom_it_waits_for(live_server: Any, browser: Any) -> None:
    rekap: Rekap = build_rekap()
    case = late_case(rekap)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in(browser, live_server.url, "rekap.kadis", viewport)
        see_the_late_step(page, case)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"reports-home-{name}")
        page.goto(f"{live_server.url}/laporan/mutu-baku/?period={rekap_month(rekap)}")
        assert page.locator("[data-figure=share]").inner_text() == "78,6%"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"reports-compliance-{name}")
        page.locator("a.text-danger", has_text="5").first.click()
        page.wait_for_url("**/langkah/**")
        assert page.locator("tbody tr").count() == 5
        screenshot(page, f"reports-late-steps-{name}")
        # Last month's rekapitulasi, from the home page: issued and downloaded.
        page.goto(f"{live_server.url}/")
        page.click("#rekapitulasi-link")
        page.wait_for_selector("#report-figures")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"reports-periodic-{name}")
        with page.expect_download() as download:
            page.click("#issue-pdf")
        pdf = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename.startswith("rekapitulasi-")
        text = pdf_text(pdf)
        assert "REKAPITULASI" in text
        assert "Kepatuhan Mutu Baku : 78,6%" in text
        page.context.close()


def rekap_month(rekap: Rekap) -> str:
    from zoneinfo import ZoneInfo

    local = rekap.month_start.astimezone(ZoneInfo("Asia/Jakarta"))
    return f"{local.year:04d}-{local.month:02d}"
