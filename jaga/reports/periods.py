"""Report periods: a month, a quarter or a year of the agency's local calendar."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from babel.dates import format_date
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """The text is not a period; ``str(error)`` is a user-facing message."""


@dataclass(frozen=True)
class Period:
    """The local dates ``[start, end)``, each the first day of a month; ``kind`` is
    "month", "quarter" or "year" and ``key`` its text ("2026-11", "2026-Q4", "2026")."""

    start: dt.date
    end: dt.date
    kind: str
    key: str

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month ``month`` (1–12) of ``year``."""
        start = dt.date(year, month, 1)
        return cls(start, _add_months(start, 1), "month", f"{year:04d}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter ``quarter`` (1–4) of ``year``."""
        start = dt.date(year, 3 * quarter - 2, 1)
        return cls(start, _add_months(start, 3), "quarter", f"{year:04d}-Q{quarter}")

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year ``year``."""
        return cls(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), "year", f"{year:04d}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """ "2026-11", "2026-Q4" or "2026"; raises ``PeriodError`` for anything else or a
        year outside 2000–2999."""
        value = text.strip()
        month, quarter, year = _MONTH.match(value), _QUARTER.match(value), _YEAR.match(value)
        match = month or quarter or year
        if match is not None and 2000 <= int(match[1]) <= 2999:
            if month is not None and 1 <= int(month[2]) <= 12:
                return cls.month(int(month[1]), int(month[2]))
            if quarter is not None:
                return cls.quarter(int(quarter[1]), int(quarter[2]))
            if year is not None:
                return cls.year(int(year[1]))
        raise PeriodError(
            _("“%(text)s” is not a period: write a month (2026-11), a quarter (2026-Q4) or a year.")
            % {"text": text[:20]}
        )

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        """The month ``day`` falls in."""
        return cls.month(day.year, day.month)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "year":
            return Period.year(self.start.year - 1)
        if self.kind == "quarter":
            start = _add_months(self.start, -3)
            return Period.quarter(start.year, (start.month + 2) // 3)
        start = _add_months(self.start, -1)
        return Period.month(start.year, start.month)

    @property
    def months(self) -> list[dt.date]:
        """The first day of each month in the period."""
        months = []
        day = self.start
        while day < self.end:
            months.append(day)
            day = _add_months(day, 1)
        return months

    @property
    def label(self) -> str:
        """ "November 2026", "Triwulan IV 2026" / "Q4 2026", "2026" in the active language."""
        locale = "id" if (get_language() or "id").startswith("id") else "en"
        if self.kind == "month":
            return format_date(self.start, format="LLLL y", locale=locale)
        if self.kind == "quarter":
            quarter = (self.start.month + 2) // 3
            return _("Quarter %(q)s %(year)s") % {
                "q": ("I", "II", "III", "IV")[quarter - 1],
                "year": self.start.year,
            }
        return str(self.start.year)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
