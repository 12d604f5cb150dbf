"""The Keeper between results and the database: outages open one case each (across keepers
and restarts), parents explain their children, recovery is recorded, flapping opens one
case, maintenance opens none, and results roll up (issue 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from jaga.audit.models import Event
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import (
    CheckState,
    MaintenanceWindow,
    Outage,
    OutageKind,
    ResultDay,
    ResultHour,
    ResultMinute,
)
from jaga.notifications.delivery import deliver
from jaga.notifications.models import Delivery, Notification
from jaga.org.models import User
from jaga.workflow.models import Case, CaseSource
from tests.monitoring.support import City, monitored_city

pytestmark = pytest.mark.django_db

#: The start of the hour before the current one (UNIX seconds): on an hour boundary, in the
#: past, and well inside the two days the minute table keeps, on whatever day the suite runs.
T0 = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp() // 3600 * 3600
NODES = ("core", "dist1", "dist2", "site1", "site2", "site3", "site4", "site5")


@pytest.fixture
def city() -> City:
    return monitored_city(retries=2, recoveries=2)


def started(**options: float) -> Keeper:
    keeper = Keeper(flap_threshold=int(options.get("flap_threshold", 6)))
    keeper.load()
    return keeper


def run_round(keeper: Keeper, city: City, at: float, down: set[str]) -> None:
    """One run of every check at ``at``: the ``down`` nodes fail, the others answer.
    Parents first, as a monitor's jittered runs may or may not do."""
    for node in NODES:
        ok = node not in down
        keeper.record(city.checks[node].pk, ok, at, 1.5 if ok else None, None if ok else "timeout")


def rounds(keeper: Keeper, city: City, start: float, count: int, down: set[str]) -> float:
    at = start
    for _ in range(count):
        run_round(keeper, city, at, down)
        keeper.flush()
        at += 5
    return at


def test_it_opens_one_case_for_a_site_that_goes_down(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 2, set())
    rounds(keeper, city, at, 3, {"site3"})
    outage = Outage.objects.get()
    assert outage.monitor_check_id == city.checks["site3"].pk
    assert outage.kind == OutageKind.DOWN
    assert outage.ended_at is None
    assert outage.started_at.timestamp() == at  # its first failed run
    case = Case.objects.get()
    assert outage.case == case
    assert case.source == CaseSource.MONITOR
    assert case.reporter is not None
    assert case.reporter.username == "bolmut.monitor"
    assert case.opd == city.opds["site3"]
    assert set(case.devices.all()) == {city.devices["site3"]}
    assert set(case.sites.all()) == {city.devices["site3"].site}
    assert case.definition.code == "maintenance-gangguan-jaringan"  # seed 003
    state = CheckState.objects.get(monitor_check=city.checks["site3"])
    assert (state.status, state.fails, state.last_reason) == ("down", 3, "timeout")


def test_it_gives_a_distribution_outage_one_case_and_its_sites_none(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 2, set())
    dark = {"dist1", "site1", "site2", "site3"}
    rounds(keeper, city, at, 4, dark)
    outage = Outage.objects.get()
    assert outage.monitor_check_id == city.checks["dist1"].pk
    statuses = dict(CheckState.objects.values_list("monitor_check__name", "status"))
    assert statuses["Ping dist1"] == "down"
    assert {statuses[f"Ping site{n}"] for n in (1, 2, 3)} == {"unreachable"}
    assert {statuses[f"Ping site{n}"] for n in (4, 5)} == {"up"}
    case = Case.objects.get()
    below = {city.devices[n] for n in ("site1", "site2", "site3")}
    assert set(case.devices.all()) == {city.devices["dist1"], *below}
    assert case.opd == city.opds["site1"]  # the data centre has no OPD: the first site below
    assert {site.opd for site in case.sites.all()} == {
        None,
        city.opds["site1"],
        city.opds["site2"],
        city.opds["site3"],
    }


def test_a_child_that_counts_its_failures_first_waits_for_its_parent(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 2, set())
    # site1's run comes first: it has failed once when dist1 first fails.
    keeper.record(city.checks["site1"].pk, False, at, None, "timeout")
    at += 5
    keeper.record(city.checks["dist1"].pk, False, at, None, "timeout")
    keeper.record(city.checks["site1"].pk, False, at, None, "timeout")
    keeper.flush()
    assert not Outage.objects.exists()  # site1 waits: its parent is failing
    keeper.record(city.checks["core"].pk, True, at + 4, 1.0, None)  # the core still answers
    keeper.record(city.checks["dist1"].pk, False, at + 5, None, "timeout")
    keeper.record(city.checks["site1"].pk, False, at + 5, None, "timeout")
    keeper.flush()
    assert list(Outage.objects.values_list("monitor_check__name", flat=True)) == ["Ping dist1"]


