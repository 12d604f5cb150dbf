"""Issue 18 point 4: SRIKANDI-ready documents. Every document carries jenis, sifat, urgensi,
klasifikasi and hal; the package for registration holds the PDFs with their metadata as
JSON and CSV; a type the agency has SRIKANDI number waits for the number and date entered
after registration, and Jaga's counter is never used for it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jaga.documents.models import Document, DocumentCounter, NumberedBy, NumberPattern
from jaga.documents.services import AwaitingRegistration, pdf_bytes
from jaga.documents.srikandi import FIELDS, NotRegistrable, register
from jaga.org.models import User
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case
from tests.documents.conftest import doc_of
from tests.pdf_support import pdf_text
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import BOLMUT_REPLACED

#: The case of BOLMUT_REPLACED runs from 20 to 25 November 2026.
PERIOD = {"dari": "2026-11-01", "sampai": "2026-11-30"}


def _admin() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="bolmut.admin"))
    return client


def test_it_gives_every_document_its_naskah_metadata(replaced: Case) -> None:
    documents = list(replaced.documents.all())
    assert len(documents) == 6
    for document in documents:
        naskah = document.content["naskah"]
        for key in ("jenis", "sifat", "urgensi", "klasifikasi", "hal"):
            assert naskah[key], (document.document_type, key)
    surat = doc_of(replaced, DocumentType.SURAT_TUGAS)
    assert (surat.content["naskah"]["jenis"], surat.content["naskah"]["klasifikasi"]) == (
        "Surat Tugas",
        "800.1.11.1",
    )


def test_it_exports_the_pdfs_with_their_metadata_as_json_and_csv(replaced: Case) -> None:
    response = _admin().get(reverse("documents:srikandi_export"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming  # sent from the temporary file it was written into
    with zipfile.ZipFile(io.BytesIO(response.getvalue())) as package:
        names = package.namelist()
        records = json.loads(package.read("metadata.json"))
        table = list(csv.DictReader(io.StringIO(package.read("metadata.csv").decode("utf-8-sig"))))
        pdfs = {name: package.read(name) for name in names if name.endswith(".pdf")}
    assert sorted(names) == sorted([*pdfs, "metadata.json", "metadata.csv"])
    assert len(records) == 6
    assert table == records
    assert list(table[0]) == list(FIELDS)
    by_number = {record["nomor"]: record for record in records}
    for document in replaced.documents.all():
        record = by_number[document.number]
        assert pdfs[record["berkas"]] == pdf_bytes(document)  # the archived file
        assert record["sha256"] == document.sha256
        assert record["hal"] == document.content["naskah"]["hal"]
        assert record["status"] == "terdaftar"
    work = by_number["000.8.3.3/002/Diskominfo/XI/2026"]
    assert work["menggantikan"] == "000.8.3.3/001/Diskominfo/XI/2026"
    assert work["jenis_naskah"] == "Berita Acara"


def test_it_leaves_a_type_numbered_by_srikandi_without_number_until_registered(
    demo_data: None, db: None, media: Path
) -> None:
    agency = Agency.objects.get(slug="bolmut")
    NumberPattern.objects.filter(agency=agency, document_type="surat_tugas").update(
        numbered_by=NumberedBy.SRIKANDI
    )
    case = run(BOLMUT_REPLACED)
    surat = doc_of(case, DocumentType.SURAT_TUGAS)
    assert (surat.number, surat.sequence, surat.numbered_by) == ("", None, "srikandi")
    assert surat.awaiting_registration
    # Jaga's counter is never used for the type (never both numbers).
    assert not DocumentCounter.objects.filter(agency=agency, document_type="surat_tugas").exists()
    with pytest.raises(AwaitingRegistration):
        pdf_bytes(surat)
    admin = _admin()
    assert admin.get(reverse("documents:download", args=[surat.pk])).status_code == 409
    assert Client().get(reverse("verify", args=[surat.token])).status_code == 409
    page = admin.get(reverse("documents:srikandi"))
    assert f'data-waiting="{surat.pk}"' in page.content.decode()

    user = User.objects.get(username="bolmut.admin")
    at = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
    for number, on, message in (
        ("", dt.date(2026, 11, 26), "Masukkan nomor"),
        ("B/800.1.11.1/15/DKIP/2026", dt.date(2026, 11, 27), "masa depan"),
        ("B/800.1.11.1/15/DKIP/2026", dt.date(2026, 11, 19), "sebelum"),
        (doc_of(case, DocumentType.LEMBAR_DISPOSISI).number, dt.date(2026, 11, 26), "sudah"),
    ):
        # The reason in the user's language (Indonesian by default).
        with translation.override("id"), pytest.raises(NotRegistrable, match=message):
            register(surat, user, number, on, at=at)
    response = admin.post(
        reverse("documents:register", args=[surat.pk]),
        {"number": " B/800.1.11.1/15/DKIP/2026 ", "date": "2026-11-24"},
    )
    assert response.status_code == 302
    surat.refresh_from_db()
    assert (surat.number, surat.issued_on, surat.registered_by) == (
        "B/800.1.11.1/15/DKIP/2026",
        dt.date(2026, 11, 24),
        user,
    )
    text = pdf_text(pdf_bytes(surat))
    assert "Nomor: B/800.1.11.1/15/DKIP/2026" in text
    assert "Boroko, 24 November 2026" in text
    with translation.override("en"), pytest.raises(NotRegistrable, match="already"):
        register(surat, user, "B/800.1.11.1/16/DKIP/2026", dt.date(2026, 11, 24), at=at)
    assert not DocumentCounter.objects.filter(agency=agency, document_type="surat_tugas").exists()


def test_it_lets_only_the_agencys_administrator_use_the_srikandi_page(replaced: Case) -> None:
    reporter = Client()
    reporter.force_login(User.objects.get(username="bolmut.dinkes"))
    assert reporter.get(reverse("documents:srikandi")).status_code == 403
    assert reporter.get(reverse("documents:srikandi_export"), PERIOD).status_code == 403
    other = Client()
    other.force_login(User.objects.get(username="batam.admin"))
    document = Document.objects.filter(case=replaced).first()
    assert document is not None
    assert other.get(reverse("documents:metadata", args=[document.pk])).status_code == 404
    page = _admin().get(reverse("documents:srikandi"), PERIOD).content.decode()
    assert document.number in page
    assert _admin().get(reverse("documents:srikandi"), {"dari": "x"}).status_code == 400
