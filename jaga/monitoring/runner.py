"""The monitor process (``jaga monitor``) and the engine it shares with ``jaga agent``.

``Probes`` turns a check into one probe: ICMP through the shared ``IcmpEngine`` (one raw
socket per address family), the other kinds through ``jaga.monitoring.probes``. The periodic
``Scheduler`` runs every check with a single task. ``run_monitor`` wires them to a ``Keeper``:
results go to ``Keeper.record`` in the loop; one database thread writes states and outages
every ``flush_s`` seconds, finished minutes every minute, reloads the checks every
``reload_s`` seconds, and writes its heartbeat (checks run, the ICMP engine's figures, among
them the replies the kernel dropped) every ``heartbeat.HEARTBEAT_S`` seconds. SIGTERM/SIGINT
stop it cleanly (everything is written); SIGKILL loses at most the last ``flush_s`` seconds
of results, the newest run times of steady checks (``keeper.LAST_RUN_STALE_S``) and the
current minute's rollups, never an outage (``jaga.monitoring.keeper``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.db import close_old_connections
from django.utils import timezone

from jaga.monitoring import probes
from jaga.monitoring.heartbeat import HEARTBEAT_S, Beat, monitor_name, write_heartbeat
from jaga.monitoring.icmp import IcmpEngine, ProbeOutcome
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import CheckKind
from jaga.monitoring.scheduler import Check, CheckResult, Scheduler
from jaga.monitoring.topology import CheckSpec

logger = logging.getLogger(__name__)
T = TypeVar("T")


def schedule_key(spec: CheckSpec) -> Check:
    """The scheduler's ``Check`` for ``spec``: its address is the check's id (the probe is
    looked up by it), with one attempt per run (``retries`` counts runs, not probes)."""
    return Check(str(spec.id), spec.interval_s, spec.timeout_s, 0)


class Probes:
    """The scheduler's prober: ``probe(str(check id), timeout)`` runs that check once.
    ``specs`` is replaced on reload (``update``)."""

    def __init__(self, icmp: IcmpEngine | None) -> None:
        self.icmp = icmp
        self.specs: dict[str, CheckSpec] = {}

    def update(self, specs: Iterable[CheckSpec]) -> None:
        """Use ``specs`` from now on."""
        self.specs = {str(spec.id): spec for spec in specs}

    def probe(self, key: str, timeout: float) -> asyncio.Future[ProbeOutcome]:
        """One run of check ``key`` within ``timeout`` seconds; the future never raises."""
        loop = asyncio.get_running_loop()
        spec = self.specs.get(key)
        if spec is not None and spec.kind == CheckKind.ICMP and self.icmp is not None:
            try:
                return self.icmp.probe(spec.address, timeout)
            except ValueError as exc:
                return _done(loop, key, f"bad address: {exc}")
        if spec is None:
            return _done(loop, key, "check removed")
        return loop.create_task(self._service(key, spec, timeout))

    async def _service(self, key: str, spec: CheckSpec, timeout: float) -> ProbeOutcome:
        try:
            outcome = await asyncio.wait_for(run_service(spec, timeout), timeout + 1.0)
        except (ValueError, TypeError) as exc:
            return ProbeOutcome(key, 0, None, f"bad check options: {exc}")
        except TimeoutError:
            return ProbeOutcome(key, 0, None, f"timeout after {timeout:g} s")
        except Exception as exc:  # a probe bug must not stop the monitor
            logger.exception("check %s failed to run", spec.id)
            return ProbeOutcome(key, 0, None, f"probe error: {exc}")
        if outcome.ok:
            return ProbeOutcome(key, 0, outcome.rtt_ms if outcome.rtt_ms is not None else 0.0)
        return ProbeOutcome(key, 0, None, outcome.reason or "failed")


def _done(loop: asyncio.AbstractEventLoop, key: str, reason: str) -> asyncio.Future[ProbeOutcome]:
    future: asyncio.Future[ProbeOutcome] = loop.create_future()
    future.set_result(ProbeOutcome(key, 0, None, reason))
    return future


async def run_service(spec: CheckSpec, timeout: float) -> probes.ServiceOutcome:
    """Run one TCP, HTTP(S), DNS or SNMP check of ``spec`` (its ``params`` as documented on
    ``models.Check``). Raises ``ValueError`` for options the probe refuses."""
    params: dict[str, Any] = dict(spec.params)
    if spec.kind == CheckKind.TCP:
        return await probes.check_tcp(spec.address, int(spec.port or 0), timeout)
    if spec.kind == CheckKind.HTTP:
        return await probes.check_http(
            str(params.get("url") or f"http://{spec.address}/"),
            timeout,
            expect_status=[int(s) for s in params.get("expect_status") or range(200, 400)],
            keyword=params.get("keyword") or None,
            cert_min_days=params.get("cert_min_days"),
        )
    if spec.kind == CheckKind.DNS:
        return await probes.check_dns(
            spec.address,
            str(params.get("name", "")),
            timeout,
            rdtype=str(params.get("rdtype", "A")),
            port=int(spec.port or 53),
            expect=[str(v) for v in params.get("expect") or ()],
        )
    if spec.kind == CheckKind.SNMP:
        return await probes.check_snmp(
            spec.address,
            timeout,
            port=int(spec.port or 161),
            version="3" if str(params.get("version", "2c")) == "3" else "2c",
            community=str(params.get("community", "public")),
            user=str(params.get("user", "")),
            auth_key=str(params.get("auth_key", "")),
            auth_protocol=params.get("auth_protocol") or None,
            priv_key=str(params.get("priv_key", "")),
            priv_protocol=params.get("priv_protocol") or None,
            interfaces=[int(i) for i in params.get("interfaces") or ()],
        )
    raise ValueError(f"unknown check kind {spec.kind!r}")


class Runner:
    """Runs a changing set of ``CheckSpec``s on one scheduler and reports each result to
    ``on_result(check id, ok, at UNIX seconds, rtt ms or None, reason or None)``; used by
    ``jaga monitor`` and ``jaga agent``."""

    def __init__(self, on_result: Callable[[int, bool, float, float | None, str | None], None]):
        self.on_result = on_result
        self.icmp: IcmpEngine | None = None
        self.probes = Probes(None)
        self.scheduler = Scheduler(self.probes, on_result=self._result)
        self._keys: dict[int, Check] = {}

    async def start(self) -> None:
        """Open the ICMP engine (raw sockets need root or CAP_NET_RAW; without them it falls
        back to ping sockets, and failing that ICMP checks fail with the reason)."""
        engine = IcmpEngine()
        try:
            await engine.start()
        except OSError as exc:
            logger.error("ICMP is unavailable, ICMP checks will fail: %s", exc)
            return
        self.icmp = self.probes.icmp = engine

    async def close(self) -> None:
        """Close the ICMP engine."""
        if self.icmp is not None:
            await self.icmp.close()

    def sync(self, specs: Iterable[CheckSpec]) -> None:
        """Schedule exactly ``specs``: new checks are added, removed ones dropped, changed
        timing rescheduled."""
        wanted = {spec.id: spec for spec in specs}
        self.probes.update(wanted.values())
        for pk, key in list(self._keys.items()):
            spec = wanted.get(pk)
            if spec is None or schedule_key(spec) != key:
                self.scheduler.remove(key)
                del self._keys[pk]
        for pk, spec in wanted.items():
            if pk not in self._keys and (spec.address or spec.kind == CheckKind.HTTP):
                key = schedule_key(spec)
                self.scheduler.add(key)
                self._keys[pk] = key

    def beat(self) -> Beat:
        """The figures of a heartbeat, now (call it in the event loop)."""
        icmp = dataclasses.replace(self.icmp.counters) if self.icmp is not None else None
        return Beat(len(self._keys), icmp)

    def _result(self, result: CheckResult) -> None:
        self.on_result(
            int(result.check.address), result.up, time.time(), result.rtt_ms, result.reason
        )


async def run_monitor(
    keeper: Keeper,
    stop: asyncio.Event,
    *,
    flush_s: float = 1.0,
    reload_s: float = 15.0,
) -> None:
    """Run ``keeper``'s checks until ``stop`` is set, then write everything and return.
    Writes the monitor's heartbeat (``jaga.monitoring.heartbeat``) as it runs and stops."""
    loop = asyncio.get_running_loop()
    db = ThreadPoolExecutor(1, thread_name_prefix="jaga-db")

    async def in_db(fn: Callable[[], T]) -> T:
        def call() -> T:
            close_old_connections()
            return fn()

        return await loop.run_in_executor(db, call)

    def record(pk: int, ok: bool, at: float, rtt: float | None, reason: str | None) -> None:
        keeper.record(pk, ok, at, rtt, reason)

    runner = Runner(record)
    await runner.start()
    runner.sync(await in_db(keeper.load))
    scheduled = loop.create_task(runner.scheduler.run())
    logger.info("monitoring %d checks", len(runner.probes.specs))
    started_at = timezone.now()
    name = await in_db(lambda: monitor_name(keeper.agencies))

    def heartbeat(beat: Beat) -> None:
        write_heartbeat(name, keeper.agencies, started_at, beat)

    last_reload = last_minute = last_beat = loop.time()
    await in_db(functools.partial(heartbeat, runner.beat()))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), flush_s)
            try:
                await in_db(keeper.flush)
                if loop.time() - last_minute >= 60 or _minute_turned(last_minute, loop):
                    last_minute = loop.time()
                    await in_db(lambda: keeper.flush_rollups(time.time()))
                if loop.time() - last_reload >= reload_s:
                    last_reload = loop.time()
                    runner.sync(await in_db(keeper.load))
                if loop.time() - last_beat >= HEARTBEAT_S:
                    last_beat = loop.time()
                    await in_db(functools.partial(heartbeat, runner.beat()))
            except Exception:  # the database may be away for a while: keep probing
                logger.exception("could not write the monitor's results; retrying")
    finally:
        runner.scheduler.stop()
        await scheduled
        await runner.close()
        try:
            await in_db(lambda: keeper.flush(final=True))
            await in_db(keeper.flush_rollups)
            await in_db(functools.partial(heartbeat, runner.beat()))
        finally:
            await in_db(_close_connections)
            db.shutdown(wait=True)


def _minute_turned(last: float, loop: asyncio.AbstractEventLoop) -> bool:
    """Whether a wall-clock minute started since loop time ``last``."""
    elapsed = loop.time() - last
    return int(time.time() // 60) != int((time.time() - elapsed) // 60)


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()
