"""Periodic ICMP checks on one shared ``IcmpEngine``: the timing core of ``jaga monitor``.

One task drives every check from a heap of due times (event-loop time: monotonic seconds).
First runs are spread over each check's interval (stratified jitter) so N checks never start
in one burst. A run probes its address, retrying a lost probe up to ``retries`` times, and is
due again exactly one interval after its previous due time (fixed rate, no drift). Runs of one
check never overlap: a run due while the previous one is still going starts when it ends. A
run that starts more than one interval after its due time counts the intervals it skipped
as missed.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from jaga.monitoring.icmp import ProbeOutcome


class Prober(Protocol):
    """What the scheduler needs of an engine (``IcmpEngine`` fits)."""

    def probe(self, address: str, timeout: float) -> asyncio.Future[ProbeOutcome]: ...


@dataclass(frozen=True, slots=True)
class Check:
    """One periodic ICMP check: probe ``address`` (an IP literal) every ``interval``
    seconds, waiting ``timeout`` seconds per probe, with up to ``retries`` more probes after
    a lost one. A run must fit in its interval: raises ``ValueError`` unless
    ``timeout * (retries + 1) <= interval`` and all are positive (retries >= 0)."""

    address: str
    interval: float
    timeout: float
    retries: int = 0

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.timeout <= 0 or self.retries < 0:
            raise ValueError(f"{self.address}: interval and timeout must be > 0, retries >= 0")
        if self.timeout * (self.retries + 1) > self.interval * (1 + 1e-9):
            raise ValueError(
                f"{self.address}: timeout x (retries + 1) = "
                f"{self.timeout * (self.retries + 1):g} s exceeds the {self.interval:g} s interval"
            )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One finished run of a check. Times are event-loop (monotonic) seconds: ``due`` when
    the run was due, ``started`` when its first probe was sent, ``lateness`` = started - due
    (slightly negative when the scheduler's ``granularity`` started it early).
    ``rtt_ms`` is the answering probe's round-trip time in milliseconds, or ``None`` when all
    ``attempts`` were lost; ``reason`` is then the last loss reason."""

    check: Check
    due: float
    started: float
    attempts: int
    rtt_ms: float | None
    reason: str | None = None

    @property
    def up(self) -> bool:
        """True when some probe of the run was answered."""
        return self.rtt_ms is not None

    @property
    def lateness(self) -> float:
        """Seconds from the due time to the first probe (>= -granularity)."""
        return self.started - self.due


@dataclass(slots=True)
class CheckStats:
    """Running totals of one check: ``runs`` finished (``up`` + ``down``), ``probes`` sent
    (including retries), ``missed_intervals`` (intervals whose run started more than one
    interval late or was skipped), ``max_lateness`` in seconds; and the last run's
    ``last_rtt_ms`` (``None`` when it was down or none finished) and ``last_reason``.

    Plain numbers, updated in place: thousands of checks keep no result objects alive, so
    the garbage collector's full passes stay rare and short."""

    runs: int = 0
    up: int = 0
    down: int = 0
    probes: int = 0
    missed_intervals: int = 0
    max_lateness: float = 0.0
    last_rtt_ms: float | None = None
    last_reason: str | None = None


@dataclass(slots=True, eq=False)
class _Slot:
    check: Check
    number: int
    stats: CheckStats = field(default_factory=CheckStats)
    running: bool = False
    deferred: float | None = None  # the due time of a run waiting for the running one


