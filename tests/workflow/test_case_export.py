"""The case list's deadline column and filter, and its CSV and XLSX exports (issue 16 point
4): every case matching the filters, as the user may see them, in the agency's time, with
formulas guarded, in a number of queries that does not grow with the cases.

Times are relative to now (cases started days ago, steps completed at given moments, the
clock moved with time_machine), so the tests pass on any date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from pytest_django import DjangoAssertNumQueries

from jaga.org.models import Opd, User
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow import exports
from jaga.workflow.models import Case, CaseSource, CaseStatus, StepInstance
from jaga.workflow.services import accept, complete_step, start_case
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for, report, to_check, waiting

pytestmark = pytest.mark.django_db

CASES = reverse("workflow:cases")
CSV_URL = reverse("workflow:export_csv")
XLSX_URL = reverse("workflow:export_xlsx")
WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
HEADER = [
    "Number",
    "Title",
    "SOP",
    "OPD",
    "Source",
    "Status",
    "Started",
    "Closed",
    "Current step",
    "Waits for",
    "Due",
    "Deadline",
    "Late steps",
]
#: An SOP for the other agencies of the fixtures (they hold only a Kadis position).
OTHER_SOP = """
format: jaga-sop/1
code: lapor
identity: {nama: Laporan gangguan, instansi: [DINAS LAIN]}
start: [report]
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Laporan, lane: opd, waktu: 1 hari}
  - {no: 2, kegiatan: Tindak lanjut, lane: kadis, waktu: 1 hari}
"""
#: The most queries the list or an export of one chunk may make, whatever the cases.
BOUND = 20


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def close(world: World, case: Case) -> None:
    """Run ``case`` to its end now, each step right after the previous one."""
    accept(to_check(world, case), world.kasi)
    complete_step(waiting(case), world.kadis)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


@pytest.fixture
def outcomes(world: World) -> dict[str, Case]:
    """Cases of the World's agency with each deadline outcome, one of another OPD, and one
    of another agency (``world.outsider``'s)."""
    on_time = report(world, "Kabel patch longgar")
    close(world, on_time)  # each step acted on at once, well within its standard
    in_progress = report(world, "Wifi aula lambat")  # the newest: its step is not due yet
    late = report(world, "Switch lantai 2 mati", at=ago(40))
    # Step 2 done 20 days after it was due, step 3 open since then and past due: 2 late.
    complete_step(waiting(late), world.kadis, named=[world.kabid], at=ago(20))
    closed_late = report(world, "Kabel putus", at=ago(60))
    close(world, closed_late)  # step 2 waited 60 days: 1 late
    other_opd = Opd.objects.create(agency=world.agency, name="Kecamatan Utara", abbreviation="KU")
    elsewhere = start_case(
        world.definition,
        source=CaseSource.MANUAL,
        title="Router kecamatan",
        opd=other_opd,
        by=world.admin,
        at=ago(30),
    )
    assert world.outsider.agency is not None
    foreign_sop = load_definition(world.outsider.agency, OTHER_SOP, path="lapor.yaml").definition
    foreign = start_case(
        foreign_sop,
        source=CaseSource.REPORT,
        title="Rahasia delta",
        reporter=User.objects.get(username="delta.dinkes"),
    )
    return {
        "in_progress": in_progress,
        "late": late,
        "on_time": on_time,
        "closed_late": closed_late,
        "other_opd": elsewhere,
        "foreign": foreign,
    }


def deadlines(html: str) -> dict[int, str]:
    """Case id -> the ``data-deadline`` of its row in the list."""
    found = re.findall(r'data-case="(\d+)".*?data-deadline="([a-z_]*)"', html, re.S)
    return {int(pk): outcome for pk, outcome in found}


def listed(client: Client, query: str = "") -> list[int]:
    response = client.get(CASES + query)
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-case="(\d+)"', response.content.decode())]


def csv_rows(client: Client, query: str = "") -> list[list[str]]:
    """The export's CSV parsed (header row first); checks the BOM and the streaming."""
    response = client.get(CSV_URL + query)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def titles(rows: list[list[str]]) -> list[str]:
    return [row[1] for row in rows[1:]]


def local(moment: dt.datetime | None, zone: ZoneInfo = WIB) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- the list's column and filter -----------------------------------------------------------


def test_it_shows_each_cases_deadline_outcome_in_the_list(
    world: World, outcomes: dict[str, Case]
) -> None:
    html = client_for(world.kadis).get(CASES).content.decode()
    assert deadlines(html) == {
        outcomes["in_progress"].pk: "in_progress",
        outcomes["late"].pk: "late",
        outcomes["on_time"].pk: "on_time",
        outcomes["closed_late"].pk: "late",
        outcomes["other_opd"].pk: "late",  # its OPD step waits since 30 days
    }
    assert ">On time<" in html
    assert ">In progress<" in html
    assert "2 late steps" in html
    assert "1 late step<" in html


def test_it_turns_an_open_case_late_once_its_step_passes_its_due_time(
    world: World, outcomes: dict[str, Case]
) -> None:
    fresh = outcomes["in_progress"]
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
        html = client_for(world.kadis).get(CASES).content.decode()
    assert deadlines(html)[fresh.pk] == "late"
    assert deadlines(html)[outcomes["on_time"].pk] == "on_time"  # closed: stays on time


def test_it_never_counts_a_kondisional_step_as_late(world: World) -> None:
    case = report(world, "Menunggu OPD", at=ago(40))
    StepInstance.objects.filter(pk=waiting(case).pk).update(due_at=None)
    html = client_for(world.kadis).get(CASES).content.decode()
    assert deadlines(html) == {case.pk: "in_progress"}


def test_it_shows_no_outcome_for_a_cancelled_case_with_nothing_late(world: World) -> None:
    case = report(world, "Dibatalkan")
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CANCELLED)
    html = client_for(world.kadis).get(CASES).content.decode()
    assert deadlines(html) == {case.pk: ""}
    assert csv_rows(client_for(world.kadis))[1][11:] == ["", "0"]


