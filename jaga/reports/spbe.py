"""The SPBE evidence bundle of one agency for one year (issue 16 point 6; docs/spbe.md).

The SPBE evaluation (Perpres 95/2018 Pasal 71; PermenPANRB 59/2020 tentang Pemantauan dan
Evaluasi SPBE, whose annex lists the 47 indicators) asks an agency for dated evidence
("bukti dukung"). Jaga already holds it as records; ``write_bundle`` gathers one year of
them into one ZIP:

========================================  ==============================================  ======
member                                    what it holds                                   indic.
========================================  ==============================================  ======
``01-daftar-bukti-dukung.pdf``            the index: a numbered official document          all
``02-register-aset-tik.xlsx``             every device, its lifecycle, the replacements    24, 29
``03-rencana-realisasi-pemeliharaan.xlsx`` plans against realisation, every round            24, 28
``04-log-gangguan-dan-permintaan.xlsx``   cases of the year, Mutu Baku compliance, docs    28
``05-katalog-layanan.xlsx``               the SOPs the agency runs, their standard times   28
``06-sop/<code>-v<version>.pdf``          each current SOP AP document                    28
``07-ketersediaan/<opd>.xlsx``            availability per OPD, a sheet per month          28, 29
========================================  ==============================================  ======

Indicators (domain Manajemen SPBE of the annex; docs/spbe.md cites the sources and what
could not be confirmed): 24 Penerapan Manajemen Aset TIK, 28 Penerapan Manajemen Layanan
SPBE, 29 Pelaksanaan Audit Infrastruktur SPBE.

**Dated and numbered.** The index is issued through ``issue_report``
(``ReportType.DAFTAR_BUKTI_DUKUNG``): numbered in the agency's yearly sequence, dated the
local date of ``at``, verifiable by its QR code, its PDF archived. Every other member is an
attachment ("Lampiran N") of that number: each spreadsheet's first lines name the index's
number, the period and the moment its data were read; an SOP document carries its own SOP
number and dates. The index lists every member with its date and number.

**The year** is the agency's local calendar year; the year in progress is reported up to
``at`` ("s.d."); a year not begun is refused (``BundleError``).

**Atomic.** The ZIP is written into the caller's file (the view gives an anonymous
temporary file, so no half-written ZIP is ever visible on disk) inside one transaction: the
index's number and audit event commit only when every member was written; any error rolls
them back and the number is given back.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from django.db import transaction
from django.utils.text import slugify

from jaga.documents.models import Document, ReportType
from jaga.documents.services import issue_report, pdf_bytes
from jaga.monitoring.models import Check
from jaga.org.models import Opd, User
from jaga.reports import availability
from jaga.reports import spbesheets as sheets
from jaga.reports.availability import ZONE_NAMES, Month
from jaga.reports.xlsx import Book, Cell, Column, naive
from jaga.sop.document import render_document_pdf
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency

#: The regulation whose annex numbers the indicators (docs/spbe.md).
REGULATION = (
    "Lampiran Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi "
    "Nomor 59 Tahun 2020 tentang Pemantauan dan Evaluasi Sistem Pemerintahan Berbasis "
    "Elektronik"
)
#: The first year a bundle may be asked for (anything earlier is a typing mistake).
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Indicator:
    """One indicator of the annex: its number, its name and its domain, as printed."""

    number: int
    name: str
    domain: str = "Manajemen SPBE"


ASSETS = Indicator(24, "Penerapan Manajemen Aset TIK")
SERVICES = Indicator(28, "Penerapan Manajemen Layanan SPBE")
AUDIT = Indicator(29, "Pelaksanaan Audit Infrastruktur SPBE")
INDICATORS = (ASSETS, SERVICES, AUDIT)


class BundleError(ValueError):
    """The year cannot be bundled: before ``FIRST_YEAR`` or not begun at ``at``. The
    message is English (the form shows its own)."""


@dataclass(frozen=True)
class Context:
    """What every member is built from: the agency, the year, its local bounds
    [``start``, ``end``) as aware datetimes in ``tz``, ``until`` = min(``end``, ``at``),
    ``at`` (the moment the data are read, aware in ``tz``) and the index's ``number``
    (set once it is issued)."""

    agency: Agency
    year: int
    tz: ZoneInfo
    start: dt.datetime
    end: dt.datetime
    until: dt.datetime
    at: dt.datetime
    number: str = ""

    @property
    def complete(self) -> bool:
        """Whether the whole year is reported (it has ended at ``at``)."""
        return self.until >= self.end

    @property
    def zone(self) -> str:
        """The zone's printed name (WIB, WITA, WIT), else its IANA name."""
        return ZONE_NAMES.get(self.tz.key, self.tz.key)

    @property
    def period_text(self) -> str:
        """ "Tahun 2026", or "Tahun 2026 (1 Januari s.d. 10 Desember 2026)" in progress."""
        if self.complete:
            return f"Tahun {self.year}"
        return f"Tahun {self.year} (1 Januari s.d. {long_date(self.until.date())})"

    @property
    def read_text(self) -> str:
        """When the data were read: "10 Desember 2026 10.00 WIB"."""
        return f"{long_date(self.at.date())} {self.at:%H.%M} {self.zone}"

    def head(self, no: int, title: str) -> list[str]:
        """The first lines of a spreadsheet: its title, the attachment line naming the
        index's number, the period and the reading time."""
        return [
            title,
            f"Lampiran {no} Daftar Bukti Dukung Evaluasi SPBE Nomor {self.number}",
            f"{self.agency.name}; periode {self.period_text}; data per {self.read_text}",
        ]


