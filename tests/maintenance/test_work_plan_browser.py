"""The Kasi edits a round's Rencana Kerja on a 390 px phone and at 1280 px in Debian's
Chromium; screenshots go to tests/artifacts/ for people to look at."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command

from jaga.maintenance.models import WorkPlanVisit
from jaga.org.models import User
from tests.browser.conftest import browser, screenshot
from tests.maintenance.conftest import PASSWORD
from tests.maintenance.test_documents import start_batam_round

__all__ = ["browser"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


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
