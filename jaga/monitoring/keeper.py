"""The ``Keeper``: what ``jaga monitor`` and the agents' results endpoint share between a
result and the database (issue 7: states, outages, rollups; restart-safe).

``record`` is called for each finished run, in memory and fast (the monitor's event loop
calls it); ``flush`` writes what changed: the states of the checks whose state changed (one
row per check, ``CheckState``), the outages to open or end (each in its own transaction with
that check's state), and ``flush_rollups`` the finished minutes.

What a flush writes (issue 19): a check's row is written when a field that decides its
behaviour after a restart or what its pages say changed since the row was last written
(status, flapping, the counters up to its ``retries``/``recoveries`` (beyond them a higher
count changes nothing), failing/passing since, changed at, the flips, the last result and
its reason); a run that changes only ``last_at`` and ``last_rtt_ms`` is written once the
row's ``last_at`` is ``LAST_RUN_STALE_S`` seconds old, so a steady check costs one write a
minute instead of one a run; ``flush(final=True)`` (a clean stop) writes everything held.

``record`` and the flushes may run in different threads: a lock guards what they share.

Restart safety: ``load`` reads the states and open outages back. Outages are level-triggered:
a check with a problem and no open outage gets one (``open_outage`` adopts the outage another
process or an earlier life opened), and a check that is up and steady with an open outage
ends it, so a kill at any point neither loses an outage nor opens a second one. What a kill
loses of the states held unwritten (the newest runs' times and response times, counts past
the thresholds) changes nothing the state machine decides after the restart.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from jaga.monitoring.bulk import chunks, update_rows
from jaga.monitoring.models import Check, CheckState, Outage, OutageKind
from jaga.monitoring.outages import end_outage, open_outage
from jaga.monitoring.rollups import Bucket, minute_of, prune, roll_up, write_minutes
from jaga.monitoring.state import Change, Parent, State, Status, apply
from jaga.monitoring.topology import ANY_AGENT, CheckSpec, Tree, Window, load_specs, load_windows

logger = logging.getLogger(__name__)

_STATE_FIELDS = [
    "status",
    "flapping",
    "fails",
    "oks",
    "failing_since",
    "passing_since",
    "changed_at",
    "flips",
    "last_at",
    "last_ok",
    "last_rtt_ms",
    "last_reason",
]

#: Seconds a check's stored ``last_at`` (and ``last_rtt_ms``) may lag behind the clock
#: before a newer run that changed nothing else is written: the "last run" the pages show
#: is at most this (plus a flush interval) old while the check runs.
LAST_RUN_STALE_S = 60.0

#: What a ``CheckState`` row holds that matters (``Keeper._key``), and its ``last_at``.
_Written = tuple[tuple[Any, ...], float | None]


def _utc(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _seconds(value: dt.datetime | None) -> float | None:
    return None if value is None else value.timestamp()


@dataclass(frozen=True, slots=True)
class _Open:
    check_id: int
    kind: OutageKind
    started_at: float
    reason: str
    at: float


class Keeper:
    """States, outages and rollups of the checks run by ``agent`` (None: the server's own
    monitor; an id: that agent's; ``ANY_AGENT``: all). ``flap_threshold`` result changes
    within ``flap_window_s`` seconds make a check flapping (``jaga.monitoring.state``).
    ``clock`` gives the current UNIX time in seconds (UTC), which ``LAST_RUN_STALE_S`` is
    measured against. ``agencies`` limits a server monitor to those agencies' checks;
    ``name`` is its heartbeat's name on the monitor page (empty: the host and the
    agencies, ``heartbeat.monitor_name``)."""

    def __init__(
        self,
        *,
        agent: int | None = None,
        agencies: list[int] | None = None,
        name: str = "",
        flap_threshold: int = 6,
        flap_window_s: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.agent = agent
        self.clock = clock
        self.agencies = agencies
        self.name = name
        self.flap_threshold, self.flap_window_s = flap_threshold, flap_window_s
        self.specs: dict[int, CheckSpec] = {}
        self.states: dict[int, State] = {}
        self.tree = Tree()
        self.windows: list[Window] = []
        # check id -> its open outage's id and confirmation time (UNIX seconds)
        self._outages: dict[int, tuple[int, float]] = {}
        self._details: dict[int, tuple[float | None, str]] = {}  # last rtt (ms), last reason
        self._dirty: set[int] = set()
        # checks whose only unwritten change is their newest run: check id -> when it is
        # due (its stored last_at + LAST_RUN_STALE_S), and the same as a heap of (due, id)
        self._waiting: dict[int, float] = {}
        self._due: list[tuple[float, int]] = []
        self._pending: set[int] = set()  # checks with an outage action queued
        self._opens: list[_Open] = []
        self._ends: list[tuple[int, int, float]] = []  # check id, outage id, at
        self._buckets: dict[tuple[int, int], Bucket] = {}
        self._persisted: set[int] = set()  # checks that have a CheckState row
        self._written: dict[int, _Written] = {}  # what our checks' rows hold, as far as known
        self._hours: dict[dt.datetime, set[int]] = {}  # hours to roll up, with their checks
        self._current_hour: dt.datetime | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the monitor hands its keeper to its bookkeeping process) without the
        lock."""
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- loading -----------------------------------------------------------------------

    def load(self) -> list[CheckSpec]:
        """(Re)read the checks, the uplink tree, the maintenance windows, the open outages,
        and the states: a check of our own keeps its state in memory once known; the others'
        (an agent's, seen as parents) are read again. Returns our checks' specs."""
        loaded = load_specs(
            agent=ANY_AGENT,
            agencies=self.agencies,
            flap_threshold=self.flap_threshold,
            flap_window_s=self.flap_window_s,
        )
        ours = [s for s in loaded if self.agent in (ANY_AGENT, s.agent_id)]
        agencies = {s.agency_id for s in ours}
        everyone = [s for s in loaded if s.agency_id in agencies]  # parents may be anyone's
        tree = Tree.load(agencies, everyone)
        windows = load_windows(agencies, timezone.now())
        outages = {
            check: (pk, confirmed.timestamp())
            for check, pk, confirmed in Outage.objects.filter(
                agency_id__in=agencies, ended_at__isnull=True
            ).values_list("monitor_check_id", "pk", "confirmed_at")
        }
        ours_ids = {s.id for s in ours}
        with self._lock:
            known = {pk for pk in self.states if pk in ours_ids}
        wanted = [s.id for s in everyone if s.id not in known]
        rows = {
            row.monitor_check_id: row
            for batch in chunks(wanted)
            for row in CheckState.objects.filter(monitor_check_id__in=batch)
        }
        with self._lock:
            self.specs = {s.id: s for s in ours}
            self.tree, self.windows = tree, windows
            self._persisted.update(rows)
            for pk in wanted:
                row = rows.get(pk)
                self.states[pk] = _state_of(row) if row else State()
                if row is not None and pk in ours_ids:
                    self._details[pk] = (row.last_rtt_ms, row.last_reason)
                    self._written[pk] = (self._key(pk), self.states[pk].last_at)
            for pk in [pk for pk in self._written if pk not in ours_ids]:
                del self._written[pk]  # another process may write it meanwhile
            everyone_ids = {s.id for s in everyone}
            for pk in [pk for pk in self.states if pk not in everyone_ids]:
                del self.states[pk]
            now = time.time()
            for pk, (outage, _confirmed) in self._outages.items():
                if (
                    pk in ours_ids
                    and pk not in self._pending
                    and outages.get(pk, (0,))[0] != outage
                ):
                    self._ended_elsewhere(pk, now)
            self._outages = {
                pk: outages[pk] for pk in ours_ids if pk in outages and pk not in self._pending
            } | {pk: v for pk, v in self._outages.items() if pk in self._pending}
            for pk in ours_ids:
                self._reconcile(pk, now)
        return ours

    def _ended_elsewhere(self, pk: int, now: float) -> None:
        """Another monitor process (or a person in the admin) ended the outage we knew of
        check ``pk``: adopt its recovery, so that this process does not open a second
        outage for what it has not seen recover yet; a check still failing here is
        confirmed again after its ``retries`` (lock held)."""
        state = self.states.get(pk)
        if state is None or not state.problem:
            return
        state.status, state.flapping, state.flips = Status.UP, False, []
        state.fails, state.failing_since = 0, None
        state.oks, state.passing_since, state.changed_at = 1, now, now
        self._dirty.add(pk)

    # -- results -----------------------------------------------------------------------

    def parent(self, spec: CheckSpec, at: float) -> Parent:
        """What the nearest monitored device above ``spec``'s says (``Parent``) to a result
        of ``spec`` at ``at`` (UNIX seconds). A parent that has not answered since ``spec``
        began failing is ``SILENT`` (the child waits for its next result: its probe may be
        slower to fail, a timeout against an ICMP error), for at most three of the child's
        intervals; a parent silent longer than that is ignored."""
        own = self.states.get(spec.id)
        since = own.failing_since if own is not None else None
        waiting = since is not None and at - since < 3 * spec.interval_s
        for device in self.tree.ancestors(spec.parent_device_id):
            watchers = [
                self.states[pk] for pk in self.tree.watchers.get(device, ()) if pk in self.states
            ]
            if watchers:
                views = set()
                for state in watchers:
                    view = state.as_parent()
                    if view is Parent.UP and waiting and (state.last_at or 0.0) < (since or 0.0):
                        view = Parent.SILENT
                    views.add(view)
                for view in (Parent.DOWN, Parent.FAILING, Parent.SILENT):
                    if view in views:
                        return view
                return Parent.UP
        return Parent.NONE

    def in_maintenance(self, spec: CheckSpec, at: float) -> bool:
        """Whether a maintenance window covers ``spec``'s device or site at ``at``."""
        return bool(self.windows) and any(window.covers(spec, at) for window in self.windows)

    def record(
        self, check_id: int, ok: bool, at: float, rtt_ms: float | None, reason: str | None
    ) -> Change | None:
        """Apply one run of check ``check_id`` (finished at ``at``, UNIX seconds; ``rtt_ms``
        in milliseconds or None; ``reason`` of a failure) and count it in its minute.
        Returns the ``Change``, or None for a check that is not ours (deleted meanwhile)."""
        with self._lock:
            spec = self.specs.get(check_id)
            if spec is None:
                return None
            state = self.states.setdefault(check_id, State())
            maintenance = self.in_maintenance(spec, at)
            change = apply(state, ok, at, spec.policy, self.parent(spec, at), maintenance)
            bucket = self._buckets.setdefault((check_id, minute_of(at)), Bucket())
            bucket.add(change.run, rtt_ms if ok else None)
            self._details[check_id] = (rtt_ms if ok else None, "" if ok else reason or "")
            self._dirty.add(check_id)
            self._reconcile(check_id, at)
            return change

    def _reconcile(self, check_id: int, at: float) -> None:
        """Queue the outage action the check's state calls for (lock held)."""
        if check_id in self._pending:
            return
        state, spec = self.states[check_id], self.specs[check_id]
        outage = self._outages.get(check_id)
        if outage is None and state.problem and not self.in_maintenance(spec, at):
            kind = OutageKind.FLAPPING if state.flapping else OutageKind.DOWN
            reason = self._details.get(check_id, (None, ""))[1]
            started = state.failing_since or state.changed_at or at
            self._opens.append(_Open(check_id, kind, min(started, at), reason, at))
            self._pending.add(check_id)
        elif (
            outage is not None
            and state.status is Status.UP
            and not state.flapping
            and state.oks >= spec.policy.recoveries
            and (state.passing_since or 0.0) >= outage[1]  # answered since it was confirmed
        ):
            self._ends.append((check_id, outage[0], at))
            self._pending.add(check_id)

    # -- writing -----------------------------------------------------------------------

    def flush(self, *, final: bool = False) -> int:
        """Write the states that changed in a way that matters (module docstring), those
        whose stored ``last_at`` is ``LAST_RUN_STALE_S`` old, or with ``final`` (a clean
        stop) every state not written yet; and carry out the queued outage actions (each
        with its check's state, in one transaction). A state not written stays held for a
        later flush, as does one whose write failed (the error is raised). Returns the
        number of states written."""
        with self._lock:
            opens, self._opens = self._opens, []
            ends, self._ends = self._ends, []
            acted = {o.check_id for o in opens} | {c for c, _, _ in ends}
            rows, keys = self._take(acted, final)
        saved: set[int] = set()
        left = set(acted)  # checks whose queued outage action was not tried
        try:
            plain = [row for pk, row in rows.items() if pk not in acted]
            self._save_states(plain)
            saved.update(row["pk"] for row in plain)
            for item in opens:
                left.discard(item.check_id)
                if self._open(item, rows.get(item.check_id)):
                    saved.add(item.check_id)
            for check_id, outage_id, at in ends:
                left.discard(check_id)
                ended = False
                try:
                    with transaction.atomic():
                        self._save_states([rows[check_id]] if check_id in rows else [])
                        end_outage(outage_id, at=_utc(at) or timezone.now())
                    ended = True
                    saved.add(check_id)
                finally:
                    with self._lock:
                        if ended:
                            self._outages.pop(check_id, None)
                        self._pending.discard(check_id)
        finally:
            with self._lock:
                # an action not tried is queued again by the check's next result
                self._pending.difference_update(left)
                for pk, key in keys.items():
                    if pk in saved:
                        self._written[pk] = key
                    else:
                        self._dirty.add(pk)
        return len(saved & rows.keys())

    def _take(
        self, acted: set[int], final: bool
    ) -> tuple[dict[int, dict[str, Any]], dict[int, _Written]]:
        """The rows to write now, by check id, and what each will make its row hold (lock
        held). A check whose only unwritten change is its newest run waits in ``_waiting``
        until that is ``LAST_RUN_STALE_S`` old (or ``final``), so a flush looks only at the
        checks that reported since the last one and those that came due: not at every
        check (issue 19: 100,000 checks)."""
        dirty, self._dirty = self._dirty, set()
        now = self.clock()
        while self._due and (final or self._due[0][0] <= now):
            when, pk = heapq.heappop(self._due)
            if self._waiting.get(pk) == when:
                del self._waiting[pk]
                dirty.add(pk)
        rows: dict[int, dict[str, Any]] = {}
        keys: dict[int, _Written] = {}
        for pk in dirty:
            if pk not in self.specs:
                continue
            key, last_at = self._key(pk), self.states[pk].last_at
            written = self._written.get(pk)
            due = (
                final
                or pk in acted
                or written is None
                or written[0] != key
                or (
                    last_at != written[1]
                    and (written[1] is None or now - written[1] >= LAST_RUN_STALE_S)
                )
            )
            if due:
                rows[pk], keys[pk] = self._row(pk), (key, last_at)
                self._waiting.pop(pk, None)
            elif written is not None and written[1] is not None and last_at != written[1]:
                when = written[1] + LAST_RUN_STALE_S
                if self._waiting.get(pk) != when:
                    self._waiting[pk] = when
                    heapq.heappush(self._due, (when, pk))
        return rows, keys

    def _key(self, pk: int) -> tuple[Any, ...]:
        """What of check ``pk``'s state must be written when it changes (lock held): all of
        its ``CheckState`` but the last run's time and response time, with the counters
        capped where the state machine stops looking at them (``Policy``)."""
        state, policy = self.states[pk], self.specs[pk].policy
        return (
            state.status,
            state.flapping,
            min(state.fails, policy.retries),
            min(state.oks, policy.recoveries),
            state.failing_since,
            state.passing_since,
            state.changed_at,
            tuple(state.flips),
            state.last_ok,
            (self._details.get(pk, (None, ""))[1] or "")[:300],
        )

    def _open(self, item: _Open, row: dict[str, Any] | None) -> bool:
        """Open (or adopt) ``item``'s outage with its check's ``row`` in one transaction.
        Returns whether they were written (False: the check was deleted meanwhile)."""
        check = (
            Check.objects.select_related("agency", "device__site", "link__a_device")
            .filter(pk=item.check_id)
            .first()
        )
        outage_id, confirmed = None, item.at
        try:
            if check is not None:
                with transaction.atomic():
                    self._save_states([row] if row else [])
                    opened = open_outage(
                        check,
                        kind=item.kind,
                        started_at=_utc(item.started_at) or timezone.now(),
                        reason=item.reason,
                        at=_utc(item.at) or timezone.now(),
                    )
                outage_id = opened.outage.pk
                confirmed = opened.outage.confirmed_at.timestamp()
        finally:
            with self._lock:
                if outage_id is not None:
                    self._outages[item.check_id] = (outage_id, confirmed)
                self._pending.discard(item.check_id)
        return outage_id is not None

    def _row(self, pk: int) -> dict[str, Any]:
        """The ``CheckState`` columns of check ``pk`` (lock held), with its ``"pk"``."""
        state = self.states[pk]
        rtt, reason = self._details.get(pk, (None, ""))
        return {
            "pk": pk,
            "status": state.status.value,
            "flapping": state.flapping,
            "fails": state.fails,
            "oks": state.oks,
            "failing_since": _utc(state.failing_since),
            "passing_since": _utc(state.passing_since),
            "changed_at": _utc(state.changed_at),
            "flips": list(state.flips),
            "last_at": _utc(state.last_at),
            "last_ok": state.last_ok,
            "last_rtt_ms": rtt,
            "last_reason": (reason or "")[:300],
        }

    def _save_states(self, rows: list[dict[str, Any]]) -> None:
        """Update the states that have a row, create the others (of checks that exist)."""
        with self._lock:
            known = set(self._persisted)
        update_rows(CheckState, _STATE_FIELDS, [r for r in rows if r["pk"] in known])
        new = [r for r in rows if r["pk"] not in known]
        live: set[int] = set()
        for batch in chunks([r["pk"] for r in new]):
            live.update(Check.objects.filter(pk__in=batch).values_list("pk", flat=True))
        CheckState.objects.bulk_create(
            [
                CheckState(monitor_check_id=r["pk"], **{f: r[f] for f in _STATE_FIELDS})
                for r in new
                if r["pk"] in live
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        with self._lock:
            self._persisted.update(live)

    def flush_rollups(self, before: float | None = None) -> int:
        """Write the minutes that ended before ``before`` (UNIX seconds) and roll up the
        hours that ended by then; ``before`` None writes and rolls up everything held
        (shutdown, an agent's batch). An hour is rolled up once it ends, and again when late
        results touch it. Once an hour, rows past their retention are pruned. Returns the
        number of minute buckets written."""
        with self._lock:
            limit = float("inf") if before is None else minute_of(before)
            done = {key: b for key, b in self._buckets.items() if key[1] < limit}
            for key in done:
                del self._buckets[key]
        try:
            touched = write_minutes(done)
        except BaseException:
            with self._lock:  # keep them for the next try
                for key, bucket in done.items():
                    if key in self._buckets:
                        bucket.absorb(self._buckets[key])
                    self._buckets[key] = bucket
            raise
        for hour, checks in touched.items():
            self._hours.setdefault(hour, set()).update(checks)
        now = dt.datetime.fromtimestamp(before if before is not None else time.time(), dt.UTC)
        current = now.replace(minute=0, second=0, microsecond=0)
        if before is not None and current != self._current_hour:
            # The hour that just ended (or, after a restart, the one before this process
            # started, which an earlier process may have left half rolled up).
            previous = current - dt.timedelta(hours=1)
            self._hours.setdefault(previous, set()).update(self.specs)
            self._current_hour = current
            prune(now)
        ready = {h: c for h, c in self._hours.items() if before is None or h < current}
        if ready:
            roll_up(ready, now)
            for hour in ready:
                del self._hours[hour]
        return len(done)


def _state_of(row: CheckState) -> State:
    return State(
        status=Status(row.status),
        flapping=row.flapping,
        fails=row.fails,
        oks=row.oks,
        failing_since=_seconds(row.failing_since),
        passing_since=_seconds(row.passing_since),
        changed_at=_seconds(row.changed_at),
        flips=[float(t) for t in row.flips or []],
        last_at=_seconds(row.last_at),
        last_ok=row.last_ok,
    )
