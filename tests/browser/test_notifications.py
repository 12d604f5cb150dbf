"""Issue 15 in Debian's Chromium: a Kasi's bell counts up when the Kabid disposes to them;
an OPD user on a 390 px phone finds the acknowledgment in its tasks, opens the Berita
Acara from the card, disputes it once with a reason and, once it is redone, acknowledges
it. Screenshots in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import PASSWORD
from tests.notifications.conftest import Org, build_org, waiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT  # type: ignore[no-any-return]


def login(context: Any, url: str, user: User) -> Any:
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def unread(page: Any) -> int:
    badge = page.locator("#notification-bell [data-unread]")
    return int(badge.get_attribute("data-unread")) if badge.count() else 0


def test_the_kasi_s_bell_counts_up_when_the_kabid_disposes_to_them(
    live_server: Any, browser: Any
) -> None:
    org = build_org()
    case = org.report(timezone.now())
    complete_step(waiting(case), org.kadis, named=[org.kabid])
    kasi_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    kasi = login(kasi_context, live_server.url, org.kasi)
    kasi.goto(f"{live_server.url}/kasus/tugas/")
    assert unread(kasi) == 0
    # The Kabid, in a browser of their own, disposes the case to the Kasi.
    kabid_context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    kabid = login(kabid_context, live_server.url, org.kabid)
    kabid.goto(f"{live_server.url}/kasus/{case.pk}/")
    kabid.select_option("#id_recipient", str(org.kasi.pk))
    with kabid.expect_navigation():
        kabid.click("#step-form button[type=submit]")
    assert kabid.locator(".alert-success").count() == 1
    # The Kasi's page asks the bell again when the window gets the focus back (and every
    # 20 s): the count rises without a reload.
    kasi.evaluate("window.dispatchEvent(new Event('focus'))")
    kasi.wait_for_selector("#notification-bell [data-unread='1']")
    screenshot(kasi, "bell-kasi-desktop")
    kasi.click("#notification-bell")
    kasi.wait_for_url(f"{live_server.url}/notifikasi/")
    assert "langkah 4 menunggu Anda" in kasi.locator(".list-group-item").first.inner_text()
    screenshot(kasi, "notifications-kasi-desktop")
    with kasi.expect_navigation():
        kasi.locator(".list-group-item form button").first.click()
    assert kasi.url == f"{live_server.url}/kasus/{case.pk}/"
    assert unread(kasi) == 0
    # The settings page, on a desktop and on a phone.
    kasi.goto(f"{live_server.url}/notifikasi/pengaturan/")
    assert kasi.locator("input[name=step_late__email]").is_checked()
    screenshot(kasi, "notification-settings-desktop")
    kasi.set_viewport_size(PHONE)
    kasi.reload()
    assert kasi.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(kasi, "notification-settings-phone")
    kasi_context.close()
    kabid_context.close()


def at_acknowledgment(org: Org) -> tuple[Case, StepInstance]:
    case = org.report(timezone.now())
    complete_step(waiting(case), org.kadis, named=[org.kabid])
    complete_step(waiting(case), org.kabid, named=[org.kasi])
    complete_step(waiting(case), org.kasi, named=[org.tech1])
    complete_step(waiting(case), org.tech1, note="Kabel LAN diganti")
    return case, waiting(case)


def test_the_opd_disputes_the_berita_acara_once_then_acknowledges_it_on_a_phone(
    live_server: Any, browser: Any
) -> None:
    org = build_org()
    case, _ = at_acknowledgment(org)
    first_ba = Document.objects.get(case=case)
    context = browser.new_context(viewport=PHONE, locale="id-ID", accept_downloads=True)
    phone = login(context, live_server.url, org.reporter)
    # The badge of "Tugas Saya" in the menu.
    phone.click(".navbar-toggler")
    task_link = phone.locator("#nav-menu a.nav-link:has-text('Tugas Saya')")
    assert task_link.locator(".badge").inner_text() == "1"
    screenshot(phone, "opd-menu-badge-phone")
    task_link.click()
    phone.wait_for_url(f"{live_server.url}/kasus/tugas/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card = phone.locator(".inbox-row").first
    assert "OPD mengetahui Berita Acara" in card.inner_text()
    due = card.locator(".inbox-due")
    assert due.is_visible()
    box = due.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]  # seen without scrolling sideways
    screenshot(phone, "opd-tasks-phone")
    with phone.expect_download() as download:
        card.locator(".inbox-document a").click()
    assert download.value.suggested_filename.endswith(".pdf")
    # On the case page: dispute once, with a reason.
    with phone.expect_navigation():
        card.locator(f"a[href='/kasus/{case.pk}/']").click()
    assert first_ba.number in phone.locator("#acknowledge-document").inner_text()
    phone.locator("details summary:has-text('ajukan keberatan')").click()
    phone.fill("#id_reason", "Nomor seri perangkat pada Berita Acara salah")
    screenshot(phone, "opd-dispute-phone")
    with phone.expect_navigation():
        phone.click("button[name=action][value=dispute]")
    assert phone.locator(".alert-success").count() == 1
    redo = waiting(case)
    assert (redo.step_no, redo.visit) == ("5", 2)
    # The technician redoes the work; a new Berita Acara supersedes the disputed one.
    complete_step(redo, org.tech1, note="Nomor seri diperbaiki")
    second_ba = Document.objects.get(supersedes=first_ba)
    phone.goto(f"{live_server.url}/kasus/{case.pk}/")
    assert second_ba.number in phone.locator("#acknowledge-document").inner_text()
    with phone.expect_navigation():
        phone.click("button[name=action][value=acknowledge]")
    assert waiting(case).step_no == "7"
    screenshot(phone, "opd-acknowledged-phone")
    context.close()
