"""The SPBE evidence bundle (issue 16 point 6): the ZIP's members listed, each opened (the
index PDF read back with pypdf, the spreadsheets cell by cell with openpyxl, the SOP PDFs),
another agency's records absent, the index numbered in one transaction, and the page's
permissions and bad input.

The clock is moved to Monday 16 March 2026, 10.00 WIB (``time_machine``), so the year in
progress (2026, up to that moment) and every count are the same whatever day the tests run.
The small agency ("spbe"): the Kadis, a Kasi and a technician; the 24x7 SOP ``rekap`` of
tests/reports/conftest.py (step 1 30 menit, step 2 kondisional, step 3 1 jam); cases A
(January, closed on time), B (February, step 1 late, closed), C (March, step 1 open past
its due time), D (started ten minutes ago), Z (December 2025: another year); a monthly plan
(the 10th, 09.00) with the rounds of January (closed) and February (started late, open);
three devices, the Dinkes switch monitored (January 95 %, February 100 %, March no data).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl.worksheet.worksheet import Worksheet

from jaga.documents.models import Document, DocumentCounter, ReportType
from jaga.inventory.models import Device
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.monitoring.models import Check, Outage, ResultHour
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.reports import spbe
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource, StepInstance, StepStatus
from jaga.workflow.services import accept, complete_step, start_case
from tests.conftest import PASSWORD, make_agency
from tests.inventory.test_pages import add_device, make_net
from tests.pdf_support import pdf_pages, pdf_text, save_pngs
from tests.reports.conftest import REKAP_SOP

#: The index numbers in March 2026 (the shipped pattern: jaga.documents.numbering).
FIRST = "500.12/1/SPBE/Diskominfo/2026"
SECOND = "500.12/2/SPBE/Diskominfo/2026"

UTC = dt.UTC
#: "Now" in every test: Monday 16 March 2026, 10.00 WIB.
NOW = dt.datetime(2026, 3, 16, 3, 0, tzinfo=UTC)
YEAR = 2026
PAGE = "reports:spbe"
MEMBERS = [
    "01-daftar-bukti-dukung.pdf",
    "02-register-aset-tik.xlsx",
    "03-rencana-realisasi-pemeliharaan.xlsx",
    "04-log-gangguan-dan-permintaan.xlsx",
    "05-katalog-layanan.xlsx",
    "06-sop/rekap-v1.pdf",
    "07-ketersediaan/dinkes.xlsx",
]


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = YEAR) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    agency: Agency
    kadis: User
    admin: User
    kasi: User
    technician: User
    reporter: User
    other_admin: User
    definition: SopDefinition
    cases: dict[str, Case]
    zip_bytes: bytes
    index: Document


def _holder(agency: Agency, code: str, title: str, unit: OrgUnit, head: bool) -> User:
    position = Position.objects.create(
        agency=agency, code=code, title=title, unit=unit, is_head=head
    )
    user = User.objects.create_user(f"{agency.slug}.{code}", password=PASSWORD, agency=agency)
    nip = "198001012005031002" if head else "199001012015031003"
    employee = Employee.objects.create(agency=agency, name=title, nip=nip, user=user)
    employee.positions.add(position)
    return user


def _open(case: Case, step_no: str) -> StepInstance:
    return case.steps.get(status=StepStatus.OPEN, step_no=step_no)


def _walk(
    case: Case, kadis: User, technician: User, kasi: User, minutes: tuple[int, int, int]
) -> None:
    """Do the three steps of ``case``, each taking ``minutes`` after the previous one."""
    at = case.started_at + dt.timedelta(minutes=minutes[0])
    complete_step(_open(case, "1"), kadis, named=[technician], at=at)
    at += dt.timedelta(minutes=minutes[1])
    complete_step(_open(case, "2"), technician, at=at)
    at += dt.timedelta(minutes=minutes[2])
    accept(_open(case, "3"), kasi, at=at)


def build_world() -> dict[str, Any]:
    agency = make_agency("spbe")
    dinas = OrgUnit.objects.get(agency=agency, kind="dinas")
    seksi = OrgUnit.objects.create(agency=agency, name="Seksi Jaringan", kind="seksi", parent=dinas)
    kasi = _holder(agency, "kasi", "Kepala Seksi Jaringan", seksi, True)
    technician = _holder(agency, "teknisi", "Teknisi Jaringan", seksi, False)
    kadis = User.objects.get(username="spbe.kadis")
    dinkes = Opd.objects.get(agency=agency, abbreviation="Dinkes")
    definition = load_definition(agency, REKAP_SOP, path="rekap.yaml").definition

    def start(title: str, at: dt.datetime) -> Case:
        return start_case(
            definition, source=CaseSource.MANUAL, title=title, by=kadis, opd=dinkes, at=at
        )

    cases = {
        "A": start("Kasus A", utc(1, 5, 2)),
        "B": start("Kasus B", utc(2, 3, 2)),
        "C": start("Kasus C", utc(3, 2, 2)),
        "D": start("Kasus D", NOW - dt.timedelta(minutes=10)),
        "Z": start("Kasus Z", utc(12, 15, 2, year=YEAR - 1)),
        "R1": start("Putaran Januari", utc(1, 12, 2)),
        "R2": start("Putaran Februari", utc(2, 10, 5)),
    }
    _walk(cases["A"], kadis, technician, kasi, (10, 60, 30))
    _walk(cases["B"], kadis, technician, kasi, (45, 60, 30))
    _walk(cases["R1"], kadis, technician, kasi, (10, 120, 30))
    for case in cases.values():
        case.refresh_from_db()

    plan = MaintenancePlan.objects.create(
        agency=agency,
        name="Pemeliharaan Bulanan",
        sop_code="rekap",
        preset="custom",
        rrule="FREQ=MONTHLY;BYMONTHDAY=10",
        start_date=dt.date(YEAR, 1, 10),
        visit_time=dt.time(9, 0),
    )
    MaintenanceRound.objects.create(
        agency=agency,
        plan=plan,
        nominal_date=dt.date(YEAR, 1, 10),
        visit_at=utc(1, 12, 2),  # Saturday the 10th moved to Monday the 12th, 09.00 WIB
        due_at=utc(1, 12, 2),
        started_at=utc(1, 12, 2),
        case=cases["R1"],
    )
    MaintenanceRound.objects.create(
        agency=agency,
        plan=plan,
        nominal_date=dt.date(YEAR, 2, 10),
        visit_at=utc(2, 10, 2),
        due_at=utc(2, 10, 2),
        started_at=utc(2, 10, 5),
        is_late=True,
        case=cases["R2"],
    )

    net = make_net(agency)
    ap = add_device(net, "ap-bappeda", net.bappeda, uplink=net.core, serial="AP-7")
    Device.objects.filter(pk=ap.pk).update(vendor="Ubiquiti", model="U6-Lite", asset_code="KB-1")
    ping = Check.objects.create(
        agency=agency,
        name="ping sw-dinkes",
        kind="icmp",
        device=net.switch,
        interval_s=60,
        timeout_s=2,
    )
    ResultHour.objects.create(monitor_check=ping, start=utc(1, 20, 3), n_up=57, n_down=3)
    ResultHour.objects.create(monitor_check=ping, start=utc(2, 2, 3), n_up=60)
    Outage.objects.create(
        agency=agency,
        monitor_check=ping,
        kind="down",
        started_at=utc(1, 20, 3, 10),
        confirmed_at=utc(1, 20, 3, 12),
        ended_at=utc(1, 20, 3, 13),
        case=cases["A"],
    )

    # Another agency, with records that must not show.
    other = make_agency("lain")
    other_net = make_net(other)
    secret = add_device(other_net, "PERANGKAT-LAIN", other_net.dinkes, serial="LAIN-1")
    Check.objects.create(
        agency=other, name="ping lain", kind="icmp", device=secret, interval_s=60, timeout_s=2
    )
    other_unit = OrgUnit.objects.get(agency=other, kind="dinas")
    for code in ("kasi", "teknisi"):
        Position.objects.create(agency=other, code=code, title=code, unit=other_unit)
    other_sop = REKAP_SOP.replace("code: rekap", "code: rahasia").replace(
        "Uji Rekapitulasi", "SOP RAHASIA"
    )
    other_definition = load_definition(other, other_sop, path="rahasia.yaml").definition
    start_case(
        other_definition,
        source=CaseSource.MANUAL,
        title="KASUS-LAIN",
        by=User.objects.get(username="lain.kadis"),
        at=utc(2, 1, 2),
    )
    return {
        "agency": agency,
        "kadis": kadis,
        "admin": User.objects.get(username="spbe.admin"),
        "kasi": kasi,
        "technician": technician,
        "reporter": User.objects.get(username="spbe.dinkes"),
        "other_admin": User.objects.get(username="lain.admin"),
        "definition": definition,
        "cases": cases,
    }


@pytest.fixture(scope="module")
def media_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spbe-media")


@pytest.fixture(scope="module")
def world_module(
    django_db_setup: None, django_db_blocker: Any, media_root: Path
) -> Iterator[World]:
    """The agency and its bundle, built once per module in a transaction rolled back at
    its end (each test runs in a savepoint of it)."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        time_machine.travel(NOW, tick=False),
        override_settings(MEDIA_ROOT=media_root),
    ):
        parts = build_world()
        data = spbe.build_bundle(parts["agency"], YEAR, parts["kadis"], NOW)
        index = Document.objects.get(
            agency=parts["agency"], document_type=ReportType.DAFTAR_BUKTI_DUKUNG.value
        )
        yield World(**parts, zip_bytes=data, index=index)
        transaction.set_rollback(True)


