"""The SOP builder's services (issue 17 point 4; docs/sop-builder.md).

An agency administrator writes an SOP in the browser; what is kept is the YAML text of the
definition (``SopDraft.source``), valid or not, so nothing typed is ever lost. This module
converts between the three shapes of a definition:

- the editor's form data (``data_from_form``: a ``QueryDict`` whose rows are grouped by
  their name's prefix, ``lane-<id>-key``, ``step-<id>-branch-<id>-next``, … in document
  order, which is the table's order),
- the definition as a plain mapping in the order of docs/sop-format.md (``editor_state``
  turns one, valid or not, into the strings the editor shows),
- YAML text (``to_yaml``, ``parse_yaml``: YAML 1.2 booleans, no aliases, as
  ``jaga.sop.validate`` reads it),

and keeps, checks, publishes, imports and exports drafts. Publishing goes through
``jaga.sop.services.load_definition`` (a new version, audited).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from jaga.org.models import User
from jaga.sop.models import SopDefinition, SopDraft
from jaga.sop.schema import SopSpec
from jaga.sop.services import LoadResult, check_positions, load_definition
from jaga.sop.validate import MAX_FILE_BYTES, Problem, SopInvalid, check_text
from jaga.sop.validate import _Loader as YamlLoader
from jaga.tenancy.models import Agency

V1 = "jaga-sop/1"
V2 = "jaga-sop/2"

#: The identity's list keys, in the order of docs/sop-format.md ("Identity").
IDENTITY_LISTS = (
    "dasar_hukum",
    "kualifikasi_pelaksana",
    "keterkaitan",
    "peralatan_perlengkapan",
    "peringatan",
    "pencatatan_pendataan",
)
IDENTITY_TEXTS = ("nomor", "nama", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif")
OFFICIAL_KEYS = ("jabatan", "nama", "nip", "pangkat")
STEP_KINDS = (
    "activity",
    "disposition",
    "assignment",
    "forward",
    "check",
    "decision",
    "form",
    "acknowledgment",
    "report",
)
FIELD_TYPES = ("text", "textarea", "integer", "decimal", "date", "choice", "boolean")
#: What a field's value may record for the case's reports (``FormField.records``).
FIELD_RECORDS = ("temuan", "pekerjaan")
FIELD_PREFILLS = ("opd", "description", "title", "reporter")
DOCUMENTS = (
    "lembar_disposisi",
    "surat_tugas",
    "berita_acara_penggantian",
    "berita_acara_pekerjaan",
    "laporan_tindak_lanjut",
    "rencana_kerja",
)
START_MODES = ("report", "schedule", "manual")
CALENDARS = ("working", "24x7")
REPLACEMENTS = ("required", "optional")
SERVICE_CATEGORIES = ("request", "disruption")
REQUESTERS = ("opd", "employee", "staff")
#: What a lane's ``requester`` may name (format 2: the requesting employee's lane).
LANE_REQUESTERS = ("employee",)

_ROW = re.compile(r"^(lane|step|fan|sfield)-([A-Za-z0-9_]+)-(.+)$")
_SUB = re.compile(r"^(branch|field)-([A-Za-z0-9_]+)-(.+)$")


class ImportRefused(ValueError):
    """An uploaded file that is not a YAML mapping at all: nothing was changed.
    ``messages`` say why, in the user's language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


