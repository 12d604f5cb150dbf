"""Walking an SOP on an agency's calendar without running a case (``jaga sop simulate``).

Each step starts when the previous one ends and takes exactly its time standard
("kondisional" steps take no time); decisions take the branch chosen for them, else their
first; checks accept unless told to return once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jaga.sop.schema import END, SopSpec, StepKind
from jaga.sop.timing import step_calendar, step_due
from jaga.tenancy.calendar import WorkingCalendar

MAX_STEPS = 500


@dataclass(frozen=True)
class SimulatedStep:
    """One step of the path: times are aware UTC; ``due`` is None for kondisional."""

    no: str
    lane: str
    kind: StepKind
    waktu: str
    started: dt.datetime
    due: dt.datetime | None
    outcome: str


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
    spec: SopSpec, calendar: WorkingCalendar, start: dt.datetime, choices: dict[str, str]
) -> Simulation:
    """The path of a case of ``spec`` started at ``start`` (aware).

    ``choices`` maps a decision's step number to a branch key, or a check's to
    ``return:N`` (used on its first visit only). Raises ``ValueError`` for a choice naming a
    missing step, branch or return target, or a path longer than ``MAX_STEPS``.
    """
    for no, choice in choices.items():
        try:
            step = spec.step(no)
        except KeyError:
            raise ValueError(f"--choose: there is no step {no}") from None
        if step.kind is StepKind.DECISION and choice not in {b.key for b in step.branches}:
            keys = ", ".join(b.key for b in step.branches)
            raise ValueError(f"--choose {no}: step {no} branches are {keys}")
        if step.kind is StepKind.CHECK and choice.removeprefix("return:") not in step.return_to:
            raise ValueError(f"--choose {no}: a check takes return:N with N in {step.return_to}")
        if step.kind not in (StepKind.DECISION, StepKind.CHECK):
            raise ValueError(f"--choose {no}: step {no} is neither a decision nor a check")
    unused = dict(choices)
    path: list[SimulatedStep] = []
    at = start
    step = spec.steps[0]
    while True:
        if len(path) >= MAX_STEPS:
            raise ValueError(f"the path is longer than {MAX_STEPS} steps")
        due = step_due(calendar, spec, step, at)
        outcome, target = "done", spec.following(step)
        if step.kind is StepKind.DECISION:
            key = choices.get(step.no, step.branches[0].key)
            branch = next(b for b in step.branches if b.key == key)
            outcome, target = branch.key, branch.next
        elif step.kind is StepKind.CHECK:
            choice = unused.pop(step.no, "")
            if choice.startswith("return:"):
                outcome, target = choice, choice.removeprefix("return:")
            else:
                outcome = "accepted"
        path.append(
            SimulatedStep(step.no, step.all_lanes[0], step.kind, step.waktu, at, due, outcome)
        )
        at = due or at
        if target == END:
            break
        step = spec.step(target)
    working = dt.timedelta()
    for item in path:
        if item.due is not None:
            clock = step_calendar(calendar, spec, spec.step(item.no))
            working += clock.working_time_between(item.started, item.due)
    return Simulation(path, at - start, working)
