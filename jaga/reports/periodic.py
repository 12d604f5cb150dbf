"""The periodic reports to the Kepala Dinas (issue 16 point 4): the monthly, quarterly and
yearly report (``laporan_berkala``) and the month's rekapitulasi (seed 002 step 5,
"Melaporkan dan membuat rekapitulasi hasil pemeliharaan"; seeds 000 and 003, "Laporan
Tindaklanjut" to the Kepala Dinas), as numbered documents (``issue_report``) and as XLSX
with the same tables.

``build`` gathers a ``PeriodicReport`` (figures as numbers); ``document_content`` turns it
into the frozen, printed content (Indonesian, decimal commas, the chart as inline SVG);
``workbook`` writes the same tables to an XLSX file (numbers as numbers). The laporan
berkala holds the summary, Mutu Baku compliance per SOP step (with its chart), cases per
OPD, source and SOP, MTTA and MTTR per OPD, failures by device kind and the replaced
devices; the rekapitulasi adds every case closed in the month and every maintenance round
of the month with its sites checked and failed (``jaga.maintenance.progress``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.db.models import Count

from jaga.documents.models import ReportType
from jaga.reports import compliance, operations
from jaga.reports.charts import Bar, bar_chart
from jaga.reports.compliance import Dimension, Figures, Row
from jaga.reports.operations import ServiceTimes, Tally
from jaga.reports.periods import Period
from jaga.reports.xlsx import Book, Column, naive
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseStatus

QUARTERS = ("I", "II", "III", "IV")


def period_label_id(period: Period) -> str:
    """The period as documents print it: "November 2026", "Triwulan IV 2026", "Tahun 2026"."""
    if period.kind == "month":
        return format_date(period.start, format="LLLL y", locale="id")
    if period.kind == "quarter":
        return f"Triwulan {QUARTERS[(period.start.month - 1) // 3]} {period.start.year}"
    return f"Tahun {period.start.year}"


@dataclass(frozen=True)
class CaseLine:
    """A case closed in the period, as the rekapitulasi lists it (times local)."""

    number: int
    title: str
    sop: str
    opd: str
    started: dt.datetime
    closed: dt.datetime | None
    late_steps: int


@dataclass(frozen=True)
class RoundLine:
    """A maintenance round of the month: its plan, visit day, case and site figures."""

    plan: str
    visit: dt.datetime
    case_number: int
    state: str
    sites: int
    checked: int
    failed: int
    corrective: int


@dataclass
class PeriodicReport:
    """Everything one report prints, for ``agency`` over ``period``; ``kind`` is the
    ``ReportType`` (``REKAPITULASI`` adds ``cases`` and ``rounds``). Times are local."""

    agency: Agency
    period: Period
    kind: ReportType
    started: int
    closed: int
    open_at_end: int
    total: Figures
    steps: list[Row]
    by_opd: list[Tally]
    by_source: list[Tally]
    by_sop: list[Tally]
    overall: ServiceTimes
    per_opd: list[ServiceTimes]
    failures: list[Tally]
    replaced: list[dict[str, Any]]
    cases: list[CaseLine] = field(default_factory=list)
    rounds: list[RoundLine] = field(default_factory=list)


def build(agency: Agency, period: Period, kind: ReportType) -> PeriodicReport:
    """Gather the report of ``agency`` for ``period`` (a rekapitulasi is a month: any
    other period raises ``ValueError``). A fixed number of queries plus three per
    maintenance round of the month."""
    if kind is ReportType.REKAPITULASI and period.kind != "month":
        raise ValueError("a rekapitulasi covers one month")
    if kind not in (ReportType.REKAPITULASI, ReportType.LAPORAN_BERKALA):
        raise ValueError(f"{kind} is not a periodic report")
    zone = ZoneInfo(agency.timezone)
    start, end = operations.bounds(agency, period)
    records = compliance.records(agency, period)
    overall, per_opd = operations.service_times(agency, period)
    cases = Case.objects.filter(agency=agency)
    report = PeriodicReport(
        agency=agency,
        period=period,
        kind=kind,
        started=operations.cases_started(agency, period).count(),
        closed=cases.filter(closed_at__gte=start, closed_at__lt=end).count(),
        open_at_end=cases.filter(started_at__lt=end)
        .exclude(closed_at__lt=end)
        .exclude(status=CaseStatus.CANCELLED)
        .count(),
        total=compliance.summarise(records),
        steps=compliance.breakdown(records, Dimension.STEP),
        by_opd=operations.cases_by(agency, period, "opd"),
        by_source=operations.cases_by(agency, period, "source"),
        by_sop=operations.cases_by(agency, period, "sop"),
        overall=overall,
        per_opd=per_opd,
        failures=operations.failures_by(agency, period, "kind"),
        replaced=[
            {
                "at": item.at.astimezone(zone),
                "removed": item.removed.name,
                "installed": item.installed.name,
                "site": item.site.name,
                "case": item.case.number,
            }
            for item in operations.replacements(agency, period)
        ],
    )
    if kind is ReportType.REKAPITULASI:
        report.cases = _closed_cases(agency, start, end, zone)
        report.rounds = _rounds(agency, start, end, zone)
    return report


def _closed_cases(
    agency: Agency, start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[CaseLine]:
    from jaga.reports.models import StepRecord

    late = dict(
        StepRecord.objects.filter(
            agency=agency, case__closed_at__gte=start, case__closed_at__lt=end, on_time=False
        )
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    return [
        CaseLine(
            case.number,
            case.title,
            case.definition.code,
            case.opd.name if case.opd is not None else "",
            case.started_at.astimezone(zone),
            case.closed_at.astimezone(zone) if case.closed_at else None,
            late.get(case.pk, 0),
        )
        for case in Case.objects.filter(agency=agency, closed_at__gte=start, closed_at__lt=end)
        .select_related("definition", "opd")
        .order_by("closed_at", "pk")
    ]


def _rounds(
    agency: Agency, start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[RoundLine]:
    from jaga.maintenance.models import MaintenanceRound
    from jaga.maintenance.progress import site_progress

    lines = []
    for found in (
        MaintenanceRound.objects.filter(agency=agency, visit_at__gte=start, visit_at__lt=end)
        .select_related("plan", "case")
        .order_by("visit_at", "pk")
    ):
        progress = site_progress(found)
        lines.append(
            RoundLine(
                found.plan.name,
                found.visit_at.astimezone(zone),
                found.case.number,
                STATE_ID.get(found.case.status, found.case.status),
                len(progress),
                sum(site.checked for site in progress),
                sum(site.failed for site in progress),
                sum(len(site.corrective) for site in progress),
            )
        )
    return lines


STATE_ID: dict[str, str] = {
    CaseStatus.OPEN: "Dalam proses",
    CaseStatus.CLOSED: "Selesai",
    CaseStatus.CANCELLED: "Dibatalkan",
}


def _num(value: float | None, digits: int = 1) -> str:
    """A number as Indonesians write it ("78,6"); "-" for none."""
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _when(value: dt.datetime | None) -> str:
    return f"{value:%d-%m-%Y %H.%M}" if value is not None else "-"


def _figures(figures: Figures) -> dict[str, Any]:
    return {
        "done": figures.done,
        "timed": figures.timed,
        "on_time": figures.on_time,
        "late": figures.late,
        "share": _num(figures.percent),
        "median": f"{figures.median_percent}%" if figures.median_percent is not None else "-",
        "p90": f"{figures.p90_percent}%" if figures.p90_percent is not None else "-",
        "actual": _num(figures.median_actual_minutes),
    }


def chart(report: PeriodicReport, *, fluid: bool = False) -> str:
    """The Mutu Baku chart: the on-time share of each timed step, red below 100 %; 16 cm
    wide for the document, or as wide as its container (``fluid``) on a page."""
    bars = [
        Bar(row.label, row.figures.percent, f"{_num(row.figures.percent)}%")
        for row in report.steps
        if row.figures.timed
    ]
    return bar_chart(
        bars,
        value_text=lambda value: f"{_num(value)}%",
        tick_text=lambda value: f"{value:g}%",
        title="Kepatuhan Mutu Baku per langkah",
        threshold=100.0,
        fluid=fluid,
    )


def document_title(report: PeriodicReport) -> str:
    """The title in lists and on the verification page."""
    name = "Rekapitulasi" if report.kind is ReportType.REKAPITULASI else "Laporan"
    return f"{name} {period_label_id(report.period)}"


def document_content(report: PeriodicReport) -> dict[str, Any]:
    """The frozen content of the report's document (JSON values; Indonesian text)."""
    return {
        "period": {
            "key": report.period.key,
            "kind": report.period.kind,
            "label": period_label_id(report.period),
        },
        "summary": {
            "started": report.started,
            "closed": report.closed,
            "open_at_end": report.open_at_end,
            "mtta": _num(report.overall.mtta_minutes),
            "mttr": _num(report.overall.mttr_minutes),
            **_figures(report.total),
        },
        "steps": [{"label": row.label, **_figures(row.figures)} for row in report.steps],
        "chart_svg": chart(report),
        "by_opd": [{"label": t.label, "count": t.count} for t in report.by_opd],
        "by_source": [
            {"label": SOURCE_ID.get(t.key, t.label), "count": t.count} for t in report.by_source
        ],
        "by_sop": [{"label": t.label, "count": t.count} for t in report.by_sop],
        "service_times": [
            {
                "opd": row.opd.name if row.opd is not None else "(tanpa OPD)",
                "mtta": _num(row.mtta_minutes),
                "mttr": _num(row.mttr_minutes),
                "cases": row.restored,
            }
            for row in report.per_opd
        ],
        "failures": [{"label": t.label, "count": t.count} for t in report.failures],
        "replaced": [{**item, "at": _when(item["at"])} for item in report.replaced],
        "cases": [
            {
                "number": f"#{line.number}",
                "title": line.title,
                "sop": line.sop,
                "opd": line.opd,
                "started": _when(line.started),
                "closed": _when(line.closed),
                "outcome": "Terlambat" if line.late_steps else "Tepat waktu",
                "late_steps": line.late_steps,
            }
            for line in report.cases
        ],
        "rounds": [
            {
                "plan": line.plan,
                "visit": format_date(line.visit.date(), format="d MMMM y", locale="id"),
                "case": f"#{line.case_number}",
                "state": line.state,
                "sites": line.sites,
                "checked": line.checked,
                "failed": line.failed,
                "corrective": line.corrective,
            }
            for line in report.rounds
        ],
        "rekapitulasi": report.kind is ReportType.REKAPITULASI,
    }


