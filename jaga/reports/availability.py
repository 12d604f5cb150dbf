"""The availability report of one OPD for one month (issue 16 point 5): per check of the
OPD's devices its availability, downtime and outages; every outage of the month with its
case; the OPD's total; as a numbered official document (PDF) and as XLSX.

**The rule** (docs/monitoring.md, "Availability"; ``jaga.monitoring.availability``). The
monitor classes every run of a check when it runs: *up* (it succeeded), *down* (it failed
while the check's parents answered), *unreachable* (it failed while a parent device in the
uplink tree was failing: the outage is the parent's, ``jaga.monitoring.state``) or
*maintenance* (a maintenance window covered the check's device or site). The availability
of a check over the month is ``up / (up + down)``: the time in a maintenance window and the
time unreachable behind a failed parent count neither for nor against it. A device, and the
OPD, is the sum of its checks' runs (a check every 10 s weighs six times one every minute).
With no counted run it is undefined ("-"), never 0 or 100 %. Minutes are runs times the
check's interval (its interval now: the rollups keep counts, not intervals). A maintenance
window entered after the fact changes nothing: runs were classed when they ran.

Percentages are printed with three decimals, cut rather than rounded (99.9996 % prints
99.999 %, so 100.000 % means no downtime at all); the XLSX stores the same cut ratio.

**The month** is the agency's local calendar month (``Agency.timezone``): in WIB November
2026 is [2026-10-31 17:00 UTC, 2026-11-30 17:00 UTC). The month in progress is reported up
to now ("s.d." the issue time), a month not begun yet is refused (``ReportInputError``).

**Which rollups.** Hour rows (``ResultHour``, kept ``HOUR_DAYS`` = 90 days) give the local
month exactly in whole-hour zones (WIB, WITA, WIT). For the part of a month older than the
hours kept, day rows (``ResultDay``: UTC days, kept for ever) count whole when their UTC day
starts inside the month, so that part is shifted by the zone's offset (7 to 9 hours at each
end); the report says which rows it read (``source``). The hour still running is not rolled
up yet and is not counted.

Queries: a fixed number per report (checks, one or two rollup sums, outages, windows),
whatever the number of checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal, TypeAlias
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from django.db.models import Q, Sum
from django.utils import timezone, translation

from jaga.inventory.models import Device, Site
from jaga.monitoring.availability import checks_of_opd
from jaga.monitoring.models import (
    Check,
    CheckKind,
    MaintenanceWindow,
    Outage,
    OutageKind,
    ResultDay,
    ResultHour,
)
from jaga.monitoring.rollups import HOUR_DAYS
from jaga.org.models import Opd
from jaga.reports.charts import Bar, bar_chart, nice_floor
from jaga.reports.xlsx import Book, Cell, Column, naive

#: Which rollups answered: hour rows, day rows, or day rows then hour rows.
Source: TypeAlias = Literal["hour", "day", "day+hour"]

#: The printed name of the agencies' zones (docs/domain.md, "Time zones").
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
#: The outage kinds as the document prints them (never translated).
OUTAGE_KINDS = {OutageKind.DOWN.value: "Mati", OutageKind.FLAPPING.value: "Tidak stabil"}
#: The first year a month may be asked for (anything earlier is a typing mistake).
FIRST_YEAR = 2000
#: Availability below this (percent) is drawn in red in the chart.
CHART_THRESHOLD = 99.0

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ReportInputError(ValueError):
    """The month asked for cannot be reported: not ``YYYY-MM``, out of range, or not begun
    yet. The message is English (a form translates its own)."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month: ``year`` and ``month`` (1..12)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2026-11"`` → ``Month(2026, 11)``; ``ReportInputError`` for any other shape, a
        month outside 1..12 or a year before ``FIRST_YEAR``."""
        found = _MONTH.match(text.strip())
        if found is None:
            raise ReportInputError(f"a month is written YYYY-MM, not {text[:20]!r}")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12 or year < FIRST_YEAR:
            raise ReportInputError(f"no such month: {text[:20]!r}")
        return cls(year, month)

    @classmethod
    def of(cls, day: dt.date) -> Month:
        """The month holding ``day``."""
        return cls(day.year, day.month)

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) of the month as aware datetimes in ``tz``: local midnight of its
        first day and of the next month's first day."""
        following = self.next()
        return (
            dt.datetime(self.year, self.month, 1, tzinfo=tz),
            dt.datetime(following.year, following.month, 1, tzinfo=tz),
        )

    def label(self) -> str:
        """The month in Indonesian: "November 2026" (Babel's ``id`` locale)."""
        return format_date(dt.date(self.year, self.month, 1), format="MMMM y", locale="id")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Figures:
    """Runs of one or more checks in the period, by class, and their minutes (runs times
    each check's interval), with the number of ``outages`` overlapping the period."""

    up: int = 0
    down: int = 0
    unreachable: int = 0
    maintenance: int = 0
    up_minutes: Fraction = Fraction(0)
    down_minutes: Fraction = Fraction(0)
    unreachable_minutes: Fraction = Fraction(0)
    maintenance_minutes: Fraction = Fraction(0)
    outages: int = 0

    @property
    def counted(self) -> int:
        """The runs that count: up and down."""
        return self.up + self.down

    @property
    def ratio(self) -> Fraction | None:
        """``up / (up + down)`` exactly, 0..1; None when no run counts."""
        return Fraction(self.up, self.counted) if self.counted else None

    @property
    def percent(self) -> Decimal | None:
        """The availability in percent cut (not rounded) to three decimals: ``Decimal``
        97.122 for 1350 up and 40 down; None when no run counts."""
        if not self.counted:
            return None
        return Decimal(self.up * 100_000 // self.counted) / 1000

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            up=self.up + other.up,
            down=self.down + other.down,
            unreachable=self.unreachable + other.unreachable,
            maintenance=self.maintenance + other.maintenance,
            up_minutes=self.up_minutes + other.up_minutes,
            down_minutes=self.down_minutes + other.down_minutes,
            unreachable_minutes=self.unreachable_minutes + other.unreachable_minutes,
            maintenance_minutes=self.maintenance_minutes + other.maintenance_minutes,
            outages=self.outages + other.outages,
        )