def long_date(day: dt.date) -> str:
    """ "10 Desember 2026" (Babel's ``id`` locale)."""
    return format_date(day, format="d MMMM y", locale="id")


@dataclass
class Member:
    """One file of the ZIP: its ``name`` (path in the ZIP), ``title`` (what it holds,
    Indonesian), the indicators it supports, its ``date`` and ``reference`` as the index
    prints them, and ``produce`` giving its bytes (None for the index, written last)."""

    name: str
    title: str
    indicators: tuple[Indicator, ...]
    date: str
    reference: str
    produce: Callable[[Context, int], bytes] | None = field(default=None, repr=False)


def context_for(agency: Agency, year: int, at: dt.datetime) -> Context:
    """The ``Context`` of ``agency``'s local ``year`` as of ``at`` (aware); raises
    ``BundleError`` for a year before ``FIRST_YEAR`` or not begun at ``at``."""
    tz = ZoneInfo(agency.timezone)
    if year < FIRST_YEAR:
        raise BundleError(f"{year} is before {FIRST_YEAR}")
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    local = at.astimezone(tz)
    if start > local:
        raise BundleError(f"{year} has not begun yet")
    return Context(agency, year, tz, start, end, min(end, local), local)


def monitored_opds(agency: Agency) -> list[Opd]:
    """The OPDs of ``agency`` with a monitored device or link at one of their sites, by
    name (two queries)."""
    ids: set[int] = set()
    for device_opd, link_opd in Check.objects.filter(agency=agency).values_list(
        "device__site__opd_id", "link__a_device__site__opd_id"
    ):
        ids.update(pk for pk in (device_opd, link_opd) if pk is not None)
    return list(Opd.objects.filter(agency=agency, pk__in=ids).order_by("name", "pk"))


def _sop_date(definition: SopDefinition, tz: ZoneInfo) -> str:
    """The SOP's printed effective (else making) date, else the day it was loaded."""
    identity = definition.spec.identity
    printed = identity.tanggal_efektif or identity.tanggal_pembuatan
    return printed or f"dimuat {long_date(definition.loaded_at.astimezone(tz).date())}"


def _sop_reference(definition: SopDefinition) -> str:
    number = definition.number or definition.spec.identity.nomor
    text = f"Nomor SOP {number}" if number else "SOP tanpa nomor"
    return f"{text}, versi {definition.version}"


def _sop_pdf(definition: SopDefinition) -> Callable[[Context, int], bytes]:
    def produce(context: Context, no: int) -> bytes:
        return render_document_pdf(definition.spec, definition.agency)

    return produce


def _figures(value: availability.Figures) -> list[Cell]:
    return [
        None if value.percent is None else float(value.percent / 100),
        float(value.down_minutes),
        float(value.maintenance_minutes),
        float(value.unreachable_minutes),
        value.outages,
    ]


FIGURE_COLUMNS = [
    Column("Ketersediaan", "percent", 13),
    Column("Waktu henti (menit)", "decimal", 12),
    Column("Pemeliharaan (menit)", "decimal", 13),
    Column("Tidak terjangkau (menit)", "decimal", 13),
    Column("Gangguan (kali)", "integer", 10),
]


