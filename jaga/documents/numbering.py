"""Issuing document numbers: the sequence restarts every year and a number is never
issued twice, even under concurrency (compare-and-set on the year's counter, no row locks;
architecture.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from jaga.documents.indonesian import bulan_romawi
from jaga.documents.models import DocumentCounter, NumberPattern
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency

MAX_TRIES = 100
DEFAULT_PATTERN = "{urut}/{tahun}"


class NumberingBusy(RuntimeError):
    """Too many concurrent writers won the counter one after another; try again."""


@dataclass(frozen=True)
class IssuedNumber:
    """A number issued: the year's sequence (1, 2, 3…) and the formatted text."""

    sequence: int
    text: str


def format_number(pattern: NumberPattern | None, sequence: int, on: dt.date) -> str:
    """The number text for ``sequence`` on local date ``on`` (``{urut}/{tahun}`` when the
    agency has no pattern for the type)."""
    template = pattern.pattern if pattern is not None else DEFAULT_PATTERN
    digits = pattern.digits if pattern is not None else 0
    return template.format(
        klasifikasi=pattern.klasifikasi if pattern is not None else "",
        urut=str(sequence).zfill(digits),
        unit=pattern.unit_code if pattern is not None else "",
        bulan=f"{on.month:02d}",
        bulan_romawi=bulan_romawi(on.month),
        tahun=on.year,
    )


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


def issue_number(agency: Agency, document_type: DocumentType, on: dt.date) -> IssuedNumber:
    """Take the next number of ``document_type`` for ``agency`` in the year of local date
    ``on``. Call it inside the transaction that stores the document, so a rolled-back
    document gives its number back. Raises ``NumberingBusy`` after ``MAX_TRIES`` lost
    races."""
    with transaction.atomic():
        sequence = _next_sequence(agency, document_type.value, on.year)
        pattern = NumberPattern.objects.filter(
            agency=agency, document_type=document_type.value
        ).first()
        return IssuedNumber(sequence, format_number(pattern, sequence, on))
