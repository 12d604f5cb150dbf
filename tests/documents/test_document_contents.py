"""Issue 18 points 1 and 2: each document states what its steps recorded, as tata naskah
dinas prints it. Seed 003 (Bolaang Mongondow Utara) along the replacement branch, and seed
000 (Kota Bogor) for the Laporan Tindak Lanjut."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from jaga.documents.corrections import InvalidCorrection
from jaga.documents.services import NotCorrectable, correct, pdf_bytes
from jaga.org.models import ActingAssignment, ActingKind, Employee, Position, User
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case
from tests.documents.conftest import doc_of, name_of
from tests.pdf_support import pdf_text, save_pngs
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import (
    BOGOR_REPAIR,
    BOLMUT_FINDINGS,
    BOLMUT_WORK,
    BROKEN_SWITCH,
    SPARE_SWITCH,
)


def _employee(username: str) -> Employee:
    return Employee.objects.get(user__username=username)


def test_it_prints_the_findings_and_the_work_done_with_their_line_breaks(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    text = pdf_text(pdf_bytes(document))
    assert "Temuan:" in text
    assert "Pekerjaan yang dilakukan:" in text
    # Each line on a line of its own: the text of one line is followed by the next line.
    for line in (*BOLMUT_FINDINGS.splitlines(), *BOLMUT_WORK.splitlines()):
        assert line in text, line
    frozen = document.content
    assert [row["value"] for row in frozen["findings"]][-1] == BOLMUT_FINDINGS
    assert [row["value"] for row in frozen["work"]] == [BOLMUT_WORK]
    # Step 5's diagnosis (records: temuan) comes first.
    assert [row["step"] for row in frozen["findings"]] == ["5", "5", "11"]


def test_it_never_prints_a_step_note_the_sop_does_not_declare_printable(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    assert document.step is not None
    assert document.step.note == "BA sudah dicetak untuk ditandatangani"
    assert "BA sudah dicetak" not in pdf_text(pdf_bytes(document))
    assert document.content["note"] == ""


def test_it_keeps_the_same_parties_across_the_cases_berita_acara(replaced: Case) -> None:
    request = doc_of(replaced, DocumentType.BERITA_ACARA_PENGGANTIAN)
    work = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    technician = name_of("bolmut.teknisi1")
    assert [p["name"] for p in request.content["parties"]] == [
        technician,
        "dr. Hartini Mokoginta, M.Kes.",
    ]
    assert work.content["parties"] == request.content["parties"]
    # The tag of the electronic signature: the OPD issued the request, the technician the
    # report.
    assert (request.content["principal"], work.content["principal"]) == (1, 0)
    for document in (request, work):
        text = pdf_text(pdf_bytes(document))
        first = text.index("Selanjutnya disebut PIHAK PERTAMA")
        assert text.rindex(technician, 0, first) < first


def test_it_prints_rank_nip_and_the_agencys_town(replaced: Case) -> None:
    disposition = doc_of(replaced, DocumentType.LEMBAR_DISPOSISI)
    kadis = _employee("bolmut.kadis")
    assert kadis.rank
    text = pdf_text(pdf_bytes(disposition))
    assert f"{kadis.name} {kadis.rank} NIP. {kadis.nip_display}" in text
    # The place line is the capital, Boroko, not the regency's name.
    assert "Boroko, 20 November 2026" in text
    assert "Kabupaten Bolaang Mongondow Utara, 20" not in text


def test_it_prints_an_acting_official_as_plt(demo_data: None, db: None, media: Path) -> None:
    kadis = _employee("bolmut.kadis")
    position = Position.objects.get(agency=kadis.agency, employees=kadis)
    # The Kepala Bidang signs as Plt. Kepala Dinas while the Kepala Dinas is away: the
    # position stays the Kepala Dinas's; the Kepala Bidang acts for it.
    kabid = _employee("bolmut.kabid")
    ActingAssignment.objects.create(
        agency=kadis.agency,
        position=position,
        employee=kabid,
        kind=ActingKind.PLT,
        start_date="2026-11-01",
        end_date="2026-12-31",
    )
    import datetime as dt

    from jaga.documents.signatories import employee_signatory

    printed = employee_signatory(kabid, position, dt.date(2026, 11, 23))
    assert printed["position"] == f"Plt. {position.title}"
    assert (printed["acting"], printed["name"]) == ("Plt", kabid.name)
    # Outside the assignment, or for the holder, no prefix.
    assert employee_signatory(kabid, position, dt.date(2027, 1, 5))["position"] == position.title
    assert employee_signatory(kadis, position, dt.date(2026, 11, 23))["acting"] == ""


def test_it_reports_findings_devices_and_actual_against_standard_time(
    demo_data: None, db: None, media: Path
) -> None:
    case = run(BOGOR_REPAIR)
    document = doc_of(case, DocumentType.LAPORAN_TINDAK_LANJUT)
    pdf = pdf_bytes(document)
    text = pdf_text(pdf)
    save_pngs(pdf, "documents", "laporan_tindak_lanjut")
    for part in ("Temuan:", "Pekerjaan yang dilakukan:", "Mutu Baku", "Realisasi"):
        assert part in text, part
    rows = {row["no"]: row for row in document.content["steps"]}
    assert rows["1"]["standard"] == "10 Menit"
    assert rows["1"]["actual"]
    assert rows["1"]["status"]
    assert rows["3a"]["standard"] == "kondisional"
    assert rows["3a"]["status"] == ""
    late = [row for row in document.content["steps"] if row["status"].startswith("Terlambat")]
    on_time = [row for row in document.content["steps"] if row["status"] == "Tepat waktu"]
    assert late
    assert on_time
    assert f"{late[0]['standard']} {late[0]['actual']} {late[0]['status']}" in text


def test_it_lists_both_devices_of_a_replacement_in_the_follow_up_report(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    serials = [row["no_seri"] for row in document.content["items"]]
    assert serials == [BROKEN_SWITCH, SPARE_SWITCH]


def test_it_shows_a_holder_what_to_check_and_nothing_else_of_the_case(replaced: Case) -> None:
    document = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    pdf_bytes(document)
    page = Client().get(reverse("verify", args=[document.token]))
    assert page.status_code == 200
    html = page.content.decode()
    soup = {key: _text_of(html, key) for key in ("number", "hal", "signer", "parties")}
    assert soup["number"] == document.number
    assert soup["hal"] == "Berita Acara Pekerjaan Gangguan jaringan di Dinkes (Dinas Kesehatan)"
    technician = name_of("bolmut.teknisi1")
    assert technician in soup["signer"]
    assert technician in soup["parties"]
    assert "dr. Hartini Mokoginta, M.Kes." in soup["parties"]
    # The OPD acknowledged this version in Jaga (step 11a, Wednesday 25 November 08.00).
    assert 'data-acknowledgment="acknowledged"' in html
    assert "25 November 2026 08.00" in _text_of(html, "acknowledgments")
    # Nothing else of the case: not the problem, the findings, nor the colleagues' note.
    for private in ("Koneksi internet terputus", "Port 3 switch", "BA sudah dicetak"):
        assert private not in html


def _text_of(html: str, element_id: str) -> str:
    """The text inside the element with ``id="element_id"``, tags and spaces collapsed."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</d[dt]>', html, re.S)
    assert match is not None, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_it_cites_the_current_version_of_the_documents_a_correction_refers_to(
    replaced: Case,
) -> None:
    admin = User.objects.get(username="bolmut.admin")
    surat = doc_of(replaced, DocumentType.SURAT_TUGAS)
    work = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    assert work.content["basis"] == f"Surat Tugas Nomor {surat.number}"
    at = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # the case's year, whatever today is
    # Nothing changed (its Surat Tugas is still in force): no correction.
    with pytest.raises(NotCorrectable):
        correct(work, admin, "Tanpa perubahan", at=at)
    new_surat = correct(surat, admin, "Judul", at=at, edits={"case.title": "Gangguan LAN Dinkes"})
    new_work = correct(work, admin, "Nomor seri", at=at, edits={"items.1.no_seri": "SN22020CDG-B"})
    assert new_work.content["basis"] == f"Surat Tugas Nomor {new_surat.number}"
    assert new_work.content["references"][0]["token"] == new_surat.token
    assert new_work.content["items"][1]["no_seri"] == "SN22020CDG-B"
    assert new_work.content["parties"] == work.content["parties"]
    assert new_work.content["date"] == "1 Desember 2026"
    text = pdf_text(pdf_bytes(new_work))
    assert f"Berdasarkan Surat Tugas Nomor {new_surat.number}" in text
    assert "SN22020CDG-B" in text
    with pytest.raises(InvalidCorrection):
        correct(new_work, admin, "Orang", at=at, edits={"parties.0.name": "Orang lain"})
