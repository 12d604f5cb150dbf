"""A steps table from an XLSX laid out like the SOP AP table (issue 17 point 4).

The sheet's header row reads ``No | Kegiatan | <one column per lane> | Kelengkapan | Waktu |
Output | Keterangan`` (matched ignoring case and spaces; ``Aktivitas`` or ``Uraian
Prosedur`` for Kegiatan, ``Persyaratan`` for Kelengkapan, ``Ket`` for Keterangan; a
two-row header with ``Pelaksana`` and ``Mutu Baku`` over the columns is read too). The
columns between Kegiatan and the Mutu Baku are the lanes, headed by their labels; a
non-empty cell marks the row's lane (several cells: the step spans those lanes).

``import_steps(draft, content, by)`` replaces the draft's steps by the sheet's rows (an
activity each; a row whose text starts with "Apakah" or ends with "?" becomes a decision
with the branches Ya and Tidak, their targets to fill in) and adds the lanes the draft
lacks (key slugified from the label). Every bad row is reported and nothing changes when
there is one (``SheetInvalid``). ``template(draft)`` is the draft's steps in that layout.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import yaml
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from jaga.org.models import User
from jaga.sop import builder
from jaga.sop.models import SopDraft
from jaga.tenancy.timestandard import TimeStandardError, parse_time_standard

#: Rows of a steps sheet read at most (an SOP has at most 200 steps).
MAX_ROWS = 400
#: Rows searched for the header.
HEADER_ROWS = 10

#: Header texts (lower case, without blanks) of each column, variants included.
HEADERS: dict[str, tuple[str, ...]] = {
    "no": ("no", "no.", "nomor"),
    "kegiatan": ("kegiatan", "aktivitas", "uraianprosedur", "uraiankegiatan"),
    "kelengkapan": (
        "kelengkapan",
        "persyaratan",
        "persyaratan/kelengkapan",
        "persyaratan/perlengkapan",
        "kelengkapan/persyaratan",
    ),
    "waktu": ("waktu",),
    "output": ("output", "keluaran"),
    "keterangan": ("keterangan", "ket", "ket."),
}
GROUPS = ("pelaksana", "pelaksanaan", "mutubaku")
_STEP_NO = re.compile(r"^[1-9][0-9]*[a-z]?$")


class SheetInvalid(ValueError):
    """The sheet cannot be imported; ``errors`` says why, one message per bad row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def _norm(value: object) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _column_of(header: str) -> str | None:
    return next((name for name, texts in HEADERS.items() if header in texts), None)


@dataclass(frozen=True)
class Layout:
    """Where the columns are: ``columns`` maps a column name to its index, ``lanes`` the
    lane labels to theirs; ``first_row`` is the sheet row after the header."""

    columns: dict[str, int]
    lanes: list[tuple[str, int]]
    first_row: int


def _layout(rows: list[tuple[Any, ...]]) -> Layout:
    for index, row in enumerate(rows[:HEADER_ROWS]):
        texts = [_norm(value) for value in row]
        if "kegiatan" not in {_column_of(text) for text in texts}:
            continue
        below = rows[index + 1] if index + 1 < len(rows) else ()
        grouped = any(text in GROUPS for text in texts)
        if grouped:  # a two-row header: the lower row names the columns under the groups
            texts = [
                _norm(below[column]) if column < len(below) and _norm(below[column]) else text
                for column, text in enumerate(texts)
            ]
        columns: dict[str, int] = {}
        for column, text in enumerate(texts):
            name = _column_of(text)
            if name is not None and name not in columns:
                columns[name] = column
        missing = [name for name in ("no", "kegiatan", "waktu") if name not in columns]
        if missing:
            raise SheetInvalid(
                [
                    _("The header row lacks the column(s): %(names)s.")
                    % {"names": ", ".join(missing)}
                ]
            )
        start = columns["kegiatan"] + 1
        ends = [columns[name] for name in ("kelengkapan", "waktu", "output") if name in columns]
        end = min(column for column in ends if column > start - 1)
        header = rows[index + 1] if grouped else rows[index]
        lanes = [
            (_cell(header[column]), column)
            for column in range(start, end)
            if column < len(header) and _cell(header[column])
        ]
        if not lanes:
            raise SheetInvalid(
                [_("The header row has no lane columns between Kegiatan and Kelengkapan.")]
            )
        return Layout(columns, lanes, index + (2 if grouped else 1))
    raise SheetInvalid(
        [_("No header row found: the first rows must name the columns No, Kegiatan, … Waktu.")]
    )


def read_rows(content: bytes) -> list[tuple[Any, ...]]:
    """The first sheet's rows (values); ``SheetInvalid`` when it is not a readable XLSX."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise SheetInvalid([_("The file is not a readable XLSX workbook.")]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [
            tuple(row) for row in sheet.iter_rows(max_row=MAX_ROWS + HEADER_ROWS, values_only=True)
        ]
    finally:
        workbook.close()
    return rows


def _lane_keys(
    lanes: list[dict[str, Any]], labels: list[str]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The lane key of each label: an existing lane with that label (or key), else a new
    lane keyed by the slugified label."""
    by_label = {_norm(lane.get("label")): lane.get("key") for lane in lanes}
    keys = {str(lane.get("key")) for lane in lanes}
    mapping: dict[str, str] = {}
    added: list[dict[str, Any]] = []
    for label in labels:
        known = by_label.get(_norm(label))
        if isinstance(known, str):
            mapping[label] = known
            continue
        base = slugify(label).replace("-", "_")[:50] or "lane"
        base = base if re.match(r"^[a-z]", base) else f"lane_{base}"
        key, suffix = base, 2
        while key in keys:
            key, suffix = f"{base}_{suffix}", suffix + 1
        keys.add(key)
        mapping[label] = key
        added.append({"key": key, "label": label})
    return mapping, added


