"""Issue 20 in Debian's Chromium: seed 003 (Bolaang Mongondow Utara) walked to the end,
and at every kind of step its own actor opens the case at 390 px and at 1,366 px.

At 390 px nothing is wider than the screen and the open step's card comes before the
case's summary; at 1,366 px every column of the SOP table shows. The card holds what its
actor decides on: a check the report under review and its PDF, the OPD's acknowledgment
the Berita Acara, the step a check sent back the reason. Screenshots in tests/artifacts/.
"""

from __future__ import annotations

from typing import Any

import pytest

from jaga.web.management.commands.demo import DEMO_PASSWORD
from jaga.workflow.models import Case, StepInstance
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.workflow.seeds_support import (
    REPORTED,
    RETURN,
    _perform,
    local,
    prepare_inventory,
    run_until,
    start,
    user,
    waiting,
)
from tests.workflow.test_seeds import BATAM_ACCEPTED, BOLMUT_REPLACED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1366, "height": 900}

#: Elements whose box reaches past the viewport's right or left edge (visible ones only),
#: as "tag#id.class" strings; the page's own width too.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    if (box.right > width + 1 || box.left < -1) {
      found.push(`${el.tagName}#${el.id}.${el.className}`);
    }
  }
  if (document.documentElement.scrollWidth > width) found.push('html scrollWidth');
  return found.slice(0, 8);
}"""

#: The SOP table's columns clipped by its scrolling wrapper (their headings' text).
CLIPPED_COLUMNS = """() => {
  const table = document.querySelector('#sop-chart');
  const wrapper = table.parentElement.getBoundingClientRect();
  return [...table.querySelectorAll('thead th')]
    .filter(th => th.getBoundingClientRect().right > wrapper.right + 1)
    .map(th => th.textContent.trim());
}"""


class Pages:
    """One signed-in tab per (username, viewport), reused along the walk."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser, self.url = browser, url
        self.tabs: dict[tuple[str, int], Any] = {}

    def of(self, username: str, viewport: dict[str, int]) -> Any:
        key = (username, viewport["width"])
        if key not in self.tabs:
            self.tabs[key] = sign_in(self.browser, self.url, username, DEMO_PASSWORD, viewport)
        return self.tabs[key]


def top(tab: Any, selector: str) -> float:
    box = tab.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return float(box["y"])


def inspect(pages: Pages, case: Case, step: StepInstance, username: str, label: str) -> Any:
    """Open ``case`` as ``username`` at both widths and check the geometry; the phone tab."""
    url = f"{pages.url}/kasus/{case.pk}/"
    wide = pages.of(username, WIDE)
    wide.goto(url)
    screenshot(wide, f"case-actor-{label}-1366")
    assert wide.evaluate(CLIPPED_COLUMNS) == [], f"step {step.step_no}: SOP columns clipped"
    assert wide.locator("#step-form").count() == 1, f"{username} has no form at {label}"
    phone = pages.of(username, PHONE)
    phone.goto(url)
    screenshot(phone, f"case-actor-{label}-390")
    assert phone.evaluate(OVERFLOWING) == [], f"step {step.step_no}: wider than 390 px"
    assert top(phone, "#current-step") < top(phone, "#case-summary")
    assert top(phone, "#step-form") < top(phone, "#case-summary")
    return phone


@pytest.fixture
def pages(demo: None, live_server: Any, browser: Any) -> Pages:
    prepare_inventory(BOLMUT_REPLACED)
    return Pages(browser, live_server.url)


def test_each_actor_of_seed_003_finds_what_they_decide_on_at_390_and_1366_px(
    pages: Pages,
) -> None:
    path = BOLMUT_REPLACED
    case = start(path)
    seen: set[str] = set()
    returned = False
    for act in path.acts:
        if act.action == REPORTED:
            continue
        step = waiting(case, act)
        assert step is not None, f"the case ended before step {act.step}"
        first_of_kind = step.kind not in seen
        if first_of_kind or returned:
            label = f"{step.step_no}-{step.kind}" + ("-returned" if returned else "")
            phone = inspect(pages, case, step, act.actor, label)
            if step.kind == "check":
                panel = phone.locator("#review-panel")
                assert panel.is_visible()
                assert panel.locator("[data-review-download]").count() >= 1
                assert top(phone, "#review-panel") < top(phone, "#step-form")
            if step.kind == "acknowledgment":
                assert phone.locator("#acknowledge-document-download").is_visible()
            if returned:
                assert phone.locator("#return-reason").is_visible()
                reason = phone.locator("#return-reason").inner_text()
                assert "nomor seri" in reason
                # The Berita Acara the Kasi sent back, linked with the reason.
                assert phone.locator("#return-reason [data-returned-document]").count() == 1
            seen.add(step.kind)
        returned = act.action == RETURN
        _perform(step, user(act.actor), act, local(act.at, path.zone))
    assert {"disposition", "assignment", "activity", "decision", "form"} <= seen
    assert {"report", "acknowledgment", "check"} <= seen


def test_the_kasi_checks_a_rounds_berita_acara_on_a_phone(pages: Pages) -> None:
    """Seed 004 step 8 checks every site's Berita Acara after the round's visits: the card
    lists each one, and the visits table and the round's panels fit 390 px."""
    case = run_until(BATAM_ACCEPTED, "8")
    step = StepInstance.objects.get(case=case, step_no="8", status="open")
    phone = inspect(pages, case, step, "batam.kasi", "004-8-check")
    downloads = phone.locator("#review-panel [data-review-download]")
    assert downloads.count() == len(BATAM_ACCEPTED.sites)
    assert phone.locator("#visits").is_visible()
