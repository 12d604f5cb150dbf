"""The month's rekapitulasi and the periodic reports (issue 16 point 4) of the twenty
hand-walked cases (tests/reports/conftest.py): issued as numbered PDFs whose text holds
the hand-counted figures, and as XLSX checked cell by cell."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from jaga.documents.indonesian import bulan_romawi
from jaga.documents.models import Document, ReportType
from jaga.documents.numbering import unit_code_of
from jaga.reports import periodic
from jaga.reports.periods import Period
from tests.conftest import PASSWORD
from tests.pdf_support import pdf_text, save_pngs
from tests.reports.conftest import Rekap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def month_of(rekap: Rekap) -> Period:
    local = rekap.month_start.astimezone(ZoneInfo("Asia/Jakarta"))
    return Period.month(local.year, local.month)


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_it_gathers_the_months_figures(rekap: Rekap) -> None:
    report = periodic.build(rekap.agency, month_of(rekap), ReportType.REKAPITULASI)
    assert (report.started, report.closed, report.open_at_end) == (20, 20, 0)
    assert (report.total.on_time, report.total.timed) == (33, 42)
    assert [line.number for line in report.cases] == [case.number for case in rekap.cases]
    assert [line.late_steps for line in report.cases][:10] == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="one month"):
        periodic.build(
            rekap.agency, Period.year(month_of(rekap).start.year), ReportType.REKAPITULASI
        )


def test_it_issues_the_rekapitulasi_as_a_numbered_pdf(rekap: Rekap) -> None:
    month = month_of(rekap)
    client = login("rekap.kadis")
    response = client.post(
        reverse("reports:periodic_issue"), {"kind": "rekapitulasi", "period": month.key}
    )
    document = Document.objects.get(document_type=ReportType.REKAPITULASI.value)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:periodic_document", args=[document.pk])
    # The shipped pattern on the kode klasifikasi arsip, in the month it was issued.
    on = document.issued_on
    roman = bulan_romawi(on.month)
    assert (document.case, document.number) == (
        None,
        f"500.12/1/Rekap/{unit_code_of(document.agency)}/{roman}/{on.year}",
    )
    label = periodic.period_label_id(month)
    assert document.title == f"Rekapitulasi {label}"
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    save_pngs(pdf.content, "reports", "rekapitulasi")
    text = pdf_text(pdf.content)
    for expected in (
        "DINAS KOMUNIKASI DAN INFORMATIKA REKAP",
        "REKAPITULASI",
        f"Periode : {label}",
        "Kasus : 20 dimulai, 20 selesai, 0 masih terbuka pada akhir periode",
        "Kepatuhan Mutu Baku : 78,6% (33 dari 42 langkah tepat waktu, 9 terlambat)",
        "MTTA / MTTR : 146,7 / 155,7 menit",
        "rekap · 1. Disposisi 20 15 5 75,0 75% / 170% 22,5",
        "rekap · 3. Pemeriksaan 22 18 4 81,8 50% / 150% 30,0",
        "rekap · 2. Perbaikan 22 0 0 kondisional - / - 60,0",
        "Dinas Kesehatan 87,0 105,0 10",
        "Dinas Pendidikan 206,4 206,4 10",
        "E. Kasus yang Selesai",
        f"#{rekap.cases[0].number} Kasus 1",
        "F. Hasil Pemeliharaan",
        "Tidak ada putaran pemeliharaan pada bulan ini.",
    ):
        assert expected in text, expected


def test_it_gives_the_same_tables_as_xlsx(rekap: Rekap) -> None:
    month = month_of(rekap)
    response = login("rekap.kadis").get(
        reverse("reports:periodic_xlsx"), {"kind": "rekapitulasi", "period": month.key}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="rekapitulasi-{month.key}.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Ringkasan", "Mutu Baku"]
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(min_row=4, values_only=True)}
    assert summary["Kasus dimulai"] == 20
    assert summary["Kepatuhan Mutu Baku (%)"] == 78.6
    assert summary["MTTA (menit)"] == 146.7
    steps = list(book["Mutu Baku"].iter_rows(min_row=5, values_only=True))
    assert steps[0] == ("rekap · 1. Disposisi", 20, 20, 15, 5, 75.0, 75, 170, 22.5)
    assert steps[2] == ("rekap · 2. Perbaikan", 22, 0, 0, 0, None, None, None, 60.0)
    closed = list(book["Kasus selesai"].iter_rows(min_row=5, values_only=True))
    assert len(closed) == 20
    assert closed[7][0] == rekap.cases[7].number
    assert closed[7][6] == 1  # case 8 took 35 minutes for step 1


def test_it_issues_a_quarterly_report_but_no_quarterly_rekapitulasi(rekap: Rekap) -> None:
    start = month_of(rekap).start
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    client = login("rekap.kadis")
    bad = client.post(
        reverse("reports:periodic_issue"), {"kind": "rekapitulasi", "period": quarter}
    )
    assert bad.status_code == 400
    assert 'data-error="period"' in bad.content.decode()
    good = client.post(
        reverse("reports:periodic_issue"), {"kind": "laporan_berkala", "period": quarter}
    )
    assert good.status_code == 302
    document = Document.objects.get(document_type=ReportType.LAPORAN_BERKALA.value)
    assert document.title.startswith("Laporan Triwulan ")


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "nothing", "period": "2026-11"},
        {"kind": "rekapitulasi", "period": "abc"},
        {"kind": "laporan_berkala", "period": "2999-01"},
        {},
    ],
)
def test_it_answers_bad_input_with_the_form(rekap: Rekap, query: dict[str, str]) -> None:
    client = login("rekap.kadis")
    assert client.get(reverse("reports:periodic_xlsx"), query).status_code == 400
    assert client.post(reverse("reports:periodic_issue"), query).status_code == 400
    assert not Document.objects.filter(case__isnull=True).exists()


def test_it_keeps_periodic_reports_to_the_heads(rekap: Rekap) -> None:
    assert login("rekap.kabid").get(reverse("reports:periodic")).status_code == 200
    assert login("rekap.teknisi").get(reverse("reports:periodic")).status_code == 403
    assert login("rekap.dinkes").get(reverse("reports:periodic")).status_code == 403
