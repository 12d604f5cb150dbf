"""Time standards ("Waktu") as the SOPs write them.

Source: the "Mutu Baku" (quality standard) block of an SOP AP (Standar Operasional Prosedur
Administrasi Pemerintahan) flowchart has a "Waktu" column giving, for each step, the time the
step may take. Its format is set by Permenpan-RB 35/2012 (Pedoman Penyusunan SOP Administrasi
Pemerintahan). In practice the column holds a whole number and a unit -- "30 menit", "1 jam",
"3 hari" -- or "N x 24 jam" (elapsed clock time, weekends and holidays included), or
"kondisional" when the step has no fixed standard (its duration is still recorded).

Administrative SOPs mean working time: "hari" is read as "hari kerja" unless the SOP says
otherwise, so "3 hari" and "3 hari kerja" parse to the same standard. Whether a standard is
counted in working time or around the clock (24x7) is a per-SOP / per-step setting applied by
:mod:`jaga.tenancy.calendar`, not part of the text; only "N x 24 jam" is clock time by itself.

Accepted (case- and spacing-insensitive)::

    30 menit   30menit   15 mnt   1 jam   3 hari   3 hari kerja   1 minggu   1 bulan
    2 x 24 jam   2x24 jam   1x24jam   14 hari kalender   kondisional

and "N x 24 jam" written with the multiplication sign (U+00D7) instead of "x". "N hari
kalender" is N calendar days: elapsed clock time like "N x 24 jam", whatever the calendar
(the unit of regulations' deadlines, e.g. UU 25/2009 on public services).

Bounds (SOP format 2, issue 17 point 3), as SOP tables print them::

    ≤ 30 menit   <= 30 menit   maks. 1 jam   maksimal 1 jam   paling lama 1 jam
    min. 1 hari   minimal 1 hari   ≥ 1 hari   paling cepat 1 hari
    1–3 hari   1-3 hari   1 s.d. 3 hari   1 s/d 3 hari   1 sampai 3 hari   30 menit - 2 jam

The deadline is at the upper bound (``amount``/``unit``); a lower bound is ``minimum``, the
earliest a step should be done, recorded and shown but never a deadline. "min. 1 hari" alone
has no deadline (like kondisional) but keeps its minimum.

``parse_time_standard`` raises :class:`TimeStandardError` (a ``ValueError``) with a
user-facing, translatable message for everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

__all__ = [
    "MAX_AMOUNT",
    "Bound",
    "TimeStandard",
    "TimeStandardError",
    "TimeUnit",
    "parse_time_standard",
]


class TimeUnit(StrEnum):
    """Unit of a time standard; the value is the Indonesian word the SOPs use."""

    MINUTE = "menit"
    HOUR = "jam"
    DAY = "hari"
    WEEK = "minggu"
    MONTH = "bulan"
    #: Calendar days ("hari kalender"): N days of elapsed clock time, on any calendar.
    CALENDAR_DAY = "hari kalender"


class Bound(StrEnum):
    """How a time standard bounds the time: exactly the standard (the deadline, as in "30
    menit"), at most ("≤ 30 menit", "maks. 1 jam": the same deadline, printed as a bound), at
    least ("min. 1 hari": no deadline, a minimum) or a range ("1–3 hari": a minimum and the
    deadline at the upper bound)."""

    EXACT = "exact"
    AT_MOST = "at_most"
    AT_LEAST = "at_least"
    RANGE = "range"


#: Largest accepted amount per unit: about ten years, so that deadline arithmetic never
#: overflows ``datetime`` and a typo such as "30000 hari" is caught at entry.
MAX_AMOUNT: dict[TimeUnit, int] = {
    TimeUnit.MINUTE: 10 * 365 * 24 * 60,
    TimeUnit.HOUR: 10 * 365 * 24,
    TimeUnit.DAY: 10 * 365,
    TimeUnit.WEEK: 10 * 52,
    TimeUnit.MONTH: 10 * 12,
    TimeUnit.CALENDAR_DAY: 10 * 365,
}

#: Nominal minutes of each unit, only to check that a range's lower bound is below its upper
#: one ("3 hari - 1 hari" is refused); deadlines never use them.
_NOMINAL_MINUTES: dict[TimeUnit, int] = {
    TimeUnit.MINUTE: 1,
    TimeUnit.HOUR: 60,
    TimeUnit.DAY: 24 * 60,
    TimeUnit.CALENDAR_DAY: 24 * 60,
    TimeUnit.WEEK: 7 * 24 * 60,
    TimeUnit.MONTH: 30 * 24 * 60,
}

_KONDISIONAL = "kondisional"


@dataclass(frozen=True)
class TimeStandard:
    """One time standard of an SOP step.

    ``amount`` and ``unit`` always give the length of the standard: "30 menit" is
    ``(30, MINUTE)``, "3 hari" is ``(3, DAY)``. For "N x 24 jam" they are ``(N * 24, HOUR)``
    with ``elapsed=True``: that length is elapsed clock time, never working time, whatever the
    SOP's calendar setting. "kondisional" has ``amount`` and ``unit`` ``None``.

    ``bound`` says how the text bounds the time (``Bound``); ``minimum`` is the lower bound
    of "1–3 hari" or "min. 1 hari" (an exact standard of its own), else None. "min. 1 hari"
    has ``amount`` and ``unit`` None: no deadline.

    Raises ``ValueError`` on construction when the fields contradict each other (amount below
    1, only one of amount/unit set, ``elapsed`` not on a whole number of 24 hours, a minimum
    without a lower bound or the reverse, a minimum not below the upper bound).
    """

    amount: int | None
    unit: TimeUnit | None
    elapsed: bool = False
    bound: Bound = Bound.EXACT
    minimum: TimeStandard | None = None

    def __post_init__(self) -> None:
        if (self.minimum is not None) != (self.bound in (Bound.AT_LEAST, Bound.RANGE)):
            raise ValueError("a minimum goes with an at-least or range bound, and only there")
        if self.minimum is not None and (
            self.minimum.conditional or self.minimum.minimum is not None
        ):
            raise ValueError("a minimum is an exact standard")
        if self.amount is None or self.unit is None:
            if self.amount is not None or self.unit is not None:
                raise ValueError("amount and unit must both be set, or both be None (kondisional)")
            if self.elapsed:
                raise ValueError("a kondisional time standard cannot be elapsed time")
            if self.bound not in (Bound.EXACT, Bound.AT_LEAST):
                raise ValueError("only a minimum may stand without an upper bound")
            return
        if self.bound is Bound.AT_LEAST:
            raise ValueError("an at-least standard has no upper bound")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValueError(f"amount must be an int, not {self.amount!r}")
        if self.amount < 1:
            raise ValueError(f"amount must be at least 1, not {self.amount}")
        if not isinstance(self.unit, TimeUnit):
            raise ValueError(f"unit must be a TimeUnit, not {self.unit!r}")
        if self.elapsed and (self.unit is not TimeUnit.HOUR or self.amount % 24):
            raise ValueError("elapsed time standards are whole multiples of 24 jam")

    @classmethod
    def kondisional(cls) -> TimeStandard:
        """The standard of a step with no fixed time."""
        return cls(amount=None, unit=None)

    @property
    def conditional(self) -> bool:
        """True when no deadline is computed: "kondisional", or a minimum alone
        ("min. 1 hari")."""
        return self.amount is None

    @property
    def nominal_minutes(self) -> int | None:
        """The upper bound in nominal minutes (a day is 24 h, a month 30 days), only to order
        two standards; None without an upper bound."""
        if self.amount is None or self.unit is None:
            return None
        return self.amount * _NOMINAL_MINUTES[self.unit]

    def _exact(self) -> str:
        if self.amount is None or self.unit is None:
            return _KONDISIONAL
        if self.elapsed:
            return f"{self.amount // 24} x 24 jam"
        return f"{self.amount} {self.unit.value}"

    def __str__(self) -> str:
        """Canonical form: "30 menit", "3 hari", "2 x 24 jam", "14 hari kalender",
        "kondisional", "maks. 30 menit", "min. 1 hari", "1-3 hari", "30 menit - 2 jam"."""
        if self.bound is Bound.AT_MOST:
            return f"maks. {self._exact()}"
        if self.bound is Bound.AT_LEAST and self.minimum is not None:
            return f"min. {self.minimum}"
        if self.bound is Bound.RANGE and self.minimum is not None:
            if self.minimum.unit is self.unit:
                return f"{self.minimum.amount}-{self._exact()}"
            return f"{self.minimum} - {self._exact()}"
        return self._exact()


class TimeStandardError(ValueError):
    """The text is not a time standard; ``str(error)`` is a user-facing message.

    ``text`` is what was written, unchanged.
    """

    def __init__(self, message: str, text: str) -> None:
        super().__init__(message)
        self.message = message
        self.text = text


# Unit words as written in SOPs, after lower-casing. "mnt" is the usual abbreviation of
# "menit" in SOP tables. "hr" is deliberately not accepted: read as English it means "hour".
_UNIT_WORDS: dict[str, TimeUnit] = {
    "menit": TimeUnit.MINUTE,
    "mnt": TimeUnit.MINUTE,
    "jam": TimeUnit.HOUR,
    "hari": TimeUnit.DAY,
    "hari kerja": TimeUnit.DAY,
    "minggu": TimeUnit.WEEK,
    "bulan": TimeUnit.MONTH,
    "hari kalender": TimeUnit.CALENDAR_DAY,
}

# Words before an upper bound ("maks. 1 jam", "≤ 30 menit") and a lower one ("min. 1 hari"),
# after lower-casing and collapsing spaces; longest first so "maksimal" is not read as "maks".
_AT_MOST = ("paling lama", "maksimum", "maksimal", "maks.", "maks", "max.", "max", "<=", "\u2264")
_AT_LEAST = ("paling cepat", "minimum", "minimal", "min.", "min", ">=", "\u2265")
# Between the two ends of a range: "1-3 hari", "1 – 3 hari", "1 s.d. 3 hari", "1 s/d 3 hari".
_RANGE = re.compile(
    r"(?P<low>.+?)\s*(?:-|\u2013|\u2014|\bs\.\s?d\.?|\bs/d\b|\bsampai\b|\bhingga\b)\s*(?P<high>.+)"
)

_NUMBER = re.compile(r"(?P<sign>[-\u2212]?)\s*(?P<number>[0-9]+(?:[.,][0-9]+)?)\s*(?P<rest>.*)")
_TIMES = re.compile(r"[x\u00d7*]\s*(?P<factor>[0-9]+(?:[.,][0-9]+)?)\s*(?P<rest>.*)")
_WORD = re.compile(r"[^\W\d_]+")


def _normalise(text: str) -> str:
    """Lower-case, trim, and collapse every run of (Unicode) whitespace to one space."""
    return " ".join(text.split()).casefold()


def _cannot_read(text: str) -> TimeStandardError:
    return TimeStandardError(
        _(
            'Cannot read the time standard "%(text)s": write a whole number and a unit '
            '(menit, jam, hari, minggu, bulan), "N x 24 jam", or "kondisional".'
        )
        % {"text": text},
        text,
    )


def _check_amount(text: str, amount_text: str, unit: TimeUnit) -> int:
    amount = int(amount_text)
    if amount < 1:
        raise TimeStandardError(
            _('The time standard "%(text)s" is zero: write a whole number of at least 1.')
            % {"text": text},
            text,
        )
    if amount > MAX_AMOUNT[unit]:
        raise TimeStandardError(
            _(
                'The time standard "%(text)s" is too long: at most %(max)s %(unit)s '
                "(about ten years) is accepted."
            )
            % {"text": text, "max": MAX_AMOUNT[unit], "unit": unit.value},
            text,
        )
    return amount


def parse_time_standard(text: str) -> TimeStandard:
    """Parse the "Waktu" of an SOP step into a :class:`TimeStandard`, bounds included
    ("maks. 1 jam", "min. 1 hari", "1–3 hari"; see the module docstring).

    Raises :class:`TimeStandardError` as ``_parse_exact`` does, and for a range whose lower
    bound is not below its upper one or uses "N x 24 jam" / kondisional at either end.
    """
    shown = text.strip()
    normal = _normalise(text)
    for words, bound in ((_AT_MOST, Bound.AT_MOST), (_AT_LEAST, Bound.AT_LEAST)):
        for word in words:
            if normal.startswith(word) and normal != word:
                exact = _parse_exact(normal[len(word) :].strip())
                if exact.conditional:
                    raise _cannot_read(shown)
                if bound is Bound.AT_MOST:
                    return TimeStandard(exact.amount, exact.unit, exact.elapsed, Bound.AT_MOST)
                return TimeStandard(None, None, bound=Bound.AT_LEAST, minimum=exact)
    match = _RANGE.fullmatch(normal)
    if match is not None and _NUMBER.match(normal) and not _TIMES.search(normal):
        low_text, high_text = match["low"].strip(), match["high"].strip()
        high = _parse_exact(high_text)
        if low_text.isdigit() and high.unit is not None:
            low_text = f"{low_text} {high.unit.value}"  # "1-3 hari": the unit is written once
        low = _parse_exact(low_text)
        low_minutes, high_minutes = low.nominal_minutes, high.nominal_minutes
        if low_minutes is None or high_minutes is None or low.elapsed or high.elapsed:
            raise _cannot_read(shown)
        if low_minutes >= high_minutes:
            raise TimeStandardError(
                _(
                    'The time standard "%(text)s" is not a range: the first time must be '
                    'shorter than the second, e.g. "1-3 hari".'
                )
                % {"text": shown},
                text,
            )
        return TimeStandard(high.amount, high.unit, False, Bound.RANGE, minimum=low)
    return _parse_exact(text)


def _parse_exact(text: str) -> TimeStandard:
    """Parse one exact "Waktu" (no bound words) into a :class:`TimeStandard`.

    ``text`` is read case- and spacing-insensitively (see the module docstring for the accepted
    forms). Raises :class:`TimeStandardError` with a user-facing message saying what was written
    and what is accepted: empty text, zero, negative or fractional numbers, unknown units, a
    number without a unit or a unit without a number, "N x M jam" with M other than 24, and
    anything after the unit.
    """
    shown = text.strip()
    normal = _normalise(text)
    if not normal:
        raise TimeStandardError(
            _(
                "The time standard is empty: write a whole number and a unit "
                '(menit, jam, hari, minggu, bulan), "N x 24 jam", or "kondisional".'
            ),
            text,
        )
    if normal == _KONDISIONAL:
        return TimeStandard.kondisional()

    match = _NUMBER.fullmatch(normal)
    if match is None:
        if normal in _UNIT_WORDS:
            raise TimeStandardError(
                _(
                    'The time standard "%(text)s" has no number: write how many, '
                    'e.g. "30 menit" or "2 jam".'
                )
                % {"text": shown},
                text,
            )
        raise _cannot_read(shown)

    number, rest = match["number"], match["rest"]
    if match["sign"]:
        raise TimeStandardError(
            _('The time standard "%(text)s" is negative: write a whole number of at least 1.')
            % {"text": shown},
            text,
        )

    times = _TIMES.fullmatch(rest)
    if times is not None:
        factor, rest = times["factor"], times["rest"]
        if any(sep in number + factor for sep in ".,"):
            raise _fraction(shown, text)
        if factor != "24" or rest != "jam":
            raise TimeStandardError(
                _(
                    'The time standard "%(text)s" is not a standard form: only "N x 24 jam" '
                    '(N whole days of clock time) is accepted, e.g. "2 x 24 jam".'
                )
                % {"text": shown},
                text,
            )
        days = _check_amount(shown, number, TimeUnit.DAY)
        return TimeStandard(amount=days * 24, unit=TimeUnit.HOUR, elapsed=True)

    if "." in number or "," in number:
        raise _fraction(shown, text)
    if not rest:
        raise TimeStandardError(
            _(
                'The time standard "%(text)s" has no unit: add one of menit, jam, hari, '
                'minggu, bulan, e.g. "%(number)s jam".'
            )
            % {"text": shown, "number": number},
            text,
        )
    unit = _UNIT_WORDS.get(rest)
    if unit is None:
        if _WORD.fullmatch(rest):
            raise TimeStandardError(
                _(
                    'The time standard "%(text)s" has an unknown unit "%(unit)s": use menit, '
                    'jam, hari, minggu or bulan, or write "N x 24 jam".'
                )
                % {"text": shown, "unit": rest},
                text,
            )
        raise _cannot_read(shown)
    return TimeStandard(amount=_check_amount(shown, number, unit), unit=unit)


def _fraction(shown: str, text: str) -> TimeStandardError:
    return TimeStandardError(
        _(
            'The time standard "%(text)s" has a fraction: write a whole number, using a '
            'smaller unit if needed, e.g. "90 menit" instead of "1,5 jam".'
        )
        % {"text": shown},
        text,
    )
