"""Drive the demo agencies' seed SOPs through the web pages, as the people would.

``Office`` keeps one browser context per person (as if each sat at their own computer), each
signed in through the login form once. A person finds the step in their task list ("Tugas
Saya"; an OPD user in "Laporan Saya"), opens the case from there and fills in the step's form.
Every helper waits for the navigation its click causes; none sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from jaga.org.models import User
from jaga.workflow.models import Case, StepInstance
from tests.browser.conftest import screenshot

DEMO_PASSWORD = "jaga-demo"

#: Screenshots already taken in this session: each page type once (they take time).
TAKEN: set[str] = set()

#: The Indonesian texts the pages show (the default language).
SENT = re.compile(r"Laporan Anda telah diterima sebagai kasus #(\d+)\.")
MOVED_ON = "Langkah {no} selesai; kasus berlanjut ke langkah {next}."
CLOSED = "Langkah {no} selesai; kasus ditutup."
RETURNED = "Langkah {no}: pekerjaan dikembalikan ke langkah {to}."


def step_path(case: Case) -> list[tuple[str, str]]:
    """The case's (step no, outcome) sequence, in the order the steps were visited."""
    steps = StepInstance.objects.filter(case=case).order_by("started_at", "pk")
    return [(step.step_no, step.outcome) for step in steps]


