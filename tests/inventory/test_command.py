"""``jaga inventory import|export|template``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jaga.audit.models import Event
from jaga.inventory.models import Device, Site
from jaga.inventory.tabular import COLUMNS
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.conftest import make_sites
from tests.inventory.test_import_page import broken_workbook

pytestmark = pytest.mark.django_db

HEADER = [column.header for column in COLUMNS["devices"]]


def device_file(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([row.get(name, "") for name in HEADER])
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("inventory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_good_file_and_prints_the_counts(sites: Agency, tmp_path: Path) -> None:
    path = device_file(
        tmp_path / "perangkat.csv",
        {"nama": "Router", "jenis": "router", "nomor_seri": "R-1", "kode_situs": "gudang"},
        {"nama": "AP", "jenis": "access_point", "kode_situs": "dinkes-pusat", "uplink": "R-1"},
    )
    out, err = run("import", "--agency", "alpha", "--kind", "devices", str(path))
    assert err == ""
    assert "2 created" in out
    router = Device.objects.get(agency=sites, serial_number="R-1")
    assert Device.objects.get(agency=sites, name="AP").uplink == router
    assert Event.objects.filter(action="inventory.device.created", actor_id=None).count() == 2


def test_it_records_the_named_user_in_the_audit_log(sites: Agency, tmp_path: Path) -> None:
    path = device_file(
        tmp_path / "perangkat.csv",
        {"nama": "Router", "jenis": "router", "kode_situs": "gudang"},
    )
    run("import", "--agency", "alpha", "--kind", "devices", "--user", "alpha.admin", str(path))
    event = Event.objects.get(action="inventory.device.created")
    assert event.actor_id == User.objects.get(username="alpha.admin").pk


def test_it_prints_every_bad_line_and_exits_1_writing_nothing(
    sites: Agency, tmp_path: Path
) -> None:
    path = device_file(
        tmp_path / "perangkat.csv",
        {"nama": "Baik", "jenis": "router", "kode_situs": "gudang"},
        {"nama": "Salah", "jenis": "toaster", "kode_situs": "gudang"},
        {"nama": "", "jenis": "router", "kode_situs": "nowhere"},
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "inventory", "import", "--agency", "alpha", "--kind", "devices", str(path), stderr=err
        )
    assert raised.value.returncode == 1
    lines = err.getvalue().splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        f"{path}:3",
        f"{path}:4",
        f"{path}:4",
    ]
    assert [line.split(": ")[1] for line in lines] == ["jenis", "nama", "kode_situs"]
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("args", "content"),
    [
        (["--agency", "nowhere", "--kind", "devices"], b""),
        (["--agency", "alpha", "--kind", "devices", "--user", "beta.admin"], b""),
        (["--agency", "alpha", "--kind", "devices"], b"kode_situs,nama\nx,y\n"),
        (["--agency", "alpha", "--kind", "devices"], b"PK\x03\x04garbage"),
        (["--agency", "alpha", "--kind", "devices"], broken_workbook()),
    ],
)
def test_it_refuses_bad_arguments_and_unreadable_files(
    sites: Agency, agency_b: Agency, tmp_path: Path, args: list[str], content: bytes
) -> None:
    path = tmp_path / ("perangkat.xlsx" if content.startswith(b"PK") else "perangkat.csv")
    path.write_bytes(content)
    with pytest.raises(CommandError):
        run("import", *args, str(path))
    assert not Device.objects.exists()


def test_it_refuses_a_file_without_a_known_extension(sites: Agency, tmp_path: Path) -> None:
    path = device_file(tmp_path / "perangkat.txt")
    with pytest.raises(CommandError):
        run("import", "--agency", "alpha", "--kind", "devices", str(path))


def test_it_exports_the_agencys_rows_to_a_file(
    sites: Agency, agency_b: Agency, tmp_path: Path
) -> None:
    make_sites(agency_b)
    Site.objects.create(agency=sites, code="=cmd", name="Formula", is_store=True)
    out_path = tmp_path / "lokasi.csv"
    out, _err = run("export", "--agency", "alpha", "--kind", "sites", str(out_path))
    assert str(out_path) in out
    table = list(csv.reader(io.StringIO(out_path.read_bytes().decode("utf-8-sig"))))
    assert table[0] == [column.header for column in COLUMNS["sites"]]
    assert sorted(row[0] for row in table[1:]) == ["'=cmd", "dinkes-pusat", "gudang"]
    xlsx_path = tmp_path / "lokasi.data"
    run("export", "--agency", "alpha", "--kind", "sites", "--format", "xlsx", str(xlsx_path))
    workbook = load_workbook(io.BytesIO(xlsx_path.read_bytes()), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == 4
    workbook.close()


def test_it_writes_the_templates(tmp_path: Path, db: None) -> None:
    for kind in ("sites", "devices", "links"):
        path = tmp_path / f"{kind}.xlsx"
        run("template", "--kind", kind, str(path))
        workbook = load_workbook(path, read_only=True)
        header = next(workbook.worksheets[0].iter_rows(values_only=True))
        assert list(header) == [column.header for column in COLUMNS[kind]]
        workbook.close()
    path = tmp_path / "links.csv"
    run("template", "--kind", "links", "--format", "csv", str(path))
    assert path.read_bytes().decode("utf-8-sig").strip() == ",".join(
        column.header for column in COLUMNS["links"]
    )
    with pytest.raises(CommandError):
        run("template", "--kind", "links", str(tmp_path / "links.ods"))
