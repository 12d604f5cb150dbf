"""The Diskominfo pages in a real browser on a phone-sized screen: nothing wider than the
screen, the step forms (plain HTML: the return reason unfolds without script), and the htmx
filter that updates the list in place. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from jaga.org.models import User
from jaga.workflow.models import StepInstance
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _require_chromium, screenshot
from tests.conftest import PASSWORD
from tests.workflow.conftest import World
from tests.workflow.test_views import report, to_check, waiting

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def on_a_phone(base_url: str, user: User, steps: Callable[[Any], None]) -> None:
    """Run ``steps`` with a phone-sized page signed in as ``user``.

    Playwright's sync API runs an event loop in its thread, so it cannot start while another
    instance runs in the same thread (the session browser of tests/browser does): the browser
    here lives in a thread of its own. ``steps`` only drives the page; the tests look at the
    database after it returns."""
    _require_chromium()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(viewport=PHONE, locale="id-ID")
                    page = context.new_page()
                    page.set_default_timeout(10_000)
                    log_in(page, base_url, user)
                    steps(page)
                finally:
                    browser.close()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, name="phone-browser")
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the browser did not finish in two minutes"
    if failures:
        raise failures[0]


def log_in(page: Any, base: str, user: User) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def page_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_it_fits_the_case_pages_on_a_phone_and_forwards_a_disposition(
    world: World, live_server: Any
) -> None:
    case = report(world)
    widths: dict[str, int] = {}
    successes: list[int] = []

    def steps(page: Any) -> None:
        page.goto(f"{live_server.url}/kasus/{case.pk}/")
        screenshot(page, "case-disposition-phone")
        widths["case"] = page_width(page)
        page.select_option("#id_recipient", str(world.kabid.pk))
        page.check("input[name=instructions][value='Tindak lanjuti']")
        with page.expect_navigation():
            page.click("#step-form button[type=submit]")
        successes.append(page.locator(".alert-success").count())
        for name, url in (("inbox", "/kasus/tugas/"), ("cases", "/kasus/")):
            page.goto(f"{live_server.url}{url}")
            widths[name] = page_width(page)
        screenshot(page, "cases-phone")

    on_a_phone(live_server.url, world.kadis, steps)
    assert set(widths) == {"case", "inbox", "cases"}
    assert max(widths.values()) <= PHONE["width"], widths  # no page wider than the phone
    assert successes == [1]
    step = waiting(case)
    assert step.step_no == "3"
    forwarded = StepInstance.objects.get(case=case, step_no="2")
    assert forwarded.data == {"instructions": ["Tindak lanjuti"]}


def test_it_returns_a_check_with_its_reason_from_the_folded_part(
    world: World, live_server: Any
) -> None:
    case = report(world)
    to_check(world, case)
    seen: dict[str, object] = {}

    def steps(page: Any) -> None:
        page.goto(f"{live_server.url}/kasus/{case.pk}/")
        seen["reason visible at first"] = page.is_visible("#id_reason")
        page.click("#step-form summary")
        page.fill("#id_reason", "Foto sebelum dan sesudah belum ada")
        screenshot(page, "case-check-phone")
        with page.expect_navigation():
            page.click("#step-form button[value=return]")
        seen["success"] = page.locator(".alert-success").count()

    on_a_phone(live_server.url, world.kasi, steps)
    assert seen == {"reason visible at first": False, "success": 1}
    step = waiting(case)
    assert (step.step_no, step.visit) == ("7", 2)


def test_it_filters_the_case_list_in_place_with_htmx(world: World, live_server: Any) -> None:
    first = report(world, "Switch lantai 2 mati")
    report(world, "Wifi aula lambat")
    seen: dict[str, object] = {}

    def steps(page: Any) -> None:
        page.goto(f"{live_server.url}/kasus/")
        seen["before"] = page.locator("tr.case-row").count()
        page.evaluate("window.fullLoad = true")  # gone if the page were loaded again
        page.fill("#id_q", "switch")
        with page.expect_response(lambda response: "q=switch" in response.url):
            page.press("#id_q", "Enter")
        page.wait_for_function("document.querySelectorAll('tr.case-row').length === 1")
        seen["after"] = page.locator("tr.case-row").get_attribute("data-case")
        seen["same page"] = page.evaluate("window.fullLoad === true")
        seen["address"] = page.url

    on_a_phone(live_server.url, world.kadis, steps)
    assert seen["before"] == 2
    assert seen["after"] == str(first.pk)
    assert seen["same page"] is True  # htmx swapped the results in place
    assert "q=switch" in str(seen["address"])  # and pushed the filtered list's address
