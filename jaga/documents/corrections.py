"""Corrections that correct (issue 18 point 5): a correction edits the document's frozen
content, with a reason, and is issued as the next version.

- ``editable``: the parts of a document's content a correction may change, each as an
  ``Editable`` (a dotted ``path`` into the content such as ``"case.problem"`` or
  ``"items.0.no_seri"``, its printed ``label``, the current ``value``, ``multiline``). Only
  texts: the people (signatories, parties) come from the organisation and are corrected
  there, then in a new version; numbers and dates are Jaga's.
- ``corrected``: the content of the next version: the current version's content with the
  edits applied, dated on the correction's local date, and what comes from outside the
  document brought up to date: the letterhead (``kop``), the report's photos and the
  documents it refers to (``references``: their current versions, so a Berita Acara
  corrected after its Surat Tugas was corrected cites the new Surat Tugas; the "Berdasarkan"
  line follows).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jaga.documents.models import Document

#: The longest text a corrected part may hold (a Berita Acara's findings fit easily).
MAX_TEXT = 4000
#: The texts of a case block a correction may edit, with their printed labels.
CASE_TEXTS = (("title", "Judul"), ("location", "Lokasi"), ("problem", "Uraian gangguan"))
#: The lists of ``{"label", "value"}`` rows a correction may edit: the step's printable
#: fields, the findings and the work done (``jaga.documents.work``).
ROW_SECTIONS = ("fields", "findings", "work")
ITEM_LABELS = {
    "nama_barang": "Nama Barang",
    "merk_tipe": "Merk/Tipe",
    "no_seri": "No. Seri",
    "jumlah": "Jumlah",
    "kondisi": "Kondisi",
    "keterangan": "Keterangan",
}


class InvalidCorrection(ValueError):
    """The edits name a part that cannot be edited, or a text that is too long."""


@dataclass(frozen=True)
class Editable:
    """One editable text of a document (see the module docstring)."""

    path: str
    label: str
    value: str
    multiline: bool = False


def editable(content: dict[str, Any]) -> list[Editable]:
    """The texts of ``content`` a correction may edit, in print order."""
    parts: list[Editable] = []
    naskah = content.get("naskah")
    if isinstance(naskah, dict) and "hal" in naskah:
        parts.append(Editable("naskah.hal", "Hal", str(naskah["hal"])))
    case = content.get("case")
    if isinstance(case, dict):
        for key, label in CASE_TEXTS:
            if key in case:
                parts.append(Editable(f"case.{key}", label, str(case[key]), key == "problem"))
    for section in ROW_SECTIONS:
        for index, row in enumerate(content.get(section, []) or []):
            if isinstance(row, dict) and "value" in row:
                label = str(row.get("label", ""))
                parts.append(Editable(f"{section}.{index}.value", label, str(row["value"]), True))
    for index, item in enumerate(content.get("items", []) or []):
        for key, label in ITEM_LABELS.items():
            if isinstance(item, dict) and key in item:
                parts.append(
                    Editable(f"items.{index}.{key}", f"{label} ({index + 1})", str(item[key]))
                )
    if "note" in content and content.get("note"):
        parts.append(Editable("note", "Catatan", str(content["note"]), True))
    return parts


def _set(content: dict[str, Any], path: str, value: str) -> None:
    keys = path.split(".")
    target: Any = content
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[keys[-1]] = value


def corrected(
    document: Document,
    edits: dict[str, str],
    on: dt.date,
    *,
    refresh: dict[str, Any],
) -> dict[str, Any]:
    """The content of the version correcting ``document``: its content with ``edits``
    (path → new text; every path one of ``editable``'s, each text at most ``MAX_TEXT``
    characters, stripped) applied, dated ``on`` (``refresh["date"]`` and
    ``refresh["opening"]``), with ``refresh``'s other parts (``kop``, ``photos``) and the
    references brought to their current versions. Raises ``InvalidCorrection``."""
    content: dict[str, Any] = copy.deepcopy(document.content)
    allowed = {part.path for part in editable(content)}
    for path, text in edits.items():
        if path not in allowed:
            raise InvalidCorrection(
                _("%(path)s is not a part a correction may change.") % {"path": path}
            )
        value = text.strip()
        if len(value) > MAX_TEXT:
            raise InvalidCorrection(
                _("%(path)s is longer than %(max)d characters.") % {"path": path, "max": MAX_TEXT}
            )
        _set(content, path, value)
    for key in ("date", "opening", "kop", "photos"):
        if key in refresh and key in content:
            content[key] = refresh[key]
    references = [current_reference(reference) for reference in content.get("references", [])]
    if references:
        content["references"] = references
        if content.get("basis"):
            content["basis"] = f"{references[0]['title']} Nomor {references[0]['number']}"
    return content


def current_reference(reference: dict[str, str]) -> dict[str, str]:
    """``reference`` (``{"type", "title", "number", "token"}``) pointing at the current
    version of the document it names (the last of its corrections)."""
    document = Document.objects.filter(token=reference.get("token", "")).first()
    if document is None:
        return dict(reference)
    while True:
        successor = Document.objects.filter(supersedes=document).first()
        if successor is None:
            break
        document = successor
    return {**reference, "number": document.number, "token": document.token}


def changed(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a correction changes anything but the date (an identical re-issue is not a
    correction)."""
    ignore = {"date", "opening"}
    return {k: v for k, v in before.items() if k not in ignore} != {
        k: v for k, v in after.items() if k not in ignore
    }
