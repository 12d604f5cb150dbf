"""The organisation import (issue 17 point 5): one XLSX workbook of units, positions,
employees, OPDs and OPD users, all rows or none, every bad row reported; the page and the
command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.org import importing, orgsheets
from jaga.org.importing import ImportConflict, OrgImportResult, import_organisation
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.org.orgsheets import (
    EMPLOYEES,
    OPD_USERS,
    OPDS,
    POSITIONS,
    SHEETS,
    UNITS,
    BadWorkbook,
    headers,
)
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency

pytestmark = pytest.mark.django_db

Rows = dict[str, list[dict[str, Any]]]
PAGE = "/organisasi/impor/"


def workbook(rows: Rows, *, skip: tuple[str, ...] = ()) -> bytes:
    """A workbook with the five sheets (but ``skip``), each with its header and ``rows``."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    for name in SHEETS:
        if name in skip:
            continue
        sheet = book.create_sheet(name)
        sheet.append(headers(name))
        for row in rows.get(name, []):
            sheet.append([row.get(column, "") for column in headers(name)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def nip(index: int) -> str:
    """A valid NIP per index: born 1970–1994, appointed 25 years later, serial index+1."""
    year, month, day = 1970 + index % 25, 1 + index % 12, 1 + index % 28
    return f"{year}{month:02d}{day:02d}{year + 25}{month:02d}{1 + index % 2}{index + 1:03d}"


def organisation(employees: int = 300, opds: int = 20) -> Rows:
    """A Diskominfo of 10 units (a seksi listed above its bidang), 16 positions, the given
    number of employees (the first 16 hold one position each, every third one has a login),
    OPDs and two login per OPD."""
    units = [
        {"nama": "Dinas Komunikasi dan Informatika", "singkatan": "Diskominfo", "jenis": "dinas"}
    ]
    positions = [
        {"kode": "kadis", "nama_jabatan": "Kepala Dinas", "unit": "Diskominfo", "kepala_unit": "ya"}
    ]
    staff = []
    for b in range(1, 4):
        bidang = f"Bidang {b}"
        seksi = [f"Seksi {b}.{s}" for s in (1, 2)]
        # The first seksi comes before its bidang: the parent may be below.
        units.append({"nama": seksi[0], "jenis": "seksi", "induk": f"B{b}"})
        units.append(
            {"nama": bidang, "singkatan": f"B{b}", "jenis": "bidang", "induk": "Diskominfo"}
        )
        units.append({"nama": seksi[1], "jenis": "Seksi", "induk": bidang})
        positions.append(
            {
                "kode": f"kabid_{b}",
                "nama_jabatan": f"Kepala {bidang}",
                "unit": f"B{b}",
                "kepala_unit": "ya",
            }
        )
        for s, name in enumerate(seksi, start=1):
            positions.append(
                {
                    "kode": f"kasi_{b}_{s}",
                    "nama_jabatan": f"Kepala {name}",
                    "unit": name,
                    "kepala_unit": "ya",
                }
            )
            staff.append(
                {
                    "kode": f"staf_{b}_{s}",
                    "nama_jabatan": f"Staf {name}",
                    "unit": name,
                    "kepala_unit": "tidak",
                }
            )
    positions += staff
    codes = [p["kode"] for p in positions]
    people = []
    for i in range(employees):
        people.append(
            {
                "nama": f"Pegawai {i:03d}",
                "nip": nip(i),
                "pangkat_golongan": "Penata (III/c)",
                "jabatan": codes[i] if i < len(codes) else f"staf_{1 + i % 3}_{1 + i % 2}",
                "telepon": f"0812{i:06d}",
                "email": f"pegawai{i}@example.go.id",
                "username": f"pegawai.{i:03d}" if i % 3 == 0 else "",
                "aktif": "ya",
            }
        )
    offices = [
        {
            "nama": f"Kantor {i:02d}",
            "singkatan": f"K{i:02d}",
            "alamat": f"Jalan {i}",
            "telepon": "0211",
            "email": f"k{i}@example.go.id",
            "nama_kepala": f"Kepala {i}",
            "jabatan_kepala": f"Kepala Kantor {i}",
        }
        for i in range(opds)
    ]
    reporters = [
        {
            "username": f"k{i:02d}.{n}",
            "nama": f"Pelapor {i} {n}",
            "email": "",
            "telepon": "",
            "opd": f"K{i:02d}",
        }
        for i in range(opds)
        for n in (1, 2)
    ]
    return {
        UNITS: units,
        POSITIONS: positions,
        EMPLOYEES: people,
        OPDS: offices,
        OPD_USERS: reporters,
    }


@pytest.fixture
def bare() -> Agency:
    """An agency with nothing but its administrator ``bare.admin``."""
    agency = Agency.objects.create(
        slug="bare",
        name="Dinas Komunikasi dan Informatika Kota Baru",
        government_name="Pemerintah Kota Baru",
        region_kind="kota",
        region_name="Kota Baru",
        kemendagri_code="32.99",
    )
    User.objects.create_user("bare.admin", password=PASSWORD, agency=agency, is_staff=True)
    return agency


def counts(agency: Agency) -> dict[str, int]:
    return {
        "units": OrgUnit.objects.filter(agency=agency).count(),
        "positions": Position.objects.filter(agency=agency).count(),
        "employees": Employee.objects.filter(agency=agency).count(),
        "opds": Opd.objects.filter(agency=agency).count(),
        "users": User.objects.filter(agency=agency).count(),
        "memberships": Employee.positions.through.objects.filter(employee__agency=agency).count(),
        "events": Event.objects.filter(agency=agency).count(),
    }


def cells(result: OrgImportResult) -> set[tuple[str, int, str]]:
    return {(error.sheet, error.line, error.column) for error in result.errors}


def test_it_imports_an_organisation_of_300_employees(bare: Agency) -> None:
    admin = User.objects.get(username="bare.admin")
    result = import_organisation(bare, admin, workbook(organisation()))
    assert result.errors == []
    assert {sheet: (c.created, c.updated, c.unchanged) for sheet, c in result.counts.items()} == {
        UNITS: (10, 0, 0),
        POSITIONS: (16, 0, 0),
        EMPLOYEES: (300, 0, 0),
        OPDS: (20, 0, 0),
        OPD_USERS: (40, 0, 0),
    }
    assert counts(bare) | {"events": 0} == {
        "units": 10,
        "positions": 16,
        "employees": 300,
        "opds": 20,
        "users": 1 + 100 + 40,
        "memberships": 300,
        "events": 0,
    }
    top = OrgUnit.objects.get(agency=bare, parent=None)
    assert top.abbreviation == "Diskominfo"
    seksi = OrgUnit.objects.get(agency=bare, name="Seksi 2.1")
    assert seksi.kind == "seksi"
    assert seksi.parent is not None
    assert seksi.parent.name == "Bidang 2"
    assert seksi.parent.parent == top
    kasi = Position.objects.get(agency=bare, code="kasi_2_1")
    assert (kasi.unit, kasi.is_head, kasi.title) == (seksi, True, "Kepala Seksi 2.1")
    employee = Employee.objects.get(agency=bare, nip=nip(3))
    assert employee.name == "Pegawai 003"
    assert list(employee.positions.values_list("code", flat=True)) == ["kasi_1_2"]
    assert employee.user is not None
    assert employee.user.username == "pegawai.003"
    assert employee.user.agency == bare
    assert not employee.user.has_usable_password()
    reporter = User.objects.get(username="k07.2")
    assert (reporter.agency, reporter.opd, reporter.first_name) == (
        bare,
        Opd.objects.get(agency=bare, abbreviation="K07"),
        "Pelapor",
    )
    assert not reporter.has_usable_password()
    assert len(result.new_logins) == 140
    assert "k07.2" in result.new_logins
    # One event per row and login, by the administrator, and the chain verifies.
    events = Event.objects.filter(agency=bare)
    assert events.filter(action="org.orgunit.created").count() == 10
    assert events.filter(action="org.position.created").count() == 16
    assert events.filter(action="org.employee.created").count() == 300
    assert events.filter(action="org.opd.created").count() == 20
    assert events.filter(action="org.user.created").count() == 140
    assert set(events.values_list("actor_label", flat=True)) == {"bare.admin"}
    created = events.get(action="org.employee.created", object_id=str(employee.pk))
    assert created.after is not None
    assert created.after["nip"] == nip(3)
    assert created.after["positions"] == [Position.objects.get(agency=bare, code="kasi_1_2").pk]
    login = events.get(action="org.user.created", object_id=str(employee.user.pk)).after
    assert login is not None
    assert login["has_usable_password"] is False
    assert "password" not in login
    assert verify(agency=bare).ok


def test_it_changes_nothing_when_the_same_workbook_is_imported_again(bare: Agency) -> None:
    content = workbook(organisation(employees=40, opds=4))
    import_organisation(bare, None, content)
    before = counts(bare)
    again = import_organisation(bare, None, content)
    assert again.ok
    assert [c.created + c.updated for c in again.counts.values()] == [0, 0, 0, 0, 0]
    assert again.counts[EMPLOYEES].unchanged == 40
    assert again.new_logins == []
    assert counts(bare) == before


def test_it_updates_the_rows_it_matches(bare: Agency) -> None:
    rows = organisation(employees=20, opds=2)
    import_organisation(bare, None, workbook(rows))
    rows[EMPLOYEES][5] |= {"nama": "Dr. Pegawai Lima", "jabatan": "staf_1_1, staf_2_2"}
    rows[OPDS][1] |= {"nama": "Kantor Satu Baru"}
    rows[POSITIONS][0] |= {"nama_jabatan": "Kepala Dinas Kominfo"}
    # The head of Seksi 1.1 moves to the staff position's place and back: heads swap.
    for row in rows[POSITIONS]:
        if row["kode"] == "kasi_1_1":
            row["kepala_unit"] = "tidak"
        if row["kode"] == "staf_1_1":
            row["kepala_unit"] = "ya"
    rows[OPD_USERS][0] |= {"opd": "K01", "nama": "Budi Santoso"}
    result = import_organisation(bare, None, workbook(rows))
    assert result.errors == []
    assert result.counts[EMPLOYEES].updated == 1
    assert result.counts[POSITIONS].updated == 3
    assert result.counts[OPDS].updated == 1
    assert result.counts[OPD_USERS].updated == 1
    employee = Employee.objects.get(agency=bare, nip=nip(5))
    assert employee.name == "Dr. Pegawai Lima"
    assert sorted(employee.positions.values_list("code", flat=True)) == ["staf_1_1", "staf_2_2"]
    assert Position.objects.get(agency=bare, code="staf_1_1").is_head
    assert not Position.objects.get(agency=bare, code="kasi_1_1").is_head
    user = User.objects.get(username="k00.1")
    assert user.opd is not None
    assert user.opd.abbreviation == "K01"
    assert user.last_name == "Santoso"
    changed = Event.objects.get(action="org.employee.changed", object_id=str(employee.pk))
    assert changed.before is not None
    assert changed.after is not None
    assert set(changed.after) == {"name", "positions"}


def test_it_matches_an_employee_without_a_nip_by_name(bare: Agency) -> None:
    import_organisation(
        bare, None, workbook({EMPLOYEES: [{"nama": "Honorer Satu", "telepon": "1"}]})
    )
    result = import_organisation(
        bare, None, workbook({EMPLOYEES: [{"nama": "honorer  satu", "telepon": "2"}]})
    )
    assert result.errors == []
    assert result.counts[EMPLOYEES].updated == 1
    assert list(Employee.objects.filter(agency=bare).values_list("name", "phone")) == [
        ("honorer  satu", "2")
    ]
    # Given a NIP later, the same employee gets it.
    result = import_organisation(
        bare, None, workbook({EMPLOYEES: [{"nama": "Honorer Satu", "nip": nip(1)}]})
    )
    assert result.counts[EMPLOYEES].updated == 1
    assert Employee.objects.get(agency=bare).nip == nip(1)


def test_it_imports_nothing_and_reports_every_bad_row(bare: Agency) -> None:
    other = make_agency("beta")
    rows = organisation(employees=30, opds=3)
    rows[EMPLOYEES][4]["nip"] = "12345"  # row 6: too short
    rows[EMPLOYEES][8]["nip"] = "197013451995011009"  # row 10: no such birth date
    rows[EMPLOYEES][9]["nip"] = rows[EMPLOYEES][2]["nip"]  # row 11: the NIP of row 4
    rows[EMPLOYEES][12]["username"] = "pegawai.000"  # row 14: the login of row 2
    rows[EMPLOYEES][13]["jabatan"] = "staf_1_1, tidak_ada"  # row 15: unknown position
    rows[EMPLOYEES][14]["email"] = "bukan-email"  # row 16
    rows[POSITIONS][3]["unit"] = "Bidang Hantu"  # row 5: unknown unit
    rows[POSITIONS].append(  # row 18: a code of row 2
        {"kode": "kadis", "nama_jabatan": "Kepala Lain", "unit": "B1"}
    )
    rows[UNITS].append({"nama": "Seksi Hantu", "jenis": "seksi", "induk": "Bidang Gaib"})  # row 12
    rows[UNITS].append({"nama": "Tim X", "jenis": "regu", "induk": "Diskominfo"})  # row 13
    rows[OPDS][1]["nama"] = ""  # row 3
    rows[OPD_USERS][0]["username"] = "pegawai.003"  # row 2: an employee's login in the file
    rows[OPD_USERS][1]["username"] = "beta.admin"  # row 3: another agency's login
    rows[OPD_USERS][2]["opd"] = "K99"  # row 4: unknown OPD
    rows[OPD_USERS][3]["nama"] = "Budi \u202egnp.exe"  # row 5: a direction control
    before = counts(bare)
    beta_before = counts(other)

    result = import_organisation(bare, None, workbook(rows))

    assert not result.ok
    assert cells(result) == {
        (UNITS, 12, "induk"),
        (UNITS, 13, "jenis"),
        (POSITIONS, 5, "unit"),
        (POSITIONS, 18, "kode"),
        (EMPLOYEES, 6, "nip"),
        (EMPLOYEES, 10, "nip"),
        (EMPLOYEES, 11, "nip"),
        (EMPLOYEES, 14, "username"),
        (EMPLOYEES, 15, "jabatan"),
        (EMPLOYEES, 16, "email"),
        (OPDS, 3, "nama"),
        (OPD_USERS, 2, "username"),
        (OPD_USERS, 3, "username"),
        (OPD_USERS, 4, "opd"),
        (OPD_USERS, 5, "nama"),
    }
    # Sorted by sheet, then row.
    assert [(e.sheet, e.line) for e in result.errors] == sorted(
        ((e.sheet, e.line) for e in result.errors), key=lambda k: (list(SHEETS).index(k[0]), k[1])
    )
    reasons = {(e.sheet, e.line): e.reason for e in result.errors}
    assert "18 digits" in reasons[(EMPLOYEES, 6)]
    assert "row 4" in reasons[(EMPLOYEES, 11)]
    assert "row 2" in reasons[(EMPLOYEES, 14)]
    assert "tidak_ada" in reasons[(EMPLOYEES, 15)]
    assert "Bidang Hantu" in reasons[(POSITIONS, 5)]
    assert "sheet Pegawai row" in reasons[(OPD_USERS, 2)]
    assert "outside this agency" in reasons[(OPD_USERS, 3)]
    assert "U+202E" in reasons[(OPD_USERS, 5)]
    assert counts(bare) == before
    assert counts(other) == beta_before


def test_it_refuses_loops_of_parent_units_and_two_heads_of_a_unit(bare: Agency) -> None:
    rows: Rows = {
        UNITS: [
            {"nama": "Dinas", "jenis": "dinas"},
            {"nama": "Bidang A", "jenis": "bidang", "induk": "Bidang B"},
            {"nama": "Bidang B", "jenis": "bidang", "induk": "Bidang A"},
            {"nama": "Tim C", "jenis": "tim", "induk": "Tim C"},
            {"nama": "Seksi", "jenis": "seksi", "induk": "Dinas"},
            {"nama": "Seksi", "jenis": "seksi", "induk": "Dinas"},
        ],
        POSITIONS: [
            {"kode": "kadis", "nama_jabatan": "Kepala Dinas", "unit": "Dinas", "kepala_unit": "ya"},
            {"kode": "plt", "nama_jabatan": "Kepala Lain", "unit": "Dinas", "kepala_unit": "ya"},
            {"kode": "Bad Code!", "nama_jabatan": "X", "unit": "Dinas"},
        ],
    }
    result = import_organisation(bare, None, workbook(rows))
    assert cells(result) == {
        (UNITS, 3, "induk"),
        (UNITS, 4, "induk"),
        (UNITS, 5, "induk"),
        (UNITS, 7, "nama"),
        (POSITIONS, 2, "kepala_unit"),
        (POSITIONS, 3, "kepala_unit"),
        (POSITIONS, 4, "kode"),
    }
    assert "loop" in result.errors[0].reason
    assert OrgUnit.objects.filter(agency=bare).count() == 0


def test_it_refuses_a_second_head_next_to_a_stored_one(agency_a: Agency) -> None:
    rows: Rows = {
        POSITIONS: [
            {"kode": "wakil", "nama_jabatan": "Wakil", "unit": "Dinas ALPHA", "kepala_unit": "ya"}
        ]
    }
    result = import_organisation(agency_a, None, workbook(rows))
    assert cells(result) == {(POSITIONS, 2, "kepala_unit")}
    assert "kadis" in result.errors[0].reason


def test_it_refuses_logins_of_other_people(agency_a: Agency) -> None:
    rows: Rows = {
        EMPLOYEES: [
            {"nama": "Orang Lain", "nip": nip(7), "username": "alpha.kadis"},
            {"nama": "Pelapor Jadi Pegawai", "username": "alpha.dinkes"},
        ],
        OPD_USERS: [
            {"username": "alpha.admin", "nama": "Admin", "opd": "Dinkes"},
            {"username": "alpha.kadis", "nama": "Kadis", "opd": "Dinkes"},
        ],
    }
    result = import_organisation(agency_a, None, workbook(rows))
    reasons = {(e.sheet, e.line, e.column): e.reason for e in result.errors}
    assert set(reasons) == {
        (EMPLOYEES, 2, "username"),
        (EMPLOYEES, 3, "username"),
        (OPD_USERS, 2, "username"),
        (OPD_USERS, 3, "username"),
    }
    assert "another employee, Kadis alpha" in reasons[(EMPLOYEES, 2, "username")]
    assert "OPD user" in reasons[(EMPLOYEES, 3, "username")]
    assert "staff" in reasons[(OPD_USERS, 2, "username")]


def test_it_links_an_existing_login_and_deactivates_a_leaver(agency_a: Agency) -> None:
    rows: Rows = {
        EMPLOYEES: [
            {
                "nama": "Kadis alpha",
                "nip": "196712261986031002",
                "jabatan": "kadis",
                "aktif": "tidak",
            },
            {"nama": "Admin Sekaligus Pegawai", "username": "alpha.admin"},
        ]
    }
    result = import_organisation(agency_a, None, workbook(rows))
    assert result.errors == []
    kadis = Employee.objects.get(agency=agency_a, nip="196712261986031002")
    assert not kadis.is_active
    assert kadis.user is not None
    assert not kadis.user.is_active
    assert Employee.objects.get(agency=agency_a, name="Admin Sekaligus Pegawai").user == (
        User.objects.get(username="alpha.admin")
    )
    assert result.new_logins == []
    assert Event.objects.filter(
        action="org.user.changed", object_id=str(kadis.user.pk), after={"is_active": False}
    ).exists()


def test_it_writes_nothing_when_the_database_refuses_a_row(
    agency_a: Agency, monkeypatch: Any
) -> None:
    # A login created by someone else between the checks and the writes: the checks see
    # no stored login (as before it was made), the insert meets it.
    monkeypatch.setattr(importing._Checker, "_load_users", lambda self: None)
    rows: Rows = {
        UNITS: [{"nama": "Bidang Baru", "jenis": "bidang", "induk": "Dinas ALPHA"}],
        OPD_USERS: [{"username": "alpha.dinkes", "nama": "Pelapor", "opd": "Dinkes"}],
    }
    before = counts(agency_a)
    with pytest.raises(ImportConflict, match="upload the workbook again"):
        import_organisation(agency_a, None, workbook(rows))
    assert counts(agency_a) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"nama,nip\nBudi,1\n", "not an XLSX workbook"),
        (workbook({}, skip=(OPDS,)), "no sheet OPD"),
    ],
)
def test_it_refuses_a_file_that_is_not_the_workbook(
    bare: Agency, content: bytes, message: str
) -> None:
    with pytest.raises(BadWorkbook, match=message):
        import_organisation(bare, None, content)


