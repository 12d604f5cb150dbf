"""The remote agent (``jaga agent``; issue 7 item 5; docs/monitoring.md, "Remote agents").

``run_agent`` runs the checks the server assigns to the agent on the monitor's own engine
(``runner.Runner``), and pushes their results to the server (``jaga.monitoring.api``):

- Assignments: pulled at start and every ``reload_s`` seconds (the server says how often).
  Each successful pull is cached in ``<spool>/assignments.json`` (mode 0600: SNMP options
  hold secrets). While the server cannot be reached the pulls are retried with backoff, and
  an agent that has no assignments yet runs the cached ones meanwhile.
- Results: each finished run is kept in memory; every ``push_s`` seconds the pending ones
  are written to the spool directory as one batch file (JSON Lines, one result per line,
  ``<sequence>.jsonl`` with a 12-digit sequence number that only grows, so the order is
  kept), written to a temporary name, fsync'd and renamed. Each batch has an id chosen
  when it is spooled (``spool.Batch``) and sent with it every time. Then the batch files
  are sent oldest first (several batches per request, up to ``api.MAX_RESULTS`` results and
  ``api.MAX_BATCHES`` batches); a file is deleted only once the server answered 2xx,
  "already applied" included.
- Failures: a connection error, a timeout, a 5xx, 401/403 (a token refused: fix it and the
  buffered results still arrive), 404/405 (a wrong server URL), 408, 425 or 429 keep the
  files, retried after a backoff that doubles from 1 s up to ``max_backoff_s`` (60 s).
  A 400 naming the bad results (``errors[].batch`` and ``.index``) moves just those lines to
  ``<spool>/rejected/<sequence>.jsonl`` and sends the rest again; any other 400, 413 or
  422 sends the files of the request one by one, and a file refused on its own is moved to
  ``rejected/`` whole. A poisoned batch never blocks the ones after it.
- Restarts: files left by an earlier run (a killed agent) are sent first; a kill loses at
  most the last ``push_s`` seconds of results (not yet spooled), never a spooled one.
  ``stop`` ends it cleanly: the runs in progress finish, every result is spooled and one
  last send is attempted (at most ``FINAL_SEND_S`` seconds).

Delivery is exactly once: a request whose answer is lost after the server applied it is
sent again, and the server, which keeps the ids of the batches it applied, answers "already
applied" for them (issue 13 point 8). Failure reasons are cleaned of control characters
and cut to ``api.MAX_REASON`` (``api.clean_reason``) before they are spooled, so the server
never refuses a result of the agent's own probes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from jaga.monitoring.api import MAX_BATCHES, MAX_RESULTS, clean_reason
from jaga.monitoring.models import CheckKind
from jaga.monitoring.runner import Runner
from jaga.monitoring.spool import Batch, Line, Spool, SpoolError
from jaga.monitoring.state import Policy
from jaga.monitoring.topology import CheckSpec

logger = logging.getLogger(__name__)

#: Where the protocol lives under the server's URL.
API_PATH = "api/monitor/v1/"
#: Seconds the last send of a stopping agent may take.
FINAL_SEND_S = 10.0
#: Results kept in memory at most while the spool cannot be written (the oldest go first).
MAX_MEMORY_RESULTS = 500_000
#: Bounds of the server's ``reload_s``, in seconds.
RELOAD_BOUNDS = (5.0, 3600.0)
#: Answers that say nothing about the batch: keep it and try again later.
RETRY_STATUSES = frozenset({401, 403, 404, 405, 408, 425, 429})
#: Answers that refuse the batch itself.
REFUSED_STATUSES = frozenset({400, 413, 422})


def api_base(server: str) -> str:
    """The protocol's base URL under ``server`` (``https://jaga.example.go.id`` or a
    sub-path), ending in ``/``. Raises ``ValueError`` unless it is an http(s) URL with a
    host and without a query or fragment."""
    parts = urlsplit(server.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{server!r} is not an http:// or https:// URL with a host")
    if parts.query or parts.fragment:
        raise ValueError(f"{server!r}: give the server's URL without a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/{API_PATH}"


@dataclass(slots=True)
class AgentStats:
    """Running totals of one ``run_agent``, for tests and logs (counts of results unless
    named otherwise): ``results`` finished runs (``by_check``: per check id), ``spooled``
    written to batch files, ``sent`` accepted by the server, ``rejected`` moved to
    ``rejected/``, ``send_failures`` requests to retry later, ``pulls`` successful pulls of
    the assignments, ``checks`` checks now scheduled, ``cached`` whether the cached
    assignments are in use."""

    results: int = 0
    by_check: dict[int, int] = field(default_factory=dict)
    spooled: int = 0
    sent: int = 0
    rejected: int = 0
    send_failures: int = 0
    pulls: int = 0
    checks: int = 0
    cached: bool = False


class Backoff:
    """Delays that double from ``first`` to at most ``cap`` seconds (with +-20 % jitter, so
    many agents do not retry in step); ``reset`` after a success."""

    def __init__(self, cap: float, first: float = 1.0) -> None:
        self.cap, self.first = cap, min(first, cap)
        self.current = self.first

    def next(self) -> float:
        """The delay to wait now, in seconds."""
        delay = min(self.cap, self.current * random.uniform(0.8, 1.2))
        self.current = min(self.cap, self.current * 2)
        return delay

    def reset(self) -> None:
        self.current = self.first


# -- assignments ---------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def spec_from_json(item: object) -> CheckSpec:
    """One check of the assignments answer as a ``CheckSpec`` (thresholds are the server's
    business: default ``Policy``). Raises ``ValueError`` for a malformed check."""
    if not isinstance(item, dict):
        raise ValueError("a check must be a JSON object")
    pk, port, params = item.get("id"), item.get("port"), item.get("params", {})
    interval, timeout = _finite(item.get("interval_s")), _finite(item.get("timeout_s"))
    if isinstance(pk, bool) or not isinstance(pk, int) or pk < 1:
        raise ValueError(f"bad check id {pk!r}")
    if item.get("kind") not in CheckKind.values:
        raise ValueError(f"check {pk}: unknown kind {item.get('kind')!r}")
    if not isinstance(item.get("name"), str) or not isinstance(item.get("address"), str):
        raise ValueError(f"check {pk}: name and address must be strings")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
        raise ValueError(f"check {pk}: bad port {port!r}")
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"check {pk}: port {port} out of range")
    if not isinstance(params, dict):
        raise ValueError(f"check {pk}: params must be an object")
    if interval is None or timeout is None or not 0 < timeout <= interval:
        raise ValueError(f"check {pk}: needs 0 < timeout_s <= interval_s")
    return CheckSpec(
        id=pk,
        agency_id=0,
        name=str(item["name"]),
        kind=str(item["kind"]),
        address=str(item["address"]),
        port=port,
        params=params,
        interval_s=interval,
        timeout_s=timeout,
        policy=Policy(),
        device_id=None,
        site_id=None,
        parent_device_id=None,
        agent_id=None,
    )


def assignments_from_json(payload: object) -> tuple[list[CheckSpec], float]:
    """The checks and the reload interval (seconds, clamped to ``RELOAD_BOUNDS``) of an
    assignments answer. Malformed checks are logged and left out; raises ``ValueError``
    when ``payload`` is not an assignments object at all."""
    if not isinstance(payload, dict) or not isinstance(payload.get("checks"), list):
        raise ValueError('the assignments must be a JSON object with a "checks" list')
    specs = []
    for item in payload["checks"]:
        try:
            specs.append(spec_from_json(item))
        except ValueError as exc:
            logger.warning("ignoring an assigned check: %s", exc)
    reload_s = _finite(payload.get("reload_s")) or 60.0
    return specs, min(max(reload_s, RELOAD_BOUNDS[0]), RELOAD_BOUNDS[1])


# -- the agent -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Answer:
    """What one POST of results came to: ``done`` (2xx, ``accepted`` results), ``retry``
    (keep the files), else refused with the server's per-result ``bad`` (batch, index)
    positions (None when it named none)."""

    done: bool = False
    accepted: int = 0
    retry: bool = False
    bad: set[tuple[int, int]] | None = None


class RemoteAgent:
    """One ``jaga agent``: see the module docstring. ``run(stop)`` until ``stop`` is set."""

    def __init__(
        self,
        server: str,
        token: str,
        spool: Path,
        *,
        push_s: float = 2.0,
        max_backoff_s: float = 60.0,
        stats: AgentStats | None = None,
    ) -> None:
        if push_s <= 0 or max_backoff_s <= 0:
            raise ValueError("push_s and max_backoff_s must be positive")
        self.base = api_base(server)
        self.token = token
        self.spool_dir = spool
        self.push_s, self.max_backoff_s = push_s, max_backoff_s
        self.stats = stats if stats is not None else AgentStats()
        self.pending: list[Line] = []
        self.runner = Runner(self._collect)
        self.loaded = False  # assignments pulled (or cached) and scheduled
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()

    # -- results -----------------------------------------------------------------------

    def _collect(
        self, check_id: int, ok: bool, at: float, rtt_ms: float | None, reason: str | None
    ) -> None:
        self.pending.append(
            {
                "check": check_id,
                "at": at,
                "ok": ok,
                "rtt_ms": rtt_ms if ok else None,
                "reason": None if ok else clean_reason(reason or "failed"),
            }
        )
        self.stats.results += 1
        self.stats.by_check[check_id] = self.stats.by_check.get(check_id, 0) + 1
        if len(self.pending) > MAX_MEMORY_RESULTS:
            dropped = len(self.pending) - MAX_MEMORY_RESULTS
            del self.pending[:dropped]
            logger.error("the spool cannot be written: dropped the %d oldest results", dropped)

    async def spool_pending(self, spool: Spool) -> None:
        """Write the pending results to a batch file; on a disk error they stay pending."""
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            await asyncio.to_thread(spool.append, batch)
        except OSError as exc:
            logger.error("cannot write the spool in %s: %s", spool.directory, exc)
            self.pending[:0] = batch
            return
        self.stats.spooled += len(batch)

    # -- sending -----------------------------------------------------------------------

    async def _post(self, client: httpx.AsyncClient, batches: list[Batch]) -> _Answer:
        body = {"batches": [{"id": batch.id, "results": batch.lines} for batch in batches]}
        total = sum(len(batch.lines) for batch in batches)
        try:
            response = await client.post("results/", json=body)
        except httpx.HTTPError as exc:
            logger.warning("cannot send results to %s: %s", self.base, exc or type(exc).__name__)
            return _Answer(retry=True)
        if response.is_success:
            try:
                accepted = int(response.json().get("accepted", total))
            except (ValueError, AttributeError, TypeError, RecursionError):
                accepted = total
            return _Answer(done=True, accepted=accepted)
        detail = response.text[:500]
        if response.status_code in REFUSED_STATUSES:
            logger.error("the server refused results (%s): %s", response.status_code, detail)
            return _Answer(bad=_bad_indexes(response))
        if response.status_code in (401, 403):
            logger.error("the server refused the agent's token (%s)", response.status_code)
        else:
            logger.warning("the server answered %s: %s", response.status_code, detail)
        return _Answer(retry=True)

    async def send_pending(
        self, client: httpx.AsyncClient, spool: Spool, *, until_closing: bool = False
    ) -> bool:
        """Send the batch files oldest first until none is left (True) or the server
        cannot take them now (False: retry later). ``until_closing``: stop between two
        requests once the agent is stopping (False)."""
        while files := spool.files():
            if until_closing and self._closing.is_set():
                return False
            batch: list[Batch] = []
            count = 0
            for path in files:
                try:
                    loaded = await asyncio.to_thread(spool.load, path)
                except (SpoolError, OSError) as exc:
                    logger.error("moving an unreadable spool file to rejected/: %s", exc)
                    await asyncio.to_thread(spool.reject, path)
                    break
                if not loaded.lines:  # nothing to send
                    await asyncio.to_thread(spool.delete, [path])
                    continue
                if batch and (count + len(loaded.lines) > MAX_RESULTS or len(batch) >= MAX_BATCHES):
                    break
                batch.append(loaded)
                count += len(loaded.lines)
            if not batch:
                continue
            if not await self._deliver(client, spool, batch):
                return False
        return True

    async def _deliver(self, client: httpx.AsyncClient, spool: Spool, batch: list[Batch]) -> bool:
        """Send ``batch`` (spooled batches) in one request and settle its files. False
        when the server cannot take it now."""
        answer = await self._post(client, batch)
        if answer.retry:
            self.stats.send_failures += 1
            return False
        if answer.done:
            await asyncio.to_thread(spool.delete, [item.path for item in batch])
            self.stats.sent += answer.accepted
            return True
        named = {
            (number, index)
            for number, index in answer.bad or ()
            if number < len(batch) and index < len(batch[number].lines)
        }
        if named:
            for number, item in enumerate(batch):
                bad = [line for i, line in enumerate(item.lines) if (number, i) in named]
                if bad:
                    good = [line for i, line in enumerate(item.lines) if (number, i) not in named]
                    await asyncio.to_thread(spool.reject, item.path, bad)
                    await asyncio.to_thread(spool.replace, item, good)
                    self.stats.rejected += len(bad)
            return True  # the rest goes again (each round rejects at least one line)
        if len(batch) > 1:  # find the file the server refuses
            for item in batch:
                if not await self._deliver(client, spool, [item]):
                    return False
            return True
        item = batch[0]
        logger.error("moved %s (%d results) to %s", item.path.name, len(item.lines), spool.rejected)
        await asyncio.to_thread(spool.reject, item.path)
        self.stats.rejected += len(item.lines)
        return True

    async def _send_loop(self, client: httpx.AsyncClient, spool: Spool) -> None:
        backoff = Backoff(self.max_backoff_s)
        while not self._closing.is_set():
            await self._wake.wait()
            self._wake.clear()
            if self._closing.is_set():
                return
            try:
                sent = await self.send_pending(client, spool, until_closing=True)
            except Exception:  # a disk error: keep the files, try again later
                logger.exception("cannot send the spooled results")
                sent = False
            if sent:
                backoff.reset()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), backoff.next())
            self._wake.set()

    # -- assignments -------------------------------------------------------------------

    async def pull(self, client: httpx.AsyncClient, spool: Spool) -> float:
        """Fetch, schedule and cache the assignments; returns the reload interval in
        seconds. Raises ``httpx.HTTPError`` or ``ValueError`` on failure."""
        response = await client.get("assignments/")
        response.raise_for_status()
        payload = response.json()
        specs, reload_s = assignments_from_json(payload)
        self._schedule(specs)
        self.stats.pulls += 1
        self.stats.cached = False
        try:
            await asyncio.to_thread(spool.save_assignments, payload)
        except OSError as exc:
            logger.warning("cannot cache the assignments: %s", exc)
        return reload_s

    def _schedule(self, specs: list[CheckSpec]) -> None:
        if self.stats.checks != len(specs) or not self.loaded:
            logger.info("running %d checks", len(specs))
        self.runner.sync(specs)
        self.stats.checks = len(specs)
        self.loaded = True

    async def _pull_loop(self, client: httpx.AsyncClient, spool: Spool) -> None:
        backoff = Backoff(self.max_backoff_s)
        while not self._closing.is_set():
            try:
                delay = await self.pull(client, spool)
                backoff.reset()
            except Exception as exc:  # unreachable, refused, malformed: try again later
                logger.warning("cannot pull the assignments from %s: %s", self.base, exc)
                delay = backoff.next()
                if not self.loaded:
                    self._run_cached(spool)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)

    def _run_cached(self, spool: Spool) -> None:
        payload = spool.load_assignments()
        if payload is None:
            return
        try:
            specs, _ = assignments_from_json(payload)
        except ValueError as exc:
            logger.warning("ignoring the cached assignments: %s", exc)
            return
        logger.info("running the cached assignments until the server answers")
        self._schedule(specs)
        self.stats.cached = True

    # -- the whole -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set, then spool everything and send it once more. When the
        task is cancelled instead (a kill), nothing more is spooled or sent."""
        spool = await asyncio.to_thread(Spool, self.spool_dir)
        left = len(spool.files())
        if left:
            logger.info("%d spooled batch files from an earlier run to send", left)
        client = httpx.AsyncClient(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token}", "User-Agent": "jaga-agent/1"},
            timeout=httpx.Timeout(30.0, connect=5.0),
        )
        await self.runner.start()
        scheduled = asyncio.create_task(self.runner.scheduler.run())
        sender = asyncio.create_task(self._send_loop(client, spool))
        puller = asyncio.create_task(self._pull_loop(client, spool))
        self._wake.set()  # the leftovers first
        killed = False
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.push_s)
                await self.spool_pending(spool)
                self._wake.set()
        except asyncio.CancelledError:
            killed = True
            raise
        finally:
            self._closing.set()
            self._wake.set()
            self.runner.scheduler.stop()
            puller.cancel()  # a pull in flight is of no use any more
            if killed:
                scheduled.cancel()
                sender.cancel()
            await self._finish(scheduled, sender, puller, killed)
            if not killed:
                await self.spool_pending(spool)
                try:
                    await asyncio.wait_for(self.send_pending(client, spool), FINAL_SEND_S)
                except TimeoutError:
                    logger.warning("the last send timed out; the spool keeps the rest")
                except Exception:
                    logger.exception("cannot send the spooled results")
            await self.runner.close()
            await client.aclose()
            left = len(spool.files())
            if left:
                logger.info("%d batch files wait in %s for the next run", left, spool.directory)

    @staticmethod
    async def _finish(
        scheduled: asyncio.Task[None],
        sender: asyncio.Task[None],
        puller: asyncio.Task[None],
        killed: bool,
    ) -> None:
        """Wait for the scheduler (runs in progress finish), the (cancelled) puller and the
        sender (a request in flight completes, at most ``FINAL_SEND_S`` seconds)."""
        with contextlib.suppress(asyncio.CancelledError):
            await scheduled
        with contextlib.suppress(asyncio.CancelledError):
            await puller
        if not killed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(sender), FINAL_SEND_S)
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


