"""What each document prints, gathered from the case when it is issued and frozen as JSON in
``Document.content`` (so a rendering years later prints the same words).

The shapes (all values strings unless noted):

- ``kop``: ``headings`` and ``details`` (lists of lines), ``logo`` (a media path or "");
- ``place`` and ``date`` ("Bogor", "23 November 2026"), ``opening`` (the Berita Acara's
  date in words), ``case`` (``number``, ``title``, ``opd``, ``reported``, ``location``,
  ``problem``);
- people as signatories (``jaga.documents.signatories``: ``{"name", "rank", "nip",
  "position", "unit", "acting"}``): ``signer``, ``parties`` (list: PIHAK PERTAMA the Tim
  Teknis, PIHAK KEDUA the OPD, the same across a case's Berita Acara), ``principal`` (int:
  the index of the party that issued it, whose block carries the signature tag),
  ``mengetahui`` (or None), ``recipients`` (list);
- ``instructions`` / ``instruction_options`` (lists), ``note`` (the actor's note, "" unless
  the step is ``note_printable``), ``sifat`` / ``sifat_options`` (a Lembar Disposisi: the
  Sifat chosen on the disposition form, "" when none was), ``basis`` and ``references``
  (the document a Berita Acara is based on, ``{"type", "title", "number", "token"}``),
  ``items`` (list of rows keyed by ``ITEM_COLUMNS``: a Berita Acara Pekerjaan and a report
  list both devices of each replacement made in the case, else the devices entered in its
  forms), ``fields`` (list of ``{"label", "value"}`` of the fields the SOP declares
  ``printable``), ``findings`` and ``work`` (``jaga.documents.work.recorded``), ``photos``
  (media paths), ``steps`` (``jaga.documents.work.timeline``), ``acknowledgments`` (a
  report's: ``{"document", "by", "at", "outcome"}``), ``naskah`` (``jaga.documents.naskah``:
  jenis, sifat, urgensi, klasifikasi, hal, lampiran, header).

Other apps add parts of their own through ``CONTENT_HOOKS`` (architecture.md, "Step
effects": the documents app imports none of them); ``jaga.maintenance.documents`` adds
``work_plan`` to a round's Rencana Kerja, ``inspections`` and ``work_done`` to a visit's
Berita Acara Pekerjaan and ``round_summary`` to the round's report, for instance.

Sources: docs/domain.md ("People and documents") for each document's parts; the party roles
follow seed 003 (Kabupaten Bolaang Mongondow Utara): the technicians do the work, the
reporting OPD acknowledges it, the Kepala Seksi who appointed them "mengetahui"
(docs/documents.md, "Parties"); tata naskah dinas after Permendagri 1/2023.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from jaga.documents import naskah, work
from jaga.documents.indonesian import pembuka_berita_acara
from jaga.documents.models import AnyDocumentType, ReportType
from jaga.documents.signatories import Signatories, person
from jaga.inventory.models import Device, Site
from jaga.org.models import User
from jaga.sop.schema import DocumentType, FieldRecord, SopSpec, Step, StepKind
from jaga.tenancy.models import Agency
from jaga.workflow.models import (
    DISPOSITION_SIFAT,
    Case,
    LaneAssignee,
    StepInstance,
    StepStatus,
)
from jaga.workflow.services import DISPUTED

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


def long_date(day: dt.date) -> str:
    """The date as documents print it: "23 November 2026"."""
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
        "place": agency.place,
        "date": long_date(issued_on),
        "signer": person(user, on=issued_on),
        "naskah": naskah.metadata(document_type, TITLES[document_type]),
    }


def opd_party(
    case: Case, site: Site | None = None, people: Signatories | None = None
) -> dict[str, str]:
    """The reporting OPD as a party: its head when the OPD names one, else the reporter.
    For a fan-out visit's ``site``, the site's OPD (a maintained location acknowledges its
    own Berita Acara)."""
    opd = site.opd if site is not None else case.opd
    if opd is not None and opd.head_name:
        return {"name": opd.head_name, "nip": "", "position": opd.head_title, "unit": opd.name}
    if site is not None:
        name = opd.name if opd is not None else ""
        return {"name": "", "nip": "", "position": name, "unit": name}
    return (people or Signatories()).of(case.reporter)


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


def _appointing_step(case: Case, before: StepInstance) -> StepInstance | None:
    """The case's last disposition or assignment done before ``before`` (with its actor):
    whoever did it is the "Mengetahui" of Berita Acara and reports."""
    spec = case.definition.spec
    appointing = [
        step.no for step in spec.steps if step.kind in (StepKind.ASSIGNMENT, StepKind.DISPOSITION)
    ]
    if not appointing:
        return None
    return (
        case.steps.filter(
            status=StepStatus.DONE, pk__lt=before.pk, step_no__in=appointing, actor__isnull=False
        )
        .select_related("actor", "on_behalf_of")
        .order_by("-pk")
        .first()
    )


def _mengetahui(
    appointing: StepInstance | None, signer: dict[str, str], people: Signatories
) -> dict[str, str] | None:
    """The "Mengetahui" of a document: the official who did ``appointing`` (Plt./Plh. as
    on ``people``'s date), unless that is the signer (an official does not acknowledge
    their own document)."""
    if appointing is None:
        return None
    appointer = people.of(appointing.actor, appointing.on_behalf_of)
    if (appointer["name"], appointer["nip"]) == (
        signer["name"],
        signer["nip"],
    ):
        return None
    return appointer


def _named_users(step: StepInstance) -> list[User]:
    """The people ``step`` named (a disposition's or an assignment's), in naming order."""
    rows = LaneAssignee.objects.filter(named_by=step).select_related("user").order_by("pk")
    return [row.user for row in rows]


def _named(step: StepInstance, people: Signatories) -> list[dict[str, str]]:
    """The signatories of the people ``step`` named, read together."""
    users = _named_users(step)
    people.load(users)
    return [people.of(user) for user in users]


def _team(case: Case, people: Signatories) -> list[dict[str, str]]:
    """The people the case's latest disposition or assignment named (the technicians once
    the Kepala Seksi has appointed them)."""
    last = LaneAssignee.objects.filter(case=case).order_by("-named_by_id").first()
    return _named(last.named_by, people) if last is not None else []


def _fields(step: Step, data: dict[str, Any]) -> list[dict[str, str]]:
    """The step's fields the SOP declares ``printable`` (issue 13 point 12), with values."""
    rows = []
    for field in step.fields:
        # A finding or work done is printed in its own section (``work.recorded``).
        if not field.printable or field.records is not None:
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


