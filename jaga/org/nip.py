"""NIP (Nomor Induk Pegawai), the 18-digit civil-servant number.

Layout (Peraturan BKN; see docs/domain.md): ``YYYYMMDD`` birth date, ``YYYYMM`` month of
appointment as CPNS, one gender digit (1 male, 2 female) and a 3-digit serial, printed
grouped as ``19671226 198603 1 002``.

The minimum age of a CPNS at appointment is 18 years (PP 11/2017, Pasal 23), so an
appointment month earlier than the month of the 18th birthday is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

NIP_LENGTH = 18
MIN_APPOINTMENT_AGE_YEARS = 18
_SEPARATORS = re.compile(r"[\s.\-]+")
#: ASCII digits only: ``str.isdigit`` and ``int`` also take Arabic-Indic, full-width and
#: other Unicode digits, which would let one NIP be stored in several spellings (issue 13
#: point 9).
_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_ascii_digits(text: str) -> bool:
    """True when ``text`` is one or more of the ASCII digits 0-9 and nothing else."""
    return _ASCII_DIGITS.fullmatch(text) is not None


@dataclass(frozen=True)
class Nip:
    """A validated NIP, split into its parts.

    ``birth_date`` is the holder's date of birth, ``appointment`` the first day of the month
    of appointment, ``gender`` is 1 (male) or 2 (female), ``serial`` 1..999.
    """

    digits: str
    birth_date: date
    appointment: date
    gender: int
    serial: int

    def grouped(self) -> str:
        """The printed form: ``"19671226 198603 1 002"``."""
        return format_nip(self.digits)

    def __str__(self) -> str:
        return self.digits


def normalize_nip(value: str) -> str:
    """Strip spaces, dots and dashes people type into NIPs; ``"19671226 198603 1 002"``
    becomes ``"196712261986031002"``. Does not validate."""
    return _SEPARATORS.sub("", value.strip())


def format_nip(value: str) -> str:
    """Group an 18-digit NIP for print (``"19671226 198603 1 002"``); other strings are
    returned unchanged, so a legacy or foreign number still prints."""
    digits = normalize_nip(value)
    if len(digits) != NIP_LENGTH or not is_ascii_digits(digits):
        return value
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def parse_nip(value: str, *, today: date | None = None) -> Nip:
    """Validate ``value`` (grouped or not) and return its parts.

    Raises ``django.core.exceptions.ValidationError`` (code ``invalid_nip``) whose message
    states the first reason found: wrong length, anything but the ASCII digits 0-9 (after
    removing spaces, dots and dashes), impossible birth date,
    impossible appointment month, appointment in the future or before the 18th birthday,
    gender digit other than 1 or 2, serial 000. ``today`` (local date) defaults to
    ``date.today()``.
    """
    today = today or date.today()
    digits = normalize_nip(value)

    def fail(message: str) -> ValidationError:
        return ValidationError(message, code="invalid_nip")

    if not is_ascii_digits(digits):
        raise fail(_("A NIP has digits only; “%(value)s” has other characters.") % {"value": value})
    if len(digits) != NIP_LENGTH:
        raise fail(
            _("A NIP has 18 digits; “%(value)s” has %(count)d digits.")
            % {"value": value, "count": len(digits)}
        )
    try:
        birth = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise fail(
            _("The first 8 digits of a NIP are the birth date (YYYYMMDD); %(part)s is not a date.")
            % {"part": digits[0:8]}
        ) from None
    if birth.year < 1900 or birth > today:
        raise fail(_("Birth date %(date)s in the NIP is not plausible.") % {"date": birth})
    year, month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= month <= 12 or year < 1900:
        raise fail(
            _("Digits 9–14 of a NIP are the appointment month (YYYYMM); %(part)s is not a month.")
            % {"part": digits[8:14]}
        )
    appointment = date(year, month, 1)
    if appointment > today:
        raise fail(
            _("The appointment month %(part)s in the NIP is in the future.")
            % {"part": digits[8:14]}
        )
    if (year, month) < (birth.year + MIN_APPOINTMENT_AGE_YEARS, birth.month):
        raise fail(
            _("The appointment month %(part)s is before the holder’s 18th birthday.")
            % {"part": digits[8:14]}
        )
    gender = int(digits[14])
    if gender not in (1, 2):
        raise fail(
            _("Digit 15 of a NIP is the gender (1 male, 2 female); it is %(digit)s.")
            % {"digit": gender}
        )
    serial = int(digits[15:])
    if serial == 0:
        raise fail(_("The last 3 digits of a NIP are a serial from 001 to 999; 000 is not valid."))
    return Nip(digits, birth, appointment, gender, serial)


def validate_nip(value: str) -> None:
    """Django field validator: raises ``ValidationError`` with the reason (see ``parse_nip``)."""
    parse_nip(value)