def availability_xlsx(context: Context, no: int, opd: Opd, months: list[Month]) -> bytes:
    """The availability of ``opd`` in each of ``months`` (``jaga.reports.availability``,
    its rule: maintenance windows and time unreachable behind a failed parent excluded):
    sheet "Ringkasan" (a row per month, then the months' sum), then one sheet per month
    ("2026-11": a row per device, the OPD's total, and the month's outages with their
    cases). A month in progress is counted up to the reading time."""
    book = Book()
    head = context.head(no, f"Laporan Ketersediaan Jaringan {opd.name}")
    reports = [availability.build(opd, month, now=context.at) for month in months]
    summary = availability.Figures()
    for report in reports:
        summary = summary + report.total
    sheet, row = book.sheet("Ringkasan", head)
    book.table(
        sheet,
        row,
        [Column("Bulan", "text", 18), Column("Perangkat", "integer", 10), *FIGURE_COLUMNS],
        [
            [
                report.month.label() + ("" if report.complete else " (berjalan)"),
                len(report.devices),
                *_figures(report.total),
            ]
            for report in reports
        ],
        total=[f"Tahun {context.year}", None, *_figures(summary)],
    )
    for report in reports:
        sheet, row = book.sheet(str(report.month), head)
        row = book.table(
            sheet,
            row,
            [
                Column("No", "integer", 6),
                Column("Perangkat", "text", 24),
                Column("Lokasi", "text", 22),
                *FIGURE_COLUMNS,
            ],
            [
                [index, line.device, line.site, *_figures(line.figures)]
                for index, line in enumerate(report.devices, start=1)
            ],
            total=[None, f"Jumlah {opd.name}", None, *_figures(report.total)],
        )
        book.table(
            sheet,
            row + 1,
            [
                Column("No", "integer", 6),
                Column("Gangguan: perangkat", "text", 24),
                Column("Pemeriksaan", "text", 22),
                Column("Mulai", "datetime", 16),
                Column("Selesai", "datetime", 16),
                Column("Durasi (menit)", "decimal", 12),
                Column("Kasus", "text", 30),
            ],
            [
                [
                    index,
                    line.device,
                    line.check,
                    naive(line.started, context.tz),
                    naive(line.ended, context.tz) if line.ended is not None else "berlangsung",
                    float(line.minutes),
                    f"#{line.case_number} {line.case_title}"
                    if line.case_number is not None
                    else None,
                ]
                for index, line in enumerate(report.outages, start=1)
            ],
            freeze=False,
        )
    return book.bytes()


def _availability(opd: Opd) -> Callable[[Context, int], bytes]:
    def produce(context: Context, no: int) -> bytes:
        months = [
            Month(context.year, month)
            for month in range(1, 13)
            if dt.datetime(context.year, month, 1, tzinfo=context.tz) <= context.at
        ]
        return availability_xlsx(context, no, opd, months)

    return produce


def _file_part(text: str, fallback: str) -> str:
    return slugify(text)[:60] or fallback


def plan_members(context: Context) -> list[Member]:
    """The members of the bundle in ZIP order, the index first (a few queries: the
    current SOPs, the monitored OPDs). Names are unique."""
    read = long_date(context.at.date())
    members = [
        Member(
            "01-daftar-bukti-dukung.pdf",
            "Daftar bukti dukung (dokumen ini)",
            INDICATORS,
            read,
            "Nomor dokumen ini",
        ),
        Member(
            "02-register-aset-tik.xlsx",
            "Register aset TIK: seluruh perangkat jaringan dengan jenis, merek, model, nomor "
            "seri, kode barang, lokasi, OPD, status dan riwayat (terdaftar, perubahan status, "
            "penggantian); penggantian perangkat dalam periode",
            (ASSETS, AUDIT),
            read,
            "",
            sheets.asset_register_xlsx,
        ),
        Member(
            "03-rencana-realisasi-pemeliharaan.xlsx",
            "Rencana pemeliharaan berkala dan realisasinya: per rencana jadwal dalam periode, "
            "putaran dimulai, terlambat dimulai, selesai; daftar putaran",
            (ASSETS, SERVICES),
            read,
            "",
            sheets.maintenance_xlsx,
        ),
        Member(
            "04-log-gangguan-dan-permintaan.xlsx",
            "Log gangguan dan permintaan layanan: setiap kasus yang dimulai dalam periode "
            "dengan hasil tenggat dan langkah terlambat; kepatuhan Mutu Baku per SOP dan per "
            "langkah; dokumen resmi yang terbit",
            (SERVICES,),
            read,
            "",
            sheets.case_log_xlsx,
        ),
        Member(
            "05-katalog-layanan.xlsx",
            "Katalog layanan: SOP yang dijalankan beserta waktu standar (Mutu Baku) setiap langkah",
            (SERVICES,),
            read,
            "",
            sheets.services_xlsx,
        ),
    ]
    definitions = SopDefinition.objects.filter(agency=context.agency, is_current=True).order_by(
        "code", "pk"
    )
    for definition in definitions:
        members.append(
            Member(
                f"06-sop/{_file_part(definition.code, 'sop')}-v{definition.version}.pdf",
                f"Dokumen SOP: {definition.name}",
                (SERVICES,),
                _sop_date(definition, context.tz),
                _sop_reference(definition),
                _sop_pdf(definition),
            )
        )
    seen: set[str] = set()
    for opd in monitored_opds(context.agency):
        part = _file_part(opd.abbreviation or opd.name, f"opd-{opd.pk}")
        if part in seen:
            part = f"{part}-{opd.pk}"
        seen.add(part)
        members.append(
            Member(
                f"07-ketersediaan/{part}.xlsx",
                f"Laporan ketersediaan jaringan {opd.name}, satu lembar per bulan",
                (SERVICES, AUDIT),
                read,
                "",
                _availability(opd),
            )
        )
    for no, member in enumerate(members, start=1):
        if not member.reference:
            member.reference = f"Lampiran {no}"
    return members


