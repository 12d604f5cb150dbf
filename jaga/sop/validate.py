"""Reading and checking SOP definition files, with the line of every problem.

``check_text(text, path)`` returns the parsed ``SopSpec`` (or None) and a list of
``Problem`` (``path:line: message``); ``load_spec`` raises ``SopInvalid`` instead;
``read_definition`` reads a file, refusing one that is not UTF-8 text or is larger than
``MAX_FILE_BYTES``. Checks,
beyond the shape (jaga.sop.schema): duplicate YAML keys, duplicate lane keys and step
numbers, step numbers out of order, unknown lanes, jumps to missing steps, decisions without
two branches, returns that do not go back, an acknowledgment outside the reporting OPD's
lane, fan-out blocks (consecutive, entered at their first step, joining at one step),
unreachable steps, and steps with no path to the end.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import ValidationError

from jaga.sop.schema import (
    END,
    FORMAT,
    FORMAT_2,
    MAX_TEXT_TOTAL,
    FanOut,
    FormField,
    Lane,
    Requester,
    SopSpec,
    StartMode,
    Step,
    StepKind,
    Target,
)
from jaga.tenancy.timestandard import Bound, TimeUnit, parse_time_standard

Location = tuple[str | int, ...]

#: The largest definition accepted, in bytes of UTF-8 (1 MiB; issue 13 point 11: the longest
#: SOP of the library is 11 KB, and a 5 MB file took 71 s to render).
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One problem in a definition file: ``line`` is 1-based (0 when the problem is the
    file itself, or its line is unknown: then printed ``path: message``)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        if not self.line:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class SopInvalid(ValueError):
    """A definition that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. YAML 1.1 (PyYAML's default) also reads yes, no,
    on and off as booleans, which would turn a step's ``no:`` key into False.

    No aliases (``*name``): a few nested aliases make a small file expand into billions of
    nodes (the "billion laughs"), and an SOP never needs one."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in an SOP definition", event.start_mark
            )
        node: yaml.Node | None = super().compose_node(parent, index)
        return node


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Lines:
    """Line numbers of the nodes of a YAML document, by location (keys and list indexes)."""

    def __init__(self) -> None:
        self.lines: dict[Location, int] = {}
        self.duplicates: list[tuple[Location, int]] = []

    def walk(self, node: yaml.Node, location: Location = ()) -> None:
        self.lines[location] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.duplicates.append(((*location, key), key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[(*location, key)] = key_node.start_mark.line + 1
                self.walk(value_node, (*location, key))
                self.lines[(*location, key)] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, (*location, index))

    def line(self, location: Location) -> int:
        """The line of ``location``, or of its nearest ancestor that has one."""
        while location:
            if location in self.lines:
                return self.lines[location]
            location = location[:-1]
        return self.lines.get((), 1)


class _Checker:
    """The cross-checks of one parsed definition; messages follow the active language and
    name steps by their printed number (issue 17 point 3)."""

    def __init__(self, path: str, lines: _Lines) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.line(location), message))

    def check(self, spec: SopSpec) -> None:
        self.check_format(spec)
        self.check_lanes(spec)
        numbers = self.check_numbers(spec)
        for index, step in enumerate(spec.steps):
            self.check_step(spec, index, step, numbers)
        self.check_service(spec)
        self.check_fan_outs(spec, numbers)
        if not self.problems:
            self.check_graph(spec)

    def check_format(self, spec: SopSpec) -> None:
        """Format 1 files may not use what format 2 brought (docs/sop-format.md, "Format
        2"): the problem names the key and the format to write."""
        if spec.format != FORMAT:
            return
        used: list[tuple[Location, str]] = []
        if spec.service is not None:
            used.append((("service",), "service"))
        if spec.deadline is not None:
            used.append((("deadline",), "deadline"))
        for index, lane in enumerate(spec.lanes):
            if lane.requester is not None:
                used.append((("lanes", index, "requester"), f'lane "{lane.key}": requester'))
        for index, step in enumerate(spec.steps):
            label = _("step %(no)s") % {"no": step.no}
            if step.waktu_by is not None:
                used.append((("steps", index, "waktu_by"), f"{label}: waktu_by"))
            if step.to_lanes:
                used.append((("steps", index, "to_lanes"), f"{label}: to_lanes"))
            if step.kind is StepKind.FORWARD:
                used.append((("steps", index, "kind"), f"{label}: kind forward"))
            if _is_format_2_waktu(step.waktu):
                used.append((("steps", index, "waktu"), f'{label}: waktu "{step.waktu}"'))
        for location, what in used:
            self.add(
                location,
                _("%(what)s needs format: %(format)s (this file is %(old)s)")
                % {"what": what, "format": FORMAT_2, "old": FORMAT},
            )

    def check_lanes(self, spec: SopSpec) -> None:
        seen: set[str] = set()
        for index, lane in enumerate(spec.lanes):
            where: Location = ("lanes", index)
            name = {"lane": lane.key}
            if lane.key in seen:
                self.add((*where, "key"), _('lane "%(lane)s" is defined twice') % name)
            seen.add(lane.key)
            if lane.reporter and lane.requester is not None:
                self.add(
                    where,
                    _(
                        'lane "%(lane)s" is either the reporting OPD (reporter) or the '
                        "requesting employee (requester), not both"
                    )
                    % name,
                )
            elif lane.reporter and lane.positions:
                self.add(where, _('lane "%(lane)s": a reporter lane names no positions') % name)
            elif lane.requester is not None and lane.positions:
                self.add(where, _('lane "%(lane)s": a requester lane names no positions') % name)
            if not lane.requesting and not lane.positions:
                self.add(where, _('lane "%(lane)s" needs positions (or reporter: true)') % name)
        if sum(lane.reporter for lane in spec.lanes) > 1:
            self.add(("lanes",), _("only one lane can be the reporting OPD (reporter: true)"))
        if sum(lane.requester is not None for lane in spec.lanes) > 1:
            self.add(
                ("lanes",),
                _("only one lane can be the requesting employee (requester: employee)"),
            )

    def check_numbers(self, spec: SopSpec) -> dict[str, int]:
        """Step number -> position in the table; duplicates and numbers out of order are
        problems ("2" after "3"; "1a" must follow "1")."""
        numbers: dict[str, int] = {}
        previous: tuple[int, str] = (0, "")
        for index, step in enumerate(spec.steps):
            order = _order(step.no)
            if step.no in numbers:
                self.add(
                    ("steps", index, "no"), _("step %(no)s is numbered twice") % {"no": step.no}
                )
            elif order < previous:
                self.add(
                    ("steps", index, "no"),
                    _("step %(no)s comes after a later number") % {"no": step.no},
                )
            numbers.setdefault(step.no, index)
            previous = max(previous, order)
        return numbers

    def check_target(self, where: Location, target: Target, numbers: dict[str, int]) -> None:
        if target != END and target not in numbers:
            self.add(where, _("jumps to step %(no)s, which does not exist") % {"no": target})

    def check_step(self, spec: SopSpec, index: int, step: Step, numbers: dict[str, int]) -> None:
        where: Location = ("steps", index)
        lanes = {lane.key: lane for lane in spec.lanes}
        label = _("step %(no)s") % {"no": step.no}
        if not step.all_lanes:
            self.add(where, _("%(step)s needs a lane") % {"step": label})
        for key in step.all_lanes:
            if key not in lanes:
                field = "lane" if key == step.lane else "lanes"
                self.add(
                    (*where, field),
                    _('%(step)s: unknown lane "%(lane)s"') % {"step": label, "lane": key},
                )
        if step.next is not None:
            self.check_target((*where, "next"), step.next, numbers)
        self.check_branches(where, label, step, numbers)
        self.check_returns(where, label, index, step, numbers)
        self.check_named_lanes(where, label, step, lanes)
        self.check_waktu_by(spec, where, label, index, step, numbers)
        if step.max_assignees is not None and step.max_assignees < step.min_assignees:
            self.add(
                (*where, "max_assignees"),
                _("%(step)s: max_assignees is below min_assignees") % {"step": label},
            )
        if step.kind is StepKind.ACKNOWLEDGMENT and not any(
            key in lanes and lanes[key].requesting for key in step.all_lanes
        ):
            self.add(
                where,
                _("%(step)s: an acknowledgment belongs in the reporting OPD's lane")
                % {"step": label},
            )
        if step.replacement is not None and step.kind not in (StepKind.ACTIVITY, StepKind.REPORT):
            self.add(
                (*where, "replacement"),
                _("%(step)s: only an activity or a report replaces a device") % {"step": label},
            )
        if step.kind is StepKind.FORM and not step.fields:
            self.add(where, _("%(step)s is a form and needs fields") % {"step": label})
        self.check_fields(where, label, step.fields)

    def check_fields(self, where: Location, label: str, fields: list[FormField]) -> None:
        """Field keys unique; ``choices`` exactly on choice fields."""
        field_keys: set[str] = set()
        for f, form_field in enumerate(fields):
            spot: Location = (*where, "fields", f)
            names = {"step": label, "field": form_field.key}
            if form_field.key in field_keys:
                self.add((*spot, "key"), _('%(step)s: field "%(field)s" is defined twice') % names)
            field_keys.add(form_field.key)
            if (form_field.type == "choice") != bool(form_field.choices):
                self.add(
                    spot,
                    _('%(step)s: field "%(field)s": type choice needs choices, and only it')
                    % names,
                )

    def check_branches(
        self, where: Location, label: str, step: Step, numbers: dict[str, int]
    ) -> None:
        names = {"step": label}
        if step.kind is StepKind.DECISION:
            if len(step.branches) < 2:
                self.add(where, _("%(step)s is a decision and needs at least two branches") % names)
            if step.next is not None:
                self.add(
                    (*where, "next"), _("%(step)s: a decision goes where its branches say") % names
                )
            keys = [branch.key for branch in step.branches]
            if len(set(keys)) != len(keys):
                self.add(
                    (*where, "branches"), _("%(step)s: two branches have the same key") % names
                )
            for b, branch in enumerate(step.branches):
                self.check_target((*where, "branches", b, "next"), branch.next, numbers)
        elif step.branches:
            self.add((*where, "branches"), _("%(step)s: only a decision has branches") % names)

    def check_returns(
        self, where: Location, label: str, index: int, step: Step, numbers: dict[str, int]
    ) -> None:
        if step.kind is StepKind.CHECK:
            if not step.return_to:
                self.add(
                    where,
                    _("%(step)s is a check and needs return_to (the steps it may send back to)")
                    % {"step": label},
                )
            for r, target in enumerate(step.return_to):
                names = {"step": label, "no": target}
                if target not in numbers:
                    self.add(
                        (*where, "return_to", r),
                        _("%(step)s returns to step %(no)s, which does not exist") % names,
                    )
                elif numbers[target] >= index:
                    self.add(
                        (*where, "return_to", r),
                        _("%(step)s can only return to an earlier step, not %(no)s") % names,
                    )
        elif step.return_to:
            self.add(
                (*where, "return_to"),
                _("%(step)s: only a check returns to earlier steps") % {"step": label},
            )

    def check_named_lanes(
        self, where: Location, label: str, step: Step, lanes: dict[str, Lane]
    ) -> None:
        """``to_lane`` on a disposition, assignment or forward; ``to_lanes`` (several lanes)
        on an assignment only; never the requester's lane."""
        names = {"step": label, "kind": step.kind.value}
        naming = (StepKind.DISPOSITION, StepKind.ASSIGNMENT, StepKind.FORWARD)
        if step.to_lane is not None and step.to_lanes:
            self.add(
                (*where, "to_lanes"),
                _("%(step)s: write to_lane or to_lanes, not both") % names,
            )
        if step.to_lanes and step.kind is not StepKind.ASSIGNMENT:
            self.add(
                (*where, "to_lanes"),
                _("%(step)s: only an assignment names people of several lanes (to_lanes)") % names,
            )
        if step.kind in naming:
            if not step.target_lanes:
                self.add(
                    where,
                    _("%(step)s (%(kind)s) needs to_lane: the lane it names people of") % names,
                )
            if len(set(step.to_lanes)) != len(step.to_lanes):
                self.add((*where, "to_lanes"), _("%(step)s: a lane is named twice") % names)
            field = "to_lane" if step.to_lane else "to_lanes"
            for key in step.target_lanes:
                if key not in lanes:
                    self.add(
                        (*where, field),
                        _('%(step)s: unknown lane "%(lane)s"') % {"step": label, "lane": key},
                    )
                elif lanes[key].requesting:
                    self.add(
                        (*where, field),
                        _("%(step)s: the reporting OPD's lane cannot be named") % names,
                    )
        elif step.to_lane is not None:
            self.add(
                (*where, "to_lane"),
                _("%(step)s: only a disposition, an assignment or a forward has to_lane") % names,
            )

    def check_waktu_by(
        self,
        spec: SopSpec,
        where: Location,
        label: str,
        index: int,
        step: Step,
        numbers: dict[str, int],
    ) -> None:
        """``waktu_by`` names an earlier decision and branches of it."""
        if step.waktu_by is None:
            return
        spot: Location = (*where, "waktu_by")
        decision = step.waktu_by.decision
        names = {"step": label, "no": decision}
        if decision not in numbers:
            self.add(
                (*spot, "decision"),
                _("%(step)s: waktu_by names step %(no)s, which does not exist") % names,
            )
            return
        if numbers[decision] >= index:
            self.add(
                (*spot, "decision"),
                _("%(step)s: waktu_by names step %(no)s; the decision must come before the step")
                % names,
            )
        chosen = spec.step(decision)
        if chosen.kind is not StepKind.DECISION:
            self.add(
                (*spot, "decision"),
                _("%(step)s: waktu_by names step %(no)s, which is not a decision") % names,
            )
            return
        known = {branch.key for branch in chosen.branches}
        for key in step.waktu_by.branches:
            if key not in known:
                self.add(
                    (*spot, "branches", key),
                    _('%(step)s: step %(no)s has no branch "%(branch)s"')
                    % {**names, "branch": key},
                )

    def check_service(self, spec: SopSpec) -> None:
        """A service is the catalogue entry of an SOP that starts by request."""
        if spec.service is None:
            return
        if StartMode.REPORT not in spec.start:
            self.add(
                ("service",),
                _("a service is requested: the SOP needs start: [report] to offer one"),
            )
        requesters = spec.service.requesters
        if len(set(requesters)) != len(requesters):
            self.add(("service", "requesters"), _("service: a requester is listed twice"))
        if Requester.EMPLOYEE in requesters and spec.reporter_steps_outside_fan_outs():
            opd_lane = next(lane for lane in spec.lanes if lane.reporter)
            self.add(
                ("service", "requesters"),
                _(
                    'service: an employee cannot request it: its steps in lane "%(lane)s" '
                    "need the reporting OPD"
                )
                % {"lane": opd_lane.key},
            )
        self.check_fields(("service",), _("service"), spec.service.fields)

    def check_fan_outs(self, spec: SopSpec, numbers: dict[str, int]) -> None:
        """The blocks of ``fan_out`` (docs/sop-format.md, "Fan-outs"): existing steps,
        consecutive in table order, not shared by two blocks; entered only at their first
        step; leaving to one join step after the block; checks inside return inside."""
        owner: dict[str, str] = {}
        keys: set[str] = set()
        for f, fan in enumerate(spec.fan_out):
            where: Location = ("fan_out", f)
            name = _('fan-out "%(key)s"') % {"key": fan.key}
            if fan.key in keys:
                self.add((*where, "key"), _("%(fan)s is defined twice") % {"fan": name})
                continue
            keys.add(fan.key)
            missing = False
            for s, no in enumerate(fan.steps):
                if no not in numbers:
                    self.add(
                        (*where, "steps", s),
                        _("%(fan)s: step %(no)s does not exist") % {"fan": name, "no": no},
                    )
                    missing = True
                elif no in owner:
                    self.add(
                        (*where, "steps", s),
                        _(
                            '%(fan)s: step %(no)s is already in fan-out "%(other)s"; '
                            "fan-outs neither overlap nor nest"
                        )
                        % {"fan": name, "no": no, "other": owner[no]},
                    )
                    missing = True
            if missing:
                continue
            for no in fan.steps:
                owner[no] = fan.key
            indexes = [numbers[no] for no in fan.steps]
            if indexes != list(range(indexes[0], indexes[0] + len(indexes))):
                listed = ", ".join(fan.steps)
                self.add(
                    (*where, "steps"),
                    _(
                        "%(fan)s: its steps must be consecutive rows of the table, in table "
                        "order (not %(listed)s)"
                    )
                    % {"fan": name, "listed": listed},
                )
                continue
            self.check_fan_out_flow(spec, f, fan, numbers)

    def check_fan_out_flow(
        self, spec: SopSpec, f: int, fan: FanOut, numbers: dict[str, int]
    ) -> None:
        where: Location = ("fan_out", f)
        name = _('fan-out "%(key)s"') % {"key": fan.key}
        inside = set(fan.steps)
        if numbers[fan.entry] == 0:
            self.add(
                (*where, "steps", 0),
                _(
                    "%(fan)s cannot begin at the first step: a case starts on its trunk, "
                    "before any fan-out"
                )
                % {"fan": name},
            )
        for index, step in enumerate(spec.steps):
            if step.no in inside:
                continue
            for target in _flows(spec, step):
                if target in inside and target != fan.entry:
                    self.add(
                        ("steps", index),
                        _(
                            "step %(no)s jumps into %(fan)s at step %(target)s; a fan-out is "
                            "entered only at its first step, %(entry)s"
                        )
                        % {"no": step.no, "fan": name, "target": target, "entry": fan.entry},
                    )
        exits: dict[str, str] = {}
        for no in fan.steps:
            index = numbers[no]
            step = spec.steps[index]
            if step.kind in (StepKind.DISPOSITION, StepKind.ASSIGNMENT):
                self.add(
                    ("steps", index, "kind"),
                    _(
                        "step %(no)s (%(kind)s) names people inside %(fan)s; they would act "
                        "at every site: name them on the trunk, before the block"
                    )
                    % {"no": step.no, "kind": step.kind.value, "fan": name},
                )
            for target in _flows(spec, step):
                if target == END:
                    self.add(
                        ("steps", index),
                        _(
                            "step %(no)s ends the case inside %(fan)s; its steps lead to one "
                            "join step after it"
                        )
                        % {"no": step.no, "fan": name},
                    )
                elif target not in inside:
                    exits.setdefault(target, no)
            for r, target in enumerate(step.return_to):
                if target in numbers and target not in inside:
                    self.add(
                        ("steps", index, "return_to", r),
                        _(
                            "step %(no)s returns to step %(target)s, outside its %(fan)s; a "
                            "check in a fan-out returns only within it"
                        )
                        % {"no": step.no, "target": target, "fan": name},
                    )
        if not exits:
            if not any(t == END for no in fan.steps for t in _flows(spec, spec.step(no))):
                self.add(
                    (*where, "steps"),
                    _(
                        "%(fan)s has no way out: none of its steps leads to a step after it "
                        "(the join)"
                    )
                    % {"fan": name},
                )
            return
        if len(exits) > 1:
            described = ", ".join(
                _("step %(no)s to %(target)s") % {"no": no, "target": target}
                for target, no in exits.items()
            )
            self.add(
                (*where, "steps"),
                _(
                    "%(fan)s leaves to several steps (%(described)s); the visits of a "
                    "fan-out join at one step"
                )
                % {"fan": name, "described": described},
            )
            return
        (join,) = exits
        if join in numbers and numbers[join] < numbers[fan.entry]:
            self.add(
                (*where, "steps"),
                _("%(fan)s joins at step %(no)s, which comes before it; the join is a later step")
                % {"fan": name, "no": join},
            )
            return
        other = spec.fan_out_of(join) if join != END else None
        if other is not None:
            self.add(
                (*where, "steps"),
                _(
                    '%(fan)s joins at step %(no)s, inside fan-out "%(other)s"; put a step of '
                    "the trunk between two fan-outs (the visits join there before the next "
                    "fan-out begins)"
                )
                % {"fan": name, "no": join, "other": other.key},
            )
        self.check_no_reentry(spec, fan, numbers)

    def check_no_reentry(self, spec: SopSpec, fan: FanOut, numbers: dict[str, int]) -> None:
        """No step after ``fan``'s block leads or returns to a step before or at its entry:
        the case would fan out again, beside the visits it already has. A return into the
        block (the join's check sending one visit back) is allowed."""
        name = _('fan-out "%(key)s"') % {"key": fan.key}
        last = max(numbers[no] for no in fan.steps)
        entry = numbers[fan.entry]
        for index in range(last + 1, len(spec.steps)):
            step = spec.steps[index]
            for target in _flows(spec, step):
                if target != END and target in numbers and numbers[target] <= entry:
                    self.add(
                        ("steps", index),
                        _(
                            "step %(no)s leads back to step %(target)s, before %(fan)s; the "
                            "visits would run a second time beside the first"
                        )
                        % {"no": step.no, "target": target, "fan": name},
                    )
            for r, target in enumerate(step.return_to):
                if target in numbers and numbers[target] < entry:
                    self.add(
                        ("steps", index, "return_to", r),
                        _(
                            "step %(no)s returns to step %(target)s, before %(fan)s; the "
                            "visits would run a second time beside the first (return into "
                            "the block to send one visit back)"
                        )
                        % {"no": step.no, "target": target, "fan": name},
                    )

    def check_graph(self, spec: SopSpec) -> None:
        by_no = {step.no: step for step in spec.steps}
        reached: set[str] = set()
        queue: deque[str] = deque([spec.steps[0].no])
        while queue:
            no = queue.popleft()
            if no in reached:
                continue
            reached.add(no)
            queue.extend(t for t in spec.successors(by_no[no]) if t != END)
        finishing: set[str] = set()
        changed = True
        while changed:
            changed = False
            for step in spec.steps:
                if step.no not in finishing and any(
                    t == END or t in finishing for t in spec.successors(step)
                ):
                    finishing.add(step.no)
                    changed = True
        for index, step in enumerate(spec.steps):
            if step.no not in reached:
                self.add(
                    ("steps", index, "no"),
                    _("step %(no)s can never be reached") % {"no": step.no},
                )
            elif step.no not in finishing:
                self.add(
                    ("steps", index, "no"),
                    _("there is no path to the end from step %(no)s") % {"no": step.no},
                )


