"""The state machine of one check (issue 7; docs/monitoring.md "States"). Pure: no database,
no clock; times are UNIX seconds (UTC).

- A check starts ``unknown``; its first success makes it ``up``.
- ``retries`` consecutive failures confirm it ``down``; ``recoveries`` consecutive successes
  confirm it ``up`` again.
- A failing check whose parent (the device it hangs off, through the inventory's uplinks) is
  down or unreachable becomes ``unreachable`` instead: its outage is the parent's. While the
  parent is itself failing but not yet confirmed, the child waits (no change), so a cut high
  in the tree never confirms its children first (Nagios' parent check, done on the parent's
  own schedule).
- ``flapping``: the result changed (success to failure or back) ``flap_threshold`` times
  within ``flap_window_s``; it ends when fewer than ``max(1, flap_threshold // 2)`` changes
  remain in the window (hysteresis, as Nagios' low/high flap thresholds). Changes explained
  by a parent (it was down or failing, or the check was unreachable) do not count.
- In a maintenance window results change nothing but the counters.

A check has a *problem* while it is down or flapping; the monitor opens one outage (and one
case) when a problem starts and records the recovery when the check is up and steady again.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field


class Status(enum.StrEnum):
    """A check's confirmed state (the values of ``models.CheckStatus``)."""

    UNKNOWN = "unknown"
    UP = "up"
    DOWN = "down"
    UNREACHABLE = "unreachable"


class Parent(enum.Enum):
    """What a check's nearest monitored ancestor says: ``NONE`` (no monitored ancestor),
    ``UP``, ``SILENT`` (up when last heard, but not heard since the check began failing:
    the check waits for it, yet its own failures are its own), ``FAILING`` (its last run
    failed, not confirmed yet) or ``DOWN`` (confirmed down or unreachable)."""

    NONE = "none"
    UP = "up"
    SILENT = "silent"
    FAILING = "failing"
    DOWN = "down"


class RunClass(enum.StrEnum):
    """How a run counts for availability (the ``n_*`` columns of the rollups)."""

    UP = "up"
    DOWN = "down"
    UNREACHABLE = "unreachable"
    MAINTENANCE = "maintenance"


@dataclass(frozen=True, slots=True)
class Policy:
    """The thresholds of one check: ``retries`` failures confirm down, ``recoveries``
    successes confirm up (both >= 1); ``flap_threshold`` (>= 1) result changes within
    ``flap_window_s`` seconds (a positive finite number) make it flapping. Raises
    ``ValueError`` otherwise."""

    retries: int = 3
    recoveries: int = 2
    flap_threshold: int = 6
    flap_window_s: float = 600.0

    def __post_init__(self) -> None:
        if min(self.retries, self.recoveries, self.flap_threshold) < 1:
            raise ValueError("retries, recoveries and the flapping threshold must be >= 1")
        if not 0 < self.flap_window_s < math.inf:
            raise ValueError("the flapping window must be a positive number of seconds")


@dataclass(slots=True)
class State:
    """The mutable state of one check (persisted as ``models.CheckState``). Times are UNIX
    seconds: ``failing_since``/``passing_since`` the first run of the current run of
    failures/successes; ``flips`` the times of the result changes still inside the
    flapping window."""

    status: Status = Status.UNKNOWN
    flapping: bool = False
    fails: int = 0
    oks: int = 0
    failing_since: float | None = None
    passing_since: float | None = None
    changed_at: float | None = None
    flips: list[float] = field(default_factory=list)
    last_at: float | None = None
    last_ok: bool | None = None

    @property
    def problem(self) -> bool:
        """True while the check is down or flapping: it needs an (open) outage."""
        return self.status is Status.DOWN or self.flapping

    @property
    def failing(self) -> bool:
        """True when the newest run failed (confirmed or not)."""
        return self.last_ok is False

    def as_parent(self) -> Parent:
        """What this check tells the checks that hang below it."""
        if self.status in (Status.DOWN, Status.UNREACHABLE):
            return Parent.DOWN
        if self.failing:
            return Parent.FAILING
        return Parent.UP


