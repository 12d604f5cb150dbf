"""Document numbers: per-agency patterns, a sequence that restarts every year, and no
number issued twice, even from eight threads at once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from jaga.documents.models import NumberPattern, check_pattern
from jaga.documents.numbering import issue_number
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency

NOV = dt.date(2026, 11, 23)


@pytest.mark.django_db
def test_it_formats_the_agencys_pattern(agency_a: Agency) -> None:
    NumberPattern.objects.create(
        agency=agency_a,
        document_type=DocumentType.BERITA_ACARA_PEKERJAAN,
        klasifikasi="005",
        unit_code="Diskominfo",
        digits=3,
    )
    first = issue_number(agency_a, DocumentType.BERITA_ACARA_PEKERJAAN, NOV)
    second = issue_number(agency_a, DocumentType.BERITA_ACARA_PEKERJAAN, NOV)
    assert (first.sequence, first.text) == (1, "005/001/Diskominfo/XI/2026")
    assert second.text == "005/002/Diskominfo/XI/2026"


@pytest.mark.django_db
def test_it_keeps_a_sequence_per_type_and_agency(agency_a: Agency, agency_b: Agency) -> None:
    issue_number(agency_a, DocumentType.SURAT_TUGAS, NOV)
    issue_number(agency_a, DocumentType.SURAT_TUGAS, NOV)
    assert issue_number(agency_a, DocumentType.LEMBAR_DISPOSISI, NOV).sequence == 1
    # Agency B has no pattern of its own: the shipped one, on the kode klasifikasi arsip.
    assert issue_number(agency_b, DocumentType.SURAT_TUGAS, NOV).text == (
        "800.1.11.1/1/Diskominfo/2026"
    )


@pytest.mark.django_db
def test_it_restarts_the_sequence_every_year(agency_a: Agency) -> None:
    for _ in range(3):
        issue_number(agency_a, DocumentType.SURAT_TUGAS, dt.date(2026, 12, 31))
    restarted = issue_number(agency_a, DocumentType.SURAT_TUGAS, dt.date(2027, 1, 2))
    assert (restarted.sequence, restarted.text) == (1, "800.1.11.1/1/Diskominfo/2027")


@pytest.mark.django_db
def test_it_gives_a_rolled_back_number_back(agency_a: Agency) -> None:
    def store_and_fail() -> None:
        with transaction.atomic():
            issue_number(agency_a, DocumentType.SURAT_TUGAS, NOV)
            raise RuntimeError("the document could not be stored")

    with pytest.raises(RuntimeError):
        store_and_fail()
    assert issue_number(agency_a, DocumentType.SURAT_TUGAS, NOV).sequence == 1


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{urut}/{nomor}/{tahun}", "Unknown placeholder"),
        ("{klasifikasi}/{urut}", "needs {tahun}"),
        ("{urut/{tahun}", "cannot be read"),
    ],
)
def test_it_rejects_a_bad_pattern_with_the_reason(pattern: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_pattern(pattern)


@pytest.mark.django_db(transaction=True)
def test_it_never_issues_a_number_twice_from_eight_threads(agency_a: Agency) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    issued: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take(count: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(count):
                with transaction.atomic():
                    number = issue_number(agency_a, DocumentType.BERITA_ACARA_PEKERJAAN, NOV)
                assert number.sequence is not None  # numbered by Jaga, not SRIKANDI
                with lock:
                    issued.append(number.sequence)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(issued) == list(range(1, 201))
