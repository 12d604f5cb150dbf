"""The availability report of one OPD for one month (issue 16 point 5): the figures of a
hand-made month (maintenance and time unreachable behind a failed parent left out), the
outages with their cases, the numbered PDF (text read back with pypdf), the XLSX (read back
cell by cell with openpyxl), who sees which OPD, and bad input.

The clock is moved to 10 December 2026, 10.00 WIB (``time_machine``), so the month
reported (November 2026, 30 days, in the hours kept) and every figure are the same
whatever day the tests run.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from jaga.audit.models import Event
from jaga.documents.models import Document, NumberPattern, ReportType
from jaga.documents.services import issue_report, pdf_bytes, template_for
from jaga.inventory.models import Device, Link
from jaga.monitoring.models import (
    Check,
    MaintenanceWindow,
    Outage,
    ResultDay,
    ResultHour,
)
from jaga.org.models import Opd, User
from jaga.reports.availability import (
    AvailabilityReport,
    Month,
    ReportInputError,
    build,
    document_content,
    hours_kept_from,
    run_counts,
)
from jaga.reports.charts import Bar, bar_chart, nice_floor
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case
from tests.inventory.test_pages import Net, add_device, add_link, make_case, make_net
from tests.pdf_support import pdf_text, save_pngs

pytestmark = pytest.mark.django_db

UTC = dt.UTC
JAKARTA = ZoneInfo("Asia/Jakarta")
#: "Now" in every test: 10 December 2026, 10.00 WIB.
NOW = dt.datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
NOVEMBER = Month(2026, 11)
#: November 2026 in WIB, in UTC: [31 Oct 17.00, 30 Nov 17.00).
NOV_START = dt.datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
NOV_HOURS = 30 * 24
PAGE = "reports:availability"


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def client_for(user: User) -> Client:
    """A client signed in as ``user`` that asks for English pages (the messages checked)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(user)
    return client


def check_on(device: Device | None = None, link: Link | None = None, name: str = "") -> Check:
    subject = device or (link.a_device if link is not None else None)
    assert subject is not None
    return Check.objects.create(
        agency=subject.agency,
        name=name or f"ping {subject.name}",
        kind="icmp",
        device=device,
        link=link,
        interval_s=60,
        timeout_s=2,
    )


def november_hours(check: Check, special: dict[dt.datetime, dict[str, int]]) -> None:
    """One hour row per UTC hour of November 2026 in WIB: 60 runs up (a check every
    minute), except the hours of ``special``."""
    ResultHour.objects.bulk_create(
        ResultHour(
            monitor_check=check,
            start=NOV_START + dt.timedelta(hours=i),
            **special.get(NOV_START + dt.timedelta(hours=i), {"n_up": 60}),
        )
        for i in range(NOV_HOURS)
    )


def outage(
    check: Check, start: dt.datetime, end: dt.datetime | None, case: Case | None = None
) -> Outage:
    return Outage.objects.create(
        agency=check.agency,
        monitor_check=check,
        kind="down",
        started_at=start,
        confirmed_at=start + dt.timedelta(minutes=3),
        ended_at=end,
        case=case,
    )


@dataclass
class City:
    """Agency alpha's network (``make_net``) with an access point below the Dinkes switch
    and an ISP link at the Dinkes office, monitored through November 2026."""

    net: Net
    dinkes: Opd
    bappeda: Opd
    ap: Device
    ping_ap: Check
    ping_switch: Check
    isp: Check
    bappeda_check: Check
    case_night: Case
    case_switch: Case
    case_ap: Case