def _reference(case: Case) -> dict[str, str] | None:
    """The document a Berita Acara is based on: the current version of the case's Surat
    Tugas, else of its latest Lembar Disposisi, as ``{"type", "title", "number", "token"}``
    (issue 18 point 5: a new version cites the current versions it refers to)."""
    for document_type in (DocumentType.SURAT_TUGAS, DocumentType.LEMBAR_DISPOSISI):
        document = (
            case.documents.filter(document_type=document_type, superseded_by__isnull=True)
            .order_by("-pk")
            .first()
        )
        if document is not None:
            return {
                "type": document.document_type,
                "title": TITLES[document_type],
                "number": document.number,
                "token": document.token,
            }
    return None


def basis_of(case: Case, reference: dict[str, str] | None) -> str:
    """The "Berdasarkan …" of a Berita Acara: the referenced document, else the report."""
    if reference is None:
        return f"Laporan gangguan {_case_block(case)['opd']} nomor kasus #{case.number}".strip()
    return f"{reference['title']} Nomor {reference['number']}"


#: The parties of a case's Berita Acara, in print order (issue 18 point 1; docs/documents.md,
#: "Parties"): PIHAK PERTAMA the Tim Teknis who carries out the work and hands it over,
#: PIHAK KEDUA the reporting OPD that receives and acknowledges it (seed 003 steps 9-11).
TIM_TEKNIS, OPD_PELAPOR = 0, 1