def _flows(spec: SopSpec, step: Step) -> list[Target]:
    """Where ``step`` leads forward: its next or branches (a check's returns excluded)."""
    if step.kind is StepKind.DECISION:
        return [branch.next for branch in step.branches]
    return [spec.following(step)]


def _is_format_2_waktu(text: str) -> bool:
    """Whether a waktu uses what format 2 brought: a bound or calendar days."""
    try:
        standard = parse_time_standard(text)
    except ValueError:
        return False
    return standard.bound is not Bound.EXACT or standard.unit is TimeUnit.CALENDAR_DAY


def _order(no: str) -> tuple[int, str]:
    """Sort key of a step number: "2" < "2a" < "2b" < "3"."""
    digits = no.rstrip("abcdefghijklmnopqrstuvwxyz")
    return int(digits), no[len(digits) :]


def _pydantic_messages() -> dict[str, str]:
    """Pydantic's error types in the active language (its own English otherwise), with the
    error's ``ctx`` as named placeholders."""
    return {
        "missing": _("Field required"),
        "extra_forbidden": _("Extra inputs are not permitted"),
        "string_too_long": _("String should have at most %(max_length)s characters"),
        "too_long": _("List should have at most %(max_length)s items, not %(actual_length)s"),
        "too_short": _("List should have at least %(min_length)s items, not %(actual_length)s"),
        "string_type": _("Input should be a valid string"),
        "string_pattern_mismatch": _(
            "Should be a key: lower-case letters, digits, _ and -, starting with a letter"
        ),
        "int_type": _("Input should be a valid integer"),
        "int_parsing": _("Input should be a valid integer"),
        "bool_type": _("Input should be true or false"),
        "bool_parsing": _("Input should be true or false"),
        "literal_error": _("Input should be %(expected)s"),
        "enum": _("Input should be %(expected)s"),
        "list_type": _("Input should be a list"),
        "dict_type": _("Input should be a mapping (key: value)"),
        "model_type": _("Input should be a mapping (key: value)"),
        "model_attributes_type": _("Input should be a mapping (key: value)"),
        "greater_than_equal": _("Input should be at least %(ge)s"),
        "less_than_equal": _("Input should be at most %(le)s"),
    }