@pytest.fixture
def city(agency_a: Agency, agency_b: Agency, media: Path) -> City:
    """The month, by hand (a check every minute, so a run is a minute):

    - ``ping ap-dinkes`` fails 90 minutes on 12 November from 10.00 WIB: 10.00-10.30 in a
      maintenance window on the AP (30 runs), 10.30-10.50 while its uplink, the switch,
      is down (20 runs unreachable), 10.50-11.30 down (40 runs; an outage with a case).
    - ``ping sw-dinkes`` is down from 31 October 20.00 to 1 November 01.00 WIB (an outage
      with a case; one hour of it falls in November) and 10.30-10.50 on 12 November
      (another outage and case). A row of 31 October 23.00 WIB lies outside November.
    - ``link isp`` (the switch's ISP link, its near end the switch) is down from 30
      November 22.00 WIB and still is (an outage without a case); the row of 1 December
      00.00 WIB lies outside November.
    - Outages outside November, the Bappeda office's and agency beta's are not reported.
    """
    net = make_net(agency_a)
    dinkes = Opd.objects.get(agency=agency_a, abbreviation="Dinkes")
    bappeda = Opd.objects.get(agency=agency_a, abbreviation="Bappeda")
    ap = add_device(net, "ap-dinkes", net.dinkes, uplink=net.switch, addresses=("10.1.1.11",))
    isp_link = add_link(net, net.switch, provider="Telkom", circuit_id="TLK-9", bandwidth=50)
    ping_core = check_on(net.core)
    ping_switch = check_on(net.switch)
    ping_ap = check_on(ap)
    isp = check_on(link=isp_link, name="link isp")
    bappeda_device = add_device(net, "sw-bappeda", net.bappeda, uplink=net.core, kind="switch")
    bappeda_check = check_on(bappeda_device)

    november_hours(ping_core, {})
    november_hours(
        ping_ap,
        {
            utc(11, 12, 3): {"n_maintenance": 30, "n_unreachable": 20, "n_down": 10},
            utc(11, 12, 4): {"n_down": 30, "n_up": 30},
        },
    )
    november_hours(
        ping_switch,
        {NOV_START: {"n_down": 60}, utc(11, 12, 3): {"n_up": 40, "n_down": 20}},
    )
    ResultHour.objects.create(monitor_check=ping_switch, start=utc(10, 31, 16), n_down=60)
    november_hours(isp, {utc(11, 30, 15): {"n_down": 60}, utc(11, 30, 16): {"n_down": 60}})
    ResultHour.objects.create(monitor_check=isp, start=utc(11, 30, 17), n_down=60)
    november_hours(bappeda_check, {utc(11, 5, 2): {"n_down": 60}})
    # Day rows of the same month must not be read (the hours are kept): they would show.
    ResultDay.objects.create(monitor_check=ping_ap, start=utc(11, 15, 0), n_down=999)

    MaintenanceWindow.objects.create(
        agency=agency_a,
        device=ap,
        starts_at=utc(11, 12, 3, 0),
        ends_at=utc(11, 12, 3, 30),
        reason="Penggantian adaptor daya AP",
    )
    case_night = make_case(net, "Gangguan jaringan Dinkes malam hari", dinkes)
    case_switch = make_case(net, "Switch Dinkes mati", dinkes)
    case_ap = make_case(net, "AP Dinkes tidak menjawab", dinkes)
    outage(ping_switch, utc(10, 20, 1), utc(10, 20, 2))  # October only
    outage(ping_switch, utc(10, 31, 13), utc(10, 31, 18), case_night)
    outage(ping_switch, utc(11, 12, 3, 30), utc(11, 12, 3, 50), case_switch)
    outage(ping_ap, utc(11, 12, 3, 50), utc(11, 12, 4, 30), case_ap)
    outage(isp, utc(11, 30, 15), None)
    outage(ping_ap, utc(12, 2, 1), utc(12, 2, 2))  # December only
    outage(bappeda_check, utc(11, 5, 2), utc(11, 5, 3), make_case(net, "Bappeda", bappeda))

    # Agency beta: an OPD of the same name with a device down all November.
    beta = make_net(agency_b)
    beta_check = check_on(beta.switch, name="ping beta")
    november_hours(beta_check, {utc(11, 12, 3): {"n_down": 60}})
    outage(beta_check, utc(11, 12, 3), utc(11, 12, 4))
    return City(
        net=net,
        dinkes=dinkes,
        bappeda=bappeda,
        ap=ap,
        ping_ap=ping_ap,
        ping_switch=ping_switch,
        isp=isp,
        bappeda_check=bappeda_check,
        case_night=case_night,
        case_switch=case_switch,
        case_ap=case_ap,
    )