def test_it_refuses_a_wrong_header_row(bare: Agency) -> None:
    book = load_workbook(io.BytesIO(workbook({})))
    book[EMPLOYEES]["B1"] = "nomor"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(BadWorkbook, match=r"sheet Pegawai .*missing nip; unknown nomor"):
        import_organisation(bare, None, out.getvalue())


def test_it_refuses_a_sheet_over_the_row_limit(bare: Agency, monkeypatch: Any) -> None:
    monkeypatch.setattr(orgsheets, "MAX_ROWS", 3)
    content = workbook({OPDS: [{"nama": f"O{i}", "singkatan": f"O{i}"} for i in range(4)]})
    with pytest.raises(BadWorkbook, match="OPD has more than 3 rows"):
        import_organisation(bare, None, content)


def test_it_reports_a_nip_typed_as_a_number(bare: Agency) -> None:
    book = load_workbook(io.BytesIO(workbook({})))
    book[EMPLOYEES].append(["Budi", 1.96712261986031e17])
    out = io.BytesIO()
    book.save(out)
    result = import_organisation(bare, None, out.getvalue())
    assert cells(result) == {(EMPLOYEES, 2, "nip")}
    assert "as text" in result.errors[0].reason


def test_the_template_has_every_sheet_and_explains_every_column() -> None:
    book = load_workbook(io.BytesIO(orgsheets.template()))
    assert book.sheetnames[:5] == list(SHEETS)
    for name in SHEETS:
        assert [cell.value for cell in book[name][1]] == headers(name)
    guide = list(book.worksheets[5].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[1]) for row in guide] == [
        (name, column) for name in SHEETS for column in headers(name)
    ]
    # An empty template imports nothing, without errors.
    assert orgsheets.read_workbook(orgsheets.template()) == {name: [] for name in SHEETS}


