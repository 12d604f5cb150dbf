"""Devices in the same form as their site, in Chromium on a 390 px phone (issue 20 point 4:
"in seed 000 step 3 a technician replacing a device must first link the site, save, and
reopen the form before the site's devices can be chosen").

A Kota Bogor round (seed 000) reaches step 3b, "Dilakukan penggantian / perbaikan
perangkat", at its first site through the engine; the technician, on a phone, finds the
broken switch stands at another office that is not in the round, chooses that site in the
step's form, then the switch, then a spare, and completes the step: nothing is saved
between the choices, each choice fetches only the device fragment, and nothing is wider
than the screen. Without JavaScript the same form is redrawn by a button.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jaga.inventory.models import Device, DeviceStatus, Replacement, Site
from jaga.maintenance.models import MaintenancePlan
from jaga.maintenance.scheduling import start_due_round
from jaga.org.models import User
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.services import complete_step, decide
from tests.browser.conftest import ARTIFACTS, PHONE, log_in, screenshot
from tests.browser.seed_support import DEMO_PASSWORD, MOVED_ON

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_only(case: Case, step_no: str) -> StepInstance:
    """The open step ``step_no`` of ``case``'s first visit (or of its trunk)."""
    step = (
        StepInstance.objects.filter(case=case, step_no=step_no, status=StepStatus.OPEN)
        .select_related("branch__site")
        .order_by("branch__position", "pk")
        .first()
    )
    assert step is not None, f"step {step_no} is not open"
    return step


def round_at_3b() -> tuple[Case, StepInstance, User]:
    """A Bogor round started by the scheduler and taken through the engine to step 3b at
    its first site: the Kadis and the Kabid dispose, the Kasi appoints one technician, who
    checks the site and finds damage. Returns the case, the open step 3b and the
    technician."""
    plan = MaintenancePlan.objects.get(agency__slug="bogor")
    assert plan.next_due_at is not None
    started = start_due_round(plan.pk, plan.next_due_at)
    assert started is not None
    case = started.case
    people = {name: User.objects.get(username=f"bogor.{name}") for name in ("kabid", "kasi")}
    technician = started.plan.team.order_by("pk").first()
    assert technician is not None
    ticked = ["Tindak lanjuti"]
    kadis = User.objects.get(username="bogor.kadis")
    complete_step(open_only(case, "1"), kadis, named=[people["kabid"]], instructions=ticked)
    complete_step(
        open_only(case, "1a"), people["kabid"], named=[people["kasi"]], instructions=ticked
    )
    complete_step(open_only(case, "2"), people["kasi"], named=[technician])
    visit = open_only(case, "3")
    site = visit.branch.site.name if visit.branch and visit.branch.site else ""
    complete_step(visit, technician, data={"lokasi": site, "hasil_pengecekan": "Switch mati"})
    question = open_only(case, "3a")
    decide(question, technician, "ada_kerusakan")
    repair = StepInstance.objects.get(
        case=case, step_no="3b", branch_id=question.branch_id, status=StepStatus.OPEN
    )
    return case, repair, technician


def office_outside_the_round(case: Case) -> tuple[Site, Device]:
    """A Bogor office not in the round, with the switch that broke there (in service)."""
    visited = case.sites.exclude(opd=None).first()
    assert visited is not None
    assert visited.opd is not None
    site = Site.objects.create(
        agency=case.agency, code="uji-aula", name="Aula Balai Kota", opd=visited.opd
    )
    switch = Device.objects.create(
        agency=case.agency, name="Switch aula", kind="switch", site=site, serial_number="AULA-1"
    )
    return site, switch


@pytest.fixture
def phone(demo: None, live_server: Any, browser: Any) -> Iterator[Any]:
    """A 390 px phone's browser context (touch, mobile), not signed in yet."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


def sign_in(context: Any, base: str, username: str) -> Any:
    return log_in(context, base, username, DEMO_PASSWORD)


def shot_form(page: Any, name: str) -> None:
    """The step form alone as tests/artifacts/<name>.png (the page is long on a phone)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#step-form").screenshot(path=str(ARTIFACTS / f"{name}.png"))


