"""The organisation workbook (issue 17 point 5; docs/organisation.md): its sheets and
columns, the empty template, and reading an uploaded workbook.

One XLSX workbook holds five sheets in dependency order, each with a header row of
Indonesian column names: ``Unit``, ``Jabatan``, ``Pegawai``, ``OPD`` and ``Pengguna OPD``
(``SHEETS``). ``template()`` writes them empty, plus a sheet explaining every column.
``read_workbook(file_bytes)`` returns the data rows of each sheet as ``SheetRow``s numbered
as the spreadsheet numbers them (the header is row 1), or raises ``BadWorkbook`` for a file
that is not an XLSX workbook, lacks a sheet, has a wrong header row or more than
``MAX_ROWS`` rows in a sheet. Checking the rows is ``jaga.org.importing``'s work.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from jaga.inventory.tabular import Column, neutralise
from jaga.org.models import OrgUnitKind

#: Data rows read per sheet at most: a larger sheet is refused as a whole.
MAX_ROWS = 5000

UNITS = "Unit"
POSITIONS = "Jabatan"
EMPLOYEES = "Pegawai"
OPDS = "OPD"
OPD_USERS = "Pengguna OPD"

#: The sheets in the order they are read and written (a sheet's rows may refer to the
#: rows of the sheets before it, and to rows above or below in its own sheet for units).
SHEETS: dict[str, tuple[Column, ...]] = {
    UNITS: (
        Column(
            "nama", True, gettext_lazy("Name of the unit, e.g. Bidang Aplikasi dan Informatika.")
        ),
        Column("singkatan", False, gettext_lazy("Abbreviation, e.g. Aptika.")),
        Column(
            "jenis",
            True,
            gettext_lazy("Kind of unit."),
            tuple(str(value) for value in OrgUnitKind.values),
        ),
        Column(
            "induk",
            False,
            gettext_lazy(
                "Name or abbreviation of the parent unit (a unit of this sheet or one already "
                "stored); empty for the top unit, the Dinas itself. A unit is known by its "
                "name under its parent."
            ),
        ),
    ),
    POSITIONS: (
        Column(
            "kode",
            True,
            gettext_lazy(
                "Short stable code of the position, e.g. kasi_infra: lower-case letters, "
                "digits, - and _, starting with a letter. SOP lanes name positions by it."
            ),
        ),
        Column("nama_jabatan", True, gettext_lazy("Title, e.g. Kepala Seksi Infrastruktur.")),
        Column(
            "unit",
            True,
            gettext_lazy("Name or abbreviation of the unit (of the Unit sheet or stored)."),
        ),
        Column(
            "kepala_unit",
            False,
            gettext_lazy("ya if the position heads its unit (one per unit)."),
            ("ya", "tidak"),
        ),
    ),
    EMPLOYEES: (
        Column("nama", True, gettext_lazy("Name with academic titles, e.g. Drs. Firdaus, M.Si.")),
        Column(
            "nip",
            False,
            gettext_lazy(
                "NIP, 18 digits (spaces allowed); empty for non-civil-servant staff. Type it "
                "as text: a spreadsheet keeps only 15 digits of a number. An employee is "
                "known by the NIP, or by the name when there is none."
            ),
        ),
        Column("pangkat_golongan", False, gettext_lazy("Rank and grade, e.g. Pembina (IV/a).")),
        Column(
            "jabatan",
            False,
            gettext_lazy(
                "Codes of the positions held, separated by commas (of the Jabatan sheet or "
                "stored). The list replaces the positions held before."
            ),
        ),
        Column("telepon", False, gettext_lazy("Phone.")),
        Column("email", False, gettext_lazy("E-mail address.")),
        Column(
            "username",
            False,
            gettext_lazy(
                "Login of the employee: a new login is created (without a password: set it "
                "in the administration or by a password reset), or an existing login of "
                "this agency is linked. Empty: the login, if any, stays as it is."
            ),
        ),
        Column(
            "aktif",
            False,
            gettext_lazy("tidak for an employee who left (their login is deactivated too)."),
            ("ya", "tidak"),
        ),
    ),
    OPDS: (
        Column("nama", True, gettext_lazy("Name, e.g. Dinas Kesehatan.")),
        Column(
            "singkatan",
            True,
            gettext_lazy("Abbreviation, e.g. Dinkes; an OPD is known by it."),
        ),
        Column("alamat", False, gettext_lazy("Address.")),
        Column("telepon", False, gettext_lazy("Phone.")),
        Column("email", False, gettext_lazy("E-mail address.")),
        Column("nama_kepala", False, gettext_lazy("Name of the head of the OPD.")),
        Column(
            "jabatan_kepala", False, gettext_lazy("Title of the head, e.g. Kepala Dinas Kesehatan.")
        ),
    ),
    OPD_USERS: (
        Column(
            "username",
            True,
            gettext_lazy(
                "Login of the OPD user (who reports disruptions); a new login gets no "
                "password: set it in the administration or by a password reset."
            ),
        ),
        Column("nama", True, gettext_lazy("Name of the person.")),
        Column("email", False, gettext_lazy("E-mail address.")),
        Column("telepon", False, gettext_lazy("Phone.")),
        Column(
            "opd",
            True,
            gettext_lazy("Abbreviation of the OPD (of the OPD sheet or stored)."),
        ),
    ),
}

#: Columns whose cells hold digits that must be typed as text (the template formats them so).
TEXT_COLUMNS = frozenset({"nip", "telepon"})
#: The largest whole number a spreadsheet stores exactly (15 significant digits).
EXACT_DIGITS = 15


class BadWorkbook(ValueError):
    """The upload cannot be read as the organisation workbook: not XLSX, a sheet or a
    column missing, or a sheet over ``MAX_ROWS`` rows. The message says which."""


@dataclass
class SheetRow:
    """One data row: its ``line`` as the spreadsheet shows it, the text of each column by
    header, and the columns whose cell was a number too long to be exact (a NIP typed as a
    number)."""

    line: int
    values: dict[str, str]
    inexact: set[str] = field(default_factory=set)


def headers(sheet: str) -> list[str]:
    """The column headers of ``sheet`` in file order."""
    return [column.header for column in SHEETS[sheet]]


def template() -> bytes:
    """The empty workbook: the five sheets with their header rows (NIP and phone columns
    formatted as text) and a last sheet with one line per column: sheet, column, required,
    meaning, allowed values."""
    workbook = Workbook()
    bold = Font(bold=True)
    first = True
    for name, columns in SHEETS.items():
        sheet = workbook.active if first and workbook.active is not None else None
        if sheet is None:
            sheet = workbook.create_sheet(name)
        sheet.title = name
        first = False
        sheet.append([column.header for column in columns])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font = bold
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(14, len(column.header) + 4)
            if column.header in TEXT_COLUMNS:
                for row in range(2, 1002):
                    sheet.cell(row=row, column=index).number_format = "@"
        sheet.freeze_panes = "A2"
    guide = workbook.create_sheet(_("Columns"))
    guide.append([_("Sheet"), _("Column"), _("Required"), _("Meaning"), _("Allowed values")])
    for cell in guide[1]:
        cell.font = bold
    for name, columns in SHEETS.items():
        for column in columns:
            guide.append(
                [
                    name,
                    column.header,
                    _("yes") if column.required else _("no"),
                    neutralise(str(column.help)),
                    ", ".join(column.allowed),
                ]
            )
    for letter, width in zip("ABCDE", (14, 18, 10, 90, 40), strict=True):
        guide.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    """A cell as the text the user typed (whole numbers without ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _inexact(value: Any) -> bool:
    """A number a spreadsheet cannot hold exactly: a float of more than 15 digits."""
    return isinstance(value, float) and abs(value) >= 10**EXACT_DIGITS


_HEADER_SEPARATORS = re.compile(r"[\s/\-]+")


def _header_name(value: Any) -> str:
    """A header cell as a column name: lower case, spaces, slashes and dashes as ``_``
    (``Pangkat/Golongan`` is ``pangkat_golongan``)."""
    return _HEADER_SEPARATORS.sub("_", _text(value).lower()).strip("_")


def _check_header(sheet: str, header: list[str]) -> None:
    expected = headers(sheet)
    while header and not header[-1]:
        header.pop()
    missing = [name for name in expected if name not in header]
    unknown = [name for name in header if name not in expected]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if not header or missing or unknown or repeated:
        problems = []
        if missing:
            problems.append(_("missing %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            problems.append(
                _("unknown %(names)s") % {"names": ", ".join(n or '""' for n in unknown)}
            )
        if repeated:
            problems.append(_("repeated %(names)s") % {"names": ", ".join(repeated)})
        raise BadWorkbook(
            _("Wrong header row in sheet %(sheet)s (%(problems)s); expected: %(expected)s.")
            % {
                "sheet": sheet,
                "problems": "; ".join(problems) or _("no header"),
                "expected": ", ".join(expected),
            }
        )


def _read_sheet(name: str, rows: Any) -> list[SheetRow]:
    header: list[str] = []
    data: list[SheetRow] = []
    for line, cells in enumerate(rows, start=1):
        if not header:
            if any(_text(cell) for cell in cells):
                header = [_header_name(cell) for cell in cells]
                _check_header(name, header)
            continue
        if not any(_text(cell) for cell in cells):
            continue
        if len(data) >= MAX_ROWS:
            raise BadWorkbook(
                _(
                    "Sheet %(sheet)s has more than %(limit)s rows; import it in several "
                    "files of at most %(limit)s rows per sheet."
                )
                % {"sheet": name, "limit": f"{MAX_ROWS:,}"}
            )
        row = SheetRow(line, {})
        for index, column in enumerate(header):
            if not column:
                continue
            value = cells[index] if index < len(cells) else None
            row.values[column] = _text(value)
            if _inexact(value):
                row.inexact.add(column)
        data.append(row)
    if not header:
        _check_header(name, [])
    return data


#: What openpyxl raises for a file that is not a workbook or a damaged one.
_UNREADABLE = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    SyntaxError,
    IndexError,
)


def read_workbook(file_bytes: bytes) -> dict[str, list[SheetRow]]:
    """The data rows of each of the five sheets (blank rows left out), by sheet name in
    ``SHEETS`` order. Sheets with other names (the template's explanation) are ignored.

    Raises ``BadWorkbook`` when the file is not a readable XLSX workbook, a sheet is
    missing, a header row is not the sheet's columns (in any order; case, spaces and
    slashes do not matter), or a sheet has more than ``MAX_ROWS`` data rows."""
    try:
        workbook = load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise BadWorkbook(
            _("The file is not an XLSX workbook: %(error)s") % {"error": exc}
        ) from None
    try:
        by_name = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
        missing = [name for name in SHEETS if name.lower() not in by_name]
        if missing:
            raise BadWorkbook(
                _("The workbook has no sheet %(missing)s; it needs the sheets %(sheets)s.")
                % {"missing": ", ".join(missing), "sheets": ", ".join(SHEETS)}
            )
        result: dict[str, list[SheetRow]] = {}
        for name in SHEETS:
            sheet = by_name[name.lower()]
            try:
                result[name] = _read_sheet(name, sheet.iter_rows(values_only=True))
            except BadWorkbook:
                raise
            except _UNREADABLE as exc:
                raise BadWorkbook(
                    _("Sheet %(sheet)s cannot be read: %(error)s") % {"sheet": name, "error": exc}
                ) from None
        return result
    finally:
        workbook.close()