def line_of(report: AvailabilityReport, check: Check) -> Any:
    return next(line for line in report.checks if line.check_id == check.pk)


def page_url(opd: Opd, month: str = "2026-11", name: str = PAGE) -> str:
    return f"{reverse(name)}?opd={opd.pk}&month={month}"


# --- The figures --------------------------------------------------------------------------


def test_it_leaves_maintenance_and_unreachable_time_out_of_availability(city: City) -> None:
    report = build(city.dinkes, NOVEMBER)
    ap = line_of(report, city.ping_ap).figures
    # 30 days of minutes: 43,200 runs; 90 failed, of which 30 in maintenance and 20 behind
    # the failed switch: 43,110 up of 43,150 counted.
    assert (ap.up, ap.down, ap.maintenance, ap.unreachable) == (43_110, 40, 30, 20)
    assert ap.ratio == Fraction(43_110, 43_150)
    assert ap.percent == Decimal("99.907")
    assert (ap.down_minutes, ap.maintenance_minutes, ap.unreachable_minutes) == (40, 30, 20)
    assert ap.outages == 1


def test_it_counts_the_local_month_exactly_at_both_ends(city: City) -> None:
    report = build(city.dinkes, NOVEMBER)
    switch = line_of(report, city.ping_switch).figures
    # 60 minutes of the night outage fall in November (00.00-01.00 WIB), 20 on the 12th;
    # the row of 31 October 23.00 WIB does not count.
    assert (switch.up, switch.down) == (43_120, 80)
    assert switch.percent == Decimal("99.814")
    assert switch.outages == 2
    isp = line_of(report, city.isp).figures
    # 22.00-24.00 WIB on 30 November; the row of 1 December 00.00 WIB does not count.
    assert (isp.up, isp.down, isp.percent) == (43_080, 120, Decimal("99.722"))


def test_it_sums_a_device_with_its_links_and_the_opd_with_everything(city: City) -> None:
    report = build(city.dinkes, NOVEMBER)
    devices = {line.device: line.figures for line in report.devices}
    assert list(devices) == ["ap-dinkes", "sw-dinkes"]
    assert devices["ap-dinkes"].percent == Decimal("99.907")
    # The switch's ping and its ISP link: 86,200 up of 86,400.
    assert devices["sw-dinkes"].percent == Decimal("99.768")
    total = report.total
    assert (total.up, total.down, total.maintenance, total.unreachable) == (129_310, 240, 30, 20)
    assert total.percent == Decimal("99.814")
    assert (total.down_minutes, total.outages) == (Fraction(240), 4)
    assert report.source == "hour"
    assert report.complete


def test_it_lists_the_outages_of_the_month_with_their_cases(city: City) -> None:
    report = build(city.dinkes, NOVEMBER)
    rows = [
        (
            line.device,
            f"{line.started:%d-%m %H.%M}",
            f"{line.ended:%d-%m %H.%M}" if line.ended else None,
            int(line.minutes),
            line.case_number,
        )
        for line in report.outages
    ]
    assert rows == [
        ("sw-dinkes", "31-10 20.00", "01-11 01.00", 300, city.case_night.number),
        ("sw-dinkes", "12-11 10.30", "12-11 10.50", 20, city.case_switch.number),
        ("ap-dinkes", "12-11 10.50", "12-11 11.30", 40, city.case_ap.number),
        # Still going on: its length so far, to 10 December 10.00 WIB.
        ("sw-dinkes", "30-11 22.00", None, 13_680, None),
    ]
    assert report.outages[2].case_title == "AP Dinkes tidak menjawab"
    assert [(w.subject, f"{w.starts:%H.%M}") for w in report.windows] == [("ap-dinkes", "10.00")]