def widest(page: Any) -> int:
    """The page's scroll width in CSS pixels (wider than the viewport: it scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_it_offers_a_sites_devices_in_the_same_form_on_a_phone(
    phone: Any, live_server: Any
) -> None:
    case, repair, technician = round_at_3b()
    site, switch = office_outside_the_round(case)
    page = sign_in(phone, live_server.url, technician.username)
    with page.expect_navigation():
        page.goto(f"{live_server.url}/kasus/{case.pk}/?step={repair.pk}#current-step")
    visit_site = repair.branch.site if repair.branch else None
    assert visit_site is not None
    # The visit's form starts at the visit's site: its devices, not the whole round's.
    assert page.locator("#id_site").input_value() == str(visit_site.pk)
    before = set(page.locator("#id_removed option").evaluate_all("o => o.map(x => x.value)"))
    assert str(switch.pk) not in before
    page.select_option("#id_f_tindakan", "Penggantian")
    page.fill("#id_f_uraian", "Switch aula mati, diganti dari gudang.")

    # The site: only the device fragment comes back, the page stays as it is.
    with page.expect_response(lambda r: "/perangkat/" in r.url) as answer:
        page.select_option("#id_site", str(site.pk))
    fragment = answer.value
    assert fragment.request.method == "GET"
    assert fragment.request.headers.get("hx-request") == "true"
    body = fragment.text()
    assert body.lstrip().startswith('<div id="replacement-devices">')
    assert "<html" not in body
    assert len(body.encode()) < 4000
    page.locator(f"#id_removed option[value='{switch.pk}']").wait_for(state="attached")
    offered = page.locator("#id_removed option").evaluate_all("o => o.map(x => x.value)")
    assert set(offered) - {""} == {str(switch.pk)}
    assert page.locator("#id_f_uraian").input_value() == "Switch aula mati, diganti dari gudang."
    assert widest(page) <= PHONE["width"]

    # The broken device: the spares of its kind.
    with page.expect_response(lambda r: "/perangkat/" in r.url):
        page.select_option("#id_removed", str(switch.pk))
    screenshot(page, "site-devices-phone-chosen")
    shot_form(page, "site-devices-phone-chosen-form")
    spares = page.locator("#id_installed option", has_text="Switch cadangan")
    assert spares.count() >= 1
    assert page.locator("#id_installed option", has_text="Access point").count() == 0
    spare = spares.first.get_attribute("value")
    page.select_option("#id_installed", spare)
    assert widest(page) <= PHONE["width"]
    assert not case.sites.filter(pk=site.pk).exists()  # nothing saved so far

    with page.expect_navigation():
        page.click("#step-form button.btn-primary[type=submit]")
    if page.locator("#id_confirm_model").count():  # a spare of another model: confirm
        page.check("#id_confirm_model")
        with page.expect_navigation():
            page.click("#step-form button.btn-primary[type=submit]")
    message = page.locator(".alert-success").inner_text()
    assert message == MOVED_ON.format(no="3b", next="4"), message
    screenshot(page, "site-devices-phone-done")
    replacement = Replacement.objects.get(case=case)
    assert (replacement.removed_id, replacement.site_id) == (switch.pk, site.pk)
    switch.refresh_from_db()
    assert switch.status == DeviceStatus.IN_REPAIR
    assert case.sites.filter(pk=site.pk).exists()


def test_it_redraws_the_form_for_the_site_without_javascript(
    browser: Any, demo: None, live_server: Any
) -> None:
    case, repair, technician = round_at_3b()
    site, switch = office_outside_the_round(case)
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    try:
        page = sign_in(context, live_server.url, technician.username)
        page.goto(f"{live_server.url}/kasus/{case.pk}/?step={repair.pk}")
        page.fill("#id_f_uraian", "Switch aula mati.")
        page.select_option("#id_site", str(site.pk))
        with page.expect_navigation():
            page.click("#show-site-devices")
        offered = page.locator("#id_removed option").evaluate_all("o => o.map(x => x.value)")
        assert set(offered) - {""} == {str(switch.pk)}
        assert page.locator("#id_f_uraian").input_value() == "Switch aula mati."
        assert page.locator("#id_site").input_value() == str(site.pk)
        screenshot(page, "site-devices-no-javascript")
        shot_form(page, "site-devices-no-javascript-form")
        assert not case.sites.filter(pk=site.pk).exists()
    finally:
        context.close()


def test_it_offers_the_chosen_sites_devices_among_the_affected_ones_on_a_phone(
    phone: Any, live_server: Any
) -> None:
    case, _repair, technician = round_at_3b()
    site, switch = office_outside_the_round(case)
    page = sign_in(phone, live_server.url, technician.username)
    page.goto(f"{live_server.url}/kasus/{case.pk}/terdampak/")
    assert page.locator(f"#id_devices option[value='{switch.pk}']").count() == 0
    linked = [str(pk) for pk in case.sites.values_list("pk", flat=True)]
    with page.expect_response(lambda r: "/terdampak/perangkat/" in r.url) as answer:
        page.select_option("#id_sites", [*linked, str(site.pk)])
    assert answer.value.text().lstrip().startswith('<div id="affected-devices">')
    page.locator(f"#id_devices option[value='{switch.pk}']").wait_for(state="attached")
    page.select_option("#id_devices", str(switch.pk))
    assert widest(page) <= PHONE["width"]
    screenshot(page, "site-devices-affected-phone")
    with page.expect_navigation():
        page.click("#affected-form button.btn-primary[type=submit]")
    assert list(case.devices.values_list("pk", flat=True)) == [switch.pk]
    assert case.sites.filter(pk=site.pk).exists()