# ---------------------------------------------------------------------------------------
# The page


def client_for(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=username, password=PASSWORD)
    return client


def post(client: Client, content: bytes, name: str = "organisasi.xlsx") -> Any:
    return client.post(PAGE, {"file": SimpleUploadedFile(name, content)})


def test_the_page_imports_a_workbook_for_the_administrator(bare: Agency) -> None:
    client = client_for("bare.admin")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert reverse("org:template").encode() in page.content
    response = post(client, workbook(organisation(employees=12, opds=2)))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-outcome="imported"' in text
    assert response.context["result"].counts[EMPLOYEES].created == 12
    assert "without a password" in text
    assert Employee.objects.filter(agency=bare).count() == 12
    assert set(Event.objects.filter(agency=bare).values_list("actor_label", flat=True)) == {
        "bare.admin"
    }


def test_the_page_lists_every_bad_row_and_writes_nothing(bare: Agency) -> None:
    rows = organisation(employees=12, opds=2)
    rows[EMPLOYEES][1]["nip"] = "1"
    rows[POSITIONS][1]["unit"] = "Nowhere"
    before = counts(bare)
    response = post(client_for("bare.admin"), workbook(rows))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-outcome="refused"' in text
    assert 'data-sheet="Pegawai" data-line="3" data-column="nip"' in text
    assert 'data-sheet="Jabatan" data-line="3" data-column="unit"' in text
    assert counts(bare) == before


