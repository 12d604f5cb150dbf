"""Issuing document numbers: the sequence restarts every year and a number is never
issued twice, even under concurrency (compare-and-set on the year's counter, no row locks;
architecture.md)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jaga.documents.indonesian import bulan_romawi
from jaga.documents.models import (
    NUMBER_MAX_LENGTH,
    AnyDocumentType,
    DocumentCounter,
    NumberPattern,
    check_number_pattern,
)
from jaga.tenancy.models import Agency

MAX_TRIES = 100
DEFAULT_PATTERN = "{urut}/{tahun}"
logger = logging.getLogger(__name__)


class NumberingBusy(RuntimeError):
    """Too many concurrent writers won the counter one after another; try again."""


@dataclass(frozen=True)
class IssuedNumber:
    """A number issued: the year's sequence (1, 2, 3…) and the formatted text."""

    sequence: int
    text: str


def _default_number(sequence: int, on: dt.date) -> str:
    return DEFAULT_PATTERN.format(urut=sequence, tahun=on.year)


def format_number(pattern: NumberPattern | None, sequence: int, on: dt.date) -> str:
    """The number text for ``sequence`` on local date ``on`` (``{urut}/{tahun}`` when the
    agency has no pattern for the type).

    Never raises on a pattern (issue 13 point 2: a step never fails on a pattern): a
    pattern that fails ``check_number_pattern`` (one saved before patterns were validated)
    or a number longer than ``Document.number`` gives the default format instead, and a
    warning is logged for the agency's administrator to fix the pattern."""
    if pattern is None:
        return _default_number(sequence, on)
    try:
        check_number_pattern(
            pattern.pattern, pattern.klasifikasi, pattern.unit_code, pattern.digits
        )
        text = pattern.pattern.format(
            klasifikasi=pattern.klasifikasi,
            urut=str(sequence).zfill(pattern.digits),
            unit=pattern.unit_code,
            bulan=f"{on.month:02d}",
            bulan_romawi=bulan_romawi(on.month),
            tahun=on.year,
        )
    except (ValidationError, ValueError, LookupError, AttributeError, TypeError) as exc:
        problem = "; ".join(exc.messages) if isinstance(exc, ValidationError) else repr(exc)
    else:
        if len(text) <= NUMBER_MAX_LENGTH:
            return text
        problem = f"the number {text[:40]}... is longer than {NUMBER_MAX_LENGTH} characters"
    fallback = _default_number(sequence, on)
    logger.warning(
        "number pattern %r (pk %s) of agency %s for %s cannot be used (%s); "
        "issued %s in the default format %s: correct the pattern in the admin",
        pattern.pattern,
        pattern.pk,
        pattern.agency_id,
        pattern.document_type,
        problem,
        fallback,
        DEFAULT_PATTERN,
    )
    return fallback


def _next_sequence(agency: Agency, document_type: str, year: int) -> int:
    for _ in range(MAX_TRIES):
        counter = DocumentCounter.objects.filter(
            agency=agency, document_type=document_type, year=year
        ).first()
        if counter is None:
            try:
                with transaction.atomic():
                    DocumentCounter.objects.create(
                        agency=agency, document_type=document_type, year=year, last=1
                    )
                return 1
            except IntegrityError:  # another writer created it first: read it again
                continue
        won = DocumentCounter.objects.filter(pk=counter.pk, last=counter.last).update(
            last=counter.last + 1
        )
        if won == 1:
            return counter.last + 1
    raise NumberingBusy(f"could not take a number for {document_type} {year}")


def issue_number(agency: Agency, document_type: AnyDocumentType, on: dt.date) -> IssuedNumber:
    """Take the next number of ``document_type`` (a step's or a report's) for ``agency`` in
    the year of local date ``on``. Call it inside the transaction that stores the document,
    so a rolled-back document gives its number back. Raises ``NumberingBusy`` after
    ``MAX_TRIES`` lost races."""
    with transaction.atomic():
        sequence = _next_sequence(agency, document_type.value, on.year)
        pattern = NumberPattern.objects.filter(
            agency=agency, document_type=document_type.value
        ).first()
        return IssuedNumber(sequence, format_number(pattern, sequence, on))