def test_it_filters_the_cases_closed_on_time_or_late_and_keeps_the_old_choices(
    world: World, outcomes: dict[str, Case]
) -> None:
    client = client_for(world.kadis)
    assert listed(client, "?late=closed_on_time") == [outcomes["on_time"].pk]
    assert listed(client, "?late=closed_late") == [outcomes["closed_late"].pk]
    assert listed(client, "?late=yes") == [outcomes["other_opd"].pk, outcomes["late"].pk]
    assert listed(client, "?late=no") == [
        outcomes["in_progress"].pk,
        outcomes["on_time"].pk,
        outcomes["closed_late"].pk,
    ]


def test_it_ignores_bad_filter_values_in_the_list_and_the_exports(
    world: World, outcomes: dict[str, Case]
) -> None:
    client = client_for(world.kadis)
    bad = "?late=bogus&started_from=kemarin&opd=abc&status=%00"
    assert len(listed(client, bad)) == 5
    assert len(csv_rows(client, bad)) == 1 + 5
    assert client.get(XLSX_URL + bad).status_code == 200


def test_it_links_the_exports_with_the_current_filters_but_not_the_page(
    world: World, outcomes: dict[str, Case]
) -> None:
    html = client_for(world.kadis).get(CASES + "?status=closed&page=1").content.decode()
    assert f'href="{CSV_URL}?status=closed"' in html
    assert f'href="{XLSX_URL}?status=closed"' in html
    partial = client_for(world.kadis).get(CASES + "?late=yes", headers={"HX-Request": "true"})
    assert f'href="{CSV_URL}?late=yes"' in partial.content.decode()  # follows htmx filtering


def test_it_loads_the_list_with_its_deadline_column_in_the_same_queries_for_3_or_30_cases(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.kadis)

    def add(count: int) -> None:
        for index in range(count):
            case = report(world, f"Gangguan {index}", at=ago(30 + index))
            if index % 3 == 1:
                close(world, case)

    add(3)
    client.get(CASES)
    with CaptureQueriesContext(connection) as few:
        client.get(CASES)
    add(27)
    with CaptureQueriesContext(connection) as many:
        html = client.get(CASES).content.decode()
    assert len(few) == len(many)
    assert len(deadlines(html)) == 25
    assert set(deadlines(html).values()) == {"late"}
    with django_assert_max_num_queries(BOUND):
        client.get(CASES + "?late=closed_late&page=2")


# --- CSV ------------------------------------------------------------------------------------


