"""Import and export of sites, devices and links as CSV and XLSX (docs/inventory.md).

- ``COLUMNS``: the columns of each kind (``"sites"``, ``"devices"``, ``"links"``), with
  Indonesian headers, in file order.
- ``template(kind, fmt)``: an empty file with the header row (XLSX: plus a sheet that
  explains every column and its allowed values).
- ``export(kind, queryset, fmt)``: the rows of any (filtered) queryset. CSV is UTF-8 with a
  BOM so Excel opens it; text cells starting with ``= + - @``, a tab or a carriage return get
  a leading ``'`` so no spreadsheet runs them as formulas (OWASP "CSV injection"); numbers
  stay numbers.
- ``import_rows(agency, user, kind, file_bytes, fmt)``: checks every row first and then
  writes all of them in one transaction, or none: the result lists every bad row as
  (line, column, reason), the line being the row number a spreadsheet shows (the header is
  line 1). Rows match existing ones by site code, device serial number (a device without
  one: its site and name), or a link's provider and circuit id; anything else is
  created. An unreadable file or a wrong header raises ``BadFile``.

Imports read a leading ``'`` before one of the formula characters as the export's quote
and drop it, so an exported file imports back to the same values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from django.db import models
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from jaga.inventory.models import (
    Device,
    DeviceKind,
    DeviceStatus,
    Link,
    LinkMedium,
    Site,
)

Kind = Literal["sites", "devices", "links"]
Format = Literal["csv", "xlsx"]
KINDS: tuple[Kind, ...] = ("sites", "devices", "links")
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

#: Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Words read as yes / no in the ``gudang`` column (lower case).
YES = frozenset({"ya", "y", "yes", "true", "1", "x"})
NO = frozenset({"tidak", "t", "no", "n", "false", "0", ""})
BATCH = 500


@dataclass(frozen=True)
class Column:
    """One column of a file: its header, whether a value is required, what it holds, and
    the values allowed (empty: free text)."""

    header: str
    required: bool
    help: Promise
    allowed: tuple[str, ...] = ()


def _values(choices: type[models.TextChoices]) -> tuple[str, ...]:
    return tuple(str(value) for value in choices.values)


COLUMNS: dict[Kind, tuple[Column, ...]] = {
    "sites": (
        Column("kode_situs", True, gettext_lazy("Site code: letters, digits, - and _.")),
        Column("nama", True, gettext_lazy("Name of the site.")),
        Column(
            "opd",
            False,
            gettext_lazy("Abbreviation or name of the OPD; empty for a site of the Diskominfo."),
        ),
        Column("alamat", False, gettext_lazy("Address.")),
        Column("lintang", False, gettext_lazy("Latitude in decimal degrees, e.g. -6.597147.")),
        Column("bujur", False, gettext_lazy("Longitude in decimal degrees, e.g. 106.806039.")),
        Column("kontak", False, gettext_lazy("Contact person at the site.")),
        Column("telepon", False, gettext_lazy("Contact phone.")),
        Column(
            "gudang",
            False,
            gettext_lazy("ya if this is the agency's spare store."),
            ("ya", "tidak"),
        ),
    ),
    "devices": (
        Column("nama", True, gettext_lazy("Name of the device.")),
        Column("jenis", True, gettext_lazy("Kind of device."), _values(DeviceKind)),
        Column("vendor", False, gettext_lazy("Vendor, e.g. MikroTik.")),
        Column("model", False, gettext_lazy("Model, e.g. CCR2004.")),
        Column(
            "nomor_seri",
            False,
            gettext_lazy("Serial number; unique in the agency, an existing device is updated."),
        ),
        Column("kode_barang", False, gettext_lazy("Asset code (kode barang).")),
        Column(
            "status", False, gettext_lazy("Status; empty means in service."), _values(DeviceStatus)
        ),
        Column("kode_situs", True, gettext_lazy("Code of the site where the device is.")),
        Column(
            "ip_manajemen",
            False,
            gettext_lazy("Management IP addresses, separated by ; or spaces."),
        ),
        Column(
            "uplink",
            False,
            gettext_lazy(
                "Serial number of the device this one connects up to (or its name, if no "
                "other device has it)."
            ),
        ),
        Column("catatan", False, gettext_lazy("Notes.")),
    ),
    "links": (
        Column("perangkat_a", True, gettext_lazy("Serial number of the device at one end.")),
        Column(
            "perangkat_b",
            False,
            gettext_lazy("Serial number of the device at the other end; empty for an ISP."),
        ),
        Column("media", True, gettext_lazy("Medium of the link."), _values(LinkMedium)),
        Column("bandwidth_mbps", True, gettext_lazy("Bandwidth in Mbps, a whole number above 0.")),
        Column("penyedia", False, gettext_lazy("Provider; required for a link to an ISP.")),
        Column("id_sirkuit", False, gettext_lazy("The provider's circuit id.")),
        Column("catatan", False, gettext_lazy("Notes.")),
    ),
}

#: Model field name -> column header, to report ``clean_fields`` errors in the right column.
FIELD_COLUMNS: dict[Kind, dict[str, str]] = {
    "sites": {
        "code": "kode_situs",
        "name": "nama",
        "opd": "opd",
        "address": "alamat",
        "latitude": "lintang",
        "longitude": "bujur",
        "contact_name": "kontak",
        "contact_phone": "telepon",
        "is_store": "gudang",
    },
    "devices": {
        "name": "nama",
        "kind": "jenis",
        "vendor": "vendor",
        "model": "model",
        "serial_number": "nomor_seri",
        "asset_code": "kode_barang",
        "status": "status",
        "site": "kode_situs",
        "uplink": "uplink",
        "notes": "catatan",
    },
    "links": {
        "a_device": "perangkat_a",
        "b_device": "perangkat_b",
        "medium": "media",
        "bandwidth_mbps": "bandwidth_mbps",
        "provider": "penyedia",
        "circuit_id": "id_sirkuit",
        "notes": "catatan",
    },
}


class BadFile(ValueError):
    """The file cannot be read as a table of this kind (not CSV/XLSX, wrong header)."""


@dataclass(frozen=True)
class RowError:
    """A bad cell: ``line`` as the spreadsheet numbers rows (header = 1), the column's
    header, and the reason in the user's language."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.line}: {self.column}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did: rows created, updated, and unchanged; or, when ``errors`` is not
    empty, nothing at all."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# ---------------------------------------------------------------------------------------