SOURCE_ID = {"report": "Laporan", "monitor": "Monitor", "schedule": "Jadwal", "manual": "Manual"}


def workbook(report: PeriodicReport) -> bytes:
    """The report's tables as an XLSX file: a sheet each, headers in Indonesian, numbers
    as numbers, times in the agency's zone."""
    book = Book()
    head = [document_title(report), f"{report.agency.name} · zona waktu {report.agency.timezone}"]
    sheet, row = book.sheet("Ringkasan", head)
    total = report.total
    book.table(
        sheet,
        row,
        [Column("Ukuran", width=40), Column("Nilai", "decimal", 14)],
        [
            ["Kasus dimulai", report.started],
            ["Kasus selesai", report.closed],
            ["Kasus terbuka di akhir periode", report.open_at_end],
            ["Langkah selesai", total.done],
            ["Langkah bermutu baku", total.timed],
            ["Tepat waktu", total.on_time],
            ["Terlambat", total.late],
            ["Kepatuhan Mutu Baku (%)", total.percent],
            ["MTTA (menit)", report.overall.mtta_minutes],
            ["MTTR (menit)", report.overall.mttr_minutes],
        ],
    )
    step_columns = [
        Column("Langkah", width=50),
        Column("Selesai", "integer", 10),
        Column("Bermutu baku", "integer", 12),
        Column("Tepat waktu", "integer", 12),
        Column("Terlambat", "integer", 11),
        Column("Kepatuhan (%)", "decimal", 13),
        Column("Median dari standar (%)", "decimal", 14),
        Column("P90 dari standar (%)", "decimal", 14),
        Column("Median menit", "decimal", 12),
    ]
    sheet, row = book.sheet("Mutu Baku", head)
    book.table(
        sheet,
        row,
        step_columns,
        [
            [
                item.label,
                item.figures.done,
                item.figures.timed,
                item.figures.on_time,
                item.figures.late,
                item.figures.percent,
                item.figures.median_percent,
                item.figures.p90_percent,
                item.figures.median_actual_minutes,
            ]
            for item in report.steps
        ],
    )
    for name, tallies in (
        ("Kasus per OPD", report.by_opd),
        ("Kasus per sumber", report.by_source),
        ("Kasus per SOP", report.by_sop),
        ("Kerusakan per jenis", report.failures),
    ):
        sheet, row = book.sheet(name, head)
        book.table(
            sheet,
            row,
            [
                Column(name.split(" per ")[1].capitalize(), width=40),
                Column("Jumlah", "integer", 10),
            ],
            [
                [t.label if name != "Kasus per sumber" else SOURCE_ID.get(t.key, t.label), t.count]
                for t in tallies
            ],
        )
    sheet, row = book.sheet("MTTA-MTTR", head)
    book.table(
        sheet,
        row,
        [
            Column("OPD", width=40),
            Column("MTTA (menit)", "decimal", 13),
            Column("MTTR (menit)", "decimal", 13),
            Column("Kasus pulih", "integer", 12),
        ],
        [
            [(r.opd.name if r.opd else "(tanpa OPD)"), r.mtta_minutes, r.mttr_minutes, r.restored]
            for r in report.per_opd
        ],
    )
    zone = ZoneInfo(report.agency.timezone)
    sheet, row = book.sheet("Penggantian", head)
    book.table(
        sheet,
        row,
        [
            Column("Waktu", "datetime", 17),
            Column("Dilepas", width=30),
            Column("Dipasang", width=30),
            Column("Lokasi", width=30),
            Column("Kasus", "integer", 8),
        ],
        [
            [naive(r["at"], zone), r["removed"], r["installed"], r["site"], r["case"]]
            for r in report.replaced
        ],
    )
    if report.kind is ReportType.REKAPITULASI:
        sheet, row = book.sheet("Kasus selesai", head)
        book.table(
            sheet,
            row,
            [
                Column("Nomor", "integer", 8),
                Column("Judul", width=40),
                Column("SOP", width=12),
                Column("OPD", width=28),
                Column("Dimulai", "datetime", 17),
                Column("Selesai", "datetime", 17),
                Column("Langkah terlambat", "integer", 10),
            ],
            [
                [
                    c.number,
                    c.title,
                    c.sop,
                    c.opd,
                    naive(c.started, zone),
                    naive(c.closed, zone),
                    c.late_steps,
                ]
                for c in report.cases
            ],
        )
        sheet, row = book.sheet("Pemeliharaan", head)
        book.table(
            sheet,
            row,
            [
                Column("Rencana", width=36),
                Column("Kunjungan", "datetime", 17),
                Column("Kasus", "integer", 8),
                Column("Status", width=14),
                Column("Lokasi", "integer", 9),
                Column("Diperiksa", "integer", 10),
                Column("Gagal", "integer", 8),
                Column("Korektif", "integer", 9),
            ],
            [
                [
                    r.plan,
                    naive(r.visit, zone),
                    r.case_number,
                    r.state,
                    r.sites,
                    r.checked,
                    r.failed,
                    r.corrective,
                ]
                for r in report.rounds
            ],
        )
    return book.bytes()