def test_it_leaves_out_other_opds_and_agencies(city: City) -> None:
    report = build(city.dinkes, NOVEMBER)
    names = {line.check for line in report.checks}
    assert names == {"ping ap-dinkes", "ping sw-dinkes", "link isp"}
    assert "Bappeda" not in str(document_content(report))
    bappeda = build(city.bappeda, NOVEMBER)
    assert [line.check for line in bappeda.checks] == ["ping sw-bappeda"]
    assert [line.case_title for line in bappeda.outages] == ["Bappeda"]


def test_it_has_no_availability_without_counted_runs(city: City) -> None:
    empty_opd = Opd.objects.create(agency=city.net.agency, name="Kecamatan Sepi", abbreviation="KS")
    report = build(empty_opd, NOVEMBER)
    assert report.checks == []
    assert report.total.percent is None
    assert document_content(report)["total"]["availability"] == "-"


def test_it_reports_the_month_in_progress_up_to_now(city: City) -> None:
    report = build(city.dinkes, Month(2026, 12))
    assert not report.complete
    assert report.until == NOW
    # The ISP link's December hour row (00.00 WIB) counts; its outage goes on.
    assert line_of(report, city.isp).figures.down == 60
    ends = [line.ended for line in report.outages]
    assert ends == [None, dt.datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA)]


def test_it_reads_a_month_written_yyyy_mm_only() -> None:
    assert Month.parse(" 2026-11 ") == NOVEMBER
    assert NOVEMBER.label() == "November 2026"
    assert NOVEMBER.bounds(JAKARTA) == (
        dt.datetime(2026, 11, 1, tzinfo=JAKARTA),
        dt.datetime(2026, 12, 1, tzinfo=JAKARTA),
    )
    for bad in ("2026-13", "2026-00", "November", "2026-1", "1999-12", "", "2026-11-01"):
        with pytest.raises(ReportInputError):
            Month.parse(bad)


def test_it_refuses_to_build_a_future_month(city: City) -> None:
    with pytest.raises(ReportInputError, match="has not begun"):
        build(city.dinkes, Month(2027, 1))


def test_it_reads_day_rows_for_a_month_older_than_the_hours_kept(city: City) -> None:
    check = city.ping_ap
    # July 2026 in WIB: [30 June 17.00 UTC, 31 July 17.00 UTC); UTC days 1-31 July count.
    ResultDay.objects.bulk_create(
        ResultDay(monitor_check=check, start=utc(7, day, 0), n_up=1440) for day in range(2, 32)
    )
    ResultDay.objects.create(monitor_check=check, start=utc(7, 1, 0), n_up=1410, n_down=30)
    ResultDay.objects.create(monitor_check=check, start=utc(6, 30, 0), n_down=1440)
    report = build(city.dinkes, Month(2026, 7))
    assert report.source == "day"
    figures = line_of(report, check).figures
    assert (figures.up, figures.down, figures.percent) == (44_610, 30, Decimal("99.932"))