# Export


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text starting with a formula character gets a
    leading ``'``; characters XLSX cannot hold are dropped; numbers and None stay."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _site_cells(site: Site) -> list[Any]:
    return [
        site.code,
        site.name,
        site.opd.abbreviation if site.opd is not None else "",
        site.address,
        site.latitude,
        site.longitude,
        site.contact_name,
        site.contact_phone,
        "ya" if site.is_store else "tidak",
    ]


def _device_cells(device: Device) -> list[Any]:
    return [
        device.name,
        device.kind,
        device.vendor,
        device.model,
        device.serial_number,
        device.asset_code,
        device.status,
        device.site.code,
        "; ".join(address.address for address in device.addresses.all()),
        (device.uplink.serial_number or device.uplink.name) if device.uplink is not None else "",
        device.notes,
    ]


def _link_cells(link: Link) -> list[Any]:
    return [
        link.a_device.serial_number,
        link.b_device.serial_number if link.b_device is not None else "",
        link.medium,
        link.bandwidth_mbps,
        link.provider,
        link.circuit_id,
        link.notes,
    ]


def _export_rows(kind: Kind, queryset: QuerySet[Any]) -> Iterable[list[Any]]:
    if kind == "sites":
        return (_site_cells(s) for s in queryset.select_related("opd").iterator(BATCH))
    if kind == "devices":
        devices = queryset.select_related("site", "uplink").prefetch_related("addresses")
        return (_device_cells(d) for d in devices.iterator(BATCH))
    links = queryset.select_related("a_device", "b_device")
    return (_link_cells(link) for link in links.iterator(BATCH))


