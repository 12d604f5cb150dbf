"""The monitor's heartbeat (issue 19): one row per monitor with its newest figures, among
them the ICMP replies the kernel dropped, written as it runs and when it stops, and shown on
the monitor page of the agencies it serves."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jaga.monitoring.heartbeat import Beat, heartbeats_for, monitor_name, write_heartbeat
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import MonitorHeartbeat
from jaga.monitoring.results import EngineCounters
from jaga.monitoring.runner import run_monitor
from jaga.tenancy.models import Agency
from tests.inventory.test_pages import Net, client_for, make_net
from tests.monitoring.helpers import require_icmp, run

pytestmark = pytest.mark.django_db

OVERVIEW = "/monitor/"
STARTED = dt.datetime(2026, 1, 5, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def beat(dropped: int, checks: int = 40) -> Beat:
    counters = EngineCounters(sent=1000, replies=990 - dropped, timeouts=10 + dropped)
    counters.dropped = dropped
    return Beat(checks, counters)


def test_it_keeps_one_heartbeat_per_monitor_with_its_newest_figures(agency_a: Agency) -> None:
    write_heartbeat("host-a", None, STARTED, beat(0))
    write_heartbeat("host-a", None, STARTED, beat(17, checks=41))
    write_heartbeat("host-b", [agency_a.pk], STARTED, Beat(3, None))
    row = MonitorHeartbeat.objects.get(name="host-a")
    assert (row.checks, row.icmp_sent, row.icmp_replies, row.icmp_timeouts) == (41, 1000, 973, 27)
    assert row.icmp_dropped == 17
    assert row.started_at == STARTED
    assert row.seen_at > STARTED
    other = MonitorHeartbeat.objects.get(name="host-b")
    assert (other.agency_ids, other.checks, other.icmp_dropped) == ([agency_a.pk], 3, 0)


def test_it_names_a_monitor_by_its_host_and_agencies(agency_a: Agency) -> None:
    assert monitor_name(None) == socket.gethostname()
    assert monitor_name([agency_a.pk]) == f"{socket.gethostname()} ({agency_a.slug})"


def test_it_shows_the_dropped_replies_on_the_monitor_page(net: Net) -> None:
    write_heartbeat("host-a", None, STARTED, beat(17))
    html = client_for(net.admin).get(OVERVIEW).content.decode()
    row = MonitorHeartbeat.objects.get()
    assert f'data-monitor="{row.pk}"' in html
    assert 'data-dropped="17"' in html
    assert 'id="no-monitors"' not in html


def test_it_shows_missed_intervals_and_the_cpu_of_both_processes(net: Net) -> None:
    counters = EngineCounters(sent=20_000, replies=20_000)
    write_heartbeat("host-a", None, STARTED, Beat(40, counters, 3, 1.5, 4.25))
    row = MonitorHeartbeat.objects.get()
    assert (row.missed_intervals, row.probe_cpu_s, row.bookkeeping_cpu_s) == (3, 1.5, 4.25)
    assert (row.probe_cpu_per_1000, row.bookkeeping_cpu_per_1000) == (0.075, 0.2125)
    html = client_for(net.admin).get(OVERVIEW).content.decode()
    assert 'data-missed="3"' in html
    assert "0,0750 / 0,2125 s" in html  # Indonesian, the page's language


def test_it_shows_only_the_monitors_serving_the_agency(net: Net, agency_b: Agency) -> None:
    write_heartbeat("theirs", [agency_b.pk], STARTED, beat(5))
    write_heartbeat("ours", [net.agency.pk], STARTED, beat(0))
    assert [row.name for row in heartbeats_for(net.agency.pk)] == ["ours"]
    html = client_for(net.admin).get(OVERVIEW).content.decode()
    theirs = MonitorHeartbeat.objects.get(name="theirs")
    assert f'data-monitor="{theirs.pk}"' not in html
    assert 'data-dropped="0"' in html


def test_it_says_when_no_monitor_reported(net: Net) -> None:
    html = client_for(net.admin).get(OVERVIEW).content.decode()
    assert 'id="no-monitors"' in html


@pytest.mark.django_db(transaction=True)
def test_the_monitor_writes_its_heartbeat_as_it_starts_and_stops(agency_a: Agency) -> None:
    require_icmp()

    async def monitor() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.5, stop.set)
        await run_monitor(Keeper(agencies=[agency_a.pk]), stop, flush_s=0.1)

    run(monitor())
    row = MonitorHeartbeat.objects.get()
    assert row.name == f"{socket.gethostname()} ({agency_a.slug})"
    assert row.agency_ids == [agency_a.pk]
    assert row.checks == 0
    assert row.icmp_dropped == 0
    assert row.missed_intervals == 0
    assert row.bookkeeping_cpu_s > 0
    assert row.seen_at >= row.started_at


@pytest.mark.django_db(transaction=True)
def test_two_monitors_on_one_host_keep_a_heartbeat_each_under_their_names(
    agency_a: Agency,
) -> None:
    require_icmp()

    async def monitors() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.5, stop.set)
        await asyncio.gather(
            run_monitor(Keeper(agencies=[agency_a.pk], name="monitor-a"), stop, flush_s=0.1),
            run_monitor(Keeper(agencies=[agency_a.pk], name="monitor-b"), stop, flush_s=0.1),
        )

    run(monitors())
    rows = MonitorHeartbeat.objects.order_by("name")
    assert [(row.name, row.agency_ids) for row in rows] == [
        ("monitor-a", [agency_a.pk]),
        ("monitor-b", [agency_a.pk]),
    ]


def test_it_refuses_a_monitor_name_too_long_for_the_page() -> None:
    with pytest.raises(CommandError, match="--name is at most 200 characters"):
        call_command("monitor", "--name", "m" * 201)