def test_it_joins_day_rows_and_the_hours_kept_without_counting_twice(city: City) -> None:
    check = city.ping_ap
    cut = hours_kept_from(NOW)
    assert cut == utc(9, 12, 0)  # the first UTC midnight after NOW less 90 days
    # September 2026 in WIB: [31 August 17.00 UTC, 30 September 17.00 UTC). Day rows from
    # the 12th on would count twice if read: they hold a failed run each.
    ResultDay.objects.bulk_create(
        ResultDay(monitor_check=check, start=utc(9, day, 0), n_up=1440, n_down=int(day >= 12))
        for day in range(1, 31)
    )
    down_hour = utc(9, 20, 5)
    ResultHour.objects.bulk_create(
        ResultHour(
            monitor_check=check,
            start=cut + dt.timedelta(hours=i),
            n_up=0 if cut + dt.timedelta(hours=i) == down_hour else 60,
            n_down=60 if cut + dt.timedelta(hours=i) == down_hour else 0,
        )
        for i in range(18 * 24 + 17)  # 12 September 00.00 to 30 September 17.00 UTC
    )
    ResultHour.objects.create(monitor_check=check, start=utc(9, 30, 17), n_down=60)  # October
    start, end = Month(2026, 9).bounds(JAKARTA)
    counts, source = run_counts([check.pk], start, end, NOW)
    assert source == "day+hour"
    # 11 UTC days (1-11 September) and 449 hours, one of them down.
    assert counts[check.pk] == (11 * 1440 + 448 * 60, 60, 0, 0)


# --- The document --------------------------------------------------------------------------


def issue_through_page(client: Client, opd: Opd, month: str = "2026-11") -> Any:
    return client.post(reverse("reports:availability_issue"), {"opd": opd.pk, "month": month})


