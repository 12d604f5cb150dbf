"""Availability from the rollups (``jaga.monitoring.availability``): what counts, which
table answers a period, series by local hour and day, and the checks of a device, a site
and an OPD (link checks by their near end)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jaga.inventory.models import Device, Link
from jaga.monitoring.availability import (
    Availability,
    availability,
    buckets,
    checks_of_device,
    checks_of_opd,
    checks_of_site,
    series,
    table_for,
)
from jaga.monitoring.models import Check, ResultDay, ResultHour, ResultMinute
from jaga.tenancy.models import Agency
from tests.inventory.test_pages import Net, add_device, add_link, make_net

pytestmark = pytest.mark.django_db

UTC = dt.UTC
JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def device_check(device: Device, name: str = "") -> Check:
    return Check.objects.create(
        agency=device.agency, name=name or f"ping {device.name}", kind="icmp", device=device
    )


def link_check(link: Link, name: str = "") -> Check:
    return Check.objects.create(
        agency=link.agency, name=name or f"link {link.pk}", kind="icmp", link=link
    )


def hour(check: Check, start: dt.datetime, up: int = 0, down: int = 0, **more: Any) -> None:
    ResultHour.objects.create(monitor_check=check, start=start, n_up=up, n_down=down, **more)


def minute(check: Check, start: dt.datetime, up: int = 0, down: int = 0, **more: Any) -> None:
    ResultMinute.objects.create(monitor_check=check, start=start, n_up=up, n_down=down, **more)


# --- What counts ------------------------------------------------------------------------


def test_it_leaves_out_unreachable_and_maintenance_runs(net: Net) -> None:
    check = device_check(net.switch)
    hour(check, NOW - dt.timedelta(days=3), up=90, down=10, n_unreachable=50, n_maintenance=30)
    found = availability([check.pk], NOW - dt.timedelta(days=7), NOW, now=NOW)
    assert found == Availability(up=90, down=10, unreachable=50, maintenance=30)
    assert found.ratio == pytest.approx(0.9)
    assert found.percent == pytest.approx(90.0)


def test_it_has_no_ratio_without_counted_runs(net: Net) -> None:
    check = device_check(net.switch)
    empty = availability([check.pk], NOW - dt.timedelta(days=7), NOW, now=NOW)
    assert empty.ratio is None
    hour(check, NOW - dt.timedelta(days=1), n_unreachable=5, n_maintenance=7)
    only_excluded = availability([check.pk], NOW - dt.timedelta(days=7), NOW, now=NOW)
    assert (only_excluded.ratio, only_excluded.unreachable, only_excluded.maintenance) == (
        None,
        5,
        7,
    )


def test_it_averages_the_round_trip_times_of_all_runs(net: Net) -> None:
    check = device_check(net.switch)
    hour(check, NOW - dt.timedelta(hours=5), up=10, rtt_sum_ms=100.0, rtt_count=10)
    hour(check, NOW - dt.timedelta(hours=4), up=30, rtt_sum_ms=900.0, rtt_count=30)
    found = availability([check.pk], NOW - dt.timedelta(days=7), NOW, now=NOW)
    assert found.mean_rtt_ms == pytest.approx(25.0)
    assert availability([], NOW - dt.timedelta(days=7), NOW, now=NOW).mean_rtt_ms is None


def test_it_takes_a_queryset_or_ids_in_one_query(net: Net) -> None:
    check = device_check(net.switch)
    hour(check, NOW - dt.timedelta(days=2), up=3, down=1)
    start = NOW - dt.timedelta(days=7)
    with CaptureQueriesContext(connection) as captured:
        by_queryset = availability(Check.objects.filter(device=net.switch), start, NOW, now=NOW)
    assert len(captured) == 1
    assert by_queryset == availability([check.pk], start, NOW, now=NOW)
    assert by_queryset.ratio == pytest.approx(0.75)


# --- Which table --------------------------------------------------------------------------


def test_it_picks_the_table_by_the_length_and_age_of_the_period() -> None:
    day, week = dt.timedelta(days=1), dt.timedelta(days=7)
    assert table_for(NOW - day, NOW, NOW) is ResultMinute
    assert table_for(NOW - 2 * day, NOW, NOW) is ResultMinute
    assert table_for(NOW - 2 * day - dt.timedelta(minutes=1), NOW, NOW) is ResultHour
    assert table_for(NOW - week, NOW, NOW) is ResultHour
    assert table_for(NOW - 90 * day, NOW, NOW) is ResultHour
    assert table_for(NOW - 91 * day, NOW, NOW) is ResultDay
    # A short period whose minutes (or hours) are no longer kept is read from coarser rows.
    assert table_for(NOW - 10 * day, NOW - 9 * day, NOW) is ResultHour
    assert table_for(NOW - 200 * day, NOW - 199 * day, NOW) is ResultDay


def test_it_reads_minutes_for_a_day_hours_for_a_week_and_days_beyond(net: Net) -> None:
    check = device_check(net.switch)
    at = NOW - dt.timedelta(hours=3)
    minute(check, at, up=1, down=1)
    hour(check, at.replace(minute=0), up=3, down=1)
    ResultDay.objects.create(
        monitor_check=check, start=at.replace(hour=0, minute=0), n_up=9, n_down=1
    )
    ResultDay.objects.create(
        monitor_check=check, start=NOW - dt.timedelta(days=100), n_up=1, n_down=9
    )
    ratio = {
        days: availability([check.pk], NOW - dt.timedelta(days=days), NOW, now=NOW).ratio
        for days in (1, 7, 120)
    }
    assert ratio == {1: 0.5, 7: 0.75, 120: 0.5}


def test_it_counts_a_bucket_whole_when_it_starts_in_the_period(net: Net) -> None:
    check = device_check(net.switch)
    start, end = NOW - dt.timedelta(days=7, minutes=30), NOW - dt.timedelta(minutes=30)
    hour(check, start.replace(minute=0), up=100)  # began before the period: left out
    hour(check, start.replace(minute=0) + dt.timedelta(hours=1), down=1)
    hour(check, end.replace(minute=0), up=3)  # begins inside, ends after: counted whole
    hour(check, end.replace(minute=0) + dt.timedelta(hours=1), up=100)  # after: left out
    found = availability([check.pk], start, end, now=NOW)
    assert (found.up, found.down) == (3, 1)


# --- Series ---------------------------------------------------------------------------


def test_it_groups_hours_by_the_agencys_local_day(net: Net) -> None:
    check = device_check(net.switch)
    # 16:00 UTC is 23:00 WIB on the 1st; 17:00 UTC is 00:00 WIB on the 2nd.
    hour(check, dt.datetime(2026, 11, 1, 16, tzinfo=UTC), up=1)
    hour(check, dt.datetime(2026, 11, 1, 17, tzinfo=UTC), down=1)
    start, end = dt.datetime(2026, 11, 1, tzinfo=JAKARTA), dt.datetime(2026, 11, 3, tzinfo=JAKARTA)
    local = series([check.pk], start, end, "day", JAKARTA, now=NOW)
    assert [(p.start, p.ratio, p.up, p.down) for p in local] == [
        (dt.datetime(2026, 11, 1, tzinfo=JAKARTA), 1.0, 1, 0),
        (dt.datetime(2026, 11, 2, tzinfo=JAKARTA), 0.0, 0, 1),
    ]
    assert all(str(p.start.tzinfo) == "Asia/Jakarta" for p in local)
    in_utc = series([check.pk], start.astimezone(UTC), end, "day", ZoneInfo("UTC"), now=NOW)
    assert [(p.start.date(), p.up, p.down) for p in in_utc] == [
        (dt.date(2026, 10, 31), 0, 0),
        (dt.date(2026, 11, 1), 1, 1),
        (dt.date(2026, 11, 2), 0, 0),
    ]
    assert in_utc[1].ratio == pytest.approx(0.5)
    assert in_utc[0].ratio is None


def test_it_gives_a_point_for_every_local_hour_even_without_runs(net: Net) -> None:
    check = device_check(net.switch)
    hour(check, dt.datetime(2026, 11, 9, 2, tzinfo=UTC), up=2, down=2)  # 09:00 WIB
    start = dt.datetime(2026, 11, 9, 8, 30, tzinfo=JAKARTA)
    points = series([check.pk], start, start + dt.timedelta(hours=3), "hour", JAKARTA, now=NOW)
    assert [p.start.hour for p in points] == [8, 9, 10, 11]
    assert [p.ratio for p in points] == [None, 0.5, None, None]


def test_it_draws_days_older_than_the_hours_kept_from_the_day_rows(net: Net) -> None:
    check = device_check(net.switch)
    old = dt.datetime(2026, 6, 1, tzinfo=UTC)
    ResultDay.objects.create(monitor_check=check, start=old, n_up=3, n_down=1)
    start = dt.datetime(2026, 6, 1, tzinfo=JAKARTA)
    points = series([check.pk], start, start + dt.timedelta(days=2), "day", JAKARTA, now=NOW)
    assert [(p.start.date(), p.up, p.down) for p in points] == [
        (dt.date(2026, 6, 1), 3, 1),
        (dt.date(2026, 6, 2), 0, 0),
    ]


def test_it_lists_the_local_days_of_a_period() -> None:
    start = dt.datetime(2026, 11, 1, 23, tzinfo=UTC)  # 06:00 WIB on the 2nd
    days = buckets(start, start + dt.timedelta(days=2), "day", JAKARTA)
    assert [day.date() for day in days] == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 3),
        dt.date(2026, 11, 4),
    ]


# --- Devices, sites, OPDs --------------------------------------------------------------


def test_it_sums_the_checks_of_a_device_a_site_and_an_opd_with_link_checks(net: Net) -> None:
    ap = add_device(net, "ap-1", net.dinkes, uplink=net.switch)
    router = add_device(net, "router-bappeda", net.bappeda, uplink=net.core, kind="router")
    own = device_check(net.switch)
    isp = link_check(add_link(net, net.switch, provider="Telkom"))  # near end: the switch
    ap_check = device_check(ap)
    backbone = link_check(add_link(net, router, net.switch))  # near end: Bappeda's router
    bappeda = device_check(router)
    at = NOW - dt.timedelta(days=1)
    for check, up, down in [
        (own, 90, 10),
        (isp, 50, 50),
        (ap_check, 60, 0),
        (backbone, 0, 100),
        (bappeda, 100, 0),
    ]:
        hour(check, at, up=up, down=down, n_unreachable=7)

    def ids(checks: Any) -> set[int]:
        return set(checks.values_list("pk", flat=True))

    assert ids(checks_of_device(net.switch)) == {own.pk, isp.pk}
    assert ids(checks_of_site(net.dinkes)) == {own.pk, isp.pk, ap_check.pk}
    assert ids(checks_of_opd(net.dinkes.opd_id or 0)) == {own.pk, isp.pk, ap_check.pk}
    assert ids(checks_of_opd(net.bappeda.opd_id or 0)) == {backbone.pk, bappeda.pk}
    week = NOW - dt.timedelta(days=7)

    def ratio(checks: Any) -> float | None:
        return availability(checks, week, NOW, now=NOW).ratio

    assert ratio(checks_of_device(net.switch)) == pytest.approx(140 / 200)
    assert ratio(checks_of_site(net.dinkes)) == pytest.approx(200 / 260)
    assert ratio(checks_of_opd(net.dinkes.opd_id or 0)) == pytest.approx(200 / 260)
    assert ratio(checks_of_opd(net.bappeda.opd_id or 0)) == pytest.approx(0.5)
    assert availability(checks_of_site(net.dinkes), week, NOW, now=NOW).unreachable == 21
