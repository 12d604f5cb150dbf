"""Indonesian numbers, dates and month numerals as official documents print them
(docs/domain.md, "People and documents").

- ``terbilang(2026)`` → "dua ribu dua puluh enam" (num2words, ``lang="id"``);
- ``tanggal(date)`` → "Senin, 23 November 2026" (Babel's ``id`` locale);
- ``pembuka_berita_acara(date)`` → "Pada hari ini Senin tanggal dua puluh tiga bulan
  November tahun dua ribu dua puluh enam" (the opening of a Berita Acara);
- ``bulan_romawi(11)`` → "XI" (the month in letter numbers).
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from num2words import num2words

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def terbilang(number: int) -> str:
    """``number`` (a whole number ≥ 0) in Indonesian words; ``ValueError`` otherwise."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise ValueError(f"terbilang needs a whole number of at least 0, not {number!r}")
    return str(num2words(number, lang="id"))


def tanggal(day: dt.date) -> str:
    """The long Indonesian date with the weekday: "Senin, 23 November 2026"."""
    return format_date(day, format="full", locale="id")


def pembuka_berita_acara(day: dt.date) -> str:
    """The Berita Acara's opening, the date spelled out: "Pada hari ini Senin tanggal dua
    puluh tiga bulan November tahun dua ribu dua puluh enam"."""
    weekday = format_date(day, format="EEEE", locale="id")
    month = format_date(day, format="MMMM", locale="id")
    return (
        f"Pada hari ini {weekday} tanggal {terbilang(day.day)} bulan {month} "
        f"tahun {terbilang(day.year)}"
    )


def bulan_romawi(month: int) -> str:
    """Month 1..12 in Roman numerals ("XI"); ``ValueError`` outside 1..12."""
    if not 1 <= month <= 12:
        raise ValueError(f"a month is 1..12, not {month}")
    return ROMAN_MONTHS[month - 1]