def test_it_issues_a_numbered_pdf_with_the_letterhead_and_the_figures(city: City) -> None:
    client = client_for(city.net.kadis)
    response = issue_through_page(client, city.dinkes)
    document = Document.objects.get(document_type=ReportType.LAPORAN_KETERSEDIAAN.value)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:availability_document", args=[document.pk])
    assert (document.case, document.step, document.number) == (
        None,
        None,
        "500.12/1/LK/Diskominfo/XII/2026",  # the shipped pattern on the kode klasifikasi arsip
    )
    assert document.title == "Laporan Ketersediaan Jaringan Dinas Kesehatan November 2026"
    assert document.issued_by == city.net.kadis
    event = Event.objects.get(action="document.issued", object_id=str(document.pk))
    assert event.after is not None
    assert (event.after["number"], event.after["case"]) == ("500.12/1/LK/Diskominfo/XII/2026", None)

    pdf = client.get(response["Location"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    save_pngs(body, "reports", "laporan-ketersediaan")
    for expected in (
        "PEMERINTAH KOTA ALPHA",  # the letterhead
        "DINAS KOMUNIKASI DAN INFORMATIKA ALPHA",
        "LAPORAN KETERSEDIAAN JARINGAN",
        "Nomor : 500.12/1/LK/Diskominfo/XII/2026",
        "Hal : Laporan Ketersediaan Jaringan",
        "Perangkat Daerah : Dinas Kesehatan",
        "Periode : November 2026",
        "Ketersediaan : 99,814%",
        "Waktu henti : 240 menit, 4 kali gangguan",
        "ping ap-dinkes",
        "99,907 40 30 20 1",  # availability, downtime, maintenance, unreachable, outages
        "99,814 80 0 0 2",  # the switch
        "99,722 120 0 0 1",  # its ISP link
        "Jumlah Dinas Kesehatan 99,814 240 30 20 4",
        "31-10-2026 20.00 01-11-2026 01.00 300",
        f"#{city.case_ap.number} AP Dinkes tidak menjawab",
        "30-11-2026 22.00 berlangsung 13.680",
        "Penggantian adaptor daya AP",
        "Kota Alpha, 10 Desember 2026",  # place and date
        "Kadis alpha",  # the signer
        "ap-dinkes 99,907%",  # the chart: a label and its bar's value (SVG text)
        "sw-dinkes 99,768%",
        "90% 92,5% 95% 97,5% 100%",  # its scale
    ):
        assert expected in text, expected
    for absent in ("sw-bappeda", "ping beta", "Bappeda"):
        assert absent not in text


def test_it_numbers_reports_by_the_agencys_pattern_per_type(city: City) -> None:
    agency = city.net.agency
    NumberPattern.objects.create(
        agency=agency,
        document_type=ReportType.LAPORAN_KETERSEDIAAN.value,
        pattern="{klasifikasi}/{urut}/{unit}/{bulan_romawi}/{tahun}",
        klasifikasi="000.8.3.3",
        unit_code="Diskominfo",
        digits=3,
    )
    content = document_content(build(city.dinkes, NOVEMBER))
    kadis = city.net.kadis
    first = issue_report(agency, ReportType.LAPORAN_KETERSEDIAAN, kadis, NOW, content)
    second = issue_report(agency, ReportType.LAPORAN_KETERSEDIAAN, kadis, NOW, content)
    recap = issue_report(agency, ReportType.REKAPITULASI, kadis, NOW, {"rows": []})
    assert [first.number, second.number] == [
        "000.8.3.3/001/Diskominfo/XII/2026",
        "000.8.3.3/002/Diskominfo/XII/2026",
    ]
    assert recap.number == "500.12/1/Rekap/Diskominfo/XII/2026"  # no pattern: the shipped one
    assert (first.title, recap.title) == ("Laporan Ketersediaan Jaringan", "Rekapitulasi")
    assert first.content["title"] == "LAPORAN KETERSEDIAAN JARINGAN"
    assert first.content["signer"]["name"] == "Kadis alpha"
    assert template_for(first.document_type) == "documents/laporan_ketersediaan.html"
    beta_admin = User.objects.get(username="beta.admin")
    with pytest.raises(ValueError, match="its own agency"):
        issue_report(agency, ReportType.LAPORAN_KETERSEDIAAN, beta_admin, NOW, content)


def test_it_verifies_a_report_document_that_has_no_case(city: City) -> None:
    content = document_content(build(city.dinkes, NOVEMBER))
    document = issue_report(
        city.net.agency, ReportType.LAPORAN_KETERSEDIAAN, city.net.kadis, NOW, content
    )
    public = Client()
    page = public.get(reverse("verify", args=[document.token]))
    assert page.status_code == 200
    assert "500.12/1/LK/Diskominfo/XII/2026" in page.content.decode()
    document.refresh_from_db()
    pdf = pdf_bytes(document)
    upload = io.BytesIO(pdf)
    upload.name = "laporan.pdf"
    checked = public.post(reverse("verify", args=[document.token]), {"file": upload})
    assert 'id="match"' in checked.content.decode()


# --- The XLSX --------------------------------------------------------------------------------


def test_it_writes_the_tables_as_xlsx_cell_by_cell(city: City) -> None:
    response = client_for(city.net.kadis).get(
        page_url(city.dinkes, name="reports:availability_xlsx")
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="ketersediaan-Dinkes-2026-11.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Pemeriksaan", "Perangkat", "Gangguan", "Pemeliharaan"]

    checks = book["Pemeriksaan"]
    assert checks["A1"].value == "Laporan Ketersediaan Jaringan Dinas Kesehatan"
    assert checks["A2"].value == "Periode: November 2026; waktu dalam WIB"
    assert checks.freeze_panes == "A6"  # the title lines and the header stay in view
    assert [cell.value for cell in checks[5]] == [
        "No",
        "Perangkat",
        "Lokasi",
        "Pemeriksaan",
        "Jenis",
        "Interval (detik)",
        "Ketersediaan",
        "Waktu henti (menit)",
        "Pemeliharaan (menit)",
        "Tidak terjangkau (menit)",
        "Gangguan (kali)",
    ]
    rows = [[cell.value for cell in row] for row in checks.iter_rows(min_row=6, max_row=9)]
    assert rows == [
        [1, "ap-dinkes", "Dinkes Pusat", "ping ap-dinkes", "Ping ICMP", 60, 0.99907, 40, 30, 20, 1],
        [2, "sw-dinkes", "Dinkes Pusat", "link isp", "Ping ICMP", 60, 0.99722, 120, 0, 0, 1],
        [3, "sw-dinkes", "Dinkes Pusat", "ping sw-dinkes", "Ping ICMP", 60, 0.99814, 80, 0, 0, 2],
        [None, "Jumlah Dinas Kesehatan", None, None, None, None, 0.99814, 240, 30, 20, 4],
    ]
    assert checks["G6"].number_format == "0.000%"
    assert checks["H6"].number_format == "#,##0.0"
    assert checks["B9"].font.b  # the total row is bold
    assert checks["A10"].value is None

    devices = book["Perangkat"]
    assert [[c.value for c in row] for row in devices.iter_rows(min_row=6, max_row=8)] == [
        [1, "ap-dinkes", "Dinkes Pusat", 0.99907, 40, 30, 20, 1],
        [2, "sw-dinkes", "Dinkes Pusat", 0.99768, 200, 0, 0, 3],
        [None, "Jumlah Dinas Kesehatan", None, 0.99814, 240, 30, 20, 4],
    ]

    outages = book["Gangguan"]
    assert [c.value for c in outages[5]] == [
        "No", "Perangkat", "Pemeriksaan", "Jenis", "Mulai", "Selesai", "Durasi (menit)",
        "Nomor kasus", "Judul kasus",
    ]  # fmt: skip
    got = [[c.value for c in row] for row in outages.iter_rows(min_row=6, max_row=9)]
    assert got == [
        [1, "sw-dinkes", "ping sw-dinkes", "Mati", dt.datetime(2026, 10, 31, 20, 0),
         dt.datetime(2026, 11, 1, 1, 0), 300, city.case_night.number,
         "Gangguan jaringan Dinkes malam hari"],
        [2, "sw-dinkes", "ping sw-dinkes", "Mati", dt.datetime(2026, 11, 12, 10, 30),
         dt.datetime(2026, 11, 12, 10, 50), 20, city.case_switch.number, "Switch Dinkes mati"],
        [3, "ap-dinkes", "ping ap-dinkes", "Mati", dt.datetime(2026, 11, 12, 10, 50),
         dt.datetime(2026, 11, 12, 11, 30), 40, city.case_ap.number, "AP Dinkes tidak menjawab"],
        [4, "sw-dinkes", "link isp", "Mati", dt.datetime(2026, 11, 30, 22, 0), "berlangsung",
         13_680, None, None],
    ]  # fmt: skip
    assert outages["E6"].number_format == "dd-mm-yyyy hh:mm"

    windows = book["Pemeliharaan"]
    assert [c.value for c in windows[6]] == [
        1, "ap-dinkes", dt.datetime(2026, 11, 12, 10, 0), dt.datetime(2026, 11, 12, 10, 30),
        "Penggantian adaptor daya AP",
    ]  # fmt: skip


# --- Who sees what, and bad input ----------------------------------------------------------


def test_it_offers_an_opd_user_their_own_office_only(city: City) -> None:
    client = client_for(city.net.dinkes_user)
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    offered = list(page.context["form"].fields["opd"].queryset)
    assert offered == [city.dinkes]
    assert page.context["form"].initial == {"month": "2026-11", "opd": city.dinkes.pk}
    shown = client.get(page_url(city.dinkes))
    assert shown.status_code == 200
    assert shown.context["report"].total.percent == Decimal("99.814")
    assert 'id="issue-pdf"' not in shown.content.decode()  # the Diskominfo issues
    assert client.get(page_url(city.dinkes, name="reports:availability_xlsx")).status_code == 200
    # Another OPD of the agency is not a choice: the form says so, nothing is computed.
    other = client.get(page_url(city.bappeda))
    assert other.status_code == 400
    assert other.context["report"] is None
    assert "Select a valid choice" in other.content.decode()
    assert client.get(page_url(city.bappeda, name="reports:availability_xlsx")).status_code == 400
    assert issue_through_page(client, city.dinkes).status_code == 403
    assert not Document.objects.exists()


def test_it_offers_the_diskominfo_every_opd_of_its_agency_and_no_other(city: City) -> None:
    client = client_for(city.net.kadis)
    page = client.get(reverse(PAGE))
    offered = {opd.name for opd in page.context["form"].fields["opd"].queryset}
    assert offered == {"Dinas Kesehatan", "Bappeda"}
    assert 'id="issue-pdf"' in client.get(page_url(city.dinkes)).content.decode()
    beta_dinkes = Opd.objects.get(agency__slug="beta", abbreviation="Dinkes")
    for name in (PAGE, "reports:availability_xlsx"):
        refused = client.get(page_url(beta_dinkes, name=name))
        assert refused.status_code == 400
        assert "Select a valid choice" in refused.content.decode()
    refused = issue_through_page(client, beta_dinkes)
    assert refused.status_code == 400
    assert not Document.objects.exists()


def test_it_shows_issued_reports_only_to_who_may_see_their_opd(city: City) -> None:
    kadis = client_for(city.net.kadis)
    issue_through_page(kadis, city.dinkes)
    issue_through_page(kadis, city.bappeda)
    dinkes_report, bappeda_report = Document.objects.order_by("pk")
    url = "reports:availability_document"
    dinkes_user = client_for(city.net.dinkes_user)
    assert dinkes_user.get(reverse(url, args=[dinkes_report.pk])).status_code == 200
    assert dinkes_user.get(reverse(url, args=[bappeda_report.pk])).status_code == 404
    listed = dinkes_user.get(reverse(PAGE)).context["issued"]
    assert listed == [dinkes_report]
    beta = client_for(User.objects.get(username="beta.admin"))
    assert beta.get(reverse(url, args=[dinkes_report.pk])).status_code == 404
    assert beta.get(reverse(PAGE)).context["issued"] == []


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Write the month as year and month"),
        ("13-2026", "Write the month as year and month"),
        ("1999-12", "Write the month as year and month"),
        ("", "This field is required"),
        ("2027-01", "That month has not begun yet"),
        ("2026-11\x00", "Null characters are not allowed"),
    ],
)
def test_it_refuses_a_bad_month_with_a_clear_error(city: City, month: str, message: str) -> None:
    client = client_for(city.net.kadis)
    for name in (PAGE, "reports:availability_xlsx"):
        response = client.get(reverse(name), {"opd": str(city.dinkes.pk), "month": month})
        assert response.status_code == 400
        assert message in response.content.decode()
    response = client.post(
        reverse("reports:availability_issue"), {"opd": city.dinkes.pk, "month": month}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize("opd", ["x", "-1", "0", "99999999999999999999999", "1.5", ""])
def test_it_refuses_a_bad_opd_with_a_clear_error(city: City, opd: str) -> None:
    response = client_for(city.net.kadis).get(reverse(PAGE), {"opd": opd, "month": "2026-11"})
    assert response.status_code == 400
    assert 'data-error="opd"' in response.content.decode()


def test_it_refuses_users_of_no_agency_and_anonymous_visitors(
    city: City, platform_admin: User
) -> None:
    assert client_for(platform_admin).get(reverse(PAGE)).status_code == 403
    anonymous = Client().get(reverse(PAGE))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


# --- The chart --------------------------------------------------------------------------------


def test_it_draws_one_bar_per_value_and_escapes_the_labels() -> None:
    svg = bar_chart(
        [Bar("<b>ap</b> & co", 97.5), Bar("sw", 100.0), Bar("baru", None)],
        low=90.0,
        empty_text="tidak ada data",
        threshold=99.0,
    )
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count("<rect") == 2
    assert "&lt;b&gt;ap&lt;/b&gt; &amp; co" in svg
    assert "<b>" not in svg
    assert "tidak ada data" in svg
    assert 'fill="#d63939"' in svg  # below the threshold
    assert nice_floor([97.1, 99.9, None]) == 90.0
    assert nice_floor([None]) == 0.0
    with pytest.raises(ValueError, match="must exceed"):
        bar_chart([], low=100.0, high=100.0)