@pytest.fixture
def world(world_module: World, db: None, media_root: Path) -> Iterator[World]:
    with time_machine.travel(NOW, tick=False), override_settings(MEDIA_ROOT=media_root):
        yield world_module


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}


def sheet_rows(data: bytes, name: str) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[name]
    assert isinstance(sheet, Worksheet)
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def table(rows: list[list[Any]], first: str = "No") -> tuple[list[Any], list[list[Any]]]:
    """The header row (the first whose first cell is ``first``) and the rows below it, up
    to the first empty row."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == first)
    body: list[list[Any]] = []
    for row in rows[start + 1 :]:
        if all(cell is None for cell in row):
            break
        body.append(row)
    return rows[start], body


def all_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


# --- The ZIP and the index --------------------------------------------------------------


def test_it_lists_the_index_first_then_every_member(world: World) -> None:
    with zipfile.ZipFile(io.BytesIO(world.zip_bytes)) as bundle:
        assert bundle.testzip() is None
        assert bundle.namelist() == MEMBERS
        assert bundle.getinfo(MEMBERS[0]).date_time == (2026, 3, 16, 10, 0, 0)  # WIB


def test_it_issues_the_index_as_a_numbered_document_naming_each_file_and_indicator(
    world: World,
) -> None:
    index = world.index
    # The agency has no pattern for the type: the shipped one, on the kode klasifikasi arsip.
    assert index.number == FIRST
    assert index.title == "Daftar Bukti Dukung Evaluasi SPBE Tahun 2026"
    assert index.issued_by == world.kadis
    pdf = members(world.zip_bytes)[MEMBERS[0]]
    assert index.sha256  # archived: the ZIP holds exactly the verifiable PDF
    assert pdf == index.pdf.open("rb").read()
    text = pdf_text(pdf)
    assert "DAFTAR BUKTI DUKUNG EVALUASI SPBE" in text
    assert f"Nomor : {FIRST}" in text
    assert "Tahun 2026 (1 Januari s.d. 16 Maret 2026)" in text
    for name in MEMBERS:
        assert name in text.replace(" ", "") or name in text
    for number, name in (
        (24, "Penerapan Manajemen Aset TIK"),
        (28, "Penerapan Manajemen Layanan SPBE"),
        (29, "Pelaksanaan Audit Infrastruktur SPBE"),
    ):
        assert f"{number} {name}" in text
    assert "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi" in text
    assert "Nomor 59 Tahun 2020" in text
    assert "Lampiran 2" in text
    assert "Nomor SOP" not in text
    assert "SOP tanpa nomor, versi 1" in text
    save_pngs(pdf, "spbe", "index", dpi=80)


def test_it_names_the_indicators_of_each_file_in_the_index(world: World) -> None:
    rows = {row["name"]: row for row in world.index.content["files"]}
    assert rows["02-register-aset-tik.xlsx"]["indicators"] == "24, 29"
    assert rows["03-rencana-realisasi-pemeliharaan.xlsx"]["indicators"] == "24, 28"
    assert rows["04-log-gangguan-dan-permintaan.xlsx"]["indicators"] == "28"
    assert rows["05-katalog-layanan.xlsx"]["indicators"] == "28"
    assert rows["06-sop/rekap-v1.pdf"]["indicators"] == "28"
    assert rows["07-ketersediaan/dinkes.xlsx"]["indicators"] == "28, 29"
    assert rows["02-register-aset-tik.xlsx"]["date"] == "16 Maret 2026"
    assert rows["02-register-aset-tik.xlsx"]["reference"] == "Lampiran 2"


# --- The spreadsheets -------------------------------------------------------------------


def test_it_heads_each_spreadsheet_with_the_index_number_and_the_period(world: World) -> None:
    files = members(world.zip_bytes)
    for no, name in enumerate(MEMBERS, start=1):
        if not name.endswith(".xlsx"):
            continue
        first = openpyxl.load_workbook(io.BytesIO(files[name])).worksheets[0]
        assert first["A2"].value == f"Lampiran {no} Daftar Bukti Dukung Evaluasi SPBE Nomor {FIRST}"
        assert "periode Tahun 2026 (1 Januari s.d. 16 Maret 2026)" in str(first["A3"].value)
        assert "data per 16 Maret 2026 10.00 WIB" in str(first["A3"].value)


def test_it_registers_every_device_with_its_lifecycle(world: World) -> None:
    rows = sheet_rows(members(world.zip_bytes)[MEMBERS[1]], "Register")
    header, body = table(rows)
    assert header[:12] == [
        "No",
        "Nama perangkat",
        "Jenis",
        "Merek",
        "Model",
        "Nomor seri",
        "Kode barang",
        "Status",
        "Lokasi",
        "Perangkat Daerah",
        "Perangkat induk",
        "Alamat IP manajemen",
    ]
    assert header[12:15] == ["Terdaftar", "Perubahan terakhir", "Status sejak"]
    by_name = {row[1]: row for row in body}
    assert set(by_name) == {"core-router", "sw-dinkes", "ap-bappeda"}
    ap = by_name["ap-bappeda"]
    assert ap[2:11] == [
        "Access point",
        "Ubiquiti",
        "U6-Lite",
        "AP-7",
        "KB-1",
        "Beroperasi",
        "Kantor Bappeda",
        "Bappeda",
        "core-router",
    ]
    assert by_name["core-router"][9] == "Diskominfo"  # the data centre belongs to no OPD
    assert by_name["sw-dinkes"][11] == "10.1.1.1"
    registered = ap[12]
    assert isinstance(registered, dt.datetime)
    assert registered == dt.datetime(2026, 3, 16, 10, 0)  # saved "now", in WIB
    summary = sheet_rows(members(world.zip_bytes)[MEMBERS[1]], "Ringkasan")
    header, body = table(summary, "Jenis")
    assert header == [
        "Jenis",
        "Beroperasi",
        "Cadangan",
        "Dalam perbaikan",
        "Tidak digunakan (afkir)",
        "Jumlah",
    ]
    assert body[-1] == ["Jumlah", 3, 0, 0, 0, 3]


def test_it_counts_the_plans_against_their_realisation(world: World) -> None:
    data = members(world.zip_bytes)[MEMBERS[2]]
    header, body = table(sheet_rows(data, "Rencana"))
    assert header[5:13] == [
        "Jadwal dalam periode",
        "Jatuh tempo",
        "Putaran dimulai",
        "Terlambat dimulai",
        "Selesai",
        "Dibatalkan",
        "Berjalan",
        "Realisasi (selesai / jatuh tempo)",
    ]
    plan = body[0]
    assert plan[1:5] == ["Pemeliharaan Bulanan", "rekap", "FREQ=MONTHLY;BYMONTHDAY=10", "Ya"]
    # Twelve visits in 2026; January, February and March due by 16 March; two rounds.
    assert plan[5:12] == [12, 3, 2, 1, 1, 0, 1]
    assert plan[12] == pytest.approx(1 / 3)
    _header, rounds = table(sheet_rows(data, "Putaran"))
    assert [(r[2], r[6], r[8]) for r in rounds] == [
        ("10-01-2026", "Tidak", "Selesai"),
        ("10-02-2026", "Ya", "Berjalan"),
    ]
    assert rounds[0][3] == dt.datetime(2026, 1, 12, 9, 0)


def test_it_logs_the_cases_of_the_year_with_their_deadline_outcome(world: World) -> None:
    data = members(world.zip_bytes)[MEMBERS[3]]
    header, body = table(sheet_rows(data, "Kasus"), "Nomor kasus")
    assert header[:10] == [
        "Nomor kasus",
        "Judul",
        "SOP",
        "Sumber",
        "Perangkat Daerah",
        "Status",
        "Dimulai",
        "Selesai",
        "Hasil tenggat",
        "Langkah terlambat",
    ]
    rows = {row[1]: row for row in body}
    assert set(rows) == {
        "Kasus A",
        "Putaran Januari",
        "Kasus B",
        "Putaran Februari",
        "Kasus C",
        "Kasus D",
    }  # Kasus Z started in 2025
    assert [row[1] for row in body][:2] == ["Kasus A", "Putaran Januari"]
    assert rows["Kasus A"][2:10] == [
        "rekap · Uji Rekapitulasi",
        "Dimulai manual",
        "Dinas Kesehatan",
        "Selesai",
        dt.datetime(2026, 1, 5, 9, 0),
        dt.datetime(2026, 1, 5, 10, 40),
        "Tepat waktu",
        0,
    ]
    assert rows["Kasus B"][8:10] == ["Terlambat", 1]
    assert rows["Kasus C"][8:10] == ["Terlambat", 1]  # step 1 open past its 30 minutes
    assert rows["Kasus D"][8:10] == ["Berjalan", 0]


def test_it_adds_the_years_mutu_baku_compliance_per_step(world: World) -> None:
    data = members(world.zip_bytes)[MEMBERS[3]]
    header, body = table(sheet_rows(data, "Mutu Baku per langkah"))
    assert header[1:7] == [
        "SOP / langkah",
        "Langkah selesai",
        "Ber-Mutu Baku",
        "Tepat waktu",
        "Terlambat",
        "Kepatuhan Mutu Baku",
    ]
    rows = {row[1]: row for row in body}
    # Step 1 done in A (10 min), B (45 min: late) and the January round (10 min).
    assert rows["rekap · 1. Disposisi"][2:7] == [3, 3, 2, 1, pytest.approx(2 / 3)]
    assert rows["rekap · 2. Perbaikan"][2:7] == [3, 0, 0, 0, None]  # kondisional
    assert rows["rekap · 3. Pemeriksaan"][2:7] == [3, 3, 3, 0, 1]
    _header, by_sop = table(sheet_rows(data, "Mutu Baku per SOP"))
    assert by_sop[0][1:7] == ["Uji Rekapitulasi", 9, 6, 5, 1, pytest.approx(5 / 6)]


def test_it_lists_the_services_with_their_standard_times(world: World) -> None:
    data = members(world.zip_bytes)[MEMBERS[4]]
    header, body = table(sheet_rows(data, "Layanan"))
    assert header[1:4] == ["Kode", "Nomor SOP", "Nama layanan (SOP)"]
    assert body == [
        [
            1,
            "rekap",
            None,
            "Uji Rekapitulasi",
            1,
            None,
            "manual",
            "24 jam x 7 hari",
            3,
            2,
            1,
            6,
            pytest.approx(5 / 6),
        ]
    ]
    header, steps = table(sheet_rows(data, "Waktu standar"), "SOP")
    assert header == ["SOP", "No", "Kegiatan", "Pelaksana", "Waktu", "Output"]
    assert [row[1:5] for row in steps] == [
        ["1", "Disposisi", "Kadis", "30 menit"],
        ["2", "Perbaikan", "Tim Teknis", "kondisional"],
        ["3", "Pemeriksaan", "Kasi", "1 jam"],
    ]


def test_it_reports_the_availability_of_each_monitored_opd_a_sheet_per_month(
    world: World,
) -> None:
    data = members(world.zip_bytes)[MEMBERS[6]]
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Ringkasan", "2026-01", "2026-02", "2026-03"]
    assert book["Ringkasan"]["A1"].value == "Laporan Ketersediaan Jaringan Dinas Kesehatan"
    header, body = table(sheet_rows(data, "Ringkasan"), "Bulan")
    assert header[:4] == ["Bulan", "Perangkat", "Ketersediaan", "Waktu henti (menit)"]
    assert [row[:4] for row in body] == [
        ["Januari 2026", 1, pytest.approx(0.95), 3],
        ["Februari 2026", 1, 1, 0],
        ["Maret 2026 (berjalan)", 0, None, 0],  # no run yet: the check is new
        ["Tahun 2026", None, pytest.approx(0.975), 3],
    ]
    rows = sheet_rows(data, "2026-01")
    _header, devices = table(rows)
    assert devices[0][1:4] == ["sw-dinkes", "Dinkes Pusat", pytest.approx(0.95)]
    _header, outages = table(rows[rows.index(devices[-1]) + 1 :])
    assert outages[0][1] == "sw-dinkes"
    assert outages[0][3] == dt.datetime(2026, 1, 20, 10, 10)
    assert outages[0][6] == f"#{world.cases['A'].number} Kasus A"


def test_it_includes_each_current_sop_as_its_sop_ap_document(world: World) -> None:
    pages = pdf_pages(members(world.zip_bytes)["06-sop/rekap-v1.pdf"])
    assert len(pages) >= 2  # the identity page, then the flowchart
    assert "Uji Rekapitulasi" in pages[0]
    assert "Disposisi" in " ".join(pages[1:])


def test_it_leaves_out_another_agencys_records(world: World) -> None:
    files = members(world.zip_bytes)
    assert not [name for name in files if "rahasia" in name or "lain" in name]
    texts = [all_text(data) for name, data in files.items() if name.endswith(".xlsx")]
    texts.append(pdf_text(files[MEMBERS[0]]))
    for text in texts:
        for secret in ("PERANGKAT-LAIN", "LAIN-1", "KASUS-LAIN", "RAHASIA", "ping lain"):
            assert secret not in text


# --- Dates, numbers and atomicity -------------------------------------------------------


def test_it_refuses_a_year_not_begun_or_before_2000(world: World) -> None:
    for year in (YEAR + 1, 1999):
        with pytest.raises(spbe.BundleError):
            spbe.build_bundle(world.agency, year, world.kadis, NOW)
    assert Document.objects.filter(agency=world.agency).count() == 1


def test_it_reports_a_past_year_whole(world: World) -> None:
    data = spbe.build_bundle(world.agency, YEAR - 1, world.admin, NOW)
    files = members(data)
    assert "07-ketersediaan/dinkes.xlsx" in files  # monitored now: twelve empty months
    book = openpyxl.load_workbook(io.BytesIO(files["07-ketersediaan/dinkes.xlsx"]))
    assert len(book.sheetnames) == 13
    index = Document.objects.get(agency=world.agency, number=SECOND)  # this year's sequence
    assert index.content["period"] == "Tahun 2025"
    _header, body = table(sheet_rows(files[MEMBERS[3]], "Kasus"), "Nomor kasus")
    assert [row[1] for row in body] == ["Kasus Z"]


def test_it_gives_the_number_back_when_a_member_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(context: spbe.Context, no: int) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(spbe, "plan_members", _with_broken_catalogue(spbe.plan_members, broken))
    before = DocumentCounter.objects.get(agency=world.agency).last
    with pytest.raises(RuntimeError, match="disk full"):
        spbe.build_bundle(world.agency, YEAR, world.kadis, NOW)
    assert DocumentCounter.objects.get(agency=world.agency).last == before
    assert Document.objects.filter(agency=world.agency).count() == 1


def _with_broken_catalogue(plan: Any, broken: Any) -> Any:
    def planned(context: spbe.Context) -> list[spbe.Member]:
        found: list[spbe.Member] = plan(context)
        for member in found:
            if member.name == "05-katalog-layanan.xlsx":
                member.produce = broken
        return found

    return planned


# --- The page -----------------------------------------------------------------------------


def client_for(user: User) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def test_it_offers_last_year_to_the_kadis_and_the_administrator(world: World) -> None:
    for user in (world.kadis, world.admin):
        response = client_for(user).get(reverse(PAGE))
        assert response.status_code == 200
        assert response.context["form"]["year"].value() == YEAR - 1
        assert b"Build and download ZIP" in response.content
    assert Document.objects.filter(agency=world.agency).count() == 1  # a GET issues nothing


def test_it_refuses_the_page_to_anyone_else(world: World) -> None:
    for user in (world.kasi, world.technician, world.reporter):
        assert client_for(user).get(reverse(PAGE)).status_code == 403
        assert client_for(user).post(reverse(PAGE), {"year": YEAR}).status_code == 403
    anonymous = Client().post(reverse(PAGE), {"year": YEAR})
    assert anonymous.status_code == 302
    assert Document.objects.filter(agency=world.agency).count() == 1


def test_it_downloads_the_bundle_of_the_posted_year(world: World) -> None:
    response = client_for(world.admin).post(reverse(PAGE), {"year": str(YEAR)})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="bukti-dukung-spbe-spbe-2026.zip"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert list(members(data)) == MEMBERS
    issued = Document.objects.filter(agency=world.agency).order_by("-pk").first()
    assert issued is not None
    assert issued.number == SECOND
    assert issued.issued_by == world.admin
    page = client_for(world.admin).get(reverse(PAGE))
    assert SECOND.encode() in page.content


@pytest.mark.parametrize("year", ["", "abc", "1999", "2027", "2026.5", "99999999999999999999"])
def test_it_answers_a_bad_year_with_the_forms_error(world: World, year: str) -> None:
    response = client_for(world.kadis).post(reverse(PAGE), {"year": year})
    assert response.status_code == 400
    assert response.context["form"].errors["year"]
    assert Document.objects.filter(agency=world.agency).count() == 1


def test_it_builds_the_other_agencys_own_bundle_for_its_administrator(world: World) -> None:
    response = client_for(world.other_admin).post(reverse(PAGE), {"year": str(YEAR)})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    files = members(data)
    assert "06-sop/rahasia-v1.pdf" in files
    assert "06-sop/rekap-v1.pdf" not in files
    assert "Kasus A" not in all_text(files[MEMBERS[3]])
