"""The frame in a real browser: log in with a NIP, see the agency, switch language."""

from __future__ import annotations

from typing import Any

import pytest

from jaga.tenancy.models import Agency
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agency() -> Agency:
    return make_agency("omega")


def test_it_logs_in_with_a_nip_and_shows_the_agency_in_indonesian(
    agency: Agency, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Masuk ke Jaga"
    screenshot(page, "login")
    page.fill("#id_username", "19671226 198603 1 002")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert agency.name in page.content()
    screenshot(page, "home")


def test_it_switches_to_english_and_stays_there(
    agency: Agency, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/login/")
    with page.expect_navigation():  # the switch submits its form on change
        page.select_option("select[name=language]", "en")
    assert page.locator("h1").inner_text() == "Log in to Jaga"
    page.goto(f"{live_server.url}/")
    assert "Network maintenance, by the SOP" in page.content()


def test_it_fits_a_phone_screen(agency: Agency, live_server: Any, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    phone = context.new_page()
    phone.goto(f"{live_server.url}/login/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    screenshot(phone, "login-phone")
    context.close()
    assert width <= 390