def test_it_records_the_recovery_on_the_case(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 1, set())
    at = rounds(keeper, city, at, 3, {"site2"})
    at = rounds(keeper, city, at, 1, set())
    assert Outage.objects.get().ended_at is None  # one success is not enough
    rounds(keeper, city, at, 1, set())
    outage = Outage.objects.get()
    assert outage.ended_at is not None
    assert outage.ended_at.timestamp() == at
    case = Case.objects.get()
    assert case.status == "open"  # people close it as the SOP says
    assert case.data["monitor"]["recovered_at"] == outage.ended_at.isoformat()
    actions = set(Event.objects.filter(object_id=str(case.pk)).values_list("action", flat=True))
    assert "case.recovered" in actions


def test_a_second_monitor_adopts_the_outage_of_the_first(city: City) -> None:
    first, second = started(), started()
    for keeper in (first, second):
        rounds(keeper, city, T0, 3, {"site4"})
    assert Outage.objects.count() == 1
    assert Case.objects.count() == 1
    for keeper in (first, second):
        rounds(keeper, city, T0 + 100, 2, set())
    assert Outage.objects.get().ended_at is not None


def test_a_restarted_monitor_opens_no_second_case(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 3, {"site5"})
    assert Outage.objects.count() == 1
    restarted = started()  # a new process: state from the database only
    assert restarted.states[city.checks["site5"].pk].fails == 3
    at = rounds(restarted, city, at, 3, {"site5"})
    assert Outage.objects.count() == 1
    assert Case.objects.count() == 1
    rounds(restarted, city, at, 2, set())
    assert Outage.objects.get().ended_at is not None


def test_a_flapping_link_opens_one_case(city: City) -> None:
    keeper = started(flap_threshold=4)
    at = T0
    for index in range(12):  # fail, answer, fail, ...: never `retries` failures in a row
        rounds(keeper, city, at, 1, {"site1"} if index % 2 == 0 else set())
        at += 5
    outage = Outage.objects.get()
    assert outage.kind == OutageKind.FLAPPING
    assert Case.objects.count() == 1
    assert CheckState.objects.get(monitor_check=city.checks["site1"]).flapping


def test_maintenance_opens_no_case_and_counts_apart(city: City) -> None:
    MaintenanceWindow.objects.create(
        agency=city.agency,
        site=city.devices["site2"].site,
        starts_at=dt.datetime.fromtimestamp(T0, dt.UTC),
        # Until after now: the keeper loads only the windows that have not ended yet.
        ends_at=dt.datetime.fromtimestamp(T0 + 3 * 3600, dt.UTC),
        reason="Ganti kabel",
    )
    keeper = started()
    rounds(keeper, city, T0, 4, {"site2"})
    assert not Outage.objects.exists()
    keeper.flush_rollups()
    row = ResultMinute.objects.get(monitor_check=city.checks["site2"])
    assert (row.n_up, row.n_down, row.n_maintenance) == (0, 0, 4)


def test_it_rolls_results_up_by_minute_hour_and_day(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 12, set())  # a minute of answers
    rounds(keeper, city, at, 4, {"site1"})
    assert keeper.flush_rollups(T0 + 60) == len(NODES)  # only the finished minute
    assert ResultMinute.objects.count() == len(NODES)
    keeper.flush_rollups()
    minutes = ResultMinute.objects.filter(monitor_check=city.checks["site1"]).order_by("start")
    assert [(m.n_up, m.n_down) for m in minutes] == [(12, 0), (0, 4)]
    assert minutes[0].rtt_count == 12
    assert minutes[0].rtt_sum_ms == pytest.approx(18.0)
    hour = ResultHour.objects.get(monitor_check=city.checks["site1"])
    day = ResultDay.objects.get(monitor_check=city.checks["site1"])
    assert (hour.n_up, hour.n_down) == (day.n_up, day.n_down) == (12, 4)
    assert hour.start == dt.datetime.fromtimestamp(T0, dt.UTC)


def test_it_adds_late_results_to_a_written_minute(city: City) -> None:
    keeper = started()
    rounds(keeper, city, T0, 2, set())
    keeper.flush_rollups()
    rounds(keeper, city, T0 + 20, 1, {"site1"})
    keeper.flush_rollups()
    row = ResultMinute.objects.get(monitor_check=city.checks["site1"])
    assert (row.n_up, row.n_down) == (2, 1)
    assert ResultHour.objects.get(monitor_check=city.checks["site1"]).n_down == 1


