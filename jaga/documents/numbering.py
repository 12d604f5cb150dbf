"""Issuing document numbers: the sequence restarts every year and a number is never
issued twice, even under concurrency (one atomic increment of the year's counter, an
upsert that returns the new value)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from jaga.documents.indonesian import bulan_romawi
from jaga.documents.models import (
    NUMBER_MAX_LENGTH,
    AnyDocumentType,
    DocumentCounter,
    NumberedBy,
    NumberPattern,
    ReportType,
    check_number_pattern,
)
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency

#: The fallback of a pattern that cannot be used (one saved before patterns were checked).
DEFAULT_PATTERN = "{urut}/{tahun}"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShippedPattern:
    """A default number pattern and its kode klasifikasi arsip (Permendagri 83/2022)."""

    pattern: str
    klasifikasi: str


#: Kode klasifikasi arsip of Permendagri 83/2022: 500.12 Komunikasi dan Informatika (the
#: network's upkeep and the reports on it), 800.1.11.1 the Surat Tugas of personnel. They
#: are starting points: a region refines them to its own Peraturan Kepala Daerah on the
#: klasifikasi arsip in the admin (Documents → Number patterns; docs/documents.md).
KOMINFO = "500.12"
SURAT_TUGAS = "800.1.11.1"
_LETTER = "{klasifikasi}/{urut}/{unit}/{tahun}"


def _marked(mark: str, monthly: bool = True) -> str:
    """A pattern with the type's mark after the sequence ("500.12/7/BA/Diskominfo/XI/2026"):
    the types sharing a kode klasifikasi keep numbers of their own."""
    month = "/{bulan_romawi}" if monthly else ""
    return f"{{klasifikasi}}/{{urut}}/{mark}/{{unit}}{month}/{{tahun}}"


SHIPPED_PATTERNS: dict[str, ShippedPattern] = {
    DocumentType.LEMBAR_DISPOSISI.value: ShippedPattern(_marked("Disp", False), KOMINFO),
    DocumentType.SURAT_TUGAS.value: ShippedPattern(_LETTER, SURAT_TUGAS),
    DocumentType.BERITA_ACARA_PENGGANTIAN.value: ShippedPattern(_marked("BA-PP"), KOMINFO),
    DocumentType.BERITA_ACARA_PEKERJAAN.value: ShippedPattern(_marked("BA"), KOMINFO),
    DocumentType.LAPORAN_TINDAK_LANJUT.value: ShippedPattern(_marked("LTL"), KOMINFO),
    DocumentType.RENCANA_KERJA.value: ShippedPattern(_marked("RK"), KOMINFO),
    ReportType.LAPORAN_KETERSEDIAAN.value: ShippedPattern(_marked("LK"), KOMINFO),
    ReportType.REKAPITULASI.value: ShippedPattern(_marked("Rekap"), KOMINFO),
    ReportType.LAPORAN_BERKALA.value: ShippedPattern(_marked("Lap"), KOMINFO),
    ReportType.DAFTAR_BUKTI_DUKUNG.value: ShippedPattern(_marked("SPBE", False), KOMINFO),
}
"""The shipped pattern of each type: no two give the same number (a test checks it)."""


def unit_code_of(agency: Agency) -> str:
    """The unit code of the agency's numbers when it set none: the first word of its short
    name ("Diskominfostandi", "Diskominfo" of "Diskominfo dan Persandian"), else its slug
    in capitals."""
    words = (agency.short_name or agency.slug.upper()).split()
    return (words[0] if words else agency.slug.upper())[:60]


def shipped_pattern(agency: Agency, document_type: str) -> NumberPattern:
    """The shipped default of ``document_type`` for ``agency`` as an unsaved
    ``NumberPattern`` (``SHIPPED_PATTERNS``, unit code ``unit_code_of(agency)``)."""
    shipped = SHIPPED_PATTERNS[document_type]
    return NumberPattern(
        agency=agency,
        document_type=document_type,
        pattern=shipped.pattern,
        klasifikasi=shipped.klasifikasi,
        unit_code=unit_code_of(agency),
        digits=0,
    )


def pattern_for(agency: Agency, document_type: str) -> NumberPattern:
    """The pattern numbering ``document_type`` in ``agency``: the agency's own
    (``NumberPattern``), else the shipped default (``shipped_pattern``)."""
    own = NumberPattern.objects.filter(agency=agency, document_type=document_type).first()
    return own if own is not None else shipped_pattern(agency, document_type)


class NumberingBusy(RuntimeError):
    """The database could not give the counter's row in time (a lock timeout, SQLite's
    "database is locked"): try again."""


@dataclass(frozen=True)
class IssuedNumber:
    """A number issued: the year's sequence (1, 2, 3…), the formatted text and the kode
    klasifikasi arsip it was issued under ("" when the pattern has none). For a type
    numbered by SRIKANDI: no sequence and no text (``numbered_by`` "srikandi"): the number
    is entered after registration."""

    sequence: int | None
    text: str
    klasifikasi: str = ""
    numbered_by: str = NumberedBy.JAGA


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
    """Add one to ``agency``'s counter of ``document_type`` in ``year`` (creating it at 1)
    and return the new value, in one statement of the caller's transaction: ``INSERT … ON
    CONFLICT DO UPDATE … RETURNING`` (PostgreSQL; SQLite 3.35+). The row stays locked until
    that transaction ends, so a concurrent issuer waits and takes the next number, and a
    rolled-back document gives its number back. Raises ``NumberingBusy`` when the database
    gives up waiting (issue 19 point 2: one statement where a read and a compare-and-set
    retried on conflict took two or more)."""
    table = connection.ops.quote_name(DocumentCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (agency_id, document_type, year, last) VALUES (%s, %s, %s, 1) "
        "ON CONFLICT (agency_id, document_type, year) "
        f"DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [agency.pk, document_type, year])
            row = cursor.fetchone()
    except OperationalError as exc:
        raise NumberingBusy(f"could not take a number for {document_type} {year}: {exc}") from exc
    assert row is not None  # RETURNING always gives the inserted or updated row
    return int(row[0])


def issue_number(agency: Agency, document_type: AnyDocumentType, on: dt.date) -> IssuedNumber:
    """Take the next number of ``document_type`` (a step's or a report's) for ``agency`` in
    the year of local date ``on``, formatted by ``pattern_for`` (the agency's pattern, else
    the shipped default built on the kode klasifikasi arsip); no number at all for a type
    the agency has SRIKANDI number (``NumberedBy.SRIKANDI``). Call it inside the
    transaction that stores the document, so a rolled-back document gives its number back.
    Raises ``NumberingBusy`` when the counter's row cannot be had."""
    pattern = pattern_for(agency, document_type.value)
    if pattern.numbered_by == NumberedBy.SRIKANDI:
        return IssuedNumber(None, "", pattern.klasifikasi, NumberedBy.SRIKANDI)
    sequence = _next_sequence(agency, document_type.value, on.year)
    return IssuedNumber(
        sequence, format_number(pattern, sequence, on), klasifikasi=pattern.klasifikasi
    )
