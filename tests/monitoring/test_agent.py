"""``jaga agent`` end to end (issue 7 item 5): a real agent (``run_agent``, in a thread and
event loop of its own: the browser tests keep Playwright's loop in the main thread) against
the live test server, with an ICMP check of 127.0.0.1 and a TCP check of a closed loopback
port, every 5 s. A loopback TCP proxy in front of the server, which the test closes and
opens, makes the server unreachable: results wait in the spool and then arrive, each exactly
once, also after the agent was killed. All traffic stays on 127.0.0.1. The ICMP check needs
root or CAP_NET_RAW (else Linux ping sockets); under CI=true a missing prerequisite fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jaga.inventory.models import Device, Site
from jaga.monitoring.agent import AgentStats, run_agent
from jaga.monitoring.models import Agent, Check, CheckKind, CheckState, ResultMinute
from jaga.monitoring.services import create_agent
from jaga.monitoring.spool import Spool, batch_sequences, load_batch
from tests.conftest import make_agency
from tests.monitoring.helpers import require_icmp, wait_for
from tests.monitoring.probe_servers import LOOPBACK, closed_port

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Fleet:
    """An agent with an ICMP check of 127.0.0.1 and a TCP check of a closed port."""

    agent: Agent
    token: str
    ping: Check
    tcp: Check

    @property
    def checks(self) -> list[Check]:
        return [self.ping, self.tcp]


@pytest.fixture
def fleet(transactional_db: None) -> Fleet:
    require_icmp()
    agency = make_agency("alpha")
    site = Site.objects.create(agency=agency, code="kecamatan", name="Kantor Kecamatan")
    device = Device.objects.create(agency=agency, site=site, name="Router", kind="router")
    agent, token = create_agent(agency, "kecamatan", by=None)
    common: dict[str, Any] = {
        "agency": agency,
        "device": device,
        "agent": agent,
        "interval_s": 5,
        "timeout_s": 1.0,
        "retries": 100,  # no outage: these tests are about delivery
    }
    ping = Check.objects.create(name="Ping", kind=CheckKind.ICMP, target=LOOPBACK, **common)
    tcp = Check.objects.create(
        name="TCP", kind=CheckKind.TCP, target=LOOPBACK, port=closed_port(), **common
    )
    return Fleet(agent, token, ping, tcp)


def server_port(live_server: Any) -> int:
    port = urlsplit(str(live_server.url)).port
    assert port is not None
    return port


class AgentThread:
    """``run_agent`` in a thread with an event loop of its own; ``stop()`` ends it cleanly,
    ``kill()`` cancels it (no final spooling or sending)."""

    def __init__(self, server: str, token: str, spool: Path) -> None:
        self.stats = AgentStats()
        self.error: BaseException | None = None
        self.killed = False
        self._ready = threading.Event()
        self._args = (server, token, spool)
        self._thread = threading.Thread(target=self._main, name="agent", daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    def _main(self) -> None:
        try:
            asyncio.run(self._agent())
        except asyncio.CancelledError:
            self.killed = True
        except BaseException as exc:
            self.error = exc
        finally:
            self._ready.set()

    async def _agent(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop_event = asyncio.Event()
        task = asyncio.current_task()
        assert task is not None
        self.task = task
        self._ready.set()
        await run_agent(
            *self._args, self.stop_event, push_s=0.5, max_backoff_s=1.0, stats=self.stats
        )

    def _end(self, how: Callable[[], object]) -> None:
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(how)
        self._thread.join(20)
        assert not self._thread.is_alive(), "the agent did not stop within 20 s"
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._end(self.stop_event.set)

    def kill(self) -> None:
        self._end(self.task.cancel)
        assert self.killed


class Proxy:
    """A loopback TCP proxy at ``port`` to ``target`` that the test opens (``up``) and closes
    (``down``: nothing listens, open connections are cut): the server going away."""

    def __init__(self, target: int) -> None:
        self.port, self.target = closed_port(), target
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="proxy", daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def up(self) -> None:
        asyncio.run_coroutine_threadsafe(self._up(), self.loop).result(5)

    def down(self) -> None:
        asyncio.run_coroutine_threadsafe(self._down(), self.loop).result(5)

    def close(self) -> None:
        self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    async def _up(self) -> None:
        self._server = await asyncio.start_server(
            self._pipe, LOOPBACK, self.port, reuse_address=True
        )

    async def _down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(LOOPBACK, self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(copy(reader, upstream), copy(upstream_reader, writer))
        self._writers -= {writer, upstream}


@pytest.fixture
def proxy(live_server: Any) -> Iterator[Proxy]:
    """A proxy in front of the live server, closed to begin with."""
    started = Proxy(server_port(live_server))
    yield started
    started.close()


@pytest.fixture
def agents() -> Iterator[Callable[[str, str, Path], AgentThread]]:
    """Start agents with ``agents(server, token, spool)``; any still running is killed."""
    started: list[AgentThread] = []

    def start(server: str, token: str, spool: Path) -> AgentThread:
        agent = AgentThread(server, token, spool)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        if agent._thread.is_alive():
            agent.kill()


def counted(check: Check) -> int:
    """Every run of ``check`` the server counted in its minutes."""
    return sum(
        r.n_up + r.n_down + r.n_unreachable + r.n_maintenance
        for r in ResultMinute.objects.filter(monitor_check=check)
    )


def batch_files(spool: Path) -> list[Path]:
    """The batch files waiting in ``spool``, oldest first, listed without a ``Spool``
    (its constructor removes ``*.tmp`` files, which would cut a running agent's write
    short)."""
    return [spool / f"{sequence:012d}.jsonl" for sequence in batch_sequences(spool)]


def lines_of(path: Path) -> list[dict[str, Any]]:
    """The results in batch file ``path``."""
    return load_batch(path).lines


def spooled(spool: Path) -> dict[int, int]:
    """The results waiting in ``spool``'s batch files, per check id."""
    found: dict[int, int] = {}
    for path in batch_files(spool):
        for line in lines_of(path):
            found[line["check"]] = found.get(line["check"], 0) + 1
    return found


