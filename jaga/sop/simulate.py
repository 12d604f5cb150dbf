"""Walking an SOP on an agency's calendar without running a case (``jaga sop simulate``).

Each step starts when the previous one ends and takes exactly its time standard
("kondisional" steps take no time); decisions take the branch chosen for them, else their
first; checks accept unless told to return once. A fan-out (SOP ``fan_out``) runs its block
once per simulated site, all visits starting together; the join starts when the last visit
ends. A check's return into a fan-out reopens the first site's visit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jaga.sop.schema import END, FanOut, SopSpec, Step, StepKind
from jaga.sop.timing import step_calendar, step_due
from jaga.tenancy.calendar import WorkingCalendar

MAX_STEPS = 500
#: Sites a simulated round visits when the SOP has a fan-out.
DEFAULT_SITES = 2


@dataclass(frozen=True)
class SimulatedStep:
    """One step of the path: times are aware UTC; ``due`` is None for kondisional;
    ``site`` numbers the fan-out visit the step ran in (1, 2…), 0 on the trunk."""

    no: str
    lane: str
    kind: StepKind
    waktu: str
    started: dt.datetime
    due: dt.datetime | None
    outcome: str
    site: int = 0


@dataclass(frozen=True)
class Simulation:
    """The path taken and the total elapsed and working time (timedelta)."""

    steps: list[SimulatedStep]
    elapsed: dt.timedelta
    working: dt.timedelta


def parse_choices(items: list[str]) -> dict[str, str]:
    """``["5=ganti", "9=return:7"]`` -> ``{"5": "ganti", "9": "return:7"}``; ``ValueError``
    for an item without ``=``."""
    choices: dict[str, str] = {}
    for item in items:
        step, sep, branch = item.partition("=")
        if not sep or not step.strip() or not branch.strip():
            raise ValueError(f'--choose takes STEP=BRANCH (e.g. 5=ganti), not "{item}"')
        choices[step.strip()] = branch.strip()
    return choices


def simulate(
    spec: SopSpec,
    calendar: WorkingCalendar,
    start: dt.datetime,
    choices: dict[str, str],
    sites: int = DEFAULT_SITES,
) -> Simulation:
    """The path of a case of ``spec`` started at ``start`` (aware).

    ``choices`` maps a decision's step number to a branch key, or a check's to
    ``return:N`` (used on its first visit only). A fan-out runs once for each of ``sites``
    simulated sites (at least 1). Raises ``ValueError`` for a choice naming a missing step,
    branch or return target, for fewer than one site, or a path longer than ``MAX_STEPS``.
    """
    if sites < 1:
        raise ValueError("--sites must be at least 1")
    for no, choice in choices.items():
        try:
            chosen = spec.step(no)
        except KeyError:
            raise ValueError(f"--choose: there is no step {no}") from None
        if chosen.kind is StepKind.DECISION and choice not in {b.key for b in chosen.branches}:
            keys = ", ".join(b.key for b in chosen.branches)
            raise ValueError(f"--choose {no}: step {no} branches are {keys}")
        if chosen.kind is StepKind.CHECK and choice.removeprefix("return:") not in chosen.return_to:
            raise ValueError(f"--choose {no}: a check takes return:N with N in {chosen.return_to}")
        if chosen.kind not in (StepKind.DECISION, StepKind.CHECK):
            raise ValueError(f"--choose {no}: step {no} is neither a decision nor a check")
    walker = _Walker(spec, calendar, choices, sites)
    at = start
    step: Step | None = spec.steps[0]
    while step is not None:
        fan = spec.fan_out_entered_at(step.no)
        if fan is not None:
            ends = [walker.visit(fan, step, at, site) for site in range(1, sites + 1)]
            at, step = max(ends), walker.join(fan)
            continue
        at, target = walker.walk(step, at, 0)
        if target == END:
            break
        into = spec.fan_out_of(target)
        if into is not None and walker.path[-1].outcome.startswith("return:"):
            # a check's return into a fan-out: the first site's visit is done again
            at = walker.visit(into, spec.step(target), at, 1)
            step = walker.join(into)
            continue
        step = spec.step(target)
    path = walker.path
    # Working time adds up every step's standard, each visit's steps included.
    working = dt.timedelta()
    for item in path:
        if item.due is not None:
            clock = step_calendar(calendar, spec, spec.step(item.no))
            working += clock.working_time_between(item.started, item.due)
    return Simulation(path, at - start, working)


class _Walker:
    """Walks steps one at a time, recording each in ``path``."""

    def __init__(
        self, spec: SopSpec, calendar: WorkingCalendar, choices: dict[str, str], sites: int
    ) -> None:
        self.spec = spec
        self.calendar = calendar
        self.choices = choices
        self.unused = dict(choices)
        self.sites = sites
        self.path: list[SimulatedStep] = []
        #: The branch each decision last took on the simulated path (step no -> key).
        self.decided: dict[str, str] = {}

    def walk(self, step: Step, at: dt.datetime, site: int) -> tuple[dt.datetime, str]:
        """Do ``step`` from ``at`` (in visit ``site``, 0 on the trunk); returns when it
        ends and where it leads."""
        if len(self.path) >= MAX_STEPS:
            raise ValueError(f"the path is longer than {MAX_STEPS} steps")
        # A waktu chosen by an earlier decision (format 2 ``waktu_by``): the branch the
        # simulated path took there, else the step's own waktu.
        decided = self.decided.get(step.waktu_by.decision) if step.waktu_by is not None else None
        due = step_due(self.calendar, self.spec, step, at, decided)
        waktu = str(step.standard_for(decided)) if decided is not None else step.waktu
        outcome, target = "done", self.spec.following(step)
        if step.kind is StepKind.DECISION:
            key = self.choices.get(step.no, step.branches[0].key)
            branch = next(b for b in step.branches if b.key == key)
            outcome, target = branch.key, branch.next
            self.decided[step.no] = branch.key
        elif step.kind is StepKind.CHECK:
            choice = self.unused.pop(step.no, "")
            if choice.startswith("return:"):
                outcome, target = choice, choice.removeprefix("return:")
            else:
                outcome = "accepted"
        self.path.append(
            SimulatedStep(step.no, step.all_lanes[0], step.kind, waktu, at, due, outcome, site)
        )
        return due or at, target

    def visit(self, fan: FanOut, step: Step, at: dt.datetime, site: int) -> dt.datetime:
        """Walk visit ``site`` of ``fan`` from ``step`` until it leaves the block; returns
        when it ends."""
        while True:
            at, target = self.walk(step, at, site)
            if target not in fan.steps:
                return at
            step = self.spec.step(target)

    def join(self, fan: FanOut) -> Step | None:
        """The step where the visits of ``fan`` join (None: the case ends)."""
        target = self.spec.join_of(fan)
        return None if target == END else self.spec.step(target)