def _write(fmt: Format, sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """The rows as a file: CSV holds the first sheet only."""
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        for row in sheets[0][1]:
            writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        return text.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([neutralise(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _headers(kind: Kind) -> list[str]:
    return [column.header for column in COLUMNS[kind]]


def export(kind: Kind, queryset: QuerySet[Any], fmt: Format) -> bytes:
    """The rows of ``queryset`` (sites, devices or links, as ``kind`` says) as a CSV or
    XLSX file with the import's columns, in memory (the pages send ``export_csv`` and
    ``write_xlsx`` instead, which hold one chunk of rows at a time)."""
    rows = itertools.chain([_headers(kind)], _export_rows(kind, queryset))
    return _write(fmt, [(kind, rows)])


def write_xlsx(kind: Kind, queryset: QuerySet[Any], target: IO[bytes]) -> None:
    """Write ``export``'s XLSX of ``queryset`` into ``target`` (a temporary file the page
    then sends), reading the rows in chunks of ``BATCH`` (``.iterator``) into openpyxl's
    write-only sheet, which keeps them in its own temporary file: memory stays flat at any
    number of rows (issue 19 point 3, "exports stream")."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(kind)
    sheet.append([neutralise(cell) for cell in _headers(kind)])
    for row in _export_rows(kind, queryset):
        sheet.append([neutralise(cell) for cell in row])
    workbook.save(target)


class _Echo:
    """A file whose ``write`` returns what it is given (``csv.writer`` into a generator)."""

    def write(self, value: str) -> str:
        return value


def export_csv(kind: Kind, queryset: QuerySet[Any]) -> Iterator[bytes]:
    """The rows of ``queryset`` as ``export``'s CSV (UTF-8 with a byte order mark, CRLF
    line ends, the same cells), in pieces of ``BATCH`` lines of UTF-8, read in chunks of
    ``BATCH`` rows (``.iterator``: a server-side cursor on PostgreSQL), so memory stays
    constant whatever the number of rows. For a ``StreamingHttpResponse``."""
    writer = csv.writer(_Echo())
    header = writer.writerow([neutralise(cell) for cell in _headers(kind)])
    yield ("\ufeff" + str(header)).encode("utf-8")
    piece: list[str] = []
    for row in _export_rows(kind, queryset):
        piece.append(
            str(writer.writerow(["" if cell is None else neutralise(cell) for cell in row]))
        )
        if len(piece) == BATCH:
            yield "".join(piece).encode("utf-8")
            piece = []
    if piece:
        yield "".join(piece).encode("utf-8")


def template(kind: Kind, fmt: Format) -> bytes:
    """An empty import file of ``kind``: the header row; XLSX adds a second sheet with one
    line per column (column, required, meaning, allowed values)."""
    sheets: list[tuple[str, Iterable[Sequence[Any]]]] = [(kind, [_headers(kind)])]
    if fmt == "xlsx":
        guide: list[Sequence[Any]] = [
            [_("Column"), _("Required"), _("Meaning"), _("Allowed values")]
        ]
        for column in COLUMNS[kind]:
            guide.append(
                [
                    column.header,
                    _("yes") if column.required else _("no"),
                    str(column.help),
                    ", ".join(column.allowed),
                ]
            )
        sheets.append((_("Columns"), guide))
    return _write(fmt, sheets)


# ---------------------------------------------------------------------------------------
# Reading


def _cell_text(value: Any) -> str:
    """A cell read from XLSX as the text the user typed (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_csv(file_bytes: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = file_bytes.decode("cp1252")  # Excel's "CSV" on Windows
        except UnicodeDecodeError:
            raise BadFile(_("The file is not a CSV text file.")) from None
    if "\x00" in text:
        raise BadFile(_("The file is not a CSV text file."))
    first = text.split("\n", 1)[0]
    # Excel with Indonesian regional settings separates with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadFile(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None
        number += 1
        yield number, cells


def _read_xlsx(file_bytes: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise BadFile(_("The file is not an XLSX workbook: %(error)s") % {"error": exc}) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def _numbered(file_bytes: bytes, fmt: Format) -> Iterator[tuple[int, list[str]]]:
    if fmt == "csv":
        return _read_csv(file_bytes)
    if fmt == "xlsx":
        return _read_xlsx(file_bytes)
    raise BadFile(_("Unknown format %(format)s; use csv or xlsx.") % {"format": fmt})


def _header(kind: Kind, numbered: Iterator[tuple[int, list[str]]]) -> list[str]:
    """The header row (the first row that is not blank), lower case; ``BadFile`` unless
    it holds exactly the kind's columns."""
    expected = _headers(kind)
    header: list[str] = []
    for _line, cells in numbered:
        if any(cell.strip() for cell in cells):
            header = [cell.strip().lower() for cell in cells]
            break
    while header and not header[-1]:
        header.pop()
    missing = [name for name in expected if name not in header]
    unknown = [name for name in header if name not in expected]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if not header or missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append(_("missing %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            problems.append(
                _("unknown %(names)s") % {"names": ", ".join(n or '""' for n in unknown)}
            )
        if duplicated:
            problems.append(_("repeated %(names)s") % {"names": ", ".join(duplicated)})
        raise BadFile(
            _("Wrong header for %(kind)s (%(problems)s); expected: %(expected)s.")
            % {
                "kind": kind,
                "problems": "; ".join(problems) or _("no header"),
                "expected": ", ".join(expected),
            }
        )
    return header


def check_header(kind: Kind, file_bytes: bytes, fmt: Format) -> None:
    """Read the file only as far as its header row: ``BadFile`` for a file that cannot be
    opened or whose header is not the kind's (what the import page says at once, before
    the rows are checked in the background)."""
    numbered = _numbered(file_bytes, fmt)
    try:
        _header(kind, numbered)
    finally:
        close = getattr(numbered, "close", None)
        if close is not None:
            close()


def read_table(kind: Kind, file_bytes: bytes, fmt: Format) -> list[tuple[int, dict[str, str]]]:
    """The data rows of the file as (line, {header: text}), blank rows left out. Raises
    ``BadFile`` for a file that cannot be read or whose header is not the kind's."""
    numbered = _numbered(file_bytes, fmt)
    header = _header(kind, numbered)
    rows: list[tuple[int, dict[str, str]]] = []
    width = len(header)
    for line, cells in numbered:
        if not any(cells) or not any(cell.strip() for cell in cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append((line, {name: _unquote(cells[i]) for i, name in enumerate(header)}))
    return rows