def _parties(
    case: Case, step: StepInstance, spec: SopSpec, site: Site | None, people: Signatories
) -> list[dict[str, str]]:
    """PIHAK PERTAMA and PIHAK KEDUA of a Berita Acara issued by ``step``: the same people
    as the case's earlier Berita Acara in the same visit (the first one fixes them), else
    the technician (the step's actor when a staff lane does the step, else the first
    person the latest assignment named) and the OPD (``opd_party``)."""
    earlier = (
        case.documents.filter(
            document_type__in=[
                DocumentType.BERITA_ACARA_PENGGANTIAN,
                DocumentType.BERITA_ACARA_PEKERJAAN,
            ],
            step__branch_id=step.branch_id,
        )
        .order_by("pk")
        .first()
    )
    if earlier is not None and len(earlier.content.get("parties", [])) == 2:
        return [dict(party) for party in earlier.content["parties"]]
    lanes = [spec.lane(key) for key in spec.step(step.step_no).all_lanes]
    by_staff = bool(lanes) and not any(lane.requesting for lane in lanes)
    if by_staff:
        technician = people.of(step.actor, step.on_behalf_of)
    else:
        team = _team(case, people)
        technician = team[0] if team else people.of(None)
    return [technician, opd_party(case, site, people)]


def _principal(step: StepInstance, spec: SopSpec) -> int:
    """The index of the party whose block carries the signature tag: the OPD's when the
    OPD's lane issued the Berita Acara (seed 003 step 9a), else the Tim Teknis's."""
    lanes = [spec.lane(key) for key in spec.step(step.step_no).all_lanes]
    return OPD_PELAPOR if lanes and all(lane.requesting for lane in lanes) else TIM_TEKNIS


def _hal(document_type: DocumentType, case: Case, block: dict[str, str]) -> str:
    subject = case.title
    if block.get("opd") and block["opd"] not in subject:
        subject = f"{subject} ({block['opd']})"
    if document_type is DocumentType.SURAT_TUGAS:
        return f"Penugasan penanganan {subject}"
    if document_type is DocumentType.LEMBAR_DISPOSISI:
        return subject
    return f"{TITLES[document_type]} {subject}"


