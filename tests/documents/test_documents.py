"""Documents issued by the steps of seed 003 (Kabupaten Bolaang Mongondow Utara) along the
replacement branch: numbered, frozen, rendered to PDF with the parties, the date in words and
the device rows, archived once, and verifiable on the public page."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from jaga.documents.models import Document, DocumentImmutable
from jaga.documents.services import correct, pdf_bytes
from jaga.incidents.models import Attachment, Incident
from jaga.org.models import Employee, User
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case, LaneAssignee
from tests.documents.conftest import doc_of, name_of
from tests.pdf_support import pdf_text, save_pngs
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import (
    BOGOR_REPAIR,
    BROKEN_SWITCH,
    SPARE_SWITCH,
)

OPENING_24_NOV = (
    "Pada hari ini Selasa tanggal dua puluh empat bulan November tahun dua ribu dua puluh enam"
)


def test_it_issues_each_document_from_the_step_whose_output_it_is(replaced: Case) -> None:
    issued = list(
        replaced.documents.order_by("pk").values_list(
            "step__step_no", "document_type", "number", "version"
        )
    )
    assert issued == [
        # The demo agency's patterns (jaga.documents.demo) on the kode klasifikasi arsip.
        ("2", "lembar_disposisi", "500.12/001/Disp/DKIP/2026", 1),
        ("3", "lembar_disposisi", "500.12/002/Disp/DKIP/2026", 1),
        ("4", "surat_tugas", "800.1.11.1/001/DKIP/2026", 1),
        ("9a", "berita_acara_penggantian", "500.12/001/BA-PP/DKIP/XI/2026", 1),
        ("11", "berita_acara_pekerjaan", "000.8.3.3/001/Diskominfo/XI/2026", 1),
        # The Kepala Seksi returned the case to step 11: its Berita Acara is issued again.
        ("11", "berita_acara_pekerjaan", "000.8.3.3/002/Diskominfo/XI/2026", 2),
    ]
    first, second = (doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, v) for v in (1, 2))
    assert second.supersedes == first
    assert first.is_superseded
    assert not second.is_superseded


def test_it_prints_the_replacement_request_with_parties_date_in_words_and_devices(
    replaced: Case,
) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PENGGANTIAN)
    pdf = pdf_bytes(document)
    text = pdf_text(pdf)
    assert "BERITA ACARA PENGAJUAN PENGGANTIAN PERANGKAT" in text
    assert "Nomor: 500.12/001/BA-PP/DKIP/XI/2026" in text
    assert OPENING_24_NOV in text
    assert "PIHAK PERTAMA" in text
    assert "PIHAK KEDUA" in text
    assert name_of("bolmut.teknisi1") in text  # the technician appointed in step 4
    assert "Surat Tugas Nomor 800.1.11.1/001/DKIP/2026" in text  # the basis
    row = ["1", "Switch 8 port", "TP-Link TL-SG1008D", "-", "1", "Rusak berat", "Port terbakar"]
    assert " ".join(row) in text, text
    assert "PEMERINTAH KABUPATEN BOLAANG MONGONDOW UTARA" in text
    assert save_pngs(pdf, "documents", "berita_acara_penggantian")


def test_it_prints_the_work_report_with_the_opd_and_the_mengetahui_block(
    replaced: Case,
) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    pdf = pdf_bytes(document)
    text = pdf_text(pdf)
    assert "Nomor: 000.8.3.3/002/Diskominfo/XI/2026" in text
    assert "menggantikan dokumen Nomor 000.8.3.3/001/Diskominfo/XI/2026" in text
    assert OPENING_24_NOV in text  # step 11 was done again on Tuesday 24 November
    technician = Employee.objects.get(user__username="bolmut.teknisi1")
    assert technician.name in text
    assert f"NIP. {technician.nip_display}" in text
    assert "Dinas Kesehatan" in text  # the reporting OPD, PIHAK KEDUA
    assert "Mengetahui," in text
    assert name_of("bolmut.kasi") in text
    # Both devices of the replacement at step 10, from the inventory: the broken one taken
    # out, the spare put in its place.
    broken = ["1", "Switch 8 port", "TP-Link TL-SG1008D", BROKEN_SWITCH, "1", "Rusak"]
    assert " ".join(broken) in text, text
    spare = ["2", "Switch 8 port", "TP-Link TL-SG108", SPARE_SWITCH, "1", "Baik"]
    assert " ".join(spare) in text, text
    assert "dalam perbaikan" in text
    assert save_pngs(pdf, "documents", "berita_acara_pekerjaan")


def test_it_prints_the_disposition_and_the_assignment_letter(replaced: Case) -> None:
    disposition_pdf = pdf_bytes(doc_of(replaced, DocumentType.LEMBAR_DISPOSISI))
    assert save_pngs(disposition_pdf, "documents", "lembar_disposisi")
    disposition = pdf_text(disposition_pdf)
    assert "LEMBAR DISPOSISI" in disposition
    assert "Diteruskan kepada" in disposition
    assert name_of("bolmut.kabid") in disposition
    assert "X Tindak lanjuti" in disposition  # the ticked instruction
    assert name_of("bolmut.kadis") in disposition
    surat = doc_of(replaced, DocumentType.SURAT_TUGAS)
    pdf = pdf_bytes(surat)
    text = pdf_text(pdf)
    assert "SURAT TUGAS" in text
    assert "Nomor: 800.1.11.1/001/DKIP/2026" in text
    named = LaneAssignee.objects.filter(named_by=surat.step).values_list("user", flat=True)
    technicians = Employee.objects.filter(user__in=named)
    assert technicians.exists()
    for technician in technicians:
        assert f"{technician.name} {technician.nip_display}" in text
    assert name_of("bolmut.kasi") in text  # the signer
    assert save_pngs(pdf, "documents", "surat_tugas")


def test_it_prints_the_follow_up_report_with_the_steps_done(
    demo_data: None, db: None, media: Path
) -> None:
    case = run(BOGOR_REPAIR)
    document = doc_of(case, DocumentType.LAPORAN_TINDAK_LANJUT)
    pdf = pdf_bytes(document)
    text = pdf_text(pdf)
    assert "LAPORAN TINDAK LANJUT" in text
    assert "Pelaksanaan" in text
    assert save_pngs(pdf, "documents", "laporan_tindak_lanjut")


def test_it_archives_the_pdf_once_and_refuses_changes(replaced: Case, media: Path) -> None:
    document = doc_of(replaced, DocumentType.SURAT_TUGAS)
    first = pdf_bytes(document)
    again = pdf_bytes(Document.objects.get(pk=document.pk))
    assert first == again  # not rendered a second time
    stored = Document.objects.get(pk=document.pk)
    assert (media / stored.pdf.name).read_bytes() == first
    stored.title = "Surat palsu"
    with pytest.raises(DocumentImmutable):
        stored.save()
    with pytest.raises(DocumentImmutable):
        stored.delete()


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("copy.pdf", data, content_type="application/pdf")


def test_it_verifies_the_issued_pdf_and_rejects_one_changed_byte(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PENGGANTIAN)
    pdf = pdf_bytes(document)
    client = Client()  # anonymous: the page is public
    url = reverse("verify", args=[document.token])
    page = client.get(url).content.decode()
    assert document.number in page
    assert document.sha256 in page
    # What a holder needs (issue 18 point 7: the hal, the parties), not the case's details.
    assert "Dinas Kesehatan" in page
    assert "Port terbakar" not in page  # the reason the OPD gave for the replacement
    assert "Koneksi internet terputus" not in page  # the problem reported
    assert 'id="match"' in client.post(url, {"file": _upload(pdf)}).content.decode()
    tampered = bytearray(pdf)
    tampered[len(tampered) // 2] ^= 0x01
    answer = client.post(url, {"file": _upload(bytes(tampered))}).content.decode()
    assert 'id="mismatch"' in answer
    assert 'id="match"' not in answer
    found = client.post(reverse("verify_upload"), {"file": _upload(pdf)})
    assert found.status_code == 302
    assert found["Location"] == url
    lost = client.post(reverse("verify_upload"), {"file": _upload(bytes(tampered))})
    assert lost.status_code == 200
    assert 'id="mismatch"' in lost.content.decode()


def test_it_shows_a_superseded_version_as_superseded(replaced: Case) -> None:
    old, new = (doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, v) for v in (1, 2))
    page = Client().get(reverse("verify", args=[old.token])).content.decode()
    assert 'id="superseded"' in page
    assert new.number in page
    page = Client().get(reverse("verify", args=[new.token])).content.decode()
    assert 'id="valid"' in page


def test_it_lets_the_cases_people_download_and_only_the_admin_correct(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.SURAT_TUGAS)
    reporter, admin = Client(), Client()
    reporter.force_login(User.objects.get(username="bolmut.dinkes"))
    admin.force_login(User.objects.get(username="bolmut.admin"))
    response = reporter.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "surat_tugas-800.1.11.1-001-DKIP-2026.pdf" in response["Content-Disposition"]
    case_page = reporter.get(reverse("workflow:case", args=[replaced.pk])).content.decode()
    assert document.number in case_page
    url = reverse("documents:correct", args=[document.pk])
    assert url not in case_page  # only the agency's administrator sees the correction form
    assert url in admin.get(reverse("workflow:case", args=[replaced.pk])).content.decode()
    assert reporter.post(url, {"reason": "salah nama"}).status_code == 403
    # The case ran in November 2026: correct it in that year, whatever day the suite runs,
    # so that the correction takes the year's next number.
    with time_machine.travel(dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        admin.post(url, {"reason": ""})
        assert not Document.objects.filter(supersedes=document).exists()
        # Issuing the same content again is not a correction (issue 18 point 5).
        unchanged = admin.post(url, {"reason": "Nama teknisi salah ketik"})
        assert unchanged.status_code == 400
        assert 'id="correction-error"' in unchanged.content.decode()
        assert not Document.objects.filter(supersedes=document).exists()
        form = admin.get(url).content.decode()
        assert 'name="edit__case.location"' in form
        fixed = "Ruang pelayanan lantai 2"
        admin.post(url, {"reason": "Lokasi kurang lengkap", "edit__case.location": fixed})
    corrected = Document.objects.get(supersedes=document)
    assert (corrected.version, corrected.number) == (2, "800.1.11.1/002/DKIP/2026")
    assert corrected.correction_reason == "Lokasi kurang lengkap"
    # The frozen content was edited, nothing else: the title and the parties stay.
    assert corrected.content["case"] == {**document.content["case"], "location": fixed}
    assert corrected.content["recipients"] == document.content["recipients"]
    assert fixed in pdf_text(pdf_bytes(corrected))
    case_page = admin.get(reverse("workflow:case", args=[replaced.pk])).content.decode()
    assert f'data-document="{document.pk}" data-superseded' in case_page
    assert corrected.number in case_page
    other = Client()
    other.force_login(User.objects.get(username="batam.admin"))
    assert other.get(reverse("documents:download", args=[document.pk])).status_code == 404
    anonymous = Client().get(reverse("documents:download", args=[document.pk]))
    assert anonymous.status_code == 302


def test_it_annexes_the_reports_photos_to_the_work_report(replaced: Case) -> None:
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="PNG")
    assert replaced.opd is not None
    assert replaced.reporter is not None
    incident = Incident.objects.create(
        agency=replaced.agency,
        case=replaced,
        opd=replaced.opd,
        reporter=replaced.reporter,
        location="Ruang server lantai 2",
        problem="Switch mati setelah petir",
        since=replaced.started_at,
        contact_name="Nurlela",
        contact_phone="0812 0000 0000",
    )
    photo = Attachment(
        agency=replaced.agency,
        incident=incident,
        original_name="switch.png",
        content_type="image/png",
        size=len(buffer.getvalue()),
        uploaded_by=replaced.reporter,
    )
    photo.file.save("switch.png", ContentFile(buffer.getvalue()))
    current = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    admin = User.objects.get(username="bolmut.admin")
    corrected = correct(current, admin, "Foto kerusakan dilampirkan")
    pdf = pdf_bytes(corrected)
    assert "Lampiran: Dokumentasi" in pdf_text(pdf)
    last_page = PdfReader(BytesIO(pdf)).pages[-1]
    assert len(last_page.images) == 1


def test_it_prints_the_agencys_logo_on_the_letterhead(replaced: Case) -> None:
    buffer = BytesIO()
    Image.new("RGB", (40, 40), "navy").save(buffer, format="PNG")
    agency = replaced.agency
    agency.logo.save("logo.png", ContentFile(buffer.getvalue()))
    current = doc_of(replaced, DocumentType.SURAT_TUGAS)
    corrected = correct(current, User.objects.get(username="bolmut.admin"), "Kop dengan logo")
    assert corrected.content["kop"]["logo"] == agency.logo.name
    first_page = PdfReader(BytesIO(pdf_bytes(corrected))).pages[0]
    assert len(first_page.images) == 1
    without_logo = PdfReader(BytesIO(pdf_bytes(current))).pages[0]
    assert len(without_logo.images) == 0
