"""What the Keeper's flushes write (issue 19): only the states that changed in a way that
matters, the newest run's time at most ``LAST_RUN_STALE_S`` late, everything on the final
flush; and a restart from what was written decides as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jaga.monitoring import keeper as keeper_module
from jaga.monitoring.keeper import LAST_RUN_STALE_S, Keeper
from jaga.monitoring.models import CheckState, Outage
from tests.monitoring.support import City, monitored_city

pytestmark = pytest.mark.django_db

#: A fixed moment (UNIX seconds): nothing here depends on the day the suite runs.
T0 = 1_800_000_000.0
NODES = ("core", "dist1", "dist2", "site1", "site2", "site3", "site4", "site5")
STEP = 5.0  # seconds between the rounds (the city's checks run every 5 s)


class Clock:
    """A settable clock (UNIX seconds) for the keeper."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def city() -> City:
    return monitored_city(retries=2, recoveries=2)


def started(clock: Clock) -> Keeper:
    keeper = Keeper(clock=clock)
    keeper.load()
    return keeper


def run_round(keeper: Keeper, city: City, at: float, down: frozenset[str] = frozenset()) -> None:
    """One run of every check at ``at`` (the ``down`` nodes fail; response times vary)."""
    for node in NODES:
        ok = node not in down
        rtt = 1.0 + at % 7 if ok else None
        keeper.record(city.checks[node].pk, ok, at, rtt, None if ok else "timeout")


def settled(keeper: Keeper, city: City, clock: Clock) -> float:
    """Play the rounds after which every check is up and steady (its counters at its
    ``recoveries``) and flush each; returns the time of the next round."""
    at = T0
    for _ in range(2):
        clock.now = at
        run_round(keeper, city, at)
        keeper.flush()
        at += STEP
    return at


def state_updates(queries: CaptureQueriesContext) -> list[str]:
    table = CheckState._meta.db_table
    return [
        q["sql"] for q in queries.captured_queries if f"UPDATE {table}" in q["sql"].replace('"', "")
    ]


def stored_last_at(city: City, node: str) -> float:
    value = CheckState.objects.get(monitor_check=city.checks[node]).last_at
    assert value is not None
    return value.timestamp()


def test_it_writes_no_state_after_unchanged_results(city: City) -> None:
    clock = Clock(T0)
    keeper = started(clock)
    at = settled(keeper, city, clock)
    clock.now = at
    run_round(keeper, city, at)
    with CaptureQueriesContext(connection) as queries:
        written = keeper.flush()
    assert written == 0
    assert state_updates(queries) == []
    assert stored_last_at(city, "site1") == at - STEP


def test_it_writes_a_status_change_on_the_next_flush(city: City) -> None:
    clock = Clock(T0)
    keeper = started(clock)
    at = settled(keeper, city, clock)
    clock.now = at
    run_round(keeper, city, at, frozenset({"site3"}))
    with CaptureQueriesContext(connection) as queries:
        written = keeper.flush()
    assert written == 1
    assert len(state_updates(queries)) == 1
    state = CheckState.objects.get(monitor_check=city.checks["site3"])
    assert (state.last_ok, state.fails, state.last_reason) == (False, 1, "timeout")
    assert stored_last_at(city, "site3") == at
    clock.now = at + STEP
    run_round(keeper, city, at + STEP, frozenset({"site3"}))
    assert keeper.flush() >= 1
    state.refresh_from_db()
    assert (state.status, state.fails) == ("down", 2)
    assert Outage.objects.get().monitor_check_id == city.checks["site3"].pk


def test_it_writes_the_last_run_at_most_the_staleness_late(city: City) -> None:
    clock = Clock(T0)
    keeper = started(clock)
    at = settled(keeper, city, clock)
    writes = 0
    for _ in range(35):  # almost three minutes of steady rounds, every 5 s
        clock.now = at
        run_round(keeper, city, at)
        writes += keeper.flush()
        assert at - stored_last_at(city, "site2") < LAST_RUN_STALE_S
        at += STEP
    assert 0 < writes <= 3 * len(NODES)  # about once a minute each, not once a round
    # A check whose runs stop (deleted probe, stalled engine): its last run is written
    # once the stored one is stale, without any new result.
    last = at - STEP
    assert stored_last_at(city, "site2") < last
    clock.now = stored_last_at(city, "site2") + LAST_RUN_STALE_S
    assert keeper.flush() == len(NODES)
    assert stored_last_at(city, "site2") == last


def test_it_writes_everything_held_on_the_final_flush(city: City) -> None:
    clock = Clock(T0)
    keeper = started(clock)
    at = settled(keeper, city, clock)
    for _ in range(3):
        clock.now = at
        run_round(keeper, city, at)
        assert keeper.flush() == 0
        at += STEP
    assert keeper.flush(final=True) == len(NODES)
    last = at - STEP
    for node in NODES:
        state = CheckState.objects.get(monitor_check=city.checks[node])
        assert stored_last_at(city, node) == last
        assert state.last_rtt_ms == 1.0 + last % 7
        assert state.oks == 5
    assert keeper.flush(final=True) == 0  # nothing held any more


def test_it_keeps_a_state_whose_write_failed_for_the_next_flush(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(T0)
    keeper = started(clock)
    at = settled(keeper, city, clock)
    clock.now = at
    run_round(keeper, city, at, frozenset({"site4"}))

    def refused(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the database is away")

    with monkeypatch.context() as patched:
        patched.setattr(keeper_module, "update_rows", refused)
        with pytest.raises(RuntimeError):
            keeper.flush()
    assert keeper.flush() == 1
    assert CheckState.objects.get(monitor_check=city.checks["site4"]).last_ok is False


def test_a_restart_from_the_written_states_opens_no_second_outage(city: City) -> None:
    clock = Clock(T0)
    first = started(clock)
    at = settled(first, city, clock)
    for _ in range(6):  # site5 goes down and stays down: its later runs change nothing
        clock.now = at
        run_round(first, city, at, frozenset({"site5"}))
        first.flush()
        at += STEP
    outage = Outage.objects.get()
    assert outage.ended_at is None
    assert CheckState.objects.get(monitor_check=city.checks["site5"]).fails == 2  # capped
    # killed: no final flush
    second = started(clock)
    for down in (frozenset({"site5"}), frozenset({"site5"}), frozenset(), frozenset()):
        clock.now = at
        run_round(second, city, at, down)
        second.flush()
        at += STEP
    outage.refresh_from_db()
    assert Outage.objects.count() == 1
    assert outage.ended_at is not None
    assert outage.ended_at.timestamp() == at - STEP
