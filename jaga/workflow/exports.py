"""The case list's exports (issue 16 point 4): every case that matches the list's filters
(``CaseFilter``, not just a page), as the list's user may see them (``cases_for``), as CSV or
XLSX.

- **Columns**: number, title, SOP, OPD, source, status, started, closed, current step, who it
  waits for (the step's lane labels), due, deadline outcome and number of late steps
  (``jaga.workflow.filters.deadline_of``). Times are in each case's agency's zone.
- **Memory and queries**: the cases are read with ``.iterator(chunk_size=CHUNK_SIZE)``; each
  chunk prefetches its open steps in one query and the SOP versions and agency zones it
  has not met yet in one query each, so an export costs a few queries per chunk, never one
  per case, and holds one chunk at a time. The CSV is streamed; the XLSX is written by
  XlsxWriter in constant-memory mode to a temporary file, then sent from it.
- **Safety**: text cells lose bidirectional control characters (``jaga.web.bidi``); in the
  CSV a text starting with ``= + - @`` (or a tab or carriage return) gets a leading
  apostrophe so a spreadsheet does not run it as a formula; in the XLSX every text is
  written as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any
from zoneinfo import ZoneInfo

import xlsxwriter
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.web.bidi import strip_bidi_controls
from jaga.workflow.filters import CaseFilter, deadline_of, late_step_count
from jaga.workflow.models import Case, CaseSource, CaseStatus
from jaga.workflow.permissions import cases_for
from jaga.workflow.views import open_steps_prefetch

#: Cases read (and open steps prefetched) per database round trip.
CHUNK_SIZE = 500
#: Lines of CSV sent per piece of the streamed response.
CSV_LINES_PER_PIECE = 100
#: Text that a spreadsheet would take for a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Width of each XLSX column, in characters, in the order of ``header()``.
XLSX_WIDTHS = (8, 40, 30, 22, 20, 11, 17, 17, 36, 26, 17, 13, 10)
#: How the XLSX shows times, and how the CSV writes them (the agency's local time).
XLSX_DATE_FORMAT = "yyyy-mm-dd hh:mm"
CSV_DATE_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class ExportRow:
    """One case as exported. Times are aware, in the case's agency's zone; texts are as
    stored (``cells`` cleans them); ``due`` is None for a kondisional step or no open step;
    ``deadline`` is the outcome's label ("" for a cancelled case with no late step)."""

    number: int
    title: str
    sop: str
    opd: str
    source: str
    status: str
    started: dt.datetime
    closed: dt.datetime | None
    step: str
    waits_for: str
    due: dt.datetime | None
    deadline: str
    late_steps: int

    def cells(self) -> list[str | int | dt.datetime | None]:
        """The row's cells in the order of ``header()``; texts without bidirectional
        control characters."""
        return [
            self.number,
            strip_bidi_controls(self.title),
            strip_bidi_controls(self.sop),
            strip_bidi_controls(self.opd),
            self.source,
            self.status,
            self.started,
            self.closed,
            strip_bidi_controls(self.step),
            strip_bidi_controls(self.waits_for),
            self.due,
            self.deadline,
            self.late_steps,
        ]


def header() -> list[str]:
    """The column titles, in the active language."""
    return [
        _("Number"),
        _("Title"),
        _("SOP"),
        _("OPD"),
        _("Source"),
        _("Status"),
        _("Started"),
        _("Closed"),
        _("Current step"),
        _("Waits for"),
        _("Due"),
        _("Deadline"),
        _("Late steps"),
    ]


def export_queryset(user: User, now: dt.datetime) -> QuerySet[Case]:
    """The cases ``user`` may see (``cases_for``), newest first as in the list, with their
    OPD, their open steps (``case.open_steps``) and ``late_steps`` (late at ``now``). The SOP
    and the agency are left to ``export_rows``, which loads each once, not once per case."""
    return (
        cases_for(user)
        .select_related("opd")
        .prefetch_related(open_steps_prefetch())
        .annotate(late_steps=late_step_count(now))
        .order_by("-started_at", "-pk")
    )


def filtered_cases(request: HttpRequest, user: User, now: dt.datetime) -> QuerySet[Case]:
    """``export_queryset`` narrowed by the list's filters in ``request.GET``. A value that
    is not valid (another agency's OPD, a bad date) is ignored, as in the list."""
    filterset = CaseFilter(
        request.GET or None, queryset=export_queryset(user, now), request=request
    )
    qs: QuerySet[Case] = filterset.qs
    return qs


def _chunks(cases: QuerySet[Case]) -> Iterator[list[Case]]:
    chunk: list[Case] = []
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(case)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def export_rows(cases: QuerySet[Case]) -> Iterator[ExportRow]:
    """The rows of ``cases`` (an ``export_queryset``, filtered or not), in its order, read
    ``CHUNK_SIZE`` at a time: per chunk one query for the cases, one for their open steps,
    and one each for the SOP versions and agencies not met in an earlier chunk. Labels are
    in the active language."""
    definitions: dict[int, SopDefinition] = {}
    zones: dict[int, ZoneInfo] = {}
    statuses = {value: str(label) for value, label in CaseStatus.choices}
    sources = {value: str(label) for value, label in CaseSource.choices}
    for chunk in _chunks(cases):
        missing = {case.definition_id for case in chunk} - definitions.keys()
        if missing:
            definitions.update(SopDefinition.objects.in_bulk(missing))
        unknown = {case.agency_id for case in chunk} - zones.keys()
        if unknown:
            pairs = Agency.objects.filter(pk__in=unknown).values_list("pk", "timezone")
            zones.update((pk, ZoneInfo(name)) for pk, name in pairs)
        for case in chunk:
            yield _row(
                case, definitions[case.definition_id], zones[case.agency_id], statuses, sources
            )


