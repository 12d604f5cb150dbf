"""A readable diff of two SOP definitions (issue 17 point 4: versions and drafts).

``diff_sources(old, new)`` compares the two definitions as parsed: the top-level keys
(start, calendar, deadline, service…), the identity's fields, the lanes by key and the
steps by number, and for a lane or step that is on both sides the keys whose value
changed ("Langkah 7 — waktu: 1 hari → 2 hari"). Values are compared after the format's
defaults are filled in when a side's shape is valid (so writing ``kind: activity`` or
leaving it out is no change). When a side is not a YAML mapping, the diff falls back to a
unified diff of the two texts.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import yaml
from django.utils.translation import gettext as _

from jaga.sop.builder import parse_yaml
from jaga.sop.validate import check_text

#: Printed values longer than this are cut with "…".
VALUE_WIDTH = 120


@dataclass(frozen=True)
class Change:
    """One line of the diff: ``kind`` is ``added``, ``removed`` or ``changed``."""

    kind: str
    text: str


@dataclass
class Diff:
    """The changes, by section (``general``, ``identity``, ``lanes``, ``steps``), or
    ``unified`` lines when a side could not be read."""

    sections: dict[str, list[Change]] = field(default_factory=dict)
    unified: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No difference at all."""
        return not self.unified and not any(self.sections.values())

    def lines(self) -> list[str]:
        """Every change as text, sections in order (for tests and plain output)."""
        return [change.text for changes in self.sections.values() for change in changes]


def _normal(source: str) -> dict[str, Any] | None:
    """The definition as a mapping with the format's defaults filled in when its shape is
    valid, else as written; None when it is not a YAML mapping."""
    if not source.strip():
        return {}
    spec, _problems = check_text(source, "diff")
    if spec is not None:
        dumped: dict[str, Any] = spec.model_dump(mode="json")
        return dumped
    try:
        data = parse_yaml(source)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def show(value: object) -> str:
    """A value as one short line: text as is, anything else as flow YAML; ``—`` for none."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, str):
        text = " ".join(value.split())
    else:
        text = yaml.safe_dump(
            value, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10_000
        ).strip()
        text = text.removesuffix("...").strip()
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _by(items: object, key: str) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                result.setdefault(str(item.get(key, f"#{index + 1}")), item)
    return result


def _fields(old: dict[str, Any], new: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    keys = [key for key in dict.fromkeys([*old, *new]) if key not in skip]
    return [key for key in keys if old.get(key) != new.get(key)]


def _rows(
    old: object, new: object, key: str, added: str, removed: str, changed: str
) -> list[Change]:
    before, after = _by(old, key), _by(new, key)
    changes: list[Change] = []
    for name, row in after.items():
        if name not in before:
            changes.append(Change("added", added % {"name": name, "label": _label(row)}))
            continue
        for item in _fields(before[name], row, skip=(key,)):
            old_value, new_value = before[name].get(item), row.get(item)
            if _keyed(old_value) and _keyed(new_value):
                # Branches and fields: say which one changed, and how.
                changes += _keyed_changes(name, item, old_value, new_value, changed)
                continue
            text = changed % {
                "name": name,
                "key": item,
                "old": show(old_value),
                "new": show(new_value),
            }
            changes.append(Change("changed", text))
    changes += [
        Change("removed", removed % {"name": name, "label": _label(row)})
        for name, row in before.items()
        if name not in after
    ]
    return changes


def _keyed(value: object) -> TypeGuard[list[dict[str, Any]]]:
    """A list of mappings with keys (a decision's branches, a step's fields)."""
    return isinstance(value, list) and all(
        isinstance(item, dict) and "key" in item for item in value
    )


def _keyed_changes(
    name: str, item: str, old: list[dict[str, Any]], new: list[dict[str, Any]], changed: str
) -> list[Change]:
    before = {str(entry["key"]): entry for entry in old}
    after = {str(entry["key"]): entry for entry in new}
    changes: list[Change] = []
    for key, entry in after.items():
        where = f"{item} {key}"
        if key not in before:
            text = changed % {"name": name, "key": where, "old": "—", "new": show(entry)}
            changes.append(Change("changed", text))
            continue
        for field_name in _fields(before[key], entry):
            text = changed % {
                "name": name,
                "key": f"{where} {field_name}",
                "old": show(before[key].get(field_name)),
                "new": show(entry.get(field_name)),
            }
            changes.append(Change("changed", text))
    changes += [
        Change(
            "changed",
            changed % {"name": name, "key": f"{item} {key}", "old": show(entry), "new": "—"},
        )
        for key, entry in before.items()
        if key not in after
    ]
    if not changes and list(before) != list(after):
        text = changed % {
            "name": name,
            "key": item,
            "old": ", ".join(before),
            "new": ", ".join(after),
        }
        changes.append(Change("changed", text))
    return changes


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _label(row: dict[str, Any]) -> str:
    return show(row.get("label") or row.get("kegiatan") or "")


def diff_sources(old: str, new: str) -> Diff:
    """The readable diff from the definition ``old`` to ``new`` (YAML texts; ``""`` is no
    definition, so everything in ``new`` is added)."""
    before, after = _normal(old), _normal(new)
    if before is None or after is None:
        lines = difflib.unified_diff(
            old.splitlines(), new.splitlines(), "old", "new", lineterm="", n=2
        )
        return Diff(unified=list(lines)[2:])
    diff = Diff()
    general = [
        Change(
            "changed",
            _("%(key)s: %(old)s → %(new)s")
            % {"key": key, "old": show(before.get(key)), "new": show(after.get(key))},
        )
        for key in _fields(before, after, skip=("identity", "lanes", "steps"))
    ]
    identity_before = _mapping(before.get("identity"))
    identity_after = _mapping(after.get("identity"))
    identity = [
        Change(
            "changed",
            _("Identity — %(key)s: %(old)s → %(new)s")
            % {
                "key": key,
                "old": show(identity_before.get(key)),
                "new": show(identity_after.get(key)),
            },
        )
        for key in _fields(identity_before, identity_after)
    ]
    diff.sections = {
        "general": general,
        "identity": identity,
        "lanes": _rows(
            before.get("lanes"),
            after.get("lanes"),
            "key",
            _("Lane %(name)s added (%(label)s)"),
            _("Lane %(name)s removed (%(label)s)"),
            _("Lane %(name)s — %(key)s: %(old)s → %(new)s"),
        ),
        "steps": _rows(
            before.get("steps"),
            after.get("steps"),
            "no",
            _("Step %(name)s added: %(label)s"),
            _("Step %(name)s removed: %(label)s"),
            _("Step %(name)s — %(key)s: %(old)s → %(new)s"),
        ),
    }
    return diff