@dataclass(frozen=True)
class CheckLine:
    """One check of the OPD: its name and kind (``CheckKind`` value), the device it reports
    on (the device, or a link's near end), that device's site, its interval (seconds) and
    its figures."""

    check_id: int
    check: str
    kind: str
    device_id: int | None
    device: str
    site: str
    interval_s: int
    figures: Figures


@dataclass(frozen=True)
class DeviceLine:
    """One device of the OPD with the sum of its checks' figures."""

    device_id: int | None
    device: str
    site: str
    figures: Figures


@dataclass(frozen=True)
class OutageLine:
    """One outage overlapping the month: its check and device, ``kind`` (``OutageKind``
    value), ``started``/``ended`` (aware, in the agency's zone; ``ended`` None while it
    lasts), its whole ``minutes`` (to ``ended``, else to the report's ``generated_at``),
    and the case it opened (id, number, title; None/"" without one)."""

    outage_id: int
    check: str
    device: str
    kind: str
    started: dt.datetime
    ended: dt.datetime | None
    minutes: Fraction
    case_id: int | None
    case_number: int | None
    case_title: str


@dataclass(frozen=True)
class WindowLine:
    """A maintenance window overlapping the month on one of the OPD's sites or devices:
    ``starts``/``ends`` aware in the agency's zone, what it covers, its reason."""

    starts: dt.datetime
    ends: dt.datetime
    subject: str
    reason: str


@dataclass(frozen=True)
class AvailabilityReport:
    """The report of ``opd`` for ``month``: the period [``start``, ``until``) in the
    agency's zone (``until`` is the month's end, or ``generated_at`` for the month in
    progress: ``complete`` False); the checks, devices, outages and windows; the OPD's
    ``total``; the rollups read (``source``)."""

    opd: Opd
    month: Month
    tz: ZoneInfo
    start: dt.datetime
    end: dt.datetime
    until: dt.datetime
    generated_at: dt.datetime
    source: Source
    checks: list[CheckLine] = field(default_factory=list)
    devices: list[DeviceLine] = field(default_factory=list)
    outages: list[OutageLine] = field(default_factory=list)
    windows: list[WindowLine] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)

    @property
    def complete(self) -> bool:
        """Whether the whole month is reported (it has ended)."""
        return self.until >= self.end

    @property
    def zone(self) -> str:
        """The zone's printed name (WIB, WITA, WIT), else its IANA name."""
        return ZONE_NAMES.get(self.tz.key, self.tz.key)