def _where(location: Location, data: object) -> str:
    """How a problem names its place: a step by its printed number ("step 7a, waktu"),
    anything else by its keys ("identity.nama"); list items count from 0."""
    if len(location) >= 2 and location[0] == "steps" and isinstance(location[1], int):
        steps = data.get("steps") if isinstance(data, dict) else None
        item = steps[location[1]] if isinstance(steps, list) and location[1] < len(steps) else None
        number = item.get("no") if isinstance(item, dict) else None
        if isinstance(number, int | str) and not isinstance(number, bool) and str(number):
            step = _("step %(no)s") % {"no": number}
            rest = ".".join(str(part) for part in location[2:])
            return f"{step}, {rest}" if rest else step
    return ".".join(str(part) for part in location) or _("the document")


def _pydantic_problems(
    error: ValidationError, path: str, lines: _Lines, data: object
) -> list[Problem]:
    problems = []
    english = (translation.get_language() or "en").startswith("en")
    templates = {} if english else _pydantic_messages()
    for item in error.errors():
        location = tuple(
            part
            for part in item["loc"]
            if not isinstance(part, str) or not part.startswith(("int", "literal"))
        )
        template = templates.get(item["type"])
        if template is not None:
            try:
                message = template % {k: str(v) for k, v in (item.get("ctx") or {}).items()}
            except (KeyError, TypeError, ValueError):
                message = item["msg"]
        else:
            message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(path, lines.line(location), f"{_where(location, data)}: {message}"))
    return problems


