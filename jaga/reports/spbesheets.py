"""The spreadsheets of the SPBE evidence bundle (``jaga.reports.spbe``; docs/spbe.md).

Each function takes the bundle's ``Context`` and the member's number in the index and
returns an XLSX (``jaga.reports.xlsx.Book``): Indonesian headers (official evidence, never
translated), times as local date-times of the agency's zone (named in each sheet's first
lines), percentages as ratios with a percent format. Each costs a fixed number of queries
(plus one per plan for the maintenance plans' schedules), never one per device or case.
The availability workbook is ``jaga.reports.spbe.availability_xlsx``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Min, Prefetch

from jaga.audit.models import Event
from jaga.documents.models import Document
from jaga.inventory.models import Device, DeviceAddress, Replacement
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.maintenance.recurrence import RecurrenceError, plan_occurrences
from jaga.reports import compliance
from jaga.reports.models import CaseRecord
from jaga.reports.periods import Period
from jaga.reports.xlsx import Book, Cell, Column, naive
from jaga.sop.models import SopDefinition
from jaga.tenancy.services import working_calendar
from jaga.workflow.filters import deadline_of, late_step_count
from jaga.workflow.models import Case, CaseStatus

if TYPE_CHECKING:
    from jaga.reports.spbe import Context

KIND_TEXT = {
    "router": "Router",
    "switch": "Switch",
    "access_point": "Access point",
    "server": "Server",
    "firewall": "Firewall",
    "ont_modem": "ONT / modem",
    "radio": "Radio",
    "other": "Lainnya",
}
STATUS_TEXT = {
    "in_service": "Beroperasi",
    "spare": "Cadangan",
    "in_repair": "Dalam perbaikan",
    "retired": "Tidak digunakan (afkir)",
}
CASE_STATUS_TEXT = {"open": "Berjalan", "closed": "Selesai", "cancelled": "Dibatalkan"}
SOURCE_TEXT = {
    "report": "Laporan OPD",
    "monitor": "Pemantau jaringan",
    "schedule": "Jadwal pemeliharaan",
    "manual": "Dimulai manual",
}
DEADLINE_TEXT = {"late": "Terlambat", "on_time": "Tepat waktu", "in_progress": "Berjalan"}
START_TEXT = {"report": "laporan OPD", "schedule": "jadwal", "manual": "manual"}
CALENDAR_TEXT = {"working": "Jam kerja", "24x7": "24 jam x 7 hari"}
#: Planned occurrences of one plan counted in a year at most (a daily plan has 366).
MAX_PLANNED = 400


def _yes(value: bool) -> str:
    return "Ya" if value else "Tidak"


def _at(context: Context, value: dt.datetime | None) -> dt.datetime | None:
    return naive(value, context.tz)


# --- 02: the asset register ----------------------------------------------------------------


def asset_register_xlsx(context: Context, no: int) -> bytes:
    """Sheet "Register": every device of the agency now (name, kind, vendor, model,
    serial, asset code, status, site, OPD, uplink, management addresses) with its lifecycle
    from the audit log and the replacements: registered (first event), last change, status
    since (last event that set the status), installed as a replacement (when, case),
    replaced (when, case). Sheet "Ringkasan": devices per kind and status. Sheet
    "Penggantian": the replacements of the period. Five queries."""
    book = Book()
    head = context.head(no, "Register Aset TIK (Perangkat Jaringan)")
    devices = list(
        Device.objects.filter(agency=context.agency)
        .select_related("site__opd", "uplink")
        .prefetch_related(
            Prefetch("addresses", queryset=DeviceAddress.objects.order_by("pk"), to_attr="ips")
        )
        .order_by("site__name", "name", "pk")
    )
    events = Event.objects.filter(agency=context.agency, object_type="inventory.device")
    lives = {
        row["object_id"]: (row["first"], row["last"])
        for row in events.values("object_id").annotate(first=Min("at"), last=Max("at"))
    }
    status_since = dict(
        events.filter(after__has_key="status")
        .values("object_id")
        .annotate(last=Max("at"))
        .values_list("object_id", "last")
    )
    replacements = list(
        Replacement.objects.filter(agency=context.agency)
        .select_related("case", "removed", "installed", "site")
        .order_by("at", "pk")
    )
    installed = {r.installed_id: r for r in replacements}
    removed = {r.removed_id: r for r in replacements}
    rows: list[list[Cell]] = []
    for index, device in enumerate(devices, start=1):
        site = device.site
        first, last = lives.get(str(device.pk), (None, None))
        put, out = installed.get(device.pk), removed.get(device.pk)
        rows.append(
            [
                index,
                device.name,
                KIND_TEXT.get(device.kind, device.kind),
                device.vendor,
                device.model,
                device.serial_number,
                device.asset_code,
                STATUS_TEXT.get(device.status, device.status),
                site.name,
                site.opd.name if site.opd is not None else "Diskominfo",
                device.uplink.name if device.uplink is not None else None,
                ", ".join(address.address for address in getattr(device, "ips", [])),
                _at(context, first),
                _at(context, last),
                _at(context, status_since.get(str(device.pk), first)),
                _at(context, put.at) if put is not None else None,
                f"#{put.case.number}" if put is not None else None,
                _at(context, out.at) if out is not None else None,
                f"#{out.case.number}" if out is not None else None,
            ]
        )
    sheet, row = book.sheet("Register", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Nama perangkat", "text", 24),
            Column("Jenis", "text", 13),
            Column("Merek", "text", 14),
            Column("Model", "text", 16),
            Column("Nomor seri", "text", 16),
            Column("Kode barang", "text", 14),
            Column("Status", "text", 15),
            Column("Lokasi", "text", 22),
            Column("Perangkat Daerah", "text", 22),
            Column("Perangkat induk", "text", 18),
            Column("Alamat IP manajemen", "text", 18),
            Column("Terdaftar", "datetime", 16),
            Column("Perubahan terakhir", "datetime", 16),
            Column("Status sejak", "datetime", 16),
            Column("Dipasang sebagai pengganti", "datetime", 16),
            Column("Kasus pemasangan", "text", 10),
            Column("Diganti / dilepas", "datetime", 16),
            Column("Kasus penggantian", "text", 10),
        ],
        rows,
    )
    counts = Counter((device.kind, device.status) for device in devices)
    statuses = list(STATUS_TEXT)
    sheet, row = book.sheet("Ringkasan", head)
    kinds = sorted({kind for kind, _ in counts}, key=lambda k: KIND_TEXT.get(k, k))
    summary: list[list[Cell]] = [
        [
            KIND_TEXT.get(kind, kind),
            *[counts[(kind, status)] for status in statuses],
            sum(counts[(kind, status)] for status in statuses),
        ]
        for kind in kinds
    ]
    total: list[Cell] = [
        "Jumlah",
        *[sum(counts[(kind, status)] for kind in kinds) for status in statuses],
        len(devices),
    ]
    book.table(
        sheet,
        row,
        [
            Column("Jenis", "text", 16),
            *[Column(STATUS_TEXT[status], "integer", 14) for status in statuses],
            Column("Jumlah", "integer", 10),
        ],
        summary,
        total=total,
    )
    in_period = [r for r in replacements if context.start <= r.at < context.until]
    sheet, row = book.sheet("Penggantian", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Waktu", "datetime", 16),
            Column("Kasus", "text", 10),
            Column("Lokasi", "text", 22),
            Column("Perangkat dilepas", "text", 24),
            Column("Menjadi", "text", 16),
            Column("Perangkat dipasang", "text", 24),
        ],
        [
            [
                index,
                _at(context, r.at),
                f"#{r.case.number}",
                r.site.name,
                str(r.removed),
                STATUS_TEXT.get(r.removed_status, r.removed_status),
                str(r.installed),
            ]
            for index, r in enumerate(in_period, start=1)
        ],
    )
    return book.bytes()


# --- 03: maintenance plans against realisation ---------------------------------------------


def _planned(context: Context, plan: MaintenancePlan, calendar: Any) -> list[dt.datetime] | None:
    """The visit times (UTC) of ``plan``'s occurrences in the period by its current rule,
    at most ``MAX_PLANNED``; None when its rule cannot be read."""
    try:
        found = plan_occurrences(plan, calendar, context.start.date() - dt.timedelta(days=40))
        visits: list[dt.datetime] = []
        for occurrence in found:
            if occurrence.visit_at >= context.end or len(visits) >= MAX_PLANNED:
                break
            if occurrence.visit_at >= context.start:
                visits.append(occurrence.visit_at)
    except RecurrenceError:
        return None
    return visits


def maintenance_xlsx(context: Context, no: int) -> bytes:
    """Sheet "Rencana": per plan its SOP, rule, whether active, the visits the current
    rule schedules in the period, those due by the reading time, the rounds whose visits
    fall in the period: started, started late, closed, cancelled, open, and realisation
    (closed rounds / visits due; "-" when none was due). Sheet "Putaran": every round of
    the period. A plan's schedule is its rule now: a rule changed during the year is
    counted as it reads today."""
    book = Book()
    head = context.head(no, "Rencana dan Realisasi Pemeliharaan Berkala")
    plans = list(MaintenancePlan.objects.filter(agency=context.agency).order_by("name", "pk"))
    rounds = list(
        MaintenanceRound.objects.filter(
            agency=context.agency, visit_at__gte=context.start, visit_at__lt=context.end
        )
        .select_related("plan", "case")
        .order_by("visit_at", "pk")
    )
    by_plan: dict[int, list[MaintenanceRound]] = defaultdict(list)
    for found in rounds:
        by_plan[found.plan_id].append(found)
    calendar = working_calendar(context.agency)
    rows: list[list[Cell]] = []
    totals = Counter[str]()
    for index, plan in enumerate(plans, start=1):
        visits = _planned(context, plan, calendar)
        due = None if visits is None else sum(1 for v in visits if v <= context.at)
        mine = by_plan.get(plan.pk, [])
        counts = {
            "planned": len(visits) if visits is not None else 0,
            "due": due or 0,
            "started": len(mine),
            "late": sum(1 for r in mine if r.is_late),
            "closed": sum(1 for r in mine if r.case.status == CaseStatus.CLOSED),
            "cancelled": sum(1 for r in mine if r.case.status == CaseStatus.CANCELLED),
            "open": sum(1 for r in mine if r.case.status == CaseStatus.OPEN),
        }
        totals.update(counts)
        rows.append(
            [
                index,
                plan.name,
                plan.sop_code,
                plan.rrule,
                _yes(plan.is_active),
                len(visits) if visits is not None else None,
                due,
                counts["started"],
                counts["late"],
                counts["closed"],
                counts["cancelled"],
                counts["open"],
                counts["closed"] / due if due else None,
            ]
        )
    sheet, row = book.sheet("Rencana", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Rencana", "text", 30),
            Column("SOP", "text", 14),
            Column("Aturan jadwal (RRULE)", "text", 26),
            Column("Aktif", "text", 7),
            Column("Jadwal dalam periode", "integer", 12),
            Column("Jatuh tempo", "integer", 10),
            Column("Putaran dimulai", "integer", 10),
            Column("Terlambat dimulai", "integer", 10),
            Column("Selesai", "integer", 9),
            Column("Dibatalkan", "integer", 10),
            Column("Berjalan", "integer", 9),
            Column("Realisasi (selesai / jatuh tempo)", "percent", 14),
        ],
        rows,
        total=[
            None,
            "Jumlah",
            None,
            None,
            None,
            totals["planned"],
            totals["due"],
            totals["started"],
            totals["late"],
            totals["closed"],
            totals["cancelled"],
            totals["open"],
            totals["closed"] / totals["due"] if totals["due"] else None,
        ],
    )
    sheet, row = book.sheet("Putaran", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Rencana", "text", 30),
            Column("Tanggal jadwal", "text", 12),
            Column("Kunjungan mulai", "datetime", 16),
            Column("Harus dimulai", "datetime", 16),
            Column("Dimulai", "datetime", 16),
            Column("Terlambat dimulai", "text", 10),
            Column("Kasus", "text", 10),
            Column("Status", "text", 11),
            Column("Selesai", "datetime", 16),
        ],
        [
            [
                index,
                r.plan.name,
                r.nominal_date.strftime("%d-%m-%Y"),
                _at(context, r.visit_at),
                _at(context, r.due_at),
                _at(context, r.started_at),
                _yes(r.is_late),
                f"#{r.case.number}",
                CASE_STATUS_TEXT.get(r.case.status, r.case.status),
                _at(context, r.case.closed_at),
            ]
            for index, r in enumerate(rounds, start=1)
        ],
    )
    return book.bytes()


# --- 04: the incident and request log with Mutu Baku compliance ----------------------------


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _compliance_rows(rows: list[compliance.Row]) -> list[list[Cell]]:
    return [
        [
            index,
            row.label,
            row.figures.done,
            row.figures.timed,
            row.figures.on_time,
            row.figures.late,
            row.figures.share,
            row.figures.median_ratio,
            row.figures.p90_ratio,
            row.figures.median_actual_minutes,
        ]
        for index, row in enumerate(rows, start=1)
    ]


COMPLIANCE_COLUMNS = [
    Column("No", "integer", 6),
    Column("SOP / langkah", "text", 44),
    Column("Langkah selesai", "integer", 10),
    Column("Ber-Mutu Baku", "integer", 10),
    Column("Tepat waktu", "integer", 10),
    Column("Terlambat", "integer", 10),
    Column("Kepatuhan Mutu Baku", "percent", 12),
    Column("Median waktu / standar", "percent", 12),
    Column("Persentil 90 waktu / standar", "percent", 12),
    Column("Median waktu (menit kerja)", "decimal", 12),
]


def case_log_xlsx(context: Context, no: int) -> bytes:
    """Sheet "Kasus": every case of the agency started in the period (number, title, SOP,
    source, OPD, status, started, closed, deadline outcome and late steps as the case list
    counts them at the reading time, minutes to first action and to restoration). Sheets
    "Mutu Baku per SOP" and "Mutu Baku per langkah": ``jaga.reports.compliance`` over the
    steps completed in the period's months ("kondisional" steps have durations only).
    Sheet "Dokumen": the official documents issued in the period."""
    book = Book()
    head = context.head(no, "Log Gangguan dan Permintaan Layanan")
    cases = (
        Case.objects.filter(
            agency=context.agency, started_at__gte=context.start, started_at__lt=context.until
        )
        .select_related("definition", "opd")
        .annotate(late_steps=late_step_count(context.at))
        .order_by("started_at", "pk")
    )
    records = {
        record.case_id: record
        for record in CaseRecord.objects.filter(
            agency=context.agency,
            started_at__gte=context.start,
            started_at__lt=context.until,
        )
    }
    rows: list[list[Cell]] = []
    for case in cases.iterator(chunk_size=1000):
        late: int = case.late_steps
        outcome = deadline_of(case.status, late)
        record = records.get(case.pk)
        rows.append(
            [
                case.number,
                case.title,
                f"{case.definition.code} · {case.definition.name}",
                SOURCE_TEXT.get(case.source, case.source),
                case.opd.name if case.opd is not None else None,
                CASE_STATUS_TEXT.get(case.status, case.status),
                _at(context, case.started_at),
                _at(context, case.closed_at),
                DEADLINE_TEXT.get(outcome.value, outcome.value) if outcome is not None else "-",
                late,
                _minutes(record.action_seconds) if record is not None else None,
                _minutes(record.restore_seconds) if record is not None else None,
            ]
        )
    sheet, row = book.sheet("Kasus", head)
    book.table(
        sheet,
        row,
        [
            Column("Nomor kasus", "integer", 9),
            Column("Judul", "text", 36),
            Column("SOP", "text", 30),
            Column("Sumber", "text", 16),
            Column("Perangkat Daerah", "text", 22),
            Column("Status", "text", 10),
            Column("Dimulai", "datetime", 16),
            Column("Selesai", "datetime", 16),
            Column("Hasil tenggat", "text", 12),
            Column("Langkah terlambat", "integer", 10),
            Column("Ke tindakan pertama (menit)", "decimal", 12),
            Column("Ke pemulihan (menit)", "decimal", 12),
        ],
        rows,
    )
    months = Period.year(context.year)
    steps = compliance.records(context.agency, months)
    for name, dimension in (
        ("Mutu Baku per SOP", compliance.Dimension.SOP),
        ("Mutu Baku per langkah", compliance.Dimension.STEP),
    ):
        sheet, row = book.sheet(name, head)
        book.table(
            sheet,
            row,
            COMPLIANCE_COLUMNS,
            _compliance_rows(compliance.breakdown(steps, dimension)),
        )
    documents = (
        Document.objects.filter(
            agency=context.agency, issued_at__gte=context.start, issued_at__lt=context.until
        )
        .select_related("case")
        .order_by("issued_at", "pk")
    )
    sheet, row = book.sheet("Dokumen", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Nomor dokumen", "text", 28),
            Column("Judul", "text", 44),
            Column("Tanggal", "text", 12),
            Column("Kasus", "text", 10),
            Column("Versi", "integer", 7),
        ],
        [
            [
                index,
                document.number,
                document.title,
                document.issued_on.strftime("%d-%m-%Y"),
                f"#{document.case.number}" if document.case is not None else None,
                document.version,
            ]
            for index, document in enumerate(documents, start=1)
        ],
    )
    return book.bytes()


# --- 05: the service catalogue ----------------------------------------------------------


def services_xlsx(context: Context, no: int) -> bytes:
    """Sheet "Layanan": each current SOP of the agency (a service; glossary "Layanan"):
    code, SOP number, name, version, dates, how it starts, its clock, its steps (with a
    Mutu Baku / kondisional), its cases in the period and their Mutu Baku compliance.
    Sheet "Waktu standar": every step with its Pelaksana, Waktu as written, and Output."""
    book = Book()
    head = context.head(no, "Katalog Layanan dan Waktu Standar")
    definitions = list(
        SopDefinition.objects.filter(agency=context.agency, is_current=True).order_by("code", "pk")
    )
    case_counts = Counter(
        Case.objects.filter(
            agency=context.agency, started_at__gte=context.start, started_at__lt=context.until
        ).values_list("definition__code", flat=True)
    )
    shares = {
        row.key: row.figures.share
        for row in compliance.breakdown(
            compliance.records(context.agency, Period.year(context.year)),
            compliance.Dimension.SOP,
        )
    }
    rows: list[list[Cell]] = []
    steps: list[list[Cell]] = []
    for index, definition in enumerate(definitions, start=1):
        spec = definition.spec
        identity = spec.identity
        kondisional = sum(1 for step in spec.steps if step.time_standard.amount is None)
        clock = spec.calendar.value if spec.calendar is not None else context.agency.calendar_mode
        rows.append(
            [
                index,
                definition.code,
                definition.number or identity.nomor or None,
                definition.name,
                definition.version,
                identity.tanggal_efektif or identity.tanggal_pembuatan or None,
                ", ".join(START_TEXT.get(mode.value, mode.value) for mode in spec.start),
                CALENDAR_TEXT.get(clock, clock),
                len(spec.steps),
                len(spec.steps) - kondisional,
                kondisional,
                case_counts.get(definition.code, 0),
                shares.get(definition.code),
            ]
        )
        for step in spec.steps:
            lanes = ", ".join(spec.lane(key).label for key in step.all_lanes)
            steps.append([definition.code, step.no, step.kegiatan, lanes, step.waktu, step.output])
    sheet, row = book.sheet("Layanan", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 6),
            Column("Kode", "text", 14),
            Column("Nomor SOP", "text", 20),
            Column("Nama layanan (SOP)", "text", 40),
            Column("Versi", "integer", 7),
            Column("Tanggal efektif", "text", 14),
            Column("Dimulai dari", "text", 18),
            Column("Perhitungan waktu", "text", 14),
            Column("Langkah", "integer", 9),
            Column("Langkah ber-Mutu Baku", "integer", 11),
            Column("Langkah kondisional", "integer", 11),
            Column("Kasus dalam periode", "integer", 10),
            Column("Kepatuhan Mutu Baku", "percent", 12),
        ],
        rows,
    )
    sheet, row = book.sheet("Waktu standar", head)
    book.table(
        sheet,
        row,
        [
            Column("SOP", "text", 14),
            Column("No", "text", 6),
            Column("Kegiatan", "text", 50),
            Column("Pelaksana", "text", 24),
            Column("Waktu", "text", 14),
            Column("Output", "text", 30),
        ],
        steps,
    )
    return book.bytes()