def build(
    document_type: DocumentType,
    step: StepInstance,
    spec_step: Step,
    issued_on: dt.date,
    *,
    named: Sequence[User] | None = None,
) -> dict[str, Any]:
    """The frozen content of ``document_type`` issued by completed ``step`` on local date
    ``issued_on`` (shapes in the module docstring). ``named``: the people ``step`` named,
    in naming order, as the engine announced them (``events.step_completed``); None reads
    them back (a document rebuilt later)."""
    case = step.case
    agency = case.agency
    spec = case.definition.spec
    people = Signatories(issued_on)
    # The people a letter is addressed to are read with its signer.
    if document_type not in (DocumentType.LEMBAR_DISPOSISI, DocumentType.SURAT_TUGAS):
        named = []
    elif named is None:
        named = _named_users(step)
    appointing = _appointing_step(case, step)
    people.load([step.actor, *named, appointing.actor if appointing is not None else None])
    signer = people.of(step.actor, step.on_behalf_of)
    # A step of a fan-out visit speaks of the visit's site and its OPD.
    site = step.branch.site if step.branch is not None else None
    block = _case_block(case, site)
    data = step.data or {}
    content: dict[str, Any] = {
        "kop": kop(agency),
        "title": TITLES[document_type].upper(),
        "place": agency.place,
        "date": long_date(issued_on),
        "opening": pembuka_berita_acara(issued_on),
        "case": block,
        "sop": {"name": spec.identity.nama, "number": spec.identity.nomor, "step": step.step_no},
        "kegiatan": spec_step.kegiatan,
        "signer": signer,
        # The actor's free note is printed only where the SOP says so (issue 13 point 12).
        "note": step.note if spec_step.note_printable else "",
        "fields": _fields(spec_step, data),
        "findings": [],
        "work": [],
        "parties": [],
        "principal": TIM_TEKNIS,
        "mengetahui": _mengetahui(appointing, signer, people),
        "recipients": [],
        "instructions": list(data.get("instructions", [])),
        "instruction_options": spec_step.disposition_instructions
        if spec_step.kind is StepKind.DISPOSITION
        else [],
        "items": [],
        "photos": [],
        "steps": [],
        "basis": "",
        "references": [],
    }
    if document_type is DocumentType.LEMBAR_DISPOSISI:
        recipients = [people.of(user) for user in named]
        if not recipients and spec_step.to_lane:
            label = spec.lane(spec_step.to_lane).label
            recipients = [{**person(None), "position": label}]
        content["recipients"] = recipients
        # Sifat as the disposition form asked for it; "" (not printed) when left empty.
        content["sifat"] = str(data.get("sifat", ""))
        content["sifat_options"] = list(SIFAT)
    elif document_type is DocumentType.SURAT_TUGAS:
        content["recipients"] = [people.of(user) for user in named]
    elif document_type in (
        DocumentType.BERITA_ACARA_PENGGANTIAN,
        DocumentType.BERITA_ACARA_PEKERJAAN,
    ):
        content["parties"] = _parties(case, step, spec, site, people)
        content["principal"] = _principal(step, spec)
        reference = _reference(case)
        content["references"] = [reference] if reference is not None else []
        content["basis"] = basis_of(case, reference)
        if document_type is DocumentType.BERITA_ACARA_PENGGANTIAN:
            content["items"] = _items(case, spec, step)
        else:
            content["items"] = _replacement_items(case, step, site) or _items(case, spec, step)
            content["photos"] = photos_of(case)
    if document_type in (
        DocumentType.BERITA_ACARA_PEKERJAAN,
        DocumentType.LAPORAN_TINDAK_LANJUT,
        DocumentType.RENCANA_KERJA,
    ):
        branch_id = step.branch_id
        content["findings"] = work.recorded(case, spec, FieldRecord.TEMUAN, step, branch_id)
        content["work"] = work.recorded(case, spec, FieldRecord.PEKERJAAN, step, branch_id)
    if document_type in (DocumentType.LAPORAN_TINDAK_LANJUT, DocumentType.RENCANA_KERJA):
        content["steps"] = work.timeline(case, spec, people)
        content["items"] = _replacement_items(case, step, site)
        content["acknowledgments"] = acknowledgments(case, people)
    content["naskah"] = naskah.metadata(
        document_type,
        _hal(document_type, case, block),
        disposition_sifat=content.get("sifat", ""),
        annexes=1 if content["photos"] else 0,
    )
    for hook in CONTENT_HOOKS:
        hook(document_type, step, content)
    return content


def acknowledgments(case: Case, people: Signatories | None = None) -> list[dict[str, str]]:
    """The reporting OPD's acknowledgments recorded in Jaga of the case's documents so far,
    as ``{"document", "by", "at", "outcome"}`` ("Berita Acara Pekerjaan Nomor …", the
    acknowledging user's name, the local date and time, "diketahui" or "disanggah")."""
    from jaga.documents.panels import acknowledged_document

    rows = []
    done = list(
        case.steps.filter(kind=StepKind.ACKNOWLEDGMENT.value, status=StepStatus.DONE)
        .select_related("actor")
        .order_by("pk")
    )
    people = people or Signatories()
    people.load(ack.actor for ack in done)
    for ack in done:
        document = acknowledged_document(ack)
        if document is None or ack.completed_at is None:
            continue
        at = local(case.agency, ack.completed_at)
        rows.append(
            {
                "document": f"{document.title} Nomor {document.number}",
                "by": people.of(ack.actor)["name"],
                "at": f"{long_date(at.date())} {at:%H.%M}",
                "outcome": "disanggah" if ack.outcome == DISPUTED else "diketahui",
            }
        )
    return rows


def photos_of(case: Case) -> list[str]:
    """The media paths of the report's photos (a Berita Acara Pekerjaan's annex)."""
    incident = getattr(case, "incident", None)
    if incident is None:
        return []
    return [
        attachment.file.name
        for attachment in incident.attachments.order_by("pk")
        if attachment.content_type.startswith("image/")
    ]