def steps_from_rows(
    rows: list[tuple[Any, ...]], lanes: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The steps of the sheet's ``rows`` and the lanes to add to ``lanes``. Raises
    ``SheetInvalid`` listing every bad row (by its spreadsheet row number)."""
    layout = _layout(rows)
    mapping, added = _lane_keys(lanes, [label for label, _column in layout.lanes])
    errors: list[str] = []
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()

    def value(row: tuple[Any, ...], name: str) -> str:
        column = layout.columns.get(name)
        return _cell(row[column]) if column is not None and column < len(row) else ""

    for offset, row in enumerate(rows[layout.first_row :]):
        line = layout.first_row + offset + 1
        if not any(_cell(item) for item in row):
            continue
        number = value(row, "no").lower().rstrip(".")
        kegiatan = value(row, "kegiatan")
        waktu = value(row, "waktu")
        marked = [
            mapping[label]
            for label, column in layout.lanes
            if column < len(row) and _cell(row[column])
        ]
        problems: list[str] = []
        if not _STEP_NO.match(number):
            problems.append(_("No must be a step number such as 3 or 3a"))
        elif number in seen:
            problems.append(_("step %(no)s appears twice") % {"no": number})
        if not kegiatan:
            problems.append(_("Kegiatan is empty"))
        if not marked:
            problems.append(_("no lane column is marked"))
        if not waktu:
            problems.append(_("Waktu is empty (write kondisional when there is no fixed time)"))
        else:
            try:
                parse_time_standard(waktu)
            except TimeStandardError as exc:
                problems.append(str(exc))
        if problems:
            errors.append(
                _("Row %(row)s: %(problems)s.") % {"row": line, "problems": "; ".join(problems)}
            )
            continue
        seen.add(number)
        step: dict[str, Any] = {"no": int(number) if number.isdigit() else number}
        step["kegiatan"] = kegiatan
        step["lane"] = marked[0]
        if marked[1:]:
            step["lanes"] = marked[1:]
        decision = kegiatan.lower().startswith("apakah") or kegiatan.endswith("?")
        if decision:
            step["kind"] = "decision"
        for name in ("kelengkapan",):
            if value(row, name):
                step[name] = value(row, name)
        step["waktu"] = waktu
        for name in ("output", "keterangan"):
            if value(row, name):
                step[name] = value(row, name)
        if decision:
            step["branches"] = [{"key": "ya", "label": "Ya"}, {"key": "tidak", "label": "Tidak"}]
        steps.append(step)
    if len(steps) > 200:
        errors.append(
            _("An SOP has at most 200 steps; the sheet has %(count)s.") % {"count": len(steps)}
        )
    if not steps and not errors:
        errors.append(_("The sheet has no step rows under its header."))
    if errors:
        raise SheetInvalid(errors)
    for index, step in enumerate(steps[:-1]):  # a Ya goes on to the next row; Tidak is to fill in
        if step.get("kind") == "decision":
            step["branches"][0]["next"] = steps[index + 1]["no"]
    return steps, added


def import_steps(draft: SopDraft, content: bytes, by: User) -> int:
    """Replace the draft's steps by the sheet's (``steps_from_rows``), adding the lanes it
    lacks, in one transaction; returns the number of steps. ``SheetInvalid`` (nothing
    changed) when the file is not an XLSX, has no SOP AP header, or has a bad row, or when
    the draft is not a YAML mapping (fix its text first)."""
    rows = read_rows(content)
    try:
        data = builder.parse_yaml(draft.source)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        raise SheetInvalid([_("The draft's text is not a definition yet; fix or import it first.")])
    lanes = data.get("lanes") if isinstance(data.get("lanes"), list) else []
    assert isinstance(lanes, list)
    steps, added = steps_from_rows(rows, [lane for lane in lanes if isinstance(lane, dict)])
    data["lanes"] = [*lanes, *added]
    data["steps"] = steps
    with transaction.atomic():
        builder.save_draft(draft, builder.to_yaml(data), by)
    return len(steps)


def template(draft: SopDraft) -> bytes:
    """An XLSX of the draft's steps in the SOP AP layout: the header row (its lanes as
    columns, or two example lanes), then one row per step with an ``x`` in its lanes."""
    try:
        data = builder.parse_yaml(draft.source)
    except yaml.YAMLError:
        data = None
    state = builder.editor_state(data)
    lanes = [(lane["key"], lane["label"] or lane["key"]) for lane in state["lanes"]]
    if not lanes:
        lanes = [("kasi", "Kepala Seksi"), ("teknis", "Tim Teknis")]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Langkah"
    header = [
        "No",
        "Kegiatan",
        *[label for _key, label in lanes],
        "Kelengkapan",
        "Waktu",
        "Output",
        "Keterangan",
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for step in state["steps"]:
        own = {step["lane"], *builder.split_items(step["lanes"])}
        sheet.append(
            [
                int(step["no"]) if step["no"].isdigit() else step["no"],
                step["kegiatan"],
                *["x" if key in own else "" for key, _label in lanes],
                step["kelengkapan"],
                step["waktu"],
                step["output"],
                step["keterangan"],
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:  # text, never a formula (OWASP CSV injection)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    sheet.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