# --- Reading the rollups ---------------------------------------------------------------


Counts: TypeAlias = dict[int, tuple[int, int, int, int]]


def _sums(
    table: type[ResultHour] | type[ResultDay], ids: list[int], start: dt.datetime, end: dt.datetime
) -> Counts:
    rows = (
        table.objects.filter(monitor_check_id__in=ids, start__gte=start, start__lt=end)
        .order_by()
        .values("monitor_check_id")
        .annotate(
            up=Sum("n_up"),
            down=Sum("n_down"),
            unreachable=Sum("n_unreachable"),
            maintenance=Sum("n_maintenance"),
        )
        .values_list("monitor_check_id", "up", "down", "unreachable", "maintenance")
    )
    return {pk: (up or 0, down or 0, unr or 0, mnt or 0) for pk, up, down, unr, mnt in rows}


def hours_kept_from(now: dt.datetime) -> dt.datetime:
    """The first UTC midnight from which hour rows are surely kept at ``now`` (hours live
    ``HOUR_DAYS`` days; ``jaga.monitoring.rollups.prune``)."""
    oldest = (now - dt.timedelta(days=HOUR_DAYS)).astimezone(dt.UTC)
    midnight = oldest.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight >= oldest else midnight + dt.timedelta(days=1)


def run_counts(
    check_ids: Iterable[int], start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> tuple[Counts, Source]:
    """Runs of each check in [start, end) (aware) by class, ``{check id: (up, down,
    unreachable, maintenance)}`` (checks without rows absent), and the rollups read: hour
    rows where they are still kept at ``now``, day rows before (module docstring). One
    query, two when the period straddles the hours kept."""
    ids = list(check_ids)
    if not ids:
        return {}, "hour"
    cut = hours_kept_from(now)
    if start >= now - dt.timedelta(days=HOUR_DAYS):
        return _sums(ResultHour, ids, start, end), "hour"
    if end <= cut:
        return _sums(ResultDay, ids, start, end), "day"
    counts = _sums(ResultDay, ids, start, cut)
    for pk, later in _sums(ResultHour, ids, cut, end).items():
        earlier = counts.get(pk, (0, 0, 0, 0))
        counts[pk] = (
            earlier[0] + later[0],
            earlier[1] + later[1],
            earlier[2] + later[2],
            earlier[3] + later[3],
        )
    return counts, "day+hour"


# --- The report ----------------------------------------------------------------------------


def _subject(check: Check) -> Device | None:
    if check.device_id is not None:
        return check.device
    return check.link.a_device if check.link is not None else None


def _site_name(site: Site | None) -> str:
    return site.name if site is not None else ""


def build(opd: Opd, month: Month, now: dt.datetime | None = None) -> AvailabilityReport:
    """The availability report of ``opd`` for ``month`` (the agency's local month) as of
    ``now`` (aware; default the current time). The checks are those of the devices at the
    OPD's sites and of the links whose near end stands there
    (``jaga.monitoring.availability.checks_of_opd``), of the OPD's agency only, listed when
    they are enabled or have runs or outages in the month. Raises ``ReportInputError`` for
    a month that has not begun at ``now``. Read-only; a fixed number of queries."""
    agency = opd.agency
    tz = ZoneInfo(agency.timezone)
    now = now or timezone.now()
    start, end = month.bounds(tz)
    if start > now:
        raise ReportInputError(f"{month} has not begun yet")
    until = min(end, now.astimezone(tz))
    checks = list(
        checks_of_opd(opd)
        .filter(agency_id=agency.pk)
        .select_related("device__site", "link__a_device__site")
        .order_by("pk")
    )
    ids = [check.pk for check in checks]
    counts, source = run_counts(ids, start, until, now)
    outages = list(
        Outage.objects.filter(monitor_check_id__in=ids, started_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .select_related("case")
        .order_by("started_at", "pk")
    )
    outage_count: dict[int, int] = {}
    for outage in outages:
        outage_count[outage.monitor_check_id] = outage_count.get(outage.monitor_check_id, 0) + 1

    lines: list[CheckLine] = []
    by_id: dict[int, Check] = {}
    for check in checks:
        runs = counts.get(check.pk)
        if runs is None and not check.enabled and check.pk not in outage_count:
            continue
        if runs is None and check.created_at >= until and check.pk not in outage_count:
            continue
        up, down, unreachable, maintenance = runs or (0, 0, 0, 0)
        minute = Fraction(check.interval_s, 60)
        device = _subject(check)
        by_id[check.pk] = check
        lines.append(
            CheckLine(
                check_id=check.pk,
                check=check.name,
                kind=check.kind,
                device_id=device.pk if device is not None else None,
                device=device.name if device is not None else "",
                site=_site_name(device.site if device is not None else None),
                interval_s=check.interval_s,
                figures=Figures(
                    up=up,
                    down=down,
                    unreachable=unreachable,
                    maintenance=maintenance,
                    up_minutes=up * minute,
                    down_minutes=down * minute,
                    unreachable_minutes=unreachable * minute,
                    maintenance_minutes=maintenance * minute,
                    outages=outage_count.get(check.pk, 0),
                ),
            )
        )
    lines.sort(key=lambda line: (line.site, line.device, line.check, line.check_id))

    devices: dict[int | None, DeviceLine] = {}
    for line in lines:
        known = devices.get(line.device_id)
        devices[line.device_id] = DeviceLine(
            device_id=line.device_id,
            device=line.device,
            site=line.site,
            figures=line.figures if known is None else known.figures + line.figures,
        )
    total = Figures()
    for line in lines:
        total = total + line.figures

    outage_lines = []
    for outage in outages:
        of = by_id.get(outage.monitor_check_id)
        if of is None:  # a check left out of the lines (cannot be: it has an outage)
            continue
        device = _subject(of)
        finish = outage.ended_at or now
        case = outage.case
        outage_lines.append(
            OutageLine(
                outage_id=outage.pk,
                check=of.name,
                device=device.name if device is not None else "",
                kind=outage.kind,
                started=outage.started_at.astimezone(tz),
                ended=outage.ended_at.astimezone(tz) if outage.ended_at is not None else None,
                minutes=Fraction(round((finish - outage.started_at).total_seconds()), 60),
                case_id=case.pk if case is not None else None,
                case_number=case.number if case is not None else None,
                case_title=case.title if case is not None else "",
            )
        )

    return AvailabilityReport(
        opd=opd,
        month=month,
        tz=tz,
        start=start,
        end=end,
        until=until,
        generated_at=now.astimezone(tz),
        source=source,
        checks=lines,
        devices=list(devices.values()),
        outages=outage_lines,
        windows=_windows(opd, start, until, tz),
        total=total,
    )


def _windows(opd: Opd, start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> list[WindowLine]:
    """The maintenance windows overlapping [start, end) on the OPD's sites or on devices
    standing at them; one query."""
    windows = (
        MaintenanceWindow.objects.filter(agency_id=opd.agency_id)
        .filter(Q(site__opd=opd) | Q(device__site__opd=opd))
        .filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("site", "device")
        .order_by("starts_at", "pk")
    )
    return [
        WindowLine(
            starts=window.starts_at.astimezone(tz),
            ends=window.ends_at.astimezone(tz),
            subject=window.device.name if window.device is not None else _site_name(window.site),
            reason=window.reason,
        )
        for window in windows
    ]


# --- Printing (Indonesian: documents are never translated) ---------------------------


def kind_text(kind: str) -> str:
    """A check's kind as the documents print it, in Indonesian whatever the language of
    the request that issues them ("Ping ICMP"); an unknown kind as it is."""
    try:
        label = CheckKind(kind).label
    except ValueError:
        return kind
    with translation.override("id"):
        return str(label)


def percent_text(value: Decimal | None) -> str:
    """``Decimal("97.122")`` → "97,122"; None → "-"."""
    return "-" if value is None else format_decimal(value, format="#,##0.000", locale="id")


def minutes_text(value: Fraction | float) -> str:
    """Minutes as the documents print them: "1.234" or "40,5" (one decimal, shown only
    when not whole)."""
    exact = Fraction(value)
    tenths = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return format_decimal(tenths, format="#,##0.#", locale="id")


def time_text(value: dt.datetime | None) -> str:
    """A local time as the documents print it: "05-11-2026 10.50"; None → "berlangsung"
    (still going on)."""
    return "berlangsung" if value is None else f"{value:%d-%m-%Y %H.%M}"


def chart_svg(
    report: AvailabilityReport,
    width_mm: float = 160.0,
    label_mm: float = 55.0,
    fluid: bool = False,
) -> str:
    """The bar chart of availability per device (percent; the scale starts at the
    multiple of 10 below the lowest value, ``charts.nice_floor``), as SVG markup,
    ``width_mm`` wide with ``label_mm`` for the device names (``fluid``: scaled to its
    container's width, for a page)."""
    bars = [
        Bar(
            label=device.device or "-",
            value=float(device.figures.percent) if device.figures.percent is not None else None,
            text=f"{percent_text(device.figures.percent)}%"
            if device.figures.percent is not None
            else "tidak ada data",
        )
        for device in report.devices
    ]
    low = nice_floor([bar.value for bar in bars])
    return bar_chart(
        bars,
        low=low if low < 100 else 90.0,
        high=100.0,
        width_mm=width_mm,
        label_mm=label_mm,
        tick_text=lambda value: f"{format_decimal(value, format='0.#', locale='id')}%",
        title="Ketersediaan per perangkat (%)",
        threshold=CHART_THRESHOLD,
        fluid=fluid,
    )


def _figures_content(figures: Figures) -> dict[str, Any]:
    return {
        "availability": percent_text(figures.percent),
        "down_minutes": minutes_text(figures.down_minutes),
        "maintenance_minutes": minutes_text(figures.maintenance_minutes),
        "unreachable_minutes": minutes_text(figures.unreachable_minutes),
        "outages": figures.outages,
    }


def document_content(report: AvailabilityReport) -> dict[str, Any]:
    """The frozen content of the report's document (``ReportType.LAPORAN_KETERSEDIAAN``;
    JSON values, printed strings in Indonesian): ``opd`` (``id``, ``name``), ``period``
    (``month`` "2026-11", ``label`` "November 2026", ``start``/``until`` local times,
    ``zone``, ``complete``), ``checks`` and ``devices`` (rows with ``availability`` "97,122"
    or "-", ``down_minutes``, ``maintenance_minutes``, ``unreachable_minutes``,
    ``outages``), ``total``, ``outages`` (``device``, ``check``, ``kind``, ``start``,
    ``end`` or "berlangsung", ``duration`` in minutes, ``case`` "#12 …" or "-"),
    ``windows``, ``source`` and ``chart_svg`` (the chart's SVG markup)."""
    until = report.until
    return {
        "opd": {"id": report.opd.pk, "name": report.opd.name},
        "period": {
            "month": str(report.month),
            "label": report.month.label(),
            "start": time_text(report.start),
            "until": time_text(until),
            "zone": report.zone,
            "complete": report.complete,
        },
        "checks": [
            {
                "device": line.device,
                "site": line.site,
                "check": line.check,
                "kind": kind_text(line.kind),
                **_figures_content(line.figures),
            }
            for line in report.checks
        ],
        "devices": [
            {"device": line.device, "site": line.site, **_figures_content(line.figures)}
            for line in report.devices
        ],
        "total": _figures_content(report.total),
        "outages": [
            {
                "device": line.device,
                "check": line.check,
                "kind": OUTAGE_KINDS.get(line.kind, line.kind),
                "start": time_text(line.started),
                "end": time_text(line.ended),
                "duration": minutes_text(line.minutes),
                "case": f"#{line.case_number} {line.case_title}"
                if line.case_number is not None
                else "-",
            }
            for line in report.outages
        ],
        "windows": [
            {
                "start": time_text(window.starts),
                "end": time_text(window.ends),
                "subject": window.subject,
                "reason": window.reason,
            }
            for window in report.windows
        ],
        "source": report.source,
        "chart_svg": chart_svg(report),
    }


def document_title(report: AvailabilityReport) -> str:
    """The document's title in lists and on the verification page: "Laporan Ketersediaan
    Jaringan Dinas Kesehatan November 2026"."""
    return f"Laporan Ketersediaan Jaringan {report.opd.name} {report.month.label()}"


# --- XLSX ---------------------------------------------------------------------------------


def _minutes(value: Fraction) -> float:
    return float(value)


def _ratio(figures: Figures) -> float | None:
    """The cut percentage as a ratio for a percent cell (0.97122 for 97.122 %)."""
    return None if figures.percent is None else float(figures.percent / 100)


def xlsx_bytes(report: AvailabilityReport) -> bytes:
    """The report's tables as an XLSX workbook (``jaga.reports.xlsx``), in Indonesian as
    the document: sheet "Pemeriksaan" (one row per check, then the OPD's total),
    "Perangkat" (one row per device), "Gangguan" (the outages; "Selesai" is the text
    "berlangsung" while one lasts; case number and title) and "Pemeliharaan" (the
    windows). Percentages are ratios with a percent format, minutes numbers, times local
    (the zone is in each sheet's title)."""
    book = Book()
    period = report.month.label()
    if not report.complete:
        period += f" (sampai dengan {time_text(report.until)})"
    head = [
        f"Laporan Ketersediaan Jaringan {report.opd.name}",
        f"Periode: {period}; waktu dalam {report.zone}",
        "Ketersediaan = waktu aktif / (waktu aktif + waktu henti); waktu dalam jendela "
        "pemeliharaan dan waktu tidak terjangkau karena perangkat induk terganggu tidak "
        "dihitung.",
    ]
    figure_columns = [
        Column("Ketersediaan", "percent", 14),
        Column("Waktu henti (menit)", "decimal", 12),
        Column("Pemeliharaan (menit)", "decimal", 13),
        Column("Tidak terjangkau (menit)", "decimal", 13),
        Column("Gangguan (kali)", "integer", 10),
    ]

    def figures(value: Figures) -> list[Cell]:
        return [
            _ratio(value),
            _minutes(value.down_minutes),
            _minutes(value.maintenance_minutes),
            _minutes(value.unreachable_minutes),
            value.outages,
        ]

    sheet, row = book.sheet("Pemeriksaan", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 5),
            Column("Perangkat", "text", 24),
            Column("Lokasi", "text", 22),
            Column("Pemeriksaan", "text", 24),
            Column("Jenis", "text", 12),
            Column("Interval (detik)", "integer", 10),
            *figure_columns,
        ],
        [
            [
                index,
                line.device,
                line.site,
                line.check,
                kind_text(line.kind),
                line.interval_s,
                *figures(line.figures),
            ]
            for index, line in enumerate(report.checks, start=1)
        ],
        total=[None, f"Jumlah {report.opd.name}", None, None, None, None, *figures(report.total)],
    )

    sheet, row = book.sheet("Perangkat", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 5),
            Column("Perangkat", "text", 24),
            Column("Lokasi", "text", 22),
            *figure_columns,
        ],
        [
            [index, line.device, line.site, *figures(line.figures)]
            for index, line in enumerate(report.devices, start=1)
        ],
        total=[None, f"Jumlah {report.opd.name}", None, *figures(report.total)],
    )

    sheet, row = book.sheet("Gangguan", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 5),
            Column("Perangkat", "text", 24),
            Column("Pemeriksaan", "text", 24),
            Column("Jenis", "text", 12),
            Column("Mulai", "datetime", 17),
            Column("Selesai", "datetime", 17),
            Column("Durasi (menit)", "decimal", 12),
            Column("Nomor kasus", "integer", 10),
            Column("Judul kasus", "text", 40),
        ],
        [
            [
                index,
                line.device,
                line.check,
                OUTAGE_KINDS.get(line.kind, line.kind),
                naive(line.started, report.tz),
                naive(line.ended, report.tz) if line.ended is not None else "berlangsung",
                _minutes(line.minutes),
                line.case_number,
                line.case_title or None,
            ]
            for index, line in enumerate(report.outages, start=1)
        ],
    )

    sheet, row = book.sheet("Pemeliharaan", head)
    book.table(
        sheet,
        row,
        [
            Column("No", "integer", 5),
            Column("Perangkat / Lokasi", "text", 28),
            Column("Mulai", "datetime", 17),
            Column("Selesai", "datetime", 17),
            Column("Keterangan", "text", 40),
        ],
        [
            [
                index,
                window.subject,
                naive(window.starts, report.tz),
                naive(window.ends, report.tz),
                window.reason,
            ]
            for index, window in enumerate(report.windows, start=1)
        ],
    )
    return book.bytes()