def index_content(context: Context, members: list[Member]) -> dict[str, Any]:
    """The frozen content of the index document (JSON values, printed in Indonesian):
    ``year``, ``period`` (text), ``read`` (when the data were read), ``zone``, ``files``
    (rows: ``no``, ``name``, ``title``, ``indicators`` "24, 29", ``date``, ``reference``),
    ``indicators`` (``number``, ``name``, ``domain``) and ``regulation``."""
    return {
        "year": context.year,
        "period": context.period_text,
        "read": context.read_text,
        "zone": context.zone,
        "files": [
            {
                "no": no,
                "name": member.name,
                "title": member.title,
                "indicators": ", ".join(str(i.number) for i in member.indicators),
                "date": member.date,
                "reference": member.reference,
            }
            for no, member in enumerate(members, start=1)
        ],
        "indicators": [
            {"number": i.number, "name": i.name, "domain": i.domain} for i in INDICATORS
        ],
        "regulation": REGULATION,
    }


def document_title(context: Context) -> str:
    """The index's title in lists: "Daftar Bukti Dukung Evaluasi SPBE Tahun 2026"."""
    return f"Daftar Bukti Dukung Evaluasi SPBE Tahun {context.year}"


def write_bundle(
    target: IO[bytes], agency: Agency, year: int, user: User | None, at: dt.datetime
) -> Document:
    """Write the bundle of ``agency``'s local ``year`` as of ``at`` (aware) into
    ``target`` (a seekable binary file, written from its current position) and return the
    index document it issued, signed by ``user``.

    One transaction: the index's number, row and audit event commit only when the whole
    ZIP was written. Raises ``BundleError`` for a year that cannot be bundled,
    ``ValueError`` for a ``user`` of another agency, ``NumberingBusy`` when the counter
    cannot be taken; ``target`` then holds a partial ZIP the caller must discard."""
    context = context_for(agency, year, at)
    with transaction.atomic():
        members = plan_members(context)
        document = issue_report(
            agency,
            ReportType.DAFTAR_BUKTI_DUKUNG,
            user,
            at,
            index_content(context, members),
            title=document_title(context),
        )
        numbered = Context(
            agency,
            year,
            context.tz,
            context.start,
            context.end,
            context.until,
            context.at,
            document.number,
        )
        moment = numbered.at
        stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
            for no, member in enumerate(members, start=1):
                data = (
                    pdf_bytes(document) if member.produce is None else member.produce(numbered, no)
                )
                info = zipfile.ZipInfo(member.name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, data)
    return document


def build_bundle(agency: Agency, year: int, user: User | None, at: dt.datetime) -> bytes:
    """The bundle's ZIP as bytes (``write_bundle`` into an anonymous temporary file, read
    back); same errors. For tests and small agencies: the view streams the file instead."""
    with tempfile.TemporaryFile() as handle:
        write_bundle(handle, agency, year, user, at)
        handle.seek(0)
        return handle.read()


def file_name(agency: Agency, year: int) -> str:
    """The ZIP's download name: ``bukti-dukung-spbe-<agency>-<year>.zip``."""
    return f"bukti-dukung-spbe-{_file_part(agency.slug, 'instansi')}-{year}.zip"