@dataclass
class Office:
    """The people of one run: a signed-in page per username (a browser context each)."""

    browser: Any
    base: str
    pages: dict[str, Any] = field(default_factory=dict)
    contexts: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    def shot(self, page: Any, name: str) -> None:
        """The screenshot ``tests/artifacts/seed-<name>.png``, once per session."""
        if name not in TAKEN:
            TAKEN.add(name)
            screenshot(page, f"seed-{name}")

    def page_of(self, username: str) -> Any:
        """``username``'s page, signed in through the login form the first time."""
        if username in self.pages:
            return self.pages[username]
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{self.base}/login/")
        assert page.locator("h1").inner_text() == "Masuk ke Jaga"
        self.shot(page, "login")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.url == f"{self.base}/", f"{username} could not log in: {page.url}"
        # The home page differs by role (issue 16): each has its page title.
        assert page.locator("h2.page-title").inner_text().strip()
        self.shot(page, "home")
        self.pages[username] = page
        return page

    def log_out(self, username: str) -> None:
        """Log out through the user menu's button; the login page follows."""
        page = self.pages.pop(username)
        page.click("a[aria-label='Menu pengguna']")
        with page.expect_navigation():
            page.click(".dropdown-menu button[type=submit]")
        assert page.url == f"{self.base}/login/"
        assert page.locator("h1").inner_text() == "Masuk ke Jaga"

    def nav(self, page: Any, label: str) -> None:
        """Follow the top navigation's entry ``label``."""
        with page.expect_navigation():
            page.click(f"#nav-menu a.nav-link:has-text('{label}')")

    # --- The OPD side ------------------------------------------------------------------

    def report(self, username: str, location: str, problem: str) -> Case:
        """``username`` (an OPD user) reports a disruption; the new case."""
        page = self.page_of(username)
        self.nav(page, "Lapor Gangguan")
        assert page.url == f"{self.base}/lapor/"
        page.fill("#id_location", location)
        page.fill("#id_problem", problem)
        self.shot(page, "report-form")
        with page.expect_navigation():
            page.click("form.card button[type=submit]")
        assert page.url == f"{self.base}/lapor/saya/"
        found = SENT.search(page.locator(".alert-success").inner_text())
        assert found, page.locator(".alert-success").inner_text()
        self.shot(page, "my-reports")
        # The message shows the case's number in its agency, not its id.
        agency_id = User.objects.get(username=username).agency_id
        assert agency_id is not None
        return Case.objects.get(agency_id=agency_id, number=int(found.group(1)))

    # --- Finding the step --------------------------------------------------------------

    def open_task(self, username: str, case: Case, step_no: str) -> Any:
        """``username`` finds step ``step_no`` of ``case`` in their task list and opens the
        case from there; the page, on the case with the step's form."""
        page = self.page_of(username)
        kegiatan = case.definition.spec.step(step_no).kegiatan
        link = f"a[href='/kasus/{case.pk}/']"
        if page.locator("#nav-menu a.nav-link:has-text('Laporan Saya')").count():
            # An OPD user: "Laporan Saya" shows what the case waits on.
            self.nav(page, "Laporan Saya")
            row = page.locator(f"#report-{case.pk}")
            text = " ".join(row.inner_text().split())
            assert f"Menunggu: {kegiatan}" in text, text
            self.shot(page, "my-reports-waiting")
            item = row.locator(link)
        else:
            self.nav(page, "Tugas Saya")
            assert page.url == f"{self.base}/kasus/tugas/"
            rows = page.locator("#inbox .inbox-row").filter(has=page.locator(link))
            assert rows.count() == 1, f"{username} does not see step {step_no} of #{case.pk}"
            badge = rows.locator("span.badge").first.inner_text()
            assert badge == step_no, f"{username}'s task list shows step {badge}"
            assert kegiatan in " ".join(rows.inner_text().split())
            self.shot(page, "inbox")
            item = rows.locator(link)
        with page.expect_navigation():
            item.click()
        assert page.url == f"{self.base}/kasus/{case.pk}/"
        title = page.locator("#current-step > .card-header .card-title").inner_text()
        assert title.startswith(f"Menunggu langkah {step_no}:"), title
        assert page.locator("#step-form").count() == 1, f"{username} gets no form on {step_no}"
        return page

    # --- The step forms ----------------------------------------------------------------

    def _submit(self, page: Any, button: str, expected: str, shot: str) -> None:
        self.shot(page, shot)
        with page.expect_navigation():
            page.click(f"#step-form {button}")
        alerts = page.locator(".alert-success")
        assert alerts.count() == 1, page.locator(".alert").all_inner_texts()
        assert alerts.inner_text() == expected

    @staticmethod
    def _check_person(page: Any, username: str) -> None:
        """Tick the option of the step form whose label names ``username``."""
        label = page.locator("#step-form label.form-check", has_text=f"({username})")
        assert label.count() == 1, f"no option for {username}"
        label.locator("input").check()

    def dispose(self, page: Any, to: str, next_no: str, step_no: str) -> None:
        """Forward to ``to`` with the usual instruction ticked."""
        option = page.locator("#id_recipient option", has_text=f"({to})")
        page.select_option("#id_recipient", option.get_attribute("value"))
        page.check("input[name=instructions][value='Tindak lanjuti']")
        self._submit(
            page,
            "button[type=submit]",
            MOVED_ON.format(no=step_no, next=next_no),
            "case-disposition",
        )

    def appoint(self, page: Any, people: list[str], next_no: str, step_no: str) -> None:
        for username in people:
            self._check_person(page, username)
        self._submit(
            page,
            "button[type=submit]",
            MOVED_ON.format(no=step_no, next=next_no),
            "case-assignment",
        )

    def decide(self, page: Any, branch: str, next_no: str, step_no: str) -> None:
        page.check(f"#step-form input[name=branch][value='{branch}']")
        self._submit(
            page, "button[type=submit]", MOVED_ON.format(no=step_no, next=next_no), "case-decision"
        )

    def complete(
        self,
        page: Any,
        step_no: str,
        next_no: str | None,
        fields: dict[str, str] | None = None,
        shot: str = "case-activity",
    ) -> None:
        """Fill the declared fields and complete (activity, form, report, acknowledgment);
        ``next_no`` None when the step closes the case."""
        for key, value in (fields or {}).items():
            page.fill(f"#id_f_{key}", value)
        expected = (
            CLOSED.format(no=step_no)
            if next_no is None
            else MOVED_ON.format(no=step_no, next=next_no)
        )
        self._submit(page, "button[type=submit]", expected, shot)

    def accept(self, page: Any, step_no: str, next_no: str | None) -> None:
        expected = (
            CLOSED.format(no=step_no)
            if next_no is None
            else MOVED_ON.format(no=step_no, next=next_no)
        )
        self._submit(page, "button[value=accept]", expected, "case-check")

    def send_back(self, page: Any, step_no: str, to: str, reason: str) -> None:
        """Open "Kembalikan untuk perbaikan…", choose the step and give the reason."""
        assert not page.is_visible("#id_reason")
        page.click("#step-form summary")
        page.select_option("#id_return_to", to)
        page.fill("#id_reason", reason)
        self._submit(
            page, "button[value=return]", RETURNED.format(no=step_no, to=to), "case-check-return"
        )


@contextmanager
def office(browser: Any, base: str) -> Iterator[Office]:
    people = Office(browser, base)
    try:
        yield people
    finally:
        people.close()
