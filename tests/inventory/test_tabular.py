"""Import and export of the inventory as CSV and XLSX."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from jaga.audit.models import Event
from jaga.inventory.importing import import_rows
from jaga.inventory.models import Device, DeviceAddress, Link, Site
from jaga.inventory.tabular import COLUMNS, BadFile, Format, Kind, export, template
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.conftest import make_sites

pytestmark = pytest.mark.django_db

MODELS: list[tuple[Kind, type[Site | Device | Link]]] = [
    ("sites", Site),
    ("devices", Device),
    ("links", Link),
]
DEVICE_HEADER = [column.header for column in COLUMNS["devices"]]


def xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def build(fmt: Format, rows: list[list[Any]]) -> bytes:
    return xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)


def device_row(serial: str, **cells: str) -> list[Any]:
    values = {
        "nama": f"AP {serial}",
        "jenis": "access_point",
        "vendor": "Ubiquiti",
        "model": "U6-Lite",
        "nomor_seri": serial,
        "kode_barang": "",
        "status": "",
        "kode_situs": "dinkes-pusat",
        "ip_manajemen": "",
        "uplink": "",
        "catatan": "",
        **cells,
    }
    return [values[name] for name in DEVICE_HEADER]


def test_it_imports_5000_devices_from_xlsx(sites: Agency, admin_a: User) -> None:
    rows = [DEVICE_HEADER, device_row("CORE", jenis="router", ip_manajemen="10.0.0.1")]
    rows += [
        device_row(f"SN{n:05d}", ip_manajemen=f"10.{n // 250}.{n % 250}.1", uplink="CORE")
        for n in range(1, 5000)
    ]
    data = xlsx(rows)
    started = time.perf_counter()
    result = import_rows(sites, admin_a, "devices", data, "xlsx")
    elapsed = time.perf_counter() - started
    print(f"imported 5,000 devices in {elapsed:.1f} s")
    assert result.ok, result.errors[:5]
    assert result.created == 5000
    assert Device.objects.filter(agency=sites).count() == 5000
    assert Device.objects.filter(agency=sites, uplink__serial_number="CORE").count() == 4999
    assert DeviceAddress.objects.filter(agency=sites).count() == 5000
    assert Event.objects.filter(agency=sites, action="inventory.device.created").count() == 5000


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_imports_nothing_and_reports_every_bad_row(
    fmt: Format, sites: Agency, admin_a: User
) -> None:
    rows = [
        DEVICE_HEADER,
        device_row("SN1"),  # line 2: good
        device_row("SN2", kode_situs="nowhere"),  # line 3
        [""] * len(DEVICE_HEADER),  # line 4: blank, skipped
        device_row("SN1"),  # line 5: duplicate serial
        device_row("SN3", ip_manajemen="10.0.0.1; 10.0.0.300"),  # line 6
        device_row("SN4", jenis="toaster"),  # line 7
        device_row("SN5"),  # line 8: good
    ]
    result = import_rows(sites, admin_a, "devices", build(fmt, rows), fmt)
    assert not result.ok
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "kode_situs"),
        (5, "nomor_seri"),
        (6, "ip_manajemen"),
        (7, "jenis"),
    ]
    reasons = [e.reason for e in result.errors]
    assert reasons[0] == "Unknown site nowhere."
    assert reasons[1] == "Serial number SN1 is also on line 2."
    assert reasons[2] == "Not an IP address: 10.0.0.300."
    assert reasons[3].startswith("Unknown value toaster; use one of: router, switch")
    assert not Device.objects.exists()
    assert not Event.objects.filter(action__startswith="inventory.").exists()


def test_it_updates_an_existing_device_by_serial(sites: Agency, admin_a: User) -> None:
    first = import_rows(
        sites, admin_a, "devices", csv_bytes([DEVICE_HEADER, device_row("SN1")]), "csv"
    )
    assert first.created == 1
    again = [DEVICE_HEADER, device_row("SN1", status="in_repair", ip_manajemen="10.1.1.1")]
    result = import_rows(sites, admin_a, "devices", csv_bytes(again), "csv")
    assert (result.created, result.updated) == (0, 1)
    device = Device.objects.get(serial_number="SN1")
    assert device.status == "in_repair"
    assert [a.address for a in device.addresses.all()] == ["10.1.1.1"]
    event = Event.objects.get(action="inventory.device.changed")
    assert event.before == {"status": "in_service", "management_ips": []}
    assert event.after == {"status": "in_repair", "management_ips": ["10.1.1.1"]}
    same = import_rows(sites, admin_a, "devices", csv_bytes(again), "csv")
    assert (same.created, same.updated, same.unchanged) == (0, 0, 1)


def test_it_refuses_uplinks_that_make_a_loop(sites: Agency, admin_a: User) -> None:
    rows = [DEVICE_HEADER, device_row("A", uplink="B"), device_row("B", uplink="A")]
    result = import_rows(sites, admin_a, "devices", csv_bytes(rows), "csv")
    assert [(e.line, e.column) for e in result.errors] == [(2, "uplink"), (3, "uplink")]
    assert not Device.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_rejects_a_wrong_header_clearly(fmt: Format, sites: Agency, admin_a: User) -> None:
    rows = [["name", *DEVICE_HEADER[1:]], device_row("SN1")]
    with pytest.raises(BadFile, match=r"missing nama; unknown name\); expected: nama, jenis"):
        import_rows(sites, admin_a, "devices", build(fmt, rows), fmt)


def test_it_rejects_a_file_that_is_not_a_workbook(sites: Agency, admin_a: User) -> None:
    with pytest.raises(BadFile, match="not an XLSX workbook"):
        import_rows(sites, admin_a, "devices", b"nama,jenis\n", "xlsx")


def test_it_reads_semicolon_csv_and_decimal_commas(agency_a: Agency, admin_a: User) -> None:
    text = "kode_situs;nama;opd;alamat;lintang;bujur;kontak;telepon;gudang\n"
    text += "kec-a;Kantor Kecamatan A;Dinkes;Jl. A;-6,5971;106,8060;Budi;0812;tidak\n"
    text += "gudang;Gudang Diskominfo;;;;;;;ya\n"
    result = import_rows(agency_a, admin_a, "sites", text.encode("cp1252"), "csv")
    assert result.ok, result.errors
    site = Site.objects.get(code="kec-a")
    assert str(site.latitude) == "-6.597100"
    assert site.opd is not None
    assert Site.objects.get(code="gudang").is_store


def test_it_reports_bad_sites_and_links(sites: Agency, admin_a: User) -> None:
    text = "kode_situs,nama,opd,alamat,lintang,bujur,kontak,telepon,gudang\n"
    text += "bad code,X,Dinkes,,95,,,,\n"
    text += "ok,Y,Nope,,,,,,\n"
    result = import_rows(sites, admin_a, "sites", text.encode(), "csv")
    assert [str(e) for e in result.errors] == [
        "2: kode_situs: Use only letters, digits, - and _.",
        "2: lintang: Ensure this value is less than or equal to 90.",
        "3: opd: Unknown OPD Nope.",
    ]
    text = "perangkat_a,perangkat_b,media,bandwidth_mbps,penyedia,id_sirkuit,catatan\n"
    text += "X1,,fibre,100,,,\n"
    text += ",,copper,0,,,\n"
    result = import_rows(sites, admin_a, "links", text.encode(), "csv")
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "perangkat_a"),
        (2, "penyedia"),
        (3, "perangkat_a"),
        (3, "media"),
        (3, "bandwidth_mbps"),
        (3, "penyedia"),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_round_trips_an_export_into_another_agency(
    fmt: Format, sites: Agency, agency_b: Agency, admin_a: User
) -> None:
    rows = [
        DEVICE_HEADER,
        device_row("CORE", jenis="router", ip_manajemen="10.0.0.1 2001:db8::1", catatan="a\nb"),
        device_row("SW1", jenis="switch", uplink="CORE", status="spare", kode_situs="gudang"),
        device_row("AP1", nama='=HYPERLINK("http://x")', uplink="SW1", kode_barang="-02.06"),
    ]
    assert import_rows(sites, admin_a, "devices", csv_bytes(rows), "csv").ok
    core, switch = Device.objects.get(serial_number="CORE"), Device.objects.get(serial_number="SW1")
    Link.objects.create(
        agency=sites,
        a_device=core,
        medium="fibre",
        bandwidth_mbps=100,
        provider="Telkom",
        circuit_id="C-1",
    )
    Link.objects.create(
        agency=sites, a_device=core, b_device=switch, medium="utp", bandwidth_mbps=1000
    )
    beta_admin = User.objects.get(username="beta.admin")
    make_sites(agency_b)
    for kind, model in MODELS:
        data = export(kind, model._default_manager.filter(agency=sites), fmt)
        result = import_rows(agency_b, beta_admin, kind, data, fmt)
        assert result.ok, result.errors
    for kind, model in MODELS:
        mine = export(kind, model._default_manager.filter(agency=sites), "csv")
        theirs = export(kind, model._default_manager.filter(agency=agency_b), "csv")
        assert sorted(mine.decode().splitlines()) == sorted(theirs.decode().splitlines())
    assert Device.objects.get(agency=agency_b, serial_number="AP1").name == '=HYPERLINK("http://x")'
    assert Device.objects.get(agency=agency_b, serial_number="AP1").asset_code == "-02.06"


def test_it_neutralises_formulas_on_export(sites: Agency) -> None:
    Device.objects.create(
        agency=sites,
        name='=HYPERLINK("http://x")',
        kind="router",
        notes="@SUM(A1)",
        site=Site.objects.get(code="gudang"),
    )
    text = export("devices", Device.objects.all(), "csv")
    assert text.startswith("\ufeff".encode())
    row = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))[1]
    assert row[0] == '\'=HYPERLINK("http://x")'
    assert row[-1] == "'@SUM(A1)"
    workbook = load_workbook(io.BytesIO(export("devices", Device.objects.all(), "xlsx")))
    sheet = workbook.worksheets[0]
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["K2"].value == "'@SUM(A1)"


@pytest.mark.parametrize("kind", ["sites", "devices", "links"])
def test_it_offers_templates_that_import_as_empty(kind: str, sites: Agency, admin_a: User) -> None:
    for fmt in ("csv", "xlsx"):
        data = template(kind, fmt)  # type: ignore[arg-type]
        result = import_rows(sites, admin_a, kind, data, fmt)  # type: ignore[arg-type]
        assert result.ok
        assert result.created == 0
    workbook = load_workbook(io.BytesIO(template(kind, "xlsx")))  # type: ignore[arg-type]
    assert len(workbook.worksheets) == 2
    guide = [row[0] for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert guide == [column.header for column in COLUMNS[kind]]  # type: ignore[index]
