"""The availability card of the device and OPD pages and the monitor's overview
(/monitor/): what they show (read from ids and data attributes, never from UI text), to
whom, and query counts that do not grow with the checks."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jaga.inventory.models import Device
from jaga.monitoring.models import (
    Check,
    CheckState,
    MaintenanceWindow,
    Outage,
    ResultHour,
    ResultMinute,
)
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.test_pages import (
    Net,
    add_device,
    add_link,
    client_for,
    count_queries,
    device_url,
    make_case,
    make_net,
)

pytestmark = pytest.mark.django_db

JAKARTA = ZoneInfo("Asia/Jakarta")
OVERVIEW = "/monitor/"


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def opd_url(net: Net) -> str:
    return reverse("inventory:opd", args=[net.dinkes.opd_id])


def add_check(device: Device, name: str, status: str | None = "up", **state: Any) -> Check:
    check = Check.objects.create(agency=device.agency, name=name, kind="icmp", device=device)
    if status is not None:
        CheckState.objects.create(
            monitor_check=check,
            status=status,
            last_at=timezone.now(),
            last_ok=status == "up",
            last_rtt_ms=1.5,
            **state,
        )
    return check


def percent(html: str, key: str) -> str:
    found = re.search(rf'id="availability-{key}" data-percent="([^"]*)"', html)
    assert found is not None, key
    return found.group(1)


def chart(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="availability-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def check_rows(html: str, table: str) -> list[tuple[int, str]]:
    """(check id, status) of each row of the table ``table``, in order; [] without it."""
    if f'id="{table}"' not in html:
        return []
    section = html.split(f'id="{table}"')[1].split("</table>")[0]
    return [
        (int(pk), status)
        for pk, status in re.findall(r'data-check="(\d+)" data-status="(\w+)"', section)
    ]


def fill_rollups(check: Check, now: dt.datetime) -> None:
    """24 hours: 99 up, 1 down (minutes); 7 days: 90/10 (an hour 3 days ago); 30 days: with
    an hour 10 days ago of 10/90, 50%."""
    ResultMinute.objects.create(
        monitor_check=check,
        start=(now - dt.timedelta(hours=1)).replace(second=0, microsecond=0),
        n_up=99,
        n_down=1,
        n_maintenance=40,
    )
    for days, up, down in [(3, 90, 10), (10, 10, 90)]:
        ResultHour.objects.create(
            monitor_check=check,
            start=(now - dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0),
            n_up=up,
            n_down=down,
            n_unreachable=500,
        )


# --- The device page --------------------------------------------------------------------


def test_it_shows_a_devices_availability_over_24_hours_7_and_30_days(net: Net) -> None:
    check = add_check(net.switch, "ping sw-dinkes")
    now = timezone.now()
    fill_rollups(check, now)
    html = client_for(net.kadis).get(device_url(net.switch)).content.decode()
    assert 'id="availability"' in html
    assert [percent(html, key) for key in ("24h", "7d", "30d")] == ["99.00", "90.00", "50.00"]
    data = chart(html)
    assert len(data["values"]) == len(data["dates"]) == len(data["labels"]) == 30
    today = now.astimezone(JAKARTA).date()
    assert data["dates"][-1] == today.isoformat()
    by_date = dict(zip(data["dates"], data["values"], strict=True))
    three_days = (now - dt.timedelta(days=3)).astimezone(JAKARTA).date().isoformat()
    ten_days = (now - dt.timedelta(days=10)).astimezone(JAKARTA).date().isoformat()
    assert by_date[three_days] == 90.0
    assert by_date[ten_days] == 10.0
    assert sum(value is not None for value in data["values"]) == 2
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert "monitoring/availability.js" in html


def test_it_shows_no_figure_without_data(net: Net) -> None:
    html = client_for(net.kadis).get(device_url(net.switch)).content.decode()
    assert [percent(html, key) for key in ("24h", "7d", "30d")] == ["", "", ""]
    assert 'id="availability-no-checks"' in html
    assert chart(html)["values"] == [None] * 30
    opd_html = client_for(net.kadis).get(opd_url(net)).content.decode()
    assert 'id="availability-no-problems"' in opd_html


def test_it_counts_the_devices_link_checks_in(net: Net) -> None:
    own = add_check(net.switch, "ping sw-dinkes")
    link = add_link(net, net.switch, provider="Telkom")
    isp = Check.objects.create(agency=net.agency, name="isp", kind="icmp", link=link)
    at = (timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    ResultMinute.objects.create(monitor_check=own, start=at, n_up=10)
    ResultMinute.objects.create(monitor_check=isp, start=at, n_up=5, n_down=5)
    html = client_for(net.kadis).get(device_url(net.switch)).content.decode()
    assert percent(html, "24h") == "75.00"
    assert {pk for pk, _status in check_rows(html, "availability-checks")} == {own.pk, isp.pk}


def test_it_lists_the_checks_problems_first_with_maintenance_and_outages(net: Net) -> None:
    up = add_check(net.switch, "a up")
    never = add_check(net.switch, "b never run", status=None)
    down = add_check(net.switch, "c down", status="down", changed_at=timezone.now())
    flapping = add_check(net.switch, "d flapping", flapping=True)
    now = timezone.now()
    MaintenanceWindow.objects.create(
        agency=net.agency,
        site=net.dinkes,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=1),
        reason="Ganti switch",
    )
    case = make_case(net, "Switch mati", net.dinkes.opd)
    outage = Outage.objects.create(
        agency=net.agency,
        monitor_check=down,
        kind="down",
        started_at=now - dt.timedelta(minutes=10),
        confirmed_at=now - dt.timedelta(minutes=8),
        case=case,
    )
    html = client_for(net.kadis).get(device_url(net.switch)).content.decode()
    rows = check_rows(html, "availability-checks")
    assert rows == [(down.pk, "down"), (flapping.pk, "up"), (never.pk, "unknown"), (up.pk, "up")]
    assert html.count('data-maintenance="true"') >= 4
    outages = html.split('id="availability-outages"')[1]
    assert f'data-outage="{outage.pk}"' in outages
    assert reverse("workflow:case", args=[case.pk]) in outages


def test_it_names_a_case_the_user_may_not_open_without_a_link(net: Net) -> None:
    down = add_check(net.switch, "down", status="down")
    case = make_case(net, "Switch mati", None)  # a case of no OPD: not the OPD user's
    Outage.objects.create(
        agency=net.agency,
        monitor_check=down,
        kind="down",
        started_at=timezone.now(),
        confirmed_at=timezone.now(),
        case=case,
    )
    html = client_for(net.dinkes_user).get(device_url(net.switch)).content.decode()
    assert f'<span data-case="{case.pk}">' in html
    assert reverse("workflow:case", args=[case.pk]) not in html


# --- The OPD page -----------------------------------------------------------------------


def test_it_shows_the_opds_sites_combined_and_their_problems(net: Net) -> None:
    ap = add_device(net, "ap-1", net.dinkes, uplink=net.switch)
    router = add_device(net, "router-bappeda", net.bappeda, uplink=net.core, kind="router")
    at = (timezone.now() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    checks = {}
    for device, up, down in [(net.switch, 30, 10), (ap, 10, 0), (router, 0, 50)]:
        checks[device.name] = add_check(device, f"ping {device.name}", status="down")
        ResultMinute.objects.create(
            monitor_check=checks[device.name], start=at, n_up=up, n_down=down
        )
    add_check(ap, "ap is up")
    html = client_for(net.dinkes_user).get(opd_url(net)).content.decode()
    assert percent(html, "24h") == "80.00"
    # Only the problems of the OPD's own checks are listed; the monitor lists them all.
    assert check_rows(html, "availability-checks") == [
        (checks["ap-1"].pk, "down"),
        (checks["sw-dinkes"].pk, "down"),
    ]
    assert f"{OVERVIEW}?opd={net.dinkes.opd_id}" in html
    assert len(chart(html)["values"]) == 30


# --- The overview -----------------------------------------------------------------------


def overview_rows(client: Client, query: str = "") -> list[tuple[int, str]]:
    response = client.get(f"{OVERVIEW}{query}")
    assert response.status_code == 200
    return check_rows(response.content.decode(), "checks")


def test_it_shows_the_diskominfo_side_every_check_and_an_opd_user_their_own(
    net: Net, agency_b: Agency
) -> None:
    router = add_device(net, "router-bappeda", net.bappeda, uplink=net.core, kind="router")
    dinkes = add_check(net.switch, "dinkes", status="down")
    bappeda = add_check(router, "bappeda")
    core = add_check(net.core, "core", status="unreachable")
    backbone = Check.objects.create(
        agency=net.agency, name="backbone", kind="icmp", link=add_link(net, net.switch, net.core)
    )
    everyone = [(dinkes.pk, "down"), (core.pk, "unreachable"), (backbone.pk, "unknown")]
    everyone.append((bappeda.pk, "up"))
    assert overview_rows(client_for(net.kadis)) == everyone
    assert overview_rows(client_for(net.admin)) == everyone
    assert overview_rows(client_for(net.dinkes_user)) == [
        (dinkes.pk, "down"),
        (backbone.pk, "unknown"),
    ]
    other_admin = client_for(User.objects.get(username="beta.admin"))
    assert overview_rows(other_admin) == []
    assert 'id="no-checks"' in other_admin.get(OVERVIEW).content.decode()


def test_it_refuses_a_user_of_no_agency(net: Net, platform_admin: User) -> None:
    assert client_for(platform_admin).get(OVERVIEW).status_code == 403
    assert Client().get(OVERVIEW).status_code == 302


def test_it_filters_by_status_and_narrows_to_an_opd_or_a_device(net: Net) -> None:
    router = add_device(net, "router-bappeda", net.bappeda, uplink=net.core, kind="router")
    down = add_check(net.switch, "down", status="down")
    flapping = add_check(router, "flapping", flapping=True)
    up = add_check(net.switch, "up")
    client = client_for(net.kadis)
    assert overview_rows(client, "?status=problem") == [(down.pk, "down"), (flapping.pk, "up")]
    assert overview_rows(client, "?status=flapping") == [(flapping.pk, "up")]
    assert overview_rows(client, "?status=up") == [(flapping.pk, "up"), (up.pk, "up")]
    assert overview_rows(client, "?status=nonsense") == overview_rows(client)
    for bad in ("x", "-1", str(2**70)):  # ignored, not an error
        assert overview_rows(client, f"?opd={bad}&device={bad}") == overview_rows(client)
    assert overview_rows(client, f"?opd={net.dinkes.opd_id}") == [
        (down.pk, "down"),
        (up.pk, "up"),
    ]
    assert overview_rows(client, f"?device={router.pk}") == [(flapping.pk, "up")]
    html = client.get(OVERVIEW).content.decode()
    counts = dict(re.findall(r'data-status-tab="(\w+)" data-count="(\d+)"', html))
    assert counts == {
        "all": "3",
        "problem": "2",
        "down": "1",
        "flapping": "1",
        "unreachable": "0",
        "unknown": "0",
        "up": "2",
    }


def test_it_lists_open_outages_and_current_and_upcoming_windows(net: Net) -> None:
    router = add_device(net, "router-bappeda", net.bappeda, uplink=net.core, kind="router")
    down = add_check(net.switch, "down", status="down")
    theirs = add_check(router, "bappeda", status="down")
    now = timezone.now()
    case = make_case(net, "Switch mati", net.dinkes.opd)
    ours = Outage.objects.create(
        agency=net.agency,
        monitor_check=down,
        kind="down",
        started_at=now,
        confirmed_at=now,
        case=case,
    )
    other = Outage.objects.create(
        agency=net.agency, monitor_check=theirs, kind="down", started_at=now, confirmed_at=now
    )
    Outage.objects.create(
        agency=net.agency,
        monitor_check=down,
        kind="down",
        started_at=now - dt.timedelta(days=2),
        confirmed_at=now - dt.timedelta(days=2),
        ended_at=now - dt.timedelta(days=1),
    )
    hour = dt.timedelta(hours=1)
    planned: list[tuple[str, dt.timedelta, dt.timedelta, dict[str, Any]]] = [
        ("past", -3 * hour, -2 * hour, {"site": net.dinkes}),
        ("current", -hour, hour, {"device": net.switch}),
        ("upcoming", 2 * hour, 3 * hour, {"site": net.bappeda}),
    ]
    windows = {
        name: MaintenanceWindow.objects.create(
            agency=net.agency, starts_at=now + start, ends_at=now + end, reason=name, **where
        )
        for name, start, end, where in planned
    }
    html = client_for(net.kadis).get(OVERVIEW).content.decode()
    # Newest first (the same start: the later row first); the ended one is left out.
    assert re.findall(r'data-outage="(\d+)"', html) == [str(other.pk), str(ours.pk)]
    assert reverse("workflow:case", args=[case.pk]) in html
    assert re.findall(r'data-window="(\d+)" data-current="(\w+)"', html) == [
        (str(windows["current"].pk), "true"),
        (str(windows["upcoming"].pk), "false"),
    ]
    assert 'id="add-window"' not in html  # the Kadis does not use the admin
    admin_html = client_for(net.admin).get(OVERVIEW).content.decode()
    assert reverse("admin:monitoring_maintenancewindow_add") in admin_html
    opd_html = client_for(net.dinkes_user).get(OVERVIEW).content.decode()
    assert re.findall(r'data-outage="(\d+)"', opd_html) == [str(ours.pk)]
    assert re.findall(r'data-window="(\d+)"', opd_html) == [str(windows["current"].pk)]


def test_it_puts_the_monitor_in_the_menu_of_agency_users(net: Net) -> None:
    for user in (net.kadis, net.dinkes_user, net.admin):
        html = client_for(user).get(reverse("home")).content.decode()
        assert f'href="{OVERVIEW}"' in html


def test_it_pages_the_checks(net: Net) -> None:
    for n in range(55):
        add_check(net.switch, f"c-{n:03d}")
    client = client_for(net.kadis)
    assert len(overview_rows(client)) == 50
    assert len(overview_rows(client, "?page=2")) == 5


# --- Query counts -----------------------------------------------------------------------


def grow(net: Net, start: int, count: int) -> None:
    """``count`` more checks on the switch and on new devices of the Dinkes office, each
    with a state, rollups, an open outage with a case, and a maintenance window."""
    now = timezone.now()
    for n in range(start, start + count):
        device = net.switch if n % 2 else add_device(net, f"ap-{n:03d}", net.dinkes)
        check = add_check(device, f"check-{n:03d}", status="down" if n % 3 else "up")
        fill_rollups(check, now)
        Outage.objects.create(
            agency=net.agency,
            monitor_check=check,
            kind="down",
            started_at=now,
            confirmed_at=now,
            case=make_case(net, f"Kasus {n}", net.dinkes.opd),
        )
        MaintenanceWindow.objects.create(
            agency=net.agency,
            device=device,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=n + 1),
            reason=f"Pemeliharaan {n}",
        )


def test_it_loads_the_pages_in_the_same_queries_for_2_or_20_checks(net: Net) -> None:
    urls = [device_url(net.switch), opd_url(net), OVERVIEW, f"{OVERVIEW}?status=problem"]
    clients = [client_for(net.kadis), client_for(net.dinkes_user)]
    grow(net, 0, 2)
    for client in clients:
        client.get(OVERVIEW)
    few = [count_queries(client, url) for client in clients for url in urls]
    grow(net, 2, 18)
    many = [count_queries(client, url) for client in clients for url in urls]
    assert few == many
    html = clients[0].get(device_url(net.switch)).content.decode()
    assert len(check_rows(html, "availability-checks")) == 10
    html = clients[0].get(opd_url(net)).content.decode()
    assert len(check_rows(html, "availability-checks")) == 13  # those down