def _bad_indexes(response: httpx.Response) -> set[tuple[int, int]] | None:
    """The (batch, index) positions of the results a 400 answer names (``errors[].batch``,
    ``.index``), or None."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(errors, list):
        return None
    positions = {
        (e["batch"], e["index"])
        for e in errors
        if isinstance(e, dict)
        and all(
            isinstance(e.get(key), int) and not isinstance(e[key], bool) and e[key] >= 0
            for key in ("batch", "index")
        )
    }
    return positions or None


async def run_agent(
    server: str,
    token: str,
    spool: Path,
    stop: asyncio.Event,
    *,
    push_s: float = 2.0,
    max_backoff_s: float = 60.0,
    stats: AgentStats | None = None,
) -> None:
    """Run the agent of ``token`` against the Jaga at ``server`` (its base URL) with the
    spool directory ``spool`` until ``stop`` is set (module docstring). ``push_s``: seconds
    between two spool-and-send rounds; ``max_backoff_s``: the longest wait between retries;
    ``stats``: filled in as it runs. Raises ``ValueError`` for a server URL that is not
    http(s) or non-positive timings, ``OSError`` when the spool directory cannot be made."""
    agent = RemoteAgent(
        server, token, spool, push_s=push_s, max_backoff_s=max_backoff_s, stats=stats
    )
    await agent.run(stop)