def _text_total(data: object) -> int:
    """Characters of every text (keys and values) in parsed YAML ``data``."""
    if isinstance(data, str):
        return len(data)
    if isinstance(data, dict):
        return sum(_text_total(key) + _text_total(value) for key, value in data.items())
    if isinstance(data, list):
        return sum(_text_total(item) for item in data)
    return 0


def check_text(text: str, path: str = "<text>") -> tuple[SopSpec | None, list[Problem]]:
    """Parse and check one definition. Returns ``(spec, [])`` when it is usable, else
    ``(spec or None, problems)`` with every problem found, in file order."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        return None, [Problem(path, 1, _too_large(size))]
    lines = _Lines()
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(path, line, _("not valid YAML: %(reason)s") % {"reason": reason})]
    if node is None or not isinstance(data, dict):
        return None, [
            Problem(path, 1, _("an SOP definition is a YAML mapping (format, code, identity, ...)"))
        ]
    total = _text_total(data)
    if total > MAX_TEXT_TOTAL:
        message = _(
            "the texts of the definition total %(total)s characters; an SOP definition has "
            "at most %(limit)s"
        ) % {"total": f"{total:,}", "limit": f"{MAX_TEXT_TOTAL:,}"}
        return None, [Problem(path, 1, message)]
    lines.walk(node)
    problems = [
        Problem(path, line, _('key "%(key)s" appears twice') % {"key": location[-1]})
        for location, line in lines.duplicates
    ]
    try:
        spec = SopSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems + _pydantic_problems(exc, path, lines, data)
    checker = _Checker(path, lines)
    checker.check(spec)
    problems += checker.problems
    problems.sort(key=lambda problem: problem.line)
    return spec, problems


def line_of(text: str, location: Location) -> int:
    """The 1-based line of ``location`` (keys and list indexes, e.g. ``("lanes", 2,
    "positions", 0)``) in the YAML ``text``, or of its nearest ancestor; 1 when the text
    cannot be read as YAML."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return 1
    lines = _Lines()
    if node is not None:
        lines.walk(node)
    return lines.line(location)