def cache_assignments(spool: Path, token: str) -> None:
    """Write the agent's assignments to ``spool/assignments.json``, as a pull would."""
    response = Client().get(
        reverse("monitoring_api:assignments"), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    spool.mkdir(parents=True, exist_ok=True)
    (spool / "assignments.json").write_text(json.dumps(response.json()))


def test_the_agent_runs_its_checks_and_the_results_arrive(
    fleet: Fleet, live_server: Any, tmp_path: Path, agents: Callable[..., AgentThread]
) -> None:
    spool = tmp_path / "spool"
    agent = agents(f"http://{LOOPBACK}:{server_port(live_server)}", fleet.token, spool)
    wait_for(
        "two runs of each check at the server",
        lambda: all(counted(check) >= 2 for check in fleet.checks),
        15,
    )
    agent.stop()
    for check in fleet.checks:  # everything the agent ran arrived, once
        assert counted(check) == agent.stats.by_check[check.pk]
    ping = CheckState.objects.get(monitor_check=fleet.ping)
    assert (ping.status, ping.last_ok) == ("up", True)
    assert ping.last_rtt_ms is not None
    tcp = CheckState.objects.get(monitor_check=fleet.tcp)
    assert (tcp.last_ok, tcp.last_reason) == (False, "connection refused")
    assert agent.stats.sent == agent.stats.results
    assert agent.stats.pulls >= 1
    assert batch_files(spool) == []
    assert json.loads((spool / "assignments.json").read_text())["agent"] == "kecamatan"
    assert (spool / "assignments.json").stat().st_mode & 0o077 == 0
    fleet.agent.refresh_from_db()
    assert fleet.agent.last_seen_at is not None


def test_results_buffered_while_the_server_is_away_arrive_once(
    fleet: Fleet, proxy: Proxy, tmp_path: Path, agents: Callable[..., AgentThread]
) -> None:
    spool = tmp_path / "spool"
    cache_assignments(spool, fleet.token)
    agent = agents(proxy.url, fleet.token, spool)
    wait_for(
        "runs of each check spooled in two batch files at least",
        lambda: (
            all(spooled(spool).get(c.pk, 0) >= 1 for c in fleet.checks)
            and len(batch_files(spool)) >= 2
        ),
        12,
    )
    assert agent.stats.cached  # the server is away: it runs the cached assignments
    assert agent.stats.sent == 0
    assert agent.stats.send_failures >= 1
    assert not ResultMinute.objects.exists()

    proxy.up()
    wait_for("the spool drained", lambda: agent.stats.sent >= agent.stats.spooled > 0, 10)
    wait_for("a pull of the assignments", lambda: agent.stats.pulls >= 1, 5)
    agent.stop()

    for check in fleet.checks:
        assert counted(check) == agent.stats.by_check[check.pk]
    assert agent.stats.sent == agent.stats.results
    assert agent.stats.rejected == 0
    assert batch_files(spool) == []
    assert list((spool / "rejected").iterdir()) == []


def test_a_killed_agent_leaves_its_spool_to_the_next_run(
    fleet: Fleet, proxy: Proxy, tmp_path: Path, agents: Callable[..., AgentThread]
) -> None:
    spool = tmp_path / "spool"
    cache_assignments(spool, fleet.token)
    first = agents(proxy.url, fleet.token, spool)
    wait_for(
        "a run of each check spooled",
        lambda: all(spooled(spool).get(c.pk, 0) >= 1 for c in fleet.checks),
        12,
    )
    first.kill()
    left = spooled(spool)
    assert sum(left.values()) >= 2
    assert not ResultMinute.objects.exists()

    proxy.up()
    second = agents(proxy.url, fleet.token, spool)
    wait_for("the leftovers sent", lambda: second.stats.sent >= sum(left.values()), 10)
    second.stop()

    for check in fleet.checks:
        assert counted(check) == left[check.pk] + second.stats.by_check.get(check.pk, 0)
    assert batch_files(spool) == []


def test_a_refused_result_goes_to_rejected_and_the_rest_arrives(
    fleet: Fleet, live_server: Any, tmp_path: Path, agents: Callable[..., AgentThread]
) -> None:
    spool = tmp_path / "spool"
    store = Spool(spool)
    now = time.time()
    good = {"check": fleet.ping.pk, "at": now - 30, "ok": True, "rtt_ms": 1.0, "reason": None}
    foreign = good | {"check": fleet.ping.pk + 1000}
    ancient = good | {"at": now - 8 * 86_400}
    store.append([good, foreign, good | {"at": now - 29}])
    store.append([ancient])
    store.append([good | {"at": now - 28}])
    agent = agents(f"http://{LOOPBACK}:{server_port(live_server)}", fleet.token, spool)
    wait_for("the spool drained", lambda: batch_files(spool) == [], 10)
    agent.stop()

    rejected = {path.name: lines_of(path) for path in (spool / "rejected").iterdir()}
    assert rejected == {"000000000001.jsonl": [foreign], "000000000002.jsonl": [ancient]}
    assert agent.stats.rejected == 2
    assert counted(fleet.ping) == 3 + agent.stats.by_check.get(fleet.ping.pk, 0)


def test_the_agent_command_stops_cleanly_on_sigterm(
    fleet: Fleet, live_server: Any, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    env = {
        **os.environ,
        "JAGA_DATA_DIR": str(settings.DATA_DIR),
        "JAGA_AGENT_TOKEN": fleet.token,
    }
    argv = [sys.executable, "-m", "jaga", "agent", "--spool", str(spool), "--push", "0.5"]
    argv += ["--server", f"http://{LOOPBACK}:{server_port(live_server)}"]
    log = tmp_path / "agent.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for("a run of each check at the server", lambda: all(map(counted, fleet.checks)), 15)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert "jaga agent: stopped" in output
    assert fleet.token not in output
    assert batch_files(spool) == []