class Scheduler:
    """Runs periodic ``Check``s on one engine with a single task.

    ``on_result`` is called (in the loop, synchronously: keep it short) with each finished
    ``CheckResult``. ``rng`` seeds the jitter of first runs (tests pass a seeded one).
    ``granularity`` (seconds) lets one wake-up also start the runs due within that much
    time (and within a tenth of their interval), so runs may start up to that early
    (negative lateness). Each wake-up of the loop
    costs about as much as a probe, so batching matters: at 10,000 checks every 10 s,
    0.05 s uses a third of the CPU of 0 (docs/monitoring.md).
    Checks may be added and removed while running; a check is identified by its value, so
    adding an equal one twice raises ``ValueError``. ``missed_intervals`` counts every
    check's missed intervals since the scheduler was made (``CheckStats`` has each one's).
    """

    def __init__(
        self,
        engine: Prober,
        checks: Iterable[Check] = (),
        *,
        on_result: Callable[[CheckResult], None] | None = None,
        rng: random.Random | None = None,
        granularity: float = 0.05,
    ) -> None:
        self.engine = engine
        self.granularity = granularity
        self.on_result = on_result
        self._rng = rng or random.Random()
        self._slots: dict[Check, _Slot] = {}
        self._numbered: dict[int, _Slot] = {}
        # (due, slot number): tuples of numbers only, which the garbage collector untracks.
        self._heap: list[tuple[float, int]] = []
        self._numbers = itertools.count()
        self._pending: list[_Slot] = []
        self._running = 0
        self._stopping = False
        self._end: float | None = None
        self._wake: asyncio.Future[None] | None = None
        self._idle: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.missed_intervals = 0
        for check in checks:
            self.add(check)

    @property
    def checks(self) -> list[Check]:
        """The scheduled checks, in the order they were added."""
        return list(self._slots)

    def stats(self, check: Check) -> CheckStats:
        """The running totals of ``check``; raises ``KeyError`` if it is not scheduled."""
        return self._slots[check].stats

    def add(self, check: Check) -> None:
        """Schedule ``check``; its first run falls at a random point of its first interval.
        Raises ``ValueError`` if an equal check is already scheduled."""
        if check in self._slots:
            raise ValueError(f"check already scheduled: {check}")
        slot = _Slot(check, next(self._numbers))
        self._slots[check] = slot
        self._numbered[slot.number] = slot
        self._pending.append(slot)
        if self._loop is not None:
            self._place_pending(self._loop.time())
            self._poke()

    def remove(self, check: Check) -> bool:
        """Stop scheduling ``check`` (a run in progress finishes); False if it was unknown."""
        slot = self._slots.pop(check, None)
        if slot is None:
            return False
        del self._numbered[slot.number]
        return True

    def stop(self) -> None:
        """Make ``run`` return after the runs in progress finish."""
        self._stopping = True
        self._poke()

    async def run(self, duration: float | None = None) -> None:
        """Drive the checks until ``stop()`` or, when given, ``duration`` seconds (monotonic)
        have passed (runs due at or after that are not started), then wait for the runs in
        progress (at most one interval). Running again later starts afresh: first runs are
        spread over the interval again. Raises ``RuntimeError`` if already running."""
        if self._loop is not None:
            raise RuntimeError("Scheduler is already running")
        loop = self._loop = asyncio.get_running_loop()
        self._stopping = False
        start = loop.time()
        end = self._end = start + duration if duration is not None else None
        self._place_pending(start)
        try:
            while not self._stopping:
                now = loop.time()
                if end is not None and now >= end:
                    break
                horizon = now + self.granularity
                self._fire_due(now, horizon if end is None else min(horizon, end))
                deadline = self._heap[0][0] if self._heap else None
                if end is not None:
                    deadline = end if deadline is None else min(deadline, end)
                await self._sleep_until(loop, deadline)
            if self._running:
                self._idle = loop.create_future()
                await self._idle
        finally:
            # A later run() spreads every check's first run again, as at the start.
            numbers = sorted(number for _due, number in self._heap)
            numbers += [n for n, slot in self._numbered.items() if slot.deferred is not None]
            placed = [self._numbered[n] for n in sorted(set(numbers)) if n in self._numbered]
            for slot in placed:
                slot.deferred = None
            self._pending = placed + self._pending
            self._heap = []
            self._loop = None
            self._idle = None

    def _place_pending(self, now: float) -> None:
        pending, self._pending = self._pending, []
        count = len(pending)
        for index, slot in enumerate(pending):
            offset = (index + self._rng.random()) / count * slot.check.interval
            heapq.heappush(self._heap, (now + offset, slot.number))

    def _fire_due(self, now: float, horizon: float) -> None:
        """Start the runs due up to ``horizon`` (>= now). The next due times are queued
        after the pass, so a check runs at most once per pass whatever the granularity."""
        heap = self._heap
        upcoming: list[tuple[float, int]] = []
        while heap and heap[0][0] <= horizon:
            due, number = heapq.heappop(heap)
            slot = self._numbered.get(number)
            if slot is None:  # removed
                continue
            if due - now > slot.check.interval / 10:  # never early by much of an interval
                upcoming.append((due, number))
            elif slot.running:
                slot.deferred = due  # starts when the running one ends (_probe_done)
            else:
                upcoming.append(self._start_run(slot, due, now))
        for entry in upcoming:
            heapq.heappush(heap, entry)

    def _start_run(self, slot: _Slot, due: float, now: float) -> tuple[float, int]:
        """Start the run due at ``due``, counting the intervals it skipped if it is more than
        one interval late; returns the heap entry of the next run."""
        interval = slot.check.interval
        stats = slot.stats
        late = now - due
        if late > interval:
            skipped = int(late // interval)
            stats.missed_intervals += skipped
            self.missed_intervals += skipped
            due += skipped * interval
        stats.max_lateness = max(stats.max_lateness, now - due)
        slot.running = True
        self._running += 1
        self._attempt(slot, due, now, 1)
        return (due + interval, slot.number)

    def _attempt(self, slot: _Slot, due: float, started: float, attempt: int) -> None:
        slot.stats.probes += 1
        future = self.engine.probe(slot.check.address, slot.check.timeout)
        future.add_done_callback(
            lambda done: self._probe_done(slot, due, started, attempt, done.result())
        )

    def _probe_done(
        self, slot: _Slot, due: float, started: float, attempt: int, outcome: ProbeOutcome
    ) -> None:
        if not outcome.ok and attempt <= slot.check.retries:
            self._attempt(slot, due, started, attempt + 1)
            return
        stats = slot.stats
        stats.runs += 1
        if outcome.ok:
            stats.up += 1
        else:
            stats.down += 1
        stats.last_rtt_ms = outcome.rtt_ms
        stats.last_reason = outcome.reason
        slot.running = False
        self._running -= 1
        if self.on_result is not None:
            rtt, reason = outcome.rtt_ms, outcome.reason
            self.on_result(CheckResult(slot.check, due, started, attempt, rtt, reason))
        if slot.deferred is not None:
            self._start_deferred(slot)
        if self._running == 0 and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    def _start_deferred(self, slot: _Slot) -> None:
        """Start the run that came due while ``slot``'s previous run was going, unless the
        scheduler is ending or the check was removed (then it waits for the next run())."""
        due, slot.deferred = slot.deferred, None
        loop = self._loop
        if due is None or loop is None or self._numbered.get(slot.number) is not slot:
            return
        now = loop.time()
        if self._stopping or (self._end is not None and now >= self._end):
            slot.deferred = due
            return
        heapq.heappush(self._heap, self._start_run(slot, due, now))
        self._poke()

    async def _sleep_until(self, loop: asyncio.AbstractEventLoop, deadline: float | None) -> None:
        self._wake = loop.create_future()
        timer = None
        if deadline is not None:
            timer = loop.call_at(deadline, _resolve, self._wake)
        try:
            await self._wake
        finally:
            if timer is not None:
                timer.cancel()
            self._wake = None

    def _poke(self) -> None:
        if self._wake is not None:
            _resolve(self._wake)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def totals(stats: Iterable[CheckStats]) -> CheckStats:
    """The sum of several checks' stats (``max_lateness`` is the largest; the ``last_*``
    fields stay ``None``)."""
    total = CheckStats()
    for one in stats:
        total.runs += one.runs
        total.up += one.up
        total.down += one.down
        total.probes += one.probes
        total.missed_intervals += one.missed_intervals
        total.max_lateness = max(total.max_lateness, one.max_lateness)
    return total