def test_it_exports_all_matching_cases_as_csv_with_a_bom_and_the_columns(
    world: World, outcomes: dict[str, Case]
) -> None:
    before = timezone.localdate(timezone=WIB)
    response = client_for(world.kadis).get(CSV_URL)
    after = timezone.localdate(timezone=WIB)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    names = {f'attachment; filename="kasus-{day.isoformat()}.csv"' for day in (before, after)}
    assert response["Content-Disposition"] in names
    assert "no-store" in response["Cache-Control"]
    rows = csv_rows(client_for(world.kadis))
    assert rows[0] == HEADER
    assert titles(rows) == [
        "Wifi aula lambat",
        "Kabel patch longgar",
        "Router kecamatan",
        "Switch lantai 2 mati",
        "Kabel putus",
    ]
    late = outcomes["late"]
    step = waiting(late)
    assert rows[4] == [
        str(late.number),
        "Switch lantai 2 mati",
        "Penanganan Gangguan (uji)",
        "Dinkes",
        "Report from an OPD",
        "Open",
        local(late.started_at),
        "",
        "3. Kabid mendisposisikan",
        "Kabid",
        local(step.due_at),
        "Late",
        "2",
    ]
    closed = outcomes["closed_late"]
    closed.refresh_from_db()
    closed_at = local(closed.closed_at)
    assert rows[5][5:] == ["Closed", local(closed.started_at), closed_at, "", "", "", "Late", "1"]
    assert rows[2][11:] == ["On time", "0"]
    due = local(waiting(outcomes["in_progress"]).due_at)
    assert rows[1][9:] == ["Kadis", due, "In progress", "0"]


def test_it_exports_every_match_not_just_the_page(world: World) -> None:
    for index in range(30):
        report(world, f"Gangguan {index}")
    assert len(listed(client_for(world.kadis))) == 25
    assert len(csv_rows(client_for(world.kadis), "?page=1")) == 1 + 30


def test_it_honours_the_lists_filters_in_the_csv(world: World, outcomes: dict[str, Case]) -> None:
    client = client_for(world.kadis)
    assert titles(csv_rows(client, "?late=closed_late")) == ["Kabel putus"]
    assert titles(csv_rows(client, "?status=closed")) == ["Kabel patch longgar", "Kabel putus"]
    assert titles(csv_rows(client, "?q=switch")) == ["Switch lantai 2 mati"]
    other = outcomes["other_opd"].opd
    assert other is not None
    assert titles(csv_rows(client, f"?opd={other.pk}")) == ["Router kecamatan"]


def test_it_never_exports_another_agencys_or_another_opds_cases(
    world: World, outcomes: dict[str, Case]
) -> None:
    assert "Rahasia delta" not in titles(csv_rows(client_for(world.kadis)))
    assert titles(csv_rows(client_for(world.reporter))) == [
        "Wifi aula lambat",
        "Kabel patch longgar",
        "Switch lantai 2 mati",
        "Kabel putus",
    ]
    assert titles(csv_rows(client_for(world.outsider))) == ["Rahasia delta"]
    foreign_opd = outcomes["foreign"].opd
    assert foreign_opd is not None  # another agency's OPD as a filter: ignored, not obeyed
    assert "Rahasia delta" not in titles(
        csv_rows(client_for(world.kadis), f"?opd={foreign_opd.pk}")
    )


def test_it_sends_anonymous_visitors_to_the_login_page() -> None:
    for url in (CSV_URL, XLSX_URL):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_guards_csv_cells_against_formulas_and_direction_controls(world: World) -> None:
    for title in ('=HYPERLINK("http://x.test","klik")', "+62 811 000", "-1+1", "@SUM(A1)"):
        report(world, title)
    report(world, "Tagihan \u202egnp.exe")
    assert sorted(titles(csv_rows(client_for(world.kadis)))) == sorted(
        [
            '\'=HYPERLINK("http://x.test","klik")',
            "'+62 811 000",
            "'-1+1",
            "'@SUM(A1)",
            "Tagihan gnp.exe",
        ]
    )


def test_it_writes_each_agencys_times_in_its_own_zone_for_a_platform_admin(
    world: World, agency_b: Agency, platform_admin: User
) -> None:
    here = report(world, "Di Jakarta")
    sop = load_definition(agency_b, OTHER_SOP, path="lapor.yaml").definition
    there = start_case(
        sop,
        source=CaseSource.REPORT,
        title="Di Makassar",
        reporter=User.objects.get(username="beta.dinkes"),
    )
    rows = {row[1]: row for row in csv_rows(client_for(platform_admin))[1:]}
    assert rows["Di Jakarta"][6] == local(here.started_at, WIB)
    assert rows["Di Makassar"][6] == local(there.started_at, WITA)


