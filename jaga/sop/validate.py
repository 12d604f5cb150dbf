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
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jaga.sop.schema import END, MAX_TEXT_TOTAL, FanOut, SopSpec, Step, StepKind, Target

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
    def __init__(self, path: str, lines: _Lines) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.line(location), message))

    def check(self, spec: SopSpec) -> None:
        self.check_lanes(spec)
        numbers = self.check_numbers(spec)
        for index, step in enumerate(spec.steps):
            self.check_step(spec, index, step, numbers)
        self.check_fan_outs(spec, numbers)
        if not self.problems:
            self.check_graph(spec)

    def check_lanes(self, spec: SopSpec) -> None:
        seen: set[str] = set()
        for index, lane in enumerate(spec.lanes):
            where: Location = ("lanes", index)
            if lane.key in seen:
                self.add((*where, "key"), f'lane "{lane.key}" is defined twice')
            seen.add(lane.key)
            if lane.reporter and lane.positions:
                self.add(where, f'lane "{lane.key}": a reporter lane names no positions')
            if not lane.reporter and not lane.positions:
                self.add(where, f'lane "{lane.key}" needs positions (or reporter: true)')
        if sum(lane.reporter for lane in spec.lanes) > 1:
            self.add(("lanes",), "only one lane can be the reporting OPD (reporter: true)")

    def check_numbers(self, spec: SopSpec) -> dict[str, int]:
        """Step number -> position in the table; duplicates and numbers out of order are
        problems ("2" after "3"; "1a" must follow "1")."""
        numbers: dict[str, int] = {}
        previous: tuple[int, str] = (0, "")
        for index, step in enumerate(spec.steps):
            order = _order(step.no)
            if step.no in numbers:
                self.add(("steps", index, "no"), f"step {step.no} is numbered twice")
            elif order < previous:
                self.add(("steps", index, "no"), f"step {step.no} comes after a later number")
            numbers.setdefault(step.no, index)
            previous = max(previous, order)
        return numbers

    def check_target(self, where: Location, target: Target, numbers: dict[str, int]) -> None:
        if target != END and target not in numbers:
            self.add(where, f"jumps to step {target}, which does not exist")

    def check_step(self, spec: SopSpec, index: int, step: Step, numbers: dict[str, int]) -> None:
        where: Location = ("steps", index)
        lanes = {lane.key: lane for lane in spec.lanes}
        label = f"step {step.no}"
        if not step.all_lanes:
            self.add(where, f"{label} needs a lane")
        for key in step.all_lanes:
            if key not in lanes:
                field = "lane" if key == step.lane else "lanes"
                self.add((*where, field), f'{label}: unknown lane "{key}"')
        if step.next is not None:
            self.check_target((*where, "next"), step.next, numbers)
        if step.kind is StepKind.DECISION:
            if len(step.branches) < 2:
                self.add(where, f"{label} is a decision and needs at least two branches")
            if step.next is not None:
                self.add((*where, "next"), f"{label}: a decision goes where its branches say")
            keys = [branch.key for branch in step.branches]
            if len(set(keys)) != len(keys):
                self.add((*where, "branches"), f"{label}: two branches have the same key")
            for b, branch in enumerate(step.branches):
                self.check_target((*where, "branches", b, "next"), branch.next, numbers)
        elif step.branches:
            self.add((*where, "branches"), f"{label}: only a decision has branches")
        if step.kind is StepKind.CHECK:
            if not step.return_to:
                self.add(
                    where, f"{label} is a check and needs return_to (the steps it may send back to)"
                )
            for r, target in enumerate(step.return_to):
                if target not in numbers:
                    self.add(
                        (*where, "return_to", r),
                        f"{label} returns to step {target}, which does not exist",
                    )
                elif numbers[target] >= index:
                    self.add(
                        (*where, "return_to", r),
                        f"{label} can only return to an earlier step, not {target}",
                    )
        elif step.return_to:
            self.add((*where, "return_to"), f"{label}: only a check returns to earlier steps")
        if step.kind in (StepKind.DISPOSITION, StepKind.ASSIGNMENT):
            if step.to_lane is None:
                self.add(where, f"{label} ({step.kind}) needs to_lane: the lane it names people of")
            elif step.to_lane not in lanes:
                self.add((*where, "to_lane"), f'{label}: unknown lane "{step.to_lane}"')
            elif lanes[step.to_lane].reporter:
                self.add((*where, "to_lane"), f"{label}: the reporting OPD's lane cannot be named")
        elif step.to_lane is not None:
            self.add(
                (*where, "to_lane"), f"{label}: only a disposition or an assignment has to_lane"
            )
        if step.max_assignees is not None and step.max_assignees < step.min_assignees:
            self.add((*where, "max_assignees"), f"{label}: max_assignees is below min_assignees")
        if step.kind is StepKind.ACKNOWLEDGMENT and not any(
            key in lanes and lanes[key].reporter for key in step.all_lanes
        ):
            self.add(where, f"{label}: an acknowledgment belongs in the reporting OPD's lane")
        if step.replacement is not None and step.kind not in (StepKind.ACTIVITY, StepKind.REPORT):
            self.add(
                (*where, "replacement"),
                f"{label}: only an activity or a report replaces a device",
            )
        if step.kind is StepKind.FORM and not step.fields:
            self.add(where, f"{label} is a form and needs fields")
        field_keys: set[str] = set()
        for f, form_field in enumerate(step.fields):
            spot: Location = (*where, "fields", f)
            if form_field.key in field_keys:
                self.add((*spot, "key"), f'{label}: field "{form_field.key}" is defined twice')
            field_keys.add(form_field.key)
            if (form_field.type == "choice") != bool(form_field.choices):
                self.add(
                    spot,
                    f'{label}: field "{form_field.key}": type choice needs choices, and only it',
                )

    def check_fan_outs(self, spec: SopSpec, numbers: dict[str, int]) -> None:
        """The blocks of ``fan_out`` (docs/sop-format.md, "Fan-outs"): existing steps,
        consecutive in table order, not shared by two blocks; entered only at their first
        step; leaving to one join step after the block; checks inside return inside."""
        owner: dict[str, str] = {}
        keys: set[str] = set()
        for f, fan in enumerate(spec.fan_out):
            where: Location = ("fan_out", f)
            name = f'fan-out "{fan.key}"'
            if fan.key in keys:
                self.add((*where, "key"), f"{name} is defined twice")
                continue
            keys.add(fan.key)
            missing = False
            for s, no in enumerate(fan.steps):
                if no not in numbers:
                    self.add((*where, "steps", s), f"{name}: step {no} does not exist")
                    missing = True
                elif no in owner:
                    self.add(
                        (*where, "steps", s),
                        f'{name}: step {no} is already in fan-out "{owner[no]}"; '
                        "fan-outs neither overlap nor nest",
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
                    f"{name}: its steps must be consecutive rows of the table, in table "
                    f"order (not {listed})",
                )
                continue
            self.check_fan_out_flow(spec, f, fan, numbers)

    def check_fan_out_flow(
        self, spec: SopSpec, f: int, fan: FanOut, numbers: dict[str, int]
    ) -> None:
        where: Location = ("fan_out", f)
        name = f'fan-out "{fan.key}"'
        inside = set(fan.steps)
        if numbers[fan.entry] == 0:
            self.add(
                (*where, "steps", 0),
                f"{name} cannot begin at the first step: a case starts on its trunk, before "
                "any fan-out",
            )
        for index, step in enumerate(spec.steps):
            if step.no in inside:
                continue
            for target in _flows(spec, step):
                if target in inside and target != fan.entry:
                    self.add(
                        ("steps", index),
                        f"step {step.no} jumps into {name} at step {target}; a fan-out is "
                        f"entered only at its first step, {fan.entry}",
                    )
        exits: dict[str, str] = {}
        for no in fan.steps:
            index = numbers[no]
            step = spec.steps[index]
            if step.kind in (StepKind.DISPOSITION, StepKind.ASSIGNMENT):
                self.add(
                    ("steps", index, "kind"),
                    f"step {step.no} ({step.kind.value}) names people inside {name}; they "
                    "would act at every site: name them on the trunk, before the block",
                )
            for target in _flows(spec, step):
                if target == END:
                    self.add(
                        ("steps", index),
                        f"step {step.no} ends the case inside {name}; its steps lead to one "
                        "join step after it",
                    )
                elif target not in inside:
                    exits.setdefault(target, no)
            for r, target in enumerate(step.return_to):
                if target in numbers and target not in inside:
                    self.add(
                        ("steps", index, "return_to", r),
                        f"step {step.no} returns to step {target}, outside its {name}; a "
                        "check in a fan-out returns only within it",
                    )
        if not exits:
            if not any(t == END for no in fan.steps for t in _flows(spec, spec.step(no))):
                self.add(
                    (*where, "steps"),
                    f"{name} has no way out: none of its steps leads to a step after it (the join)",
                )
            return
        if len(exits) > 1:
            described = ", ".join(f"step {no} to {target}" for target, no in exits.items())
            self.add(
                (*where, "steps"),
                f"{name} leaves to several steps ({described}); the visits of a fan-out "
                "join at one step",
            )
            return
        (join,) = exits
        if join in numbers and numbers[join] < numbers[fan.entry]:
            self.add(
                (*where, "steps"),
                f"{name} joins at step {join}, which comes before it; the join is a later step",
            )
            return
        other = spec.fan_out_of(join) if join != END else None
        if other is not None:
            self.add(
                (*where, "steps"),
                f'{name} joins at step {join}, inside fan-out "{other.key}"; put a step of '
                "the trunk between two fan-outs (the visits join there before the next "
                "fan-out begins)",
            )
        self.check_no_reentry(spec, fan, numbers)

    def check_no_reentry(self, spec: SopSpec, fan: FanOut, numbers: dict[str, int]) -> None:
        """No step after ``fan``'s block leads or returns to a step before or at its entry:
        the case would fan out again, beside the visits it already has. A return into the
        block (the join's check sending one visit back) is allowed."""
        name = f'fan-out "{fan.key}"'
        last = max(numbers[no] for no in fan.steps)
        entry = numbers[fan.entry]
        for index in range(last + 1, len(spec.steps)):
            step = spec.steps[index]
            for target in _flows(spec, step):
                if target != END and target in numbers and numbers[target] <= entry:
                    self.add(
                        ("steps", index),
                        f"step {step.no} leads back to step {target}, before {name}; the "
                        "visits would run a second time beside the first",
                    )
            for r, target in enumerate(step.return_to):
                if target in numbers and numbers[target] < entry:
                    self.add(
                        ("steps", index, "return_to", r),
                        f"step {step.no} returns to step {target}, before {name}; the "
                        "visits would run a second time beside the first (return into the "
                        "block to send one visit back)",
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
                self.add(("steps", index, "no"), f"step {step.no} can never be reached")
            elif step.no not in finishing:
                self.add(("steps", index, "no"), f"there is no path to the end from step {step.no}")


def _flows(spec: SopSpec, step: Step) -> list[Target]:
    """Where ``step`` leads forward: its next or branches (a check's returns excluded)."""
    if step.kind is StepKind.DECISION:
        return [branch.next for branch in step.branches]
    return [spec.following(step)]


def _order(no: str) -> tuple[int, str]:
    """Sort key of a step number: "2" < "2a" < "2b" < "3"."""
    digits = no.rstrip("abcdefghijklmnopqrstuvwxyz")
    return int(digits), no[len(digits) :]


def _pydantic_problems(error: ValidationError, path: str, lines: _Lines) -> list[Problem]:
    problems = []
    for item in error.errors():
        location = tuple(
            part
            for part in item["loc"]
            if not isinstance(part, str) or not part.startswith(("int", "literal"))
        )
        where = ".".join(str(part) for part in location) or "the document"
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(path, lines.line(location), f"{where}: {message}"))
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
        return None, [Problem(path, line, f"not valid YAML: {reason}")]
    if node is None or not isinstance(data, dict):
        return None, [
            Problem(path, 1, "an SOP definition is a YAML mapping (format, code, identity, ...)")
        ]
    total = _text_total(data)
    if total > MAX_TEXT_TOTAL:
        message = (
            f"the texts of the definition total {total:,} characters; an SOP definition has "
            f"at most {MAX_TEXT_TOTAL:,}"
        )
        return None, [Problem(path, 1, message)]
    lines.walk(node)
    problems = [
        Problem(path, line, f'key "{location[-1]}" appears twice')
        for location, line in lines.duplicates
    ]
    try:
        spec = SopSpec.model_validate(data)
    except ValidationError as exc:
        return None, problems + _pydantic_problems(exc, path, lines)
    checker = _Checker(path, lines)
    checker.check(spec)
    problems += checker.problems
    problems.sort(key=lambda problem: problem.line)
    return spec, problems


def load_spec(text: str, path: str = "<text>") -> SopSpec:
    """The checked definition in ``text``; raises ``SopInvalid`` listing every problem."""
    spec, problems = check_text(text, path)
    if problems or spec is None:
        raise SopInvalid(problems)
    return spec


def _too_large(size: int) -> str:
    return (
        f"the file is {size:,} bytes; an SOP definition is at most {MAX_FILE_BYTES:,} bytes (1 MiB)"
    )


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
        raise SopInvalid([Problem(name, 0, f"cannot read the file: {reason}")]) from None
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
    message = (
        f"not a text file: byte 0x{data[offset]:02x} at offset {offset} is not text "
        "(an SOP definition is UTF-8 YAML text)"
    )
    raise SopInvalid([Problem(name, 0, message)])


def check_file(path: Path) -> list[Problem]:
    """Problems of the definition file at ``path`` (unreadable, binary or too large file
    included)."""
    try:
        text = read_definition(path)
    except SopInvalid as exc:
        return exc.problems
    return check_text(text, str(path))[1]