# --- YAML -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """YAML 1.2 booleans, as ``jaga.sop.validate`` reads them: ``no`` (the step number key)
    and ``Ya``/``Tidak`` stay plain text; only ``true``/``false`` need quotes as text."""


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
#: Flow style (``{key: ya, label: Ya, next: 7}``) for mappings and lists up to this size.
FLOW_WIDTH = 72


def _scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _size(value: object) -> int:
    """A rough printed width of ``value`` in flow style."""
    if isinstance(value, dict):
        return sum(len(str(key)) + _size(item) + 4 for key, item in value.items()) + 2
    if isinstance(value, list):
        return sum(_size(item) + 2 for item in value) + 2
    return len(str(value))


def _flat(value: object) -> bool:
    """Whether ``value`` prints well on one line: scalars, or one level of them."""
    if _scalar(value):
        return True
    if isinstance(value, list):
        return all(_scalar(item) for item in value)
    if isinstance(value, dict):
        return all(_scalar(item) for item in value.values())
    return False


def _represent_list(dumper: _Dumper, data: list[Any]) -> yaml.Node:
    flow = bool(data) and all(_scalar(item) for item in data) and _size(data) <= FLOW_WIDTH - 20
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _represent_dict(dumper: _Dumper, data: dict[Any, Any]) -> yaml.Node:
    flow = (
        bool(data)
        and "steps" not in data
        and "identity" not in data
        and all(_flat(item) for item in data.values())
        and _size(data) <= FLOW_WIDTH
    )
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def to_yaml(data: Mapping[str, Any]) -> str:
    """``data`` (a definition as a mapping, keys in the order of docs/sop-format.md) as
    readable YAML: block style, short rows on one line, Unicode as is, keys kept in order."""
    text: str = yaml.dump(
        dict(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def parse_yaml(text: str) -> object:
    """``text`` read as ``jaga.sop.validate`` reads it (YAML 1.2 booleans, no aliases);
    raises ``yaml.YAMLError`` when it is not YAML."""
    return yaml.load(text, Loader=YamlLoader)  # a SafeLoader: no arbitrary objects


# --- form data -> definition ----------------------------------------------------------------


@dataclass
class _Row:
    values: dict[str, list[str]] = field(default_factory=dict)
    subs: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return _first(self.values.get(name))

    def all(self, name: str) -> list[str]:
        return [value.strip() for value in self.values.get(name, []) if value.strip()]

    def rows(self, kind: str) -> list[_Row]:
        return [_Row(values) for values in self.subs.get(kind, {}).values()]


def _first(values: Sequence[str] | None) -> str:
    return values[0].strip() if values else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_items(text: str) -> list[str]:
    """``"5, 7"`` → ``["5", "7"]`` (commas or blanks separate)."""
    return [item for item in re.split(r"[,\s]+", text) if item]


def _number(text: str) -> int | str:
    """A step number or count as YAML would read it: digits are a number."""
    return int(text) if text.isdigit() and not text.startswith("0") else text


def _pairs(text: str) -> dict[str, str]:
    """``"key: text"`` lines as a mapping; a line without ``:`` keeps its text as the key
    with an empty value (the validator then says what is wrong)."""
    result: dict[str, str] = {}
    for line in _lines(text):
        key, _sep, value = line.partition(":")
        result[key.strip()] = value.strip()
    return result


def _shares(text: str) -> list[int | str] | None:
    """Reminder shares: ``""`` → None (the default), ``"-"`` → ``[]`` (none)."""
    text = text.strip()
    if not text:
        return None
    if text == "-":
        return []
    return [_number(item) for item in split_items(text)]


def _group(
    items: Iterable[tuple[str, list[str]]],
) -> tuple[dict[str, list[str]], dict[str, dict[str, _Row]]]:
    top: dict[str, list[str]] = {}
    rows: dict[str, dict[str, _Row]] = {"lane": {}, "step": {}, "fan": {}, "sfield": {}}
    for name, values in items:
        match = _ROW.match(name)
        if match is None:
            top[name] = list(values)
            continue
        kind, row_id, rest = match.groups()
        row = rows[kind].setdefault(row_id, _Row())
        sub = _SUB.match(rest) if kind == "step" else None
        if sub is None:
            row.values[rest] = list(values)
        else:
            sub_kind, sub_id, sub_name = sub.groups()
            row.subs.setdefault(sub_kind, {}).setdefault(sub_id, {})[sub_name] = list(values)
    return top, rows


def _put(target: dict[str, Any], key: str, value: object) -> None:
    """Set ``key`` unless ``value`` is empty (left out, the definition's default applies)."""
    if value not in ("", None, [], {}):
        target[key] = value


def _form_field(row: _Row) -> dict[str, Any] | None:
    item: dict[str, Any] = {}
    _put(item, "key", row.text("key"))
    _put(item, "label", row.text("label"))
    if not item and not row.text("help") and not row.text("choices"):
        return None
    kind = row.text("type")
    if kind and kind != "text":
        item["type"] = kind
    if not row.values.get("required"):
        item["required"] = False
    _put(item, "choices", _lines(row.values.get("choices", [""])[0]))
    _put(item, "help", row.text("help"))
    if row.values.get("printable"):
        item["printable"] = True
    _put(item, "records", row.text("records"))
    _put(item, "prefill", row.text("prefill"))
    return item


def _fields(rows: Iterable[_Row]) -> list[dict[str, Any]]:
    return [item for item in (_form_field(row) for row in rows) if item is not None]


def _lane(row: _Row) -> dict[str, Any] | None:
    lane: dict[str, Any] = {}
    _put(lane, "key", row.text("key"))
    _put(lane, "label", row.text("label"))
    _put(lane, "positions", row.all("positions"))
    if row.values.get("reporter"):
        lane["reporter"] = True
    _put(lane, "requester", row.text("requester"))
    return lane or None


def _branch(values: dict[str, list[str]]) -> dict[str, Any] | None:
    row = _Row(values)
    branch: dict[str, Any] = {}
    _put(branch, "key", row.text("key"))
    _put(branch, "label", row.text("label"))
    target = row.text("next")
    _put(branch, "next", _number(target) if target else "")
    return branch or None


def _step(row: _Row) -> dict[str, Any] | None:
    step: dict[str, Any] = {}
    number = row.text("no")
    _put(step, "no", _number(number) if number else "")
    _put(step, "kegiatan", row.text("kegiatan"))
    _put(step, "lane", row.text("lane"))
    _put(step, "lanes", split_items(row.text("lanes")))
    kind = row.text("kind")
    if kind and kind != "activity":
        step["kind"] = kind
    _put(step, "to_lane", row.text("to_lane"))
    _put(step, "to_lanes", split_items(row.text("to_lanes")))
    for key in ("min_assignees", "max_assignees"):
        value = row.text(key)
        _put(step, key, _number(value) if value else "")
    _put(step, "instructions", _lines(row.values.get("instructions", [""])[0]))
    _put(step, "return_to", [_number(item) for item in split_items(row.text("return_to"))])
    _put(step, "kelengkapan", row.text("kelengkapan"))
    _put(step, "waktu", row.text("waktu"))
    decision = row.text("waktu_by_decision")
    by_branch = _pairs(row.values.get("waktu_by_branches", [""])[0])
    if decision or by_branch:
        waktu_by: dict[str, Any] = {}
        _put(waktu_by, "decision", _number(decision) if decision else "")
        _put(waktu_by, "branches", by_branch)
        step["waktu_by"] = waktu_by
    _put(step, "output", row.text("output"))
    _put(step, "keterangan", row.text("keterangan"))
    target = row.text("next")
    _put(step, "next", _number(target) if target else "")
    branches = [item for item in map(_branch, row.subs.get("branch", {}).values()) if item]
    _put(step, "branches", branches)
    _put(step, "fields", _fields(row.rows("field")))
    _put(step, "calendar", row.text("calendar"))
    _put(step, "document", row.text("document"))
    _put(step, "replacement", row.text("replacement"))
    shares = _shares(row.text("reminders"))
    if shares is not None:
        step["reminders"] = shares
    if row.values.get("note_printable"):
        step["note_printable"] = True
    _put(step, "transcription_note", row.text("transcription_note"))
    return step or None


def _fan(row: _Row) -> dict[str, Any] | None:
    fan: dict[str, Any] = {}
    _put(fan, "key", row.text("key"))
    _put(fan, "label", row.text("label"))
    steps = [_number(item) for item in split_items(row.text("steps"))]
    if not fan and not steps:
        return None
    fan["over"] = row.text("over") or "sites"
    fan["steps"] = steps
    return fan


#: Fields of one editor payload at most (200 steps of some 30 inputs, with room to spare).
MAX_PAYLOAD_FIELDS = 20_000


class FormPairs:
    """Form data as ``(name, value)`` pairs in document order: what ``data_from_form``
    reads, like a ``QueryDict``. The editor's script posts its whole form as one JSON
    field (``payload``), because Django refuses a request of more than
    ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (1,000) fields and an SOP of 200 steps has some 6,000
    inputs."""

    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.pairs = list(pairs)

    @classmethod
    def from_json(cls, text: str) -> FormPairs:
        """The pairs of a JSON list of ``[name, value]`` strings; ``ValueError`` for any
        other JSON, or more than ``MAX_PAYLOAD_FIELDS`` pairs."""
        data = json.loads(text)
        if not isinstance(data, list) or len(data) > MAX_PAYLOAD_FIELDS:
            raise ValueError("the payload is not a list of at most 20,000 fields")
        pairs: list[tuple[str, str]] = []
        for item in data:
            if not (
                isinstance(item, list)
                and len(item) == 2
                and all(isinstance(part, str) for part in item)
            ):
                raise ValueError("each field of the payload is [name, value]")
            pairs.append((item[0], item[1]))
        return cls(pairs)

    def lists(self) -> list[tuple[str, list[str]]]:
        """``(name, [values])``, names in the order they first appear."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.pairs:
            grouped.setdefault(name, []).append(value)
        return list(grouped.items())

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _value in self.pairs)


def uses_format_2(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` uses a key of ``format: jaga-sop/2`` (the SOP's deadline, its
    service entry, a requester lane, a step's ``waktu_by`` or ``to_lanes``, a forward)."""
    if "deadline" in data or "service" in data:
        return True
    lanes = data.get("lanes")
    if isinstance(lanes, list) and any(
        isinstance(lane, dict) and "requester" in lane for lane in lanes
    ):
        return True
    steps = data.get("steps")
    return isinstance(steps, list) and any(
        isinstance(step, dict)
        and ("waktu_by" in step or "to_lanes" in step or step.get("kind") == "forward")
        for step in steps
    )


def data_from_form(form: Any) -> dict[str, Any]:
    """The definition the editor's form data describes, as a mapping in the order of
    docs/sop-format.md; empty inputs are left out (the format's defaults apply) and empty
    rows dropped. ``form`` is a ``QueryDict`` (or anything with ``lists()`` giving
    ``(name, [values])`` in document order): rows come out in the order their inputs
    appear, which is the order of the editor's tables. Nothing is checked here: the
    result is what the administrator wrote, for ``jaga.sop.validate`` to judge."""
    top, rows = _group(form.lists())
    head = _Row(top)
    data: dict[str, Any] = {"format": head.text("format") or V1}
    _put(data, "code", head.text("code"))
    identity: dict[str, Any] = {}
    for key in IDENTITY_TEXTS[:2]:
        _put(identity, key, head.text(f"identity-{key}"))
    _put(identity, "instansi", _lines(top.get("identity-instansi", [""])[0]))
    for key in IDENTITY_TEXTS[2:]:
        _put(identity, key, head.text(f"identity-{key}"))
    official: dict[str, Any] = {}
    for key in OFFICIAL_KEYS:
        _put(official, key, head.text(f"identity-disahkan_oleh-{key}"))
    _put(identity, "disahkan_oleh", official)
    for key in IDENTITY_LISTS:
        _put(identity, key, _lines(top.get(f"identity-{key}", [""])[0]))
    _put(identity, "labels", _pairs(top.get("identity-labels", [""])[0]))
    data["identity"] = identity
    data["start"] = head.all("start")
    _put(data, "calendar", head.text("calendar"))
    _put(data, "deadline", head.text("deadline"))
    service: dict[str, Any] = {}
    for key in ("key", "name", "description", "category"):
        _put(service, key, head.text(f"service-{key}"))
    _put(service, "requesters", head.all("service-requesters"))
    _put(service, "fields", _fields(rows["sfield"].values()))
    _put(data, "service", service)
    data["lanes"] = [lane for lane in map(_lane, rows["lane"].values()) if lane]
    data["steps"] = [step for step in map(_step, rows["step"].values()) if step]
    _put(data, "fan_out", [fan for fan in map(_fan, rows["fan"].values()) if fan])
    shares = _shares(head.text("reminders"))
    if shares is not None:
        data["reminders"] = shares
    if uses_format_2(data):
        data["format"] = V2
    return data


# --- definition -> editor -------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _line_text(value: object) -> str:
    return "\n".join(_text(item) for item in _list(value))


def _share_text(value: object) -> str:
    if value is None:
        return ""
    if value == []:
        return "-"
    return _text(value)


def _field_state(value: object) -> dict[str, Any]:
    item = _dict(value)
    return {
        "key": _text(item.get("key")),
        "label": _text(item.get("label")),
        "type": _text(item.get("type")) or "text",
        "required": item.get("required", True) is not False,
        "choices": _line_text(item.get("choices")),
        "help": _text(item.get("help")),
        "printable": item.get("printable") is True,
        "records": _text(item.get("records")),
        "prefill": _text(item.get("prefill")),
    }


def _step_state(value: object) -> dict[str, Any]:
    step = _dict(value)
    waktu_by = _dict(step.get("waktu_by"))
    return {
        "no": _text(step.get("no")),
        "kegiatan": _text(step.get("kegiatan")),
        "lane": _text(step.get("lane")),
        "lanes": _text(step.get("lanes")),
        "kind": _text(step.get("kind")) or "activity",
        "to_lane": _text(step.get("to_lane")),
        "to_lanes": _text(step.get("to_lanes")),
        "min_assignees": _text(step.get("min_assignees")),
        "max_assignees": _text(step.get("max_assignees")),
        "instructions": _line_text(step.get("instructions")),
        "return_to": _text(step.get("return_to")),
        "kelengkapan": _text(step.get("kelengkapan")),
        "waktu": _text(step.get("waktu")),
        "waktu_by_decision": _text(waktu_by.get("decision")),
        "waktu_by_branches": "\n".join(
            f"{key}: {_text(item)}" for key, item in _dict(waktu_by.get("branches")).items()
        ),
        "output": _text(step.get("output")),
        "keterangan": _text(step.get("keterangan")),
        "next": _text(step.get("next")),
        "branches": [
            {
                "key": _text(_dict(item).get("key")),
                "label": _text(_dict(item).get("label")),
                "next": _text(_dict(item).get("next")),
            }
            for item in _list(step.get("branches"))
        ],
        "fields": [_field_state(item) for item in _list(step.get("fields"))],
        "calendar": _text(step.get("calendar")),
        "document": _text(step.get("document")),
        "replacement": _text(step.get("replacement")),
        "reminders": _share_text(step.get("reminders")),
        "note_printable": step.get("note_printable") is True,
        "transcription_note": _text(step.get("transcription_note")),
    }


def editor_state(data: object) -> dict[str, Any]:
    """What the editor shows for the definition ``data`` (the parsed YAML, valid or not;
    anything but a mapping shows an empty SOP): every value as the text of its input
    (lists one item per line or comma-separated), rows as lists of such mappings."""
    spec = _dict(data)
    identity = _dict(spec.get("identity"))
    official = _dict(identity.get("disahkan_oleh"))
    service = _dict(spec.get("service"))
    return {
        "format": _text(spec.get("format")) or V1,
        "code": _text(spec.get("code")),
        "identity": {
            **{key: _text(identity.get(key)) for key in IDENTITY_TEXTS},
            "instansi": _line_text(identity.get("instansi")),
            "disahkan_oleh": {key: _text(official.get(key)) for key in OFFICIAL_KEYS},
            **{key: _line_text(identity.get(key)) for key in IDENTITY_LISTS},
            "labels": "\n".join(
                f"{key}: {_text(item)}" for key, item in _dict(identity.get("labels")).items()
            ),
        },
        "start": [_text(item) for item in _list(spec.get("start"))],
        "calendar": _text(spec.get("calendar")),
        "deadline": _text(spec.get("deadline")),
        "reminders": _share_text(spec.get("reminders")),
        "service": {
            "key": _text(service.get("key")),
            "name": _text(service.get("name")),
            "description": _text(service.get("description")),
            "category": _text(service.get("category")),
            "requesters": [_text(item) for item in _list(service.get("requesters"))],
            "fields": [_field_state(item) for item in _list(service.get("fields"))],
        },
        "lanes": [
            {
                "key": _text(_dict(lane).get("key")),
                "label": _text(_dict(lane).get("label")),
                "positions": [_text(item) for item in _list(_dict(lane).get("positions"))],
                "reporter": _dict(lane).get("reporter") is True,
                "requester": _text(_dict(lane).get("requester")),
            }
            for lane in _list(spec.get("lanes"))
        ],
        "steps": [_step_state(step) for step in _list(spec.get("steps"))],
        "fan_out": [
            {
                "key": _text(_dict(fan).get("key")),
                "label": _text(_dict(fan).get("label")),
                "over": _text(_dict(fan).get("over")) or "sites",
                "steps": _text(_dict(fan).get("steps")),
            }
            for fan in _list(spec.get("fan_out"))
        ],
    }


# --- where a problem is ---------------------------------------------------------------------


def anchors(source: str) -> list[tuple[int, int, str]]:
    """``(first line, last line, anchor)`` of every lane (``lane-<i>``) and step
    (``step-<i>``) of the YAML ``source``, ``i`` counting from 0 in file order: the
    editor's rows carry these ids, so a problem's line leads to its row. Empty when the
    source is not a YAML mapping."""
    try:
        node = yaml.compose(source, Loader=YamlLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    found: list[tuple[int, int, str]] = []
    for key_node, value_node in node.value:
        section = {"lanes": "lane", "steps": "step"}.get(key_node.value)
        if section is None or not isinstance(value_node, yaml.SequenceNode):
            continue
        for index, item in enumerate(value_node.value):
            # end_mark is where the next item begins: its line is not this item's.
            last = max(item.start_mark.line + 1, item.end_mark.line + (item.end_mark.column > 0))
            found.append((item.start_mark.line + 1, last, f"{section}-{index}"))
    return found


def anchor_of(line: int, places: Sequence[tuple[int, int, str]]) -> str:
    """The anchor of the row holding ``line`` (see ``anchors``), or ``""``."""
    return next((anchor for first, last, anchor in places if first <= line <= last), "")


# --- drafts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """A draft checked: ``spec`` when its shape is right (even with cross-check problems),
    ``problems`` in file order (the agency's missing positions at the end)."""

    spec: SopSpec | None
    problems: list[Problem]


def check_source(source: str, agency: Agency, path: str = "draft") -> Checked:
    """``check_text`` of ``source`` plus the positions its lanes name that ``agency``
    lacks (what ``load_definition`` would refuse)."""
    spec, problems = check_text(source, path)
    if spec is not None:
        problems = problems + check_positions(spec, agency, path, source)
    return Checked(spec, problems)


def _code_of(source: str) -> str:
    try:
        data = parse_yaml(source)
    except yaml.YAMLError:
        return ""
    code = _dict(data).get("code")
    return code[:60] if isinstance(code, str) else ""


def starter(agency: Agency) -> dict[str, Any]:
    """A new SOP in the current format (2): the agency's printed name lines, started by a
    report, nothing else."""
    lines = [line for line in (agency.government_name, agency.name) if line]
    return {
        "format": V2,
        "identity": {"instansi": lines},
        "start": ["report"],
        "lanes": [],
        "steps": [],
    }


def new_draft(agency: Agency, by: User) -> SopDraft:
    """A new, empty draft of ``agency`` (``starter``), by ``by``."""
    return SopDraft.objects.create(agency=agency, source=to_yaml(starter(agency)), updated_by=by)


def draft_of(definition: SopDefinition, by: User) -> SopDraft:
    """The draft to edit ``definition``'s SOP in: the newest draft of its code if there is
    one (so two visits do not make two drafts), else a new one holding its source."""
    existing = SopDraft.objects.filter(agency=definition.agency, code=definition.code).first()
    if existing is not None:
        return existing
    return SopDraft.objects.create(
        agency=definition.agency,
        code=definition.code,
        source=definition.source,
        based_on=definition,
        updated_by=by,
    )


def save_draft(draft: SopDraft, source: str, by: User) -> SopDraft:
    """Keep ``source`` as the draft's text (valid or not), with its ``code``."""
    draft.source = source
    draft.code = _code_of(source)
    draft.updated_by = by
    draft.save(update_fields=["source", "code", "updated_by", "updated_at"])
    return draft


def save_form(draft: SopDraft, form: Any, by: User) -> SopDraft:
    """Keep the definition the editor's form data describes (``data_from_form``)."""
    return save_draft(draft, to_yaml(data_from_form(form)), by)


def publish(draft: SopDraft, by: User) -> LoadResult:
    """Load the draft into its agency as the SOP's new version, by ``by``
    (``load_definition``: one transaction, the audit event ``sop.sopdefinition.loaded``);
    the draft then points at the version. Raises ``SopInvalid`` (nothing written) when the
    draft has problems; unchanged content makes no version (``created`` False)."""
    with transaction.atomic():
        result = load_definition(draft.agency, draft.source, path=f"draft-{draft.pk}", by=by)
        draft.based_on = result.definition
        draft.save(update_fields=["based_on"])
    return result


def read_upload(content: bytes) -> str:
    """An uploaded definition's text. Raises ``ImportRefused`` when it is larger than 1 MiB,
    not UTF-8 text, not YAML or not a YAML mapping; a mapping that is not a valid
    definition is returned (its problems show in the editor)."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused(
            [
                _("The file is %(size)s bytes; an SOP definition is at most 1 MiB.")
                % {"size": f"{len(content):,}"}
            ]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            [_("The file is not UTF-8 text: an SOP definition is a YAML file.")]
        ) from None
    if "\0" in text:
        raise ImportRefused([_("The file is not UTF-8 text: an SOP definition is a YAML file.")])
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        where = _("line %(line)s: ") % {"line": mark.line + 1} if mark is not None else ""
        raise ImportRefused(
            [_("Not valid YAML: %(where)s%(reason)s") % {"where": where, "reason": reason}]
        ) from None
    if not isinstance(data, dict):
        raise ImportRefused(
            [
                _(
                    "The file is YAML but not an SOP definition "
                    "(a mapping of format, code, identity, ...)."
                )
            ]
        )
    return text


def import_yaml(draft: SopDraft, content: bytes, by: User) -> Checked:
    """Replace the draft's text by an uploaded YAML file (``read_upload``; ``ImportRefused``
    changes nothing) and return it checked."""
    text = read_upload(content)
    save_draft(draft, text, by)
    return check_source(text, draft.agency)


def export_name(draft: SopDraft) -> str:
    """The download's file name: ``sop-<code>.yaml`` (``sop-draft-<id>.yaml`` without a
    usable code)."""
    code = draft.code if re.fullmatch(r"[a-z][a-z0-9_-]*", draft.code or "") else ""
    return f"sop-{code}.yaml" if code else f"sop-draft-{draft.pk}.yaml"


__all__ = [
    "Checked",
    "ImportRefused",
    "SopInvalid",
    "anchor_of",
    "anchors",
    "check_source",
    "data_from_form",
    "draft_of",
    "editor_state",
    "import_yaml",
    "new_draft",
    "publish",
    "save_draft",
    "save_form",
    "to_yaml",
]
