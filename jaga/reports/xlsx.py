"""XLSX workbooks of the reports (XlsxWriter), shared by every report that offers a
spreadsheet: a ``Book`` with one set of cell formats, sheets that start with a few title
lines, and tables with a bold, frozen header row, typed columns and an optional total row.

Numbers stay numbers: percentages are stored as ratios (0.97122 for 97.122 %) with a
percent format, minutes as numbers, times as Excel date-times (naive, in the agency's zone:
Excel has no time zones, so the sheet's title says which zone). Text cells are written as
strings even when they look like formulas or numbers (``=1+1`` stays text).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

#: How a column's cells are written and formatted.
Kind: TypeAlias = Literal["text", "integer", "decimal", "percent", "datetime"]
#: A cell: text, a number, an aware or naive datetime, or None (left empty).
Cell: TypeAlias = str | int | float | dt.datetime | None

#: Excel's number formats of the kinds (the percent keeps three decimals: 99.907 %).
NUMBER_FORMATS: dict[Kind, str] = {
    "text": "@",
    "integer": "#,##0",
    "decimal": "#,##0.0",
    "percent": "0.000%",
    "datetime": "dd-mm-yyyy hh:mm",
}
#: The longest sheet name Excel accepts.
SHEET_NAME_MAX = 31


@dataclass(frozen=True)
class Column:
    """A table column: its ``header`` (the sheet's language: Indonesian for the official
    reports), its ``kind`` and its ``width`` in Excel's character units."""

    header: str
    kind: Kind = "text"
    width: float = 14.0


class Book:
    """An in-memory workbook; ``sheet`` adds worksheets, ``table`` writes a table,
    ``bytes`` closes it and returns the XLSX file. Not reusable after ``bytes``."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self._buffer, {"in_memory": True, "strings_to_numbers": False}
        )
        self.title = self.workbook.add_format({"bold": True, "font_size": 13})
        self.subtitle = self.workbook.add_format({"italic": True, "font_color": "#444444"})
        self.header = self.workbook.add_format(
            {
                "bold": True,
                "bg_color": "#E8EEF7",
                "border": 1,
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.cells: dict[Kind, Format] = {
            kind: self.workbook.add_format({"num_format": number_format, "border": 1})
            for kind, number_format in NUMBER_FORMATS.items()
        }
        self.totals: dict[Kind, Format] = {
            kind: self.workbook.add_format(
                {"num_format": number_format, "border": 1, "bold": True, "top": 2}
            )
            for kind, number_format in NUMBER_FORMATS.items()
        }

    def sheet(self, name: str, lines: Sequence[str] = ()) -> tuple[Worksheet, int]:
        """A new worksheet named ``name`` (cut to ``SHEET_NAME_MAX`` characters, without
        the characters Excel refuses), its first line in bold, the other ``lines`` below;
        returns the sheet and the first free row (0-based), a blank row after the lines."""
        clean = "".join(c for c in name if c not in "[]:*?/\\")[:SHEET_NAME_MAX] or "Sheet"
        worksheet = self.workbook.add_worksheet(clean)
        for row, line in enumerate(lines):
            worksheet.write_string(row, 0, line, self.title if row == 0 else self.subtitle)
        return worksheet, len(lines) + 1 if lines else 0

    def table(
        self,
        worksheet: Worksheet,
        first_row: int,
        columns: Sequence[Column],
        rows: Sequence[Sequence[Cell]],
        total: Sequence[Cell] | None = None,
        *,
        freeze: bool = True,
    ) -> int:
        """Write ``columns``' header at ``first_row`` (0-based) and ``rows`` below it, each
        cell as its column's kind says, then ``total`` (bold, a thick line above) when
        given; sets the columns' widths, an autofilter on the table and, when ``freeze``,
        freezes the panes below the header (one frozen header per sheet: Excel keeps one).
        Aware datetimes must be converted to the zone the sheet names before (``naive``);
        an aware one raises ``ValueError``. Returns the first row after the table."""
        for index, column in enumerate(columns):
            worksheet.set_column(index, index, column.width)
            worksheet.write_string(first_row, index, column.header, self.header)
        row = first_row
        for row_cells in rows:
            row += 1
            self._row(worksheet, row, columns, row_cells, self.cells)
        worksheet.autofilter(first_row, 0, max(row, first_row), len(columns) - 1)
        if freeze:
            worksheet.freeze_panes(first_row + 1, 0)
        if total is not None:
            row += 1
            self._row(worksheet, row, columns, total, self.totals)
        return row + 1

    def _row(
        self,
        worksheet: Worksheet,
        row: int,
        columns: Sequence[Column],
        cells: Sequence[Cell],
        formats: dict[Kind, Format],
    ) -> None:
        for index, (column, value) in enumerate(zip(columns, cells, strict=True)):
            cell_format = formats[column.kind]
            if value is None:
                worksheet.write_blank(row, index, None, cell_format)
            elif isinstance(value, dt.datetime):
                if value.tzinfo is not None:
                    raise ValueError("write local times as naive datetimes (see ``naive``)")
                worksheet.write_datetime(row, index, value, cell_format)
            elif isinstance(value, str):
                worksheet.write_string(row, index, value, cell_format)
            else:
                worksheet.write_number(row, index, value, cell_format)

    def bytes(self) -> bytes:
        """Close the workbook and return the XLSX file's bytes."""
        self.workbook.close()
        return self._buffer.getvalue()


def naive(value: dt.datetime | None, zone: Any) -> dt.datetime | None:
    """``value`` (aware) as a naive datetime in ``zone`` (a ``ZoneInfo``), for a cell;
    None stays None."""
    return None if value is None else value.astimezone(zone).replace(tzinfo=None)


#: The content type of an XLSX download.
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
