"""Pages work under the Content-Security-Policy in a real browser (issue 13 point 3): no
script or handler is refused on the pages that use htmx and Chart.js."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_agency
from tests.inventory.test_pages import device_url, make_net
from tests.monitoring.test_pages import add_check, fill_rollups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHART_DRAWN = (
    "() => { const c = document.querySelector('canvas');"
    " return c && window.Chart && window.Chart.getChart(c) !== undefined; }"
)


def test_the_pages_run_their_scripts_and_nothing_is_refused(live_server: Any, page: Any) -> None:
    net = make_net(make_agency("omega"))
    fill_rollups(add_check(net.switch, "ping sw-dinkes"), timezone.now())
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", net.kadis.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}{device_url(net.switch)}")
    page.wait_for_function(CHART_DRAWN)  # Chart.js and availability.js ran
    screenshot(page, "csp-device")
    page.goto(f"{live_server.url}/kasus/")
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object"  # htmx loaded under the policy
    for path in ("/monitor/", "/sop/", "/admin/"):
        page.goto(f"{live_server.url}{path}")
    assert refused == []
    # The listener does see a refusal: an inline handler added now is blocked.
    page.evaluate("document.body.setAttribute('onclick', 'window.ran = 1'); document.body.click()")
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran === undefined")
    assert refused
