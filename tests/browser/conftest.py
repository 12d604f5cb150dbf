"""Playwright in Debian's Chromium against Django's live server.

Without Chromium the browser tests skip with the reason, except under CI=true, where a
missing prerequisite fails. Screenshots go to tests/artifacts/ (git-ignored).

The SQLite run of ``make test`` has the tests marked ``browser``; the PostgreSQL run skips
them, saying so (``tests/conftest.py``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; the ORM calls our fixtures
# make from that thread are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: The viewports the tests look at pages in (CSS px): a 390 px phone and a desktop.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    reason = f"Chromium is not installed at {CHROMIUM} (make test installs it when run as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(autouse=True)
def _close_contexts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close every browser context a test left open (``sign_in`` opens one per person), so
    its pages stop polling (the bell, every 20 s) and their renderers exit."""
    yield
    if "browser" in request.fixturenames:
        for context in list(request.getfixturevalue("browser").contexts):
            context.close()


@pytest.fixture
def demo(transactional_db: None, settings: Any, tmp_path: Path) -> None:
    """The five demo agencies with their seed SOPs (``jaga demo``), their files in a media
    directory of the test's own; loaded per test, as the live server needs it committed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--quiet")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page PNG as tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(
    browser: Any,
    url: str,
    username: str,
    password: str,
    viewport: dict[str, int],
    *,
    locale: str = "id-ID",
    **options: Any,
) -> Any:
    """A new browser context of ``viewport`` (``{"width", "height"}`` in CSS px) and
    ``locale`` (more context ``options``, e.g. ``accept_downloads``), signed in at
    ``url``'s login page as ``username``: its page, on the home page, with a 15 s
    timeout."""
    context = browser.new_context(viewport=viewport, locale=locale, **options)
    return log_in(context, url, username, password)


def log_in(context: Any, url: str, username: str, password: str) -> Any:
    """A new page of browser ``context``, signed in at ``url``'s login page as
    ``username``, on the home page, with a 15 s timeout."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page
