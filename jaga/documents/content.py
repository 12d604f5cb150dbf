"""What each document prints, gathered from the case when it is issued and frozen as JSON in
``Document.content`` (so a rendering years later prints the same words).

The shapes (all values strings unless noted):

- ``kop``: ``headings`` and ``details`` (lists of lines), ``logo`` (a media path or "");
- ``place`` and ``date`` ("Bogor", "23 November 2026"), ``opening`` (the Berita Acara's
  date in words), ``case`` (``number``, ``title``, ``opd``, ``reported``, ``location``,
  ``problem``);
- people as ``{"name", "nip", "position", "unit"}``: ``signer``, ``parties`` (list),
  ``mengetahui`` (or None), ``recipients`` (list);
- ``instructions`` / ``instruction_options`` (lists), ``note`` (the actor's note, "" unless
  the step is ``note_printable``), ``sifat`` / ``sifat_options`` (a Lembar Disposisi: the
  Sifat chosen on the disposition form, "" when none was), ``basis``, ``items`` (list of
  rows keyed by ``ITEM_COLUMNS``: a Berita Acara Pekerjaan lists both devices of each
  replacement made in the case, else the devices entered in its forms), ``fields`` (list
  of ``{"label", "value"}`` of the fields the SOP declares ``printable``), ``photos``
  (media paths), ``steps`` (list of ``{"no", "kegiatan", "by", "done"}``).

Other apps add parts of their own through ``CONTENT_HOOKS`` (architecture.md, "Step
effects": the documents app imports none of them); ``jaga.maintenance.documents`` adds
``work_plan`` to a round's Rencana Kerja, ``inspections`` and ``work_done`` to a visit's
Berita Acara Pekerjaan and ``round_summary`` to the round's report, for instance.

Sources: docs/domain.md ("People and documents") for each document's parts; the party roles
follow seed 003 (Kabupaten Bolaang Mongondow Utara): the technicians do the work, the
reporting OPD acknowledges it, the Kepala Seksi who appointed them "mengetahui".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from jaga.documents.indonesian import pembuka_berita_acara
from jaga.documents.models import AnyDocumentType, ReportType
from jaga.inventory.models import Device, Site
from jaga.org.models import Employee, Position, User
from jaga.sop.schema import DocumentType, SopSpec, Step, StepKind
from jaga.tenancy.models import Agency
from jaga.workflow.models import (
    DISPOSITION_SIFAT,
    Case,
    LaneAssignee,
    StepInstance,
    StepStatus,
)

TITLES: dict[AnyDocumentType, str] = {
    DocumentType.LEMBAR_DISPOSISI: "Lembar Disposisi",
    DocumentType.SURAT_TUGAS: "Surat Tugas",
    DocumentType.BERITA_ACARA_PENGGANTIAN: "Berita Acara Pengajuan Penggantian Perangkat",
    DocumentType.BERITA_ACARA_PEKERJAAN: "Berita Acara Pekerjaan",
    DocumentType.LAPORAN_TINDAK_LANJUT: "Laporan Tindak Lanjut",
    DocumentType.RENCANA_KERJA: "Rencana Kerja",
    ReportType.LAPORAN_KETERSEDIAAN: "Laporan Ketersediaan Jaringan",
    ReportType.REKAPITULASI: "Rekapitulasi",
    ReportType.LAPORAN_BERKALA: "Laporan Berkala",
    ReportType.DAFTAR_BUKTI_DUKUNG: "Daftar Bukti Dukung Evaluasi SPBE",
}
"""The printed title of each document type, a step's or a report's (official Indonesian,
never translated)."""

ITEM_COLUMNS = ("nama_barang", "merk_tipe", "no_seri", "jumlah", "kondisi", "keterangan")
"""The item table of a Berita Acara: No, Nama Barang, Merk/Tipe, No. Seri, Jumlah, Kondisi,
Keterangan (docs/domain.md)."""

SIFAT = DISPOSITION_SIFAT


#: ``hook(document_type, step, content)``: called after ``build`` gathered ``content`` of a
#: document ``step`` issues; it may add keys (never remove any). Hooks run in the step's
#: transaction, in the order they were added (``add_content_hook``).
ContentHook = Callable[[DocumentType, StepInstance, dict[str, Any]], None]
CONTENT_HOOKS: list[ContentHook] = []


def add_content_hook(hook: ContentHook) -> None:
    """Add ``hook`` to ``CONTENT_HOOKS`` once (an app's ``ready`` may run twice in tests)."""
    if hook not in CONTENT_HOOKS:
        CONTENT_HOOKS.append(hook)


def local(agency: Agency, at: dt.datetime) -> dt.datetime:
    """``at`` (aware, any zone) in the agency's zone."""
    return at.astimezone(ZoneInfo(agency.timezone))


def _long_date(day: dt.date) -> str:
    return format_date(day, format="d MMMM y", locale="id")


def kop(agency: Agency) -> dict[str, Any]:
    """The letterhead as ``{"headings": [...], "details": [...], "logo": media path}``.

    With kop lines set on the agency they are printed verbatim: the lines up to the first
    one holding a digit are headings (the government, the agency), the rest details (the
    address and phone always hold digits, and what follows them). Without kop lines: the
    government and the agency's name in capitals, then its address and contacts."""
    lines = agency.letterhead_lines
    if lines:
        split = next((i for i, line in enumerate(lines) if any(c.isdigit() for c in line)), None)
        split = len(lines) if split is None else max(split, 1)
        headings, details = lines[:split], lines[split:]
    else:
        contact = "  ".join(
            part
            for part in (
                f"Telp. {agency.phone}" if agency.phone else "",
                f"Pos-el: {agency.email}" if agency.email else "",
                f"Laman: {agency.website}" if agency.website else "",
            )
            if part
        )
        headings = [agency.government_name.upper(), agency.name.upper()]
        details = [line for line in (agency.address, contact) if line]
    return {
        "headings": headings,
        "details": details,
        "logo": agency.logo.name if agency.logo else "",
    }


def person(user: User | None, position: Position | None = None) -> dict[str, str]:
    """A signatory: the employee linked to ``user`` with ``position`` (else the employee's
    first position); an OPD user without an employee record signs for the OPD."""
    if user is None:
        return {"name": "", "nip": "", "position": "", "unit": ""}
    employee = Employee.objects.filter(user=user).first()
    if employee is not None:
        held = position or employee.positions.select_related("unit").order_by("pk").first()
        return {
            "name": employee.name,
            "nip": employee.nip_display,
            "position": held.title if held is not None else "",
            "unit": held.unit.name if held is not None else "",
        }
    opd = user.opd
    return {
        "name": user.get_full_name() or user.username,
        "nip": "",
        "position": f"Pelapor {opd.name}" if opd is not None else "",
        "unit": opd.name if opd is not None else "",
    }


def report_content(
    document_type: ReportType, agency: Agency, user: User | None, issued_on: dt.date
) -> dict[str, Any]:
    """The parts every report document prints (``jaga.documents.services.issue_report``):
    ``kop``, ``title`` (in capitals), ``place`` and ``date`` (the agency's town and the
    local date ``issued_on`` in words), ``signer`` (``person(user)``); the report adds its
    own parts."""
    return {
        "kop": kop(agency),
        "title": TITLES[document_type].upper(),
        "place": agency.region_name,
        "date": _long_date(issued_on),
        "signer": person(user),
    }


def opd_party(case: Case, site: Site | None = None) -> dict[str, str]:
    """The reporting OPD as a party: its head when the OPD names one, else the reporter.
    For a fan-out visit's ``site``, the site's OPD (a maintained location acknowledges its
    own Berita Acara)."""
    opd = site.opd if site is not None else case.opd
    if opd is not None and opd.head_name:
        return {"name": opd.head_name, "nip": "", "position": opd.head_title, "unit": opd.name}
    if site is not None:
        name = opd.name if opd is not None else ""
        return {"name": "", "nip": "", "position": name, "unit": name}
    return person(case.reporter)


def _case_block(case: Case, site: Site | None = None) -> dict[str, str]:
    """The case as documents print it; for a document of a fan-out visit, the OPD and
    location are the visit ``site``'s (issue 14), not the case's."""
    agency = case.agency
    reported = local(agency, case.started_at)
    opd = site.opd if site is not None else case.opd
    block = {
        "number": f"#{case.number}",
        "title": case.title,
        "opd": opd.name if opd is not None else "",
        "reported": f"{format_date(reported.date(), format='full', locale='id')} {reported:%H.%M}",
        "location": "",
        "problem": case.description,
    }
    incident = getattr(case, "incident", None)
    if incident is not None:
        block["location"] = incident.location
        block["problem"] = incident.problem
    if site is not None:
        block["location"] = site.name
    return block


def _appointer(case: Case, before: StepInstance) -> dict[str, str] | None:
    """The official who last disposed or assigned work in the case before ``before``: the
    "Mengetahui" of Berita Acara and reports."""
    spec = case.definition.spec
    done = case.steps.filter(status=StepStatus.DONE, pk__lt=before.pk).order_by("-pk")
    for step in done.select_related("actor", "on_behalf_of"):
        kind = spec.step(step.step_no).kind
        if kind in (StepKind.ASSIGNMENT, StepKind.DISPOSITION) and step.actor is not None:
            return person(step.actor, step.on_behalf_of)
    return None


def _named(step: StepInstance) -> list[dict[str, str]]:
    rows = LaneAssignee.objects.filter(named_by=step).select_related("user").order_by("pk")
    return [person(row.user) for row in rows]


def _team(case: Case) -> list[dict[str, str]]:
    """The people the case's latest disposition or assignment named (the technicians once
    the Kepala Seksi has appointed them)."""
    last = LaneAssignee.objects.filter(case=case).order_by("-named_by_id").first()
    return _named(last.named_by) if last is not None else []


def _fields(step: Step, data: dict[str, Any]) -> list[dict[str, str]]:
    """The step's fields the SOP declares ``printable`` (issue 13 point 12), with values."""
    rows = []
    for field in step.fields:
        if not field.printable:
            continue
        value = data.get(field.key)
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            value = "Ya" if value else "Tidak"
        rows.append({"label": field.label, "value": str(value)})
    return rows


def _item_from(data: dict[str, Any]) -> dict[str, str] | None:
    if not data.get("nama_barang"):
        return None
    row = {column: str(data.get(column, "") or "") for column in ITEM_COLUMNS}
    row["keterangan"] = row["keterangan"] or str(data.get("alasan", "") or "")
    return row


def _items(case: Case, spec: SopSpec, upto: StepInstance) -> list[dict[str, str]]:
    """Device rows entered in the case's forms so far (e.g. seed 003 step 9a)."""
    rows = []
    for step in case.steps.filter(status=StepStatus.DONE, pk__lte=upto.pk).order_by("pk"):
        row = _item_from(step.data or {})
        if row is not None and spec.step(step.step_no).kind is StepKind.FORM:
            rows.append(row)
    return rows


#: What the broken device became, as the Berita Acara prints it (never translated).
REMOVED_AS = {"in_repair": "dalam perbaikan", "retired": "dihapuskan (tidak dapat dipakai)"}


def _device_row(device: Device, kondisi: str, keterangan: str) -> dict[str, str]:
    return {
        "nama_barang": device.name,
        "merk_tipe": " ".join(part for part in (device.vendor, device.model) if part),
        "no_seri": device.serial_number,
        "jumlah": "1",
        "kondisi": kondisi,
        "keterangan": keterangan,
    }


def _replacement_items(
    case: Case, upto: StepInstance, site: Site | None = None
) -> list[dict[str, str]]:
    """Both devices of every replacement made in the case so far (``Replacement``): the
    broken one taken out and the spare put in its place (issue 6, seed 003 step 10). For a
    fan-out visit's ``site``, only the replacements made at that site (issue 14 point 5: a
    round's Berita Acara per site lists the devices replaced there)."""
    rows = []
    replacements = case.replacements.filter(step_id__lte=upto.pk)
    if site is not None:
        replacements = replacements.filter(site=site)
    replacements = replacements.select_related("removed", "installed", "site", "store").order_by(
        "at", "pk"
    )
    for replacement in replacements:
        removed, installed = replacement.removed, replacement.installed
        rows.append(
            _device_row(
                removed,
                "Rusak",
                f"Dilepas dari {replacement.site.name}, diganti {installed.name}"
                + (f" No. Seri {installed.serial_number}" if installed.serial_number else "")
                + f"; {REMOVED_AS.get(replacement.removed_status, replacement.removed_status)}",
            )
        )
        rows.append(
            _device_row(
                installed,
                "Baik",
                f"Perangkat pengganti dari {replacement.store.name}, dipasang di "
                f"{replacement.site.name}",
            )
        )
    return rows


def _basis(case: Case) -> str:
    document = case.documents.filter(
        document_type__in=[DocumentType.SURAT_TUGAS, DocumentType.LEMBAR_DISPOSISI],
        superseded_by__isnull=True,
    ).first()
    if document is None:
        return f"Laporan gangguan {_case_block(case)['opd']} nomor kasus #{case.number}".strip()
    return f"{TITLES[DocumentType(document.document_type)]} Nomor {document.number}"


def _history(case: Case, spec: SopSpec) -> list[dict[str, str]]:
    rows = []
    steps = case.steps.filter(status=StepStatus.DONE).select_related("actor").order_by("pk")
    for step in steps:
        done = local(case.agency, step.completed_at) if step.completed_at else None
        rows.append(
            {
                "no": step.step_no,
                "kegiatan": spec.step(step.step_no).kegiatan,
                "by": person(step.actor)["name"],
                "done": f"{done:%d-%m-%Y %H.%M}" if done else "",
            }
        )
    return rows


def build(
    document_type: DocumentType, step: StepInstance, spec_step: Step, issued_on: dt.date
) -> dict[str, Any]:
    """The frozen content of ``document_type`` issued by completed ``step`` on local date
    ``issued_on`` (shapes in the module docstring)."""
    case = step.case
    agency = case.agency
    spec = case.definition.spec
    signer = person(step.actor, step.on_behalf_of)
    # A step of a fan-out visit speaks of the visit's site and its OPD.
    site = step.branch.site if step.branch is not None else None
    content: dict[str, Any] = {
        "kop": kop(agency),
        "title": TITLES[document_type].upper(),
        "place": agency.region_name,
        "date": _long_date(issued_on),
        "opening": pembuka_berita_acara(issued_on),
        "case": _case_block(case, site),
        "sop": {"name": spec.identity.nama, "number": spec.identity.nomor, "step": step.step_no},
        "kegiatan": spec_step.kegiatan,
        "signer": signer,
        # The actor's free note is printed only where the SOP says so (issue 13 point 12).
        "note": step.note if spec_step.note_printable else "",
        "fields": _fields(spec_step, step.data or {}),
        "parties": [],
        "mengetahui": _appointer(case, step),
        "recipients": [],
        "instructions": list((step.data or {}).get("instructions", [])),
        "instruction_options": spec_step.disposition_instructions
        if spec_step.kind is StepKind.DISPOSITION
        else [],
        "items": [],
        "photos": [],
        "steps": [],
        "basis": "",
    }
    if document_type is DocumentType.LEMBAR_DISPOSISI:
        recipients = _named(step)
        if not recipients and spec_step.to_lane:
            label = spec.lane(spec_step.to_lane).label
            recipients = [{"name": "", "nip": "", "position": label, "unit": ""}]
        content["recipients"] = recipients
        # Sifat as the disposition form asked for it; "" (not printed) when left empty.
        content["sifat"] = str((step.data or {}).get("sifat", ""))
        content["sifat_options"] = list(SIFAT)
    elif document_type is DocumentType.SURAT_TUGAS:
        content["recipients"] = _named(step)
    elif document_type is DocumentType.BERITA_ACARA_PENGGANTIAN:
        content["parties"] = [signer, *_team(case)[:1]]
        content["items"] = _items(case, spec, step)
        content["basis"] = _basis(case)
    elif document_type is DocumentType.BERITA_ACARA_PEKERJAAN:
        content["parties"] = [signer, opd_party(case, site)]
        content["items"] = _replacement_items(case, step, site) or _items(case, spec, step)
        content["basis"] = _basis(case)
        content["photos"] = _photos(case)
    else:
        content["steps"] = _history(case, spec)
    for hook in CONTENT_HOOKS:
        hook(document_type, step, content)
    return content


def _photos(case: Case) -> list[str]:
    incident = getattr(case, "incident", None)
    if incident is None:
        return []
    return [
        attachment.file.name
        for attachment in incident.attachments.order_by("pk")
        if attachment.content_type.startswith("image/")
    ]
