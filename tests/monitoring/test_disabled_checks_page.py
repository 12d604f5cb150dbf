"""The monitor's overview does not call a disabled check both "Up" (Aktif) and "Disabled"
(issue 13 point 12): a disabled check shows only that it is disabled."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from jaga.tenancy.models import Agency
from tests.inventory.test_pages import Net, client_for, make_net
from tests.monitoring.test_pages import OVERVIEW, add_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def status_cell(html: str, check_id: int) -> str:
    row = html.split(f'data-check="{check_id}"')[1].split("</tr>")[0]
    cells: list[str] = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return cells[1]


@pytest.mark.parametrize(
    ("language", "up", "disabled"), [("en", "Up", "Disabled"), ("id", "Aktif", "Dinonaktifkan")]
)
def test_it_shows_a_disabled_check_as_disabled_only(
    net: Net, language: str, up: str, disabled: str
) -> None:
    watched = add_check(net.switch, "ping sw-dinkes")
    idle = add_check(net.core, "ping core-router")
    idle.enabled = False
    idle.save(update_fields=["enabled"])
    client = client_for(net.kadis)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(OVERVIEW).content.decode()

    idle_cell = status_cell(html, idle.pk)
    assert disabled in idle_cell
    assert f">{up}<" not in idle_cell
    assert 'data-status="up"' not in idle_cell
    assert "since" not in idle_cell
    watched_cell = status_cell(html, watched.pk)
    assert f">{up}<" in watched_cell
    assert disabled not in watched_cell