def _row(
    case: Case,
    definition: SopDefinition,
    zone: ZoneInfo,
    statuses: dict[str, str],
    sources: dict[str, str],
) -> ExportRow:
    open_steps: list[Any] = getattr(case, "open_steps", [])
    step = open_steps[0] if open_steps else None
    label = waits_for = ""
    if step is not None:
        spec = definition.spec
        spec_step = spec.step(step.step_no)
        label = f"{spec_step.no}. {spec_step.kegiatan}"
        waits_for = ", ".join(spec.lane(key).label for key in spec_step.all_lanes)
    late_steps = int(getattr(case, "late_steps", 0))
    deadline = deadline_of(case.status, late_steps)
    started = _local(case.started_at, zone)
    assert started is not None
    return ExportRow(
        number=case.number,
        title=case.title,
        sop=definition.name,
        opd=str(case.opd) if case.opd is not None else "",
        source=sources.get(case.source, case.source),
        status=statuses.get(case.status, case.status),
        started=started,
        closed=_local(case.closed_at, zone),
        step=label,
        waits_for=waits_for,
        due=_local(step.due_at if step is not None else None, zone),
        deadline=str(deadline.label) if deadline is not None else "",
        late_steps=late_steps,
    )


# --- CSV ----------------------------------------------------------------------------------


def guard_formula(text: str) -> str:
    """``text`` with a leading apostrophe when a spreadsheet would read it as a formula
    (it starts with one of ``FORMULA_STARTS``); otherwise unchanged."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value: str | int | dt.datetime | None) -> str | int:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(CSV_DATE_FORMAT)
    if isinstance(value, int):
        return value
    return guard_formula(value)


class _Echo:
    """A file whose ``write`` returns what it is given (``csv.writer`` into a generator)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text of ``rows`` under ``columns``, in pieces of ``CSV_LINES_PER_PIECE``
    lines: a UTF-8 byte order mark first (Excel then reads UTF-8), commas, CRLF line ends,
    times as ``YYYY-MM-DD HH:MM`` in the case's agency's zone, formulas guarded."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + str(writer.writerow([guard_formula(column) for column in columns]))
    piece: list[str] = []
    for row in rows:
        piece.append(str(writer.writerow([_csv_cell(value) for value in row.cells()])))
        if len(piece) == CSV_LINES_PER_PIECE:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def _in_language(language: str | None, pieces: Iterator[str]) -> Iterator[str]:
    """``pieces`` produced in ``language``: a streamed body is read after the view returned,
    perhaps in another thread, where the request's language is no longer active."""
    with translation.override(language):
        yield from pieces


# --- XLSX ---------------------------------------------------------------------------------


def write_xlsx(target: IO[bytes], columns: list[str], rows: Iterable[ExportRow]) -> int:
    """Write ``rows`` under ``columns`` as an XLSX workbook of one sheet to ``target`` (an
    open binary file), in XlsxWriter's constant-memory mode (rows go to disk as written):
    a bold header row, frozen, with an autofilter over the data; times as Excel dates
    (naive, in the case's agency's zone); numbers as numbers; texts as string cells (never
    formulas). Returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "tmpdir": tempfile.gettempdir()}
    )
    sheet = workbook.add_worksheet(_("Cases")[:31])
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": XLSX_DATE_FORMAT})
    for index, width in enumerate(XLSX_WIDTHS):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column, bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, value in enumerate(row.cells()):
            if value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                sheet.write_datetime(count, index, value.replace(tzinfo=None), when)
            elif isinstance(value, int):
                sheet.write_number(count, index, value)
            else:
                sheet.write_string(count, index, value)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    workbook.close()
    return count


# --- Views --------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # behind login_required
    return user


def file_name(extension: str) -> str:
    """``kasus-<today>.<extension>``, today in the active (the agency's) zone."""
    return f"kasus-{timezone.localdate().isoformat()}.{extension}"


@login_required
def cases_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The cases of the list's current filters as a streamed CSV download (UTF-8 with a
    byte order mark)."""
    now = timezone.now()
    rows = export_rows(filtered_cases(request, _user(request), now))
    language = translation.get_language()
    body = _in_language(language, csv_lines(header(), rows))
    response = StreamingHttpResponse(body, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name("csv")}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
def cases_xlsx(request: HttpRequest) -> FileResponse:
    """The cases of the list's current filters as an XLSX download, written to a temporary
    file (deleted when the response is closed) and sent from it."""
    now = timezone.now()
    rows = export_rows(filtered_cases(request, _user(request), now))
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        write_xlsx(target, header(), rows)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    response = FileResponse(
        target, as_attachment=True, filename=file_name("xlsx"), content_type=XLSX_CONTENT_TYPE
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