@dataclass(frozen=True, slots=True)
class Change:
    """What one result did: ``before``/``after`` status and flapping, and how the run counts
    for availability (``run``). ``problem_started``: the check now needs an outage and did
    not before; ``recovered``: it is now up and not flapping and was not before (also from
    unknown or unreachable; the keeper ends an outage only when one is open)."""

    before: Status
    after: Status
    was_flapping: bool
    flapping: bool
    run: RunClass

    @property
    def changed(self) -> bool:
        """True when the status or flapping changed (the state must be saved now)."""
        return self.before is not self.after or self.was_flapping != self.flapping

    @property
    def problem_started(self) -> bool:
        """The check became down or flapping (from neither)."""
        before = self.before is Status.DOWN or self.was_flapping
        return not before and (self.after is Status.DOWN or self.flapping)

    @property
    def recovered(self) -> bool:
        """The check is confirmed up and not flapping, and was not both before."""
        steady = self.after is Status.UP and not self.flapping
        return steady and not (self.before is Status.UP and not self.was_flapping)


def apply(
    state: State,
    ok: bool,
    at: float,
    policy: Policy,
    parent: Parent = Parent.NONE,
    maintenance: bool = False,
) -> Change:
    """Apply one run's result (``ok``, finished at ``at`` UNIX seconds) to ``state`` in place
    and say what changed. ``parent``: the nearest monitored ancestor's view (``State.as_parent``);
    ``maintenance``: the check's device or site is in a maintenance window. Results older
    than the newest one applied change nothing but are still classed for availability."""
    before, was_flapping = state.status, state.flapping
    if state.last_at is not None and at < state.last_at:
        return Change(
            before, before, was_flapping, was_flapping, _classify(ok, parent, maintenance)
        )
    explained = parent in (Parent.DOWN, Parent.FAILING) or state.status is Status.UNREACHABLE
    if state.last_ok is not None and ok != state.last_ok and not explained:
        state.flips.append(at)
    state.flips = [t for t in state.flips if t > at - policy.flap_window_s]
    state.last_at, state.last_ok = at, ok
    if ok:
        state.oks, state.fails, state.failing_since = state.oks + 1, 0, None
        state.passing_since = state.passing_since if state.passing_since is not None else at
    else:
        state.fails, state.oks, state.passing_since = state.fails + 1, 0, None
        state.failing_since = state.failing_since if state.failing_since is not None else at
    if not maintenance:
        _flapping(state, policy)
        _status(state, ok, policy, parent)
    if state.status is not before:
        state.changed_at = at
    return Change(
        before, state.status, was_flapping, state.flapping, _classify(ok, parent, maintenance)
    )


def _flapping(state: State, policy: Policy) -> None:
    if not state.flapping and len(state.flips) >= policy.flap_threshold:
        state.flapping = True
    elif state.flapping and len(state.flips) < max(1, policy.flap_threshold // 2):
        state.flapping = False


def _status(state: State, ok: bool, policy: Policy, parent: Parent) -> None:
    if ok:
        if state.status is Status.UNKNOWN or state.oks >= policy.recoveries:
            state.status = Status.UP
        return
    if state.fails < policy.retries:
        return
    if parent is Parent.DOWN:
        state.status = Status.UNREACHABLE
    elif parent in (Parent.FAILING, Parent.SILENT):
        return  # the parent decides first
    else:
        state.status = Status.DOWN


def _classify(ok: bool, parent: Parent, maintenance: bool) -> RunClass:
    if maintenance:
        return RunClass.MAINTENANCE
    if ok:
        return RunClass.UP
    return RunClass.UNREACHABLE if parent in (Parent.DOWN, Parent.FAILING) else RunClass.DOWN
