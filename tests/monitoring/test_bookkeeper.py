"""The monitor's two processes (issue 19): the probing process hands its results to the
bookkeeping process, which alone writes the database; a clean stop writes everything held;
a dead bookkeeping process stops the monitor; an orphaned one writes what it holds.

Two checks of the city (``tests.monitoring.support``) run, every 5 s: the core router's on
a target that is no IP address (fails at once: "bad address"; down after one failure) and a
site's on 127.0.0.1 (answers); the others are disabled."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from django.db import connections

from jaga.monitoring.bookkeeper import BookkeeperDied, frame, keep
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import Check, CheckState, MonitorHeartbeat, Outage, ResultMinute
from jaga.monitoring.runner import run_monitor
from tests.monitoring.helpers import require_icmp, run, wait_for
from tests.monitoring.support import City, monitored_city

pytestmark = pytest.mark.django_db(transaction=True)

#: Seconds a monitor runs after its first heartbeat (written once it probes): every check
#: has run once (first runs fall within their 5 s interval).
RUN_S = 5.5


class PidKeeper(Keeper):
    """A ``Keeper`` that notes, in ``log``, the process id of each of its flushes."""

    def __init__(self, log: Path) -> None:
        super().__init__()
        self.log = log

    def flush(self, *, final: bool = False) -> int:
        with self.log.open("a") as out:
            out.write(f"{os.getpid()} {'final' if final else 'flush'} {time.time()}\n")
        return super().flush(final=final)


@pytest.fixture
def city() -> City:
    city = monitored_city(retries=1, recoveries=1)
    Check.objects.filter(pk=city.checks["core"].pk).update(target="not-an-address")
    Check.objects.filter(pk=city.checks["site1"].pk).update(target="127.0.0.1")
    others = [city.checks[node].pk for node in city.checks if node not in ("core", "site1")]
    Check.objects.filter(pk__in=others).update(enabled=False)
    return city


def monitor(keeper: Keeper, seconds: float, flush_s: float) -> None:
    """Run ``run_monitor`` until ``seconds`` seconds after its first heartbeat, then stop
    it cleanly (raises what it raises)."""
    require_icmp()
    started: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
    done = threading.Event()

    async def go() -> None:
        started.append((asyncio.get_running_loop(), asyncio.Event()))
        await run_monitor(keeper, started[0][1], flush_s=flush_s, reload_s=60.0)

    def stop_later() -> None:
        try:
            while not done.is_set() and not MonitorHeartbeat.objects.exists():
                time.sleep(0.1)
            if not done.wait(seconds):
                loop, stop = started[0]
                with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                    loop.call_soon_threadsafe(stop.set)
        finally:
            connections.close_all()

    stopper = threading.Thread(target=stop_later)
    stopper.start()
    try:
        run(go())
    finally:
        done.set()
        stopper.join()


def flushes(log: Path) -> list[tuple[int, str]]:
    return [
        (int(pid), kind)
        for pid, kind, *_ in (line.split() for line in log.read_text().split("\n") if line)
    ]


def assert_written(city: City) -> None:
    """The core's failure and the site's answer are in the states, the minutes and one
    outage with its case."""
    states = {s.monitor_check_id: s for s in CheckState.objects.all()}
    core, site = states[city.checks["core"].pk], states[city.checks["site1"].pk]
    assert (core.status, core.last_ok, core.last_reason) == ("down", False, core.last_reason)
    assert core.last_reason.startswith("bad address")
    assert (site.status, site.last_ok) == ("up", True)
    assert site.last_rtt_ms is not None
    outage = Outage.objects.get()
    assert (outage.monitor_check_id, outage.ended_at) == (city.checks["core"].pk, None)
    assert outage.case_id is not None
    minutes = {m.monitor_check_id: m for m in ResultMinute.objects.all()}
    assert minutes[city.checks["site1"].pk].n_up >= 1
    assert minutes[city.checks["core"].pk].n_down >= 1


def test_it_writes_the_results_through_the_bookkeeping_process(city: City, tmp_path: Path) -> None:
    log = tmp_path / "flushes"
    monitor(PidKeeper(log), RUN_S, flush_s=0.2)
    assert_written(city)
    pids = {pid for pid, _kind in flushes(log)}
    assert len(pids) == 1
    assert os.getpid() not in pids  # the database was written by the other process
    assert [kind for _pid, kind in flushes(log)].count("flush") >= 2  # every 0.2 s
    beat = MonitorHeartbeat.objects.get()
    assert beat.checks == 2
    assert beat.icmp_sent >= 1
    assert beat.icmp_replies == beat.icmp_sent
    assert beat.probe_cpu_s > 0
    assert beat.bookkeeping_cpu_s > 0
    assert beat.missed_intervals == 0


def test_it_writes_everything_held_on_a_clean_stop(city: City, tmp_path: Path) -> None:
    log = tmp_path / "flushes"
    monitor(PidKeeper(log), RUN_S, flush_s=3600.0)  # no flush but the last one
    assert [kind for _pid, kind in flushes(log)] == ["final"]
    assert_written(city)


def children() -> set[int]:
    """The ids of this process's child processes."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with open(task / "children") as listed:
            found.update(int(pid) for pid in listed.read().split())
    return found


def test_it_stops_the_monitor_when_the_bookkeeping_process_dies(city: City) -> None:
    before = children()
    killed: list[int] = []

    def kill_the_child() -> None:
        wait_for("the bookkeeping process", lambda: bool(children() - before), 10)
        killed.extend(children() - before)
        time.sleep(1.0)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_child)
    killer.start()
    started = time.monotonic()
    with pytest.raises(BookkeeperDied, match="exit status -9"):
        monitor(Keeper(), 60.0, flush_s=0.2)
    killer.join()
    assert len(killed) == 1
    assert time.monotonic() - started < 10  # not the 60 s it was to run


def test_an_orphaned_bookkeeping_process_writes_what_it_holds(city: City) -> None:
    parent, child = socket.socketpair()
    keeper = Keeper()
    done: list[bool] = []

    def bookkeeping() -> None:
        try:
            done.append(keep(child, keeper, 3600.0, 3600.0))
        finally:
            connections.close_all()

    thread = threading.Thread(target=bookkeeping)
    thread.start()
    parent.settimeout(10)
    assert parent.recv(4) != b""  # the checks: it has loaded them
    at = time.time()
    results = [
        (city.checks["core"].pk, False, at, None, "timeout"),
        (city.checks["site1"].pk, True, at, 0.05, None),
    ]
    parent.sendall(frame("results", results))
    parent.close()  # as a SIGKILL of the probing process would
    thread.join(30)
    assert done == [False]
    states = {s.monitor_check_id: s.status for s in CheckState.objects.all()}
    assert states == {city.checks["core"].pk: "down", city.checks["site1"].pk: "up"}
    assert Outage.objects.filter(monitor_check=city.checks["core"]).count() == 1