def load_spec(text: str, path: str = "<text>") -> SopSpec:
    """The checked definition in ``text``; raises ``SopInvalid`` listing every problem.
    A text that checked clean before gives the same (frozen) ``SopSpec`` again without
    parsing it (the ``CLEAN_SPECS`` most recent texts are kept): loading the library and the demo
    reads the same files many times; problems are always worked out afresh, in the
    current language."""
    with _clean_lock:
        spec = _clean_specs.get(text)
        if spec is not None:
            _clean_specs.move_to_end(text)
            return spec
    spec, problems = check_text(text, path)
    if problems or spec is None:
        raise SopInvalid(problems)
    with _clean_lock:
        _clean_specs[text] = spec
        while len(_clean_specs) > CLEAN_SPECS:
            _clean_specs.popitem(last=False)
    return spec


#: How many clean definitions ``load_spec`` keeps parsed, by their text (stored versions
#: in use and the library files).
CLEAN_SPECS = 256
_clean_specs: OrderedDict[str, SopSpec] = OrderedDict()
_clean_lock = threading.Lock()


def _too_large(size: int) -> str:
    return _("the file is %(size)s bytes; an SOP definition is at most %(limit)s bytes (1 MiB)") % {
        "size": f"{size:,}",
        "limit": f"{MAX_FILE_BYTES:,}",
    }