def test_it_mails_the_people_of_the_open_step(city: City) -> None:
    keeper = started()
    rounds(keeper, city, T0, 3, {"site3"})
    outage = Outage.objects.get()
    told = Notification.objects.filter(kind="outage", key=f"outage:{outage.pk}:opened")
    assert told.exists(), "the seed's first Diskominfo lane has holders"
    assert all(n.urgent for n in told)
    mails = Delivery.objects.filter(notification__in=told, channel="email")
    assert mails.exists(), "they have e-mail addresses"
    for row in mails:
        assert deliver(row.pk) == "sent"
    assert len(mail.outbox) == mails.count()
    assert "Ping site3" in mail.outbox[0].subject


def test_it_adds_results_older_than_the_minutes_kept_to_their_hour_and_day(city: City) -> None:
    keeper = started()
    days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).timestamp() // 3600 * 3600
    rounds(keeper, city, days_ago, 3, {"site1"})  # an agent's results, buffered for 3 days
    keeper.flush_rollups()
    check = city.checks["site1"]
    assert not ResultMinute.objects.filter(monitor_check=check).exists()
    hour = ResultHour.objects.get(monitor_check=check)
    assert hour.start == dt.datetime.fromtimestamp(days_ago, dt.UTC)
    assert (hour.n_up, hour.n_down) == (0, 3)
    assert ResultDay.objects.get(monitor_check=check).n_down == 3


def test_the_case_page_shows_the_outage_and_its_recovery(city: City, client: Client) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 3, {"site2"})
    case = Case.objects.get()
    client.force_login(User.objects.get(username="bolmut.kadis"))
    page = client.get(reverse("workflow:case", args=[case.pk])).content.decode()
    outage = Outage.objects.get()
    assert f'data-outage="{outage.pk}" data-ended="no"' in page
    rounds(keeper, city, at, 2, set())
    page = client.get(reverse("workflow:case", args=[case.pk])).content.decode()
    assert f'data-outage="{outage.pk}" data-ended="yes"' in page


def test_a_child_waits_for_a_parent_whose_answer_is_older_than_its_failure(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 1, set())
    # site1's probes fail at once (an ICMP error) while dist1's are still timing out:
    # site1 reaches its retries before dist1 reports anything since the cut.
    keeper.record(city.checks["site1"].pk, False, at + 1, None, "unreachable")
    keeper.record(city.checks["site1"].pk, False, at + 6, None, "unreachable")
    keeper.flush()
    assert not Outage.objects.exists()
    keeper.record(city.checks["dist1"].pk, False, at + 6.5, None, "timeout")
    keeper.record(city.checks["core"].pk, True, at + 10, 1.0, None)  # the core still answers
    keeper.record(city.checks["dist1"].pk, False, at + 11.5, None, "timeout")
    keeper.record(city.checks["site1"].pk, False, at + 11, None, "unreachable")
    keeper.flush()
    assert list(Outage.objects.values_list("monitor_check__name", flat=True)) == ["Ping dist1"]
    assert keeper.states[city.checks["site1"].pk].status.value == "unreachable"


def test_a_child_stops_waiting_for_a_silent_parent(city: City) -> None:
    keeper = started()
    at = rounds(keeper, city, T0, 1, set())
    for offset in (1, 6, 11, 16):  # dist1 says nothing any more (its monitor is away)
        keeper.record(city.checks["site1"].pk, False, at + offset, None, "timeout")
    keeper.flush()
    assert list(Outage.objects.values_list("monitor_check__name", flat=True)) == ["Ping site1"]


def test_a_monitor_adopts_a_recovery_another_one_recorded(city: City) -> None:
    first, second = started(), started()
    at = rounds(first, city, T0, 3, {"site3"})
    rounds(second, city, T0, 3, {"site3"})
    rounds(first, city, at, 2, set())  # the first sees site3 answer again and ends the outage
    assert Outage.objects.get().ended_at is not None
    second.load()  # a reload: the second had not seen site3 answer yet
    assert not second.states[city.checks["site3"].pk].problem
    rounds(second, city, at, 1, {"core"})  # unrelated: nothing for site3
    assert Outage.objects.count() == 1


def test_a_monitor_does_not_end_an_outage_it_has_not_seen_recover(city: City) -> None:
    first, second = started(), started()
    rounds(second, city, T0, 3, set())  # the second has seen site3 answer all along
    rounds(first, city, T0 + 15, 2, {"site3"})  # the first confirms an outage
    second.load()
    rounds(second, city, T0 + 15, 1, set())  # its older view: up, answering
    assert Outage.objects.get().ended_at is None
