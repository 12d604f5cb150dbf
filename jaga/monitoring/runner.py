"""The monitor process (``jaga monitor``) and the engine it shares with ``jaga agent``.

``Probes`` turns a check into one probe: ICMP through the shared ``IcmpEngine`` (one raw
socket per address family), the other kinds through ``jaga.monitoring.probes``. The periodic
``Scheduler`` runs every check with a single task. ``run_monitor`` wires them to a ``Keeper``
in a bookkeeping process of its own (``jaga.monitoring.bookkeeper``): this process only
probes, and sends the results there in batches; that one applies them
(``Keeper.record``), writes states and outages every ``flush_s`` seconds and finished
minutes every minute, reloads the checks every ``reload_s`` seconds (sending back what
changed), and writes the heartbeat (checks run, the ICMP engine's figures, among them the
replies the kernel dropped, missed intervals, both processes' CPU) every
``heartbeat.HEARTBEAT_S`` seconds. SIGTERM/SIGINT stop it cleanly (everything is written);
a SIGKILL of this process makes the bookkeeping process write what it holds and exit; a
SIGKILL of the bookkeeping process loses at most the last ``flush_s`` seconds of results,
the newest run times of steady checks (``keeper.LAST_RUN_STALE_S``) and the current
minute's rollups, never an outage (``jaga.monitoring.keeper``), and stops this one with
``BookkeeperDied``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from jaga.monitoring import probes
from jaga.monitoring.bookkeeper import Bookkeeper, BookkeeperDied, Changes
from jaga.monitoring.heartbeat import HEARTBEAT_S, Beat
from jaga.monitoring.icmp import IcmpEngine, ProbeOutcome
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import CheckKind
from jaga.monitoring.scheduler import Check, CheckResult, Scheduler
from jaga.monitoring.topology import CheckSpec

logger = logging.getLogger(__name__)


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
        wanted = list(specs)
        ids = {str(spec.id) for spec in wanted}
        self.change(wanted, [int(key) for key in self.probes.specs if key not in ids])

    def change(self, changed: Iterable[CheckSpec], removed: Iterable[int]) -> None:
        """Apply what a reload changed: ``changed`` new or changed specs (a changed timing
        is rescheduled), ``removed`` the ids of checks no longer run."""
        for pk in removed:
            self.probes.specs.pop(str(pk), None)
            key = self._keys.pop(pk, None)
            if key is not None:
                self.scheduler.remove(key)
        for spec in changed:
            self.probes.specs[str(spec.id)] = spec
            runnable = bool(spec.address) or spec.kind == CheckKind.HTTP
            wanted = schedule_key(spec) if runnable else None
            key = self._keys.get(spec.id)
            if key is not None and key != wanted:
                self.scheduler.remove(key)
                del self._keys[spec.id]
            if wanted is not None and spec.id not in self._keys:
                self.scheduler.add(wanted)
                self._keys[spec.id] = wanted

    def beat(self) -> Beat:
        """The figures of a heartbeat, now (call it in the event loop), with this process's
        CPU seconds as ``probe_cpu_s``."""
        icmp = dataclasses.replace(self.icmp.counters) if self.icmp is not None else None
        missed = self.scheduler.missed_intervals
        return Beat(len(self._keys), icmp, missed, probe_cpu_s=time.process_time())

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
    """Run ``keeper``'s checks until ``stop`` is set, then have everything written and
    return. The ``Keeper`` and the database live in the bookkeeping process this starts
    (``jaga.monitoring.bookkeeper``): this process probes and sends it the results, every
    ``bookkeeper.SEND_S`` seconds, and its heartbeat figures every ``HEARTBEAT_S``. Raises
    ``BookkeeperDied`` (after closing the engine) if that process ends before it is told to
    stop or fails to write everything then."""
    loop = asyncio.get_running_loop()
    loaded = asyncio.Event()

    def on_checks(changes: Changes) -> None:
        runner.change(*changes)
        loaded.set()

    bookkeeper = Bookkeeper(on_checks)
    runner = Runner(bookkeeper.add)
    await bookkeeper.start(keeper, flush_s, reload_s)
    await runner.start()
    scheduled: asyncio.Task[None] | None = None
    try:
        await _first(loaded, bookkeeper.died, stop)
        if loaded.is_set() and not bookkeeper.died.is_set():
            scheduled = loop.create_task(runner.scheduler.run())
            await asyncio.sleep(0)  # it starts: a stop() before its start would be undone
            logger.info("monitoring %d checks", len(runner.probes.specs))
            bookkeeper.send("beat", runner.beat())
        while not stop.is_set() and not bookkeeper.died.is_set():
            await _first(stop, bookkeeper.died, timeout=HEARTBEAT_S)
            bookkeeper.send("beat", runner.beat())
    finally:
        runner.scheduler.stop()
        if scheduled is not None:
            await scheduled
        await runner.close()
    if bookkeeper.died.is_set():
        code = await bookkeeper.wait()
        raise BookkeeperDied(f"the bookkeeping process ended with exit status {code}")
    await bookkeeper.stop(runner.beat())


async def _first(*events: asyncio.Event, timeout: float | None = None) -> None:
    """Wait until one of ``events`` is set, or ``timeout`` seconds."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