def test_the_page_says_what_is_wrong_with_a_file_that_is_not_the_workbook(bare: Agency) -> None:
    client = client_for("bare.admin")
    response = post(client, b"not a workbook")
    assert response.status_code == 200
    assert "not an XLSX workbook" in response.context["form"].errors["file"][0]
    response = post(client, workbook({}), name="organisasi.csv")
    assert "Upload an .xlsx workbook" in response.context["form"].errors["file"][0]


def test_only_the_agency_administrator_imports(agency_a: Agency) -> None:
    for username in ("alpha.kadis", "alpha.dinkes"):
        client = client_for(username)
        assert client.get(PAGE).status_code == 403
        assert post(client, workbook({})).status_code == 403
        assert client.get(reverse("org:template")).status_code == 403
    User.objects.create_superuser("root", password=PASSWORD)
    assert client_for("root").get(PAGE).status_code == 403


def test_the_template_downloads_as_a_workbook(agency_a: Agency) -> None:
    response = client_for("alpha.admin").get(reverse("org:template"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="organisasi.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames[:5] == list(SHEETS)


# ---------------------------------------------------------------------------------------
# The command


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("org", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_the_counts(bare: Agency, tmp_path: Path) -> None:
    path = tmp_path / "organisasi.xlsx"
    path.write_bytes(workbook(organisation(employees=10, opds=1)))
    out, err = run("import", str(path), "--agency", "bare", "--user", "bare.admin")
    assert err == ""
    assert "Pegawai: 10 created, 0 updated, 0 unchanged" in out
    assert "new login(s) without a password" in out
    assert Employee.objects.filter(agency=bare).count() == 10


def test_the_command_prints_every_bad_cell_and_exits_1(bare: Agency, tmp_path: Path) -> None:
    rows = organisation(employees=5, opds=1)
    rows[EMPLOYEES][0]["nip"] = "abc"
    rows[OPD_USERS][1]["opd"] = "X"
    path = tmp_path / "organisasi.xlsx"
    path.write_bytes(workbook(rows))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 bad cell\\(s\\) on 2 row\\(s\\); nothing imported"):
        call_command("org", "import", str(path), "--agency", "bare", stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"{path}:Pegawai:2: nip: A NIP has digits only; “abc” has other characters.",
        f"{path}:Pengguna OPD:3: opd: Unknown OPD X.",
    ]
    assert Employee.objects.filter(agency=bare).count() == 0


def test_the_command_refuses_an_unreadable_file(bare: Agency, tmp_path: Path) -> None:
    path = tmp_path / "organisasi.xlsx"
    path.write_bytes(b"nope")
    with pytest.raises(CommandError, match="not an XLSX workbook"):
        run("import", str(path), "--agency", "bare")
    with pytest.raises(CommandError, match="no agency 'nowhere'"):
        run("import", str(path), "--agency", "nowhere")


def test_the_command_writes_the_template(tmp_path: Path) -> None:
    out, _err = run("template", str(tmp_path / "kosong.xlsx"))
    assert "wrote" in out
    assert load_workbook(tmp_path / "kosong.xlsx").sheetnames[:5] == list(SHEETS)