def test_it_exports_csv_in_a_few_queries_per_chunk_not_per_case(
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for(world.kadis)
    for index in range(3):
        report(world, f"Gangguan {index}", at=ago(index))
    csv_rows(client)
    with CaptureQueriesContext(connection) as few:
        assert len(csv_rows(client)) == 1 + 3
    for index in range(3, 30):
        report(world, f"Gangguan {index}", at=ago(index))
    with CaptureQueriesContext(connection) as many:
        assert len(csv_rows(client)) == 1 + 30
    assert len(few) == len(many)
    with django_assert_max_num_queries(BOUND):
        csv_rows(client, "?late=yes&status=open")
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)  # 30 cases: 5 chunks, a prefetch each
    with CaptureQueriesContext(connection) as chunked:
        assert len(csv_rows(client)) == 1 + 30
    assert len(chunked) == len(many) + 4


# --- XLSX -----------------------------------------------------------------------------------


def xlsx(client: Client, query: str = "") -> Worksheet:
    response = client.get(XLSX_URL + query)
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert re.fullmatch(
        r'attachment; filename="kasus-\d{4}-\d{2}-\d{2}\.xlsx"', response["Content-Disposition"]
    )
    body = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(body))
    sheet = book.active
    assert sheet is not None
    return sheet


def naive_local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(WIB).replace(tzinfo=None) if moment else None


def same_time(cell: object, moment: dt.datetime | None) -> bool:
    """``cell`` is the Excel date of ``moment`` in WIB (to the second: Excel keeps
    fractions of a day)."""
    expected = naive_local(moment)
    assert isinstance(cell, dt.datetime)
    assert expected is not None
    return abs(cell - expected) < dt.timedelta(seconds=1)


def test_it_exports_xlsx_with_a_bold_frozen_filtered_header_and_real_dates(
    world: World, outcomes: dict[str, Case]
) -> None:
    sheet = xlsx(client_for(world.kadis))
    assert sheet.title == "Cases"
    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M6"
    assert sheet.max_row == 6
    assert (sheet.column_dimensions["B"].width or 0) >= 30  # the title column is wide
    late = outcomes["late"]
    step = waiting(late)
    row = [cell.value for cell in sheet[5]]
    assert row[:6] == [
        late.number,
        "Switch lantai 2 mati",
        "Penanganan Gangguan (uji)",
        "Dinkes",
        "Report from an OPD",
        "Open",
    ]
    assert same_time(row[6], late.started_at)
    assert row[7] is None
    assert row[8:10] == ["3. Kabid mendisposisikan", "Kabid"]
    assert same_time(row[10], step.due_at)
    assert row[11:] == ["Late", 2]
    started = sheet.cell(5, 7)
    assert isinstance(started, Cell)
    assert started.is_date
    assert "yyyy-mm-dd" in started.number_format
    closed = outcomes["closed_late"]
    closed.refresh_from_db()
    assert same_time(sheet.cell(6, 8).value, closed.closed_at)
    assert [sheet.cell(6, column).value for column in (9, 10, 11, 12, 13)] == [
        None,
        None,
        None,
        "Late",
        1,
    ]
    assert [sheet.cell(3, column).value for column in (12, 13)] == ["On time", 0]


def test_it_writes_xlsx_texts_as_strings_never_formulas(world: World) -> None:
    report(world, '=HYPERLINK("http://x.test","klik")')
    sheet = xlsx(client_for(world.kadis))
    cell = sheet.cell(2, 2)
    assert cell.value == '=HYPERLINK("http://x.test","klik")'
    assert cell.data_type == "s"


def test_it_honours_the_filters_and_visibility_in_the_xlsx(
    world: World, outcomes: dict[str, Case]
) -> None:
    sheet = xlsx(client_for(world.kadis), "?late=closed_on_time")
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Kabel patch longgar"
    ]
    sheet = xlsx(client_for(world.reporter))
    found = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "Router kecamatan" not in found
    assert "Rahasia delta" not in found
    assert len(found) == 4


def test_it_exports_an_empty_xlsx_with_its_header(world: World) -> None:
    sheet = xlsx(client_for(world.kadis))
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.max_row == 1


def test_it_exports_xlsx_in_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.kadis)
    for index in range(12):
        case = report(world, f"Gangguan {index}", at=ago(index))
        if index % 4 == 1:
            close(world, case)
    client.get(XLSX_URL)
    with django_assert_max_num_queries(BOUND):
        sheet = xlsx(client)
    assert sheet.max_row == 1 + 12