def read_definition(path: Path) -> str:
    """The text of the definition file at ``path``, read without loading more than
    ``MAX_FILE_BYTES`` + 1 bytes. Raises ``SopInvalid`` with one problem for a file that
    cannot be opened or read (``path: cannot read the file: <reason>``), that is larger than
    ``MAX_FILE_BYTES``, or that is not UTF-8 text (a binary file)."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
            size = len(data) if len(data) <= MAX_FILE_BYTES else path.stat().st_size
    except OSError as exc:
        reason = exc.strerror or str(exc)
        message = _("cannot read the file: %(reason)s") % {"reason": reason}
        raise SopInvalid([Problem(name, 0, message)]) from None
    if size > MAX_FILE_BYTES:
        raise SopInvalid([Problem(name, 1, _too_large(size))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start
    else:
        offset = data.find(b"\0")
        if offset < 0:
            return text
    message = _(
        "not a text file: byte %(byte)s at offset %(offset)s is not text "
        "(an SOP definition is UTF-8 YAML text)"
    ) % {"byte": f"0x{data[offset]:02x}", "offset": offset}
    raise SopInvalid([Problem(name, 0, message)])


def check_file(path: Path) -> list[Problem]:
    """Problems of the definition file at ``path`` (unreadable, binary or too large file
    included)."""
    try:
        text = read_definition(path)
    except SopInvalid as exc:
        return exc.problems
    return check_text(text, str(path))[1]
