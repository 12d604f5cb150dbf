"""What a maintenance round adds to the documents its case issues (issue 14 point 5), through
``jaga.documents.content.add_content_hook`` (architecture.md, "Step effects": the documents
app imports nothing of this app). Registered in ``MaintenanceConfig.ready``.

Parts added to the frozen content (all values strings unless noted; printed in Indonesian,
never translated):

- every document of a round: ``round`` = ``{"plan", "title", "period", "rencana_kerja"}``
  (the plan's name, the case title, the visit dates of the Rencana Kerja as "12 Mei 2026"
  or "12–14 Mei 2026", and the number of the issued Rencana Kerja or "");
- ``rencana_kerja`` (seed 004 step 1): ``work_plan``, a list of rows ``{"no" (int), "site",
  "opd", "date" ("Selasa, 12 Mei 2026"), "team" (list of ``{"name", "nip"}``), "devices"
  (list of ``{"name", "detail", "checklist"}``), "activities"}``;
- ``berita_acara_pekerjaan`` of a visit (the step runs in a fan-out visit, ``step.branch``):
  ``round["basis"]`` ("Rencana Kerja Pemeliharaan Jaringan Berkala Nomor …", printed after
  "Berdasarkan" instead of a disruption report), ``work_done`` (list of ``{"label",
  "value"}``: what the visit's earlier steps recorded, e.g. seed 004 step 6's "Hasil
  pemeliharaan") and ``inspections`` (list of ``{"device", "detail", "checklist", "result",
  "at", "by", "answers"}``, each answer ``{"label", "value", "result"}``: the latest
  inspection of each device at the visit's site in this case). The devices replaced at the
  site are the document's ``items`` (``jaga.documents.content``: a visit's Berita Acara
  lists its own site's replacements);
- ``laporan_tindak_lanjut`` issued on the case's trunk once no visit is open (seed 004
  step 9, seed 000 steps 5–6): ``round_summary``, a list of rows ``{"no" (int), "site",
  "opd", "in_scope" (int), "checked" (int), "failed" (int), "corrective" (list of
  ``{"number", "state"}``)}`` (``jaga.maintenance.progress``) and ``round_totals``
  (``{"in_scope", "checked", "failed", "corrective"}``, ints).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.dates import format_date

from jaga.documents.content import local
from jaga.documents.indonesian import tanggal
from jaga.documents.signatories import person
from jaga.inventory.models import Device
from jaga.maintenance.models import (
    Inspection,
    InspectionAnswer,
    ItemKind,
    MaintenanceRound,
    WorkPlanVisit,
)
from jaga.maintenance.progress import site_progress
from jaga.maintenance.workplans import devices_in_scope, issued_document
from jaga.sop.schema import DocumentType
from jaga.workflow.models import BranchStatus, CaseSource, StepInstance, StepStatus


def _number(value: Decimal) -> str:
    """A decimal as Indonesians write it: comma for decimals, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _period(days: list[dt.date]) -> str:
    """ "12 Mei 2026" for one day, "12–14 Mei 2026" within a month, else both dates."""
    if not days:
        return ""
    first, last = min(days), max(days)
    if first == last:
        return format_date(first, format="d MMMM y", locale="id")
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_date(last, format='d MMMM y', locale='id')}"
    return (
        f"{format_date(first, format='d MMMM y', locale='id')} – "
        f"{format_date(last, format='d MMMM y', locale='id')}"
    )


def _detail(device: Device) -> str:
    """Vendor, model and serial number of a device as one line."""
    parts = [" ".join(part for part in (device.vendor, device.model) if part)]
    if device.serial_number:
        parts.append(f"No. Seri {device.serial_number}")
    return ", ".join(part for part in parts if part)


def _round_block(started: MaintenanceRound, rows: list[WorkPlanVisit]) -> dict[str, str]:
    document = issued_document(started)
    return {
        "plan": started.plan.name,
        "title": started.case.title,
        "period": _period([row.planned_on for row in rows]),
        "rencana_kerja": document.number if document is not None else "",
    }


def _work_plan(started: MaintenanceRound, rows: list[WorkPlanVisit]) -> list[dict[str, Any]]:
    scoped = devices_in_scope(started)
    plan_rows = []
    for number, row in enumerate(rows, start=1):
        team = sorted(
            (person(member) for member in row.team.all()), key=lambda member: member["name"]
        )
        plan_rows.append(
            {
                "no": number,
                "site": row.site.name,
                "opd": row.site.opd.name if row.site.opd is not None else "",
                "date": tanggal(row.planned_on),
                "team": [{"name": member["name"], "nip": member["nip"]} for member in team],
                "devices": [
                    {
                        "name": entry.device.name,
                        "detail": _detail(entry.device),
                        "checklist": entry.checklist.name if entry.checklist is not None else "",
                    }
                    for entry in scoped.get(row.site_id, [])
                ],
                "activities": row.activities,
            }
        )
    return plan_rows


def _answer(answer: InspectionAnswer) -> dict[str, str]:
    """An answer as the Berita Acara prints it: its label, what was found, and "Baik",
    "Gagal" or "-" (text and photo items are not judged)."""
    if answer.kind == ItemKind.PASS_FAIL:
        value = {True: "Baik", False: "Tidak baik", None: "Tidak diisi"}[answer.passed]
    elif answer.kind == ItemKind.MEASURE:
        if answer.value is None:
            value = "Tidak diisi"
        else:
            value = f"{_number(answer.value)} {answer.unit}".strip()
            low = _number(answer.minimum) if answer.minimum is not None else ""
            high = _number(answer.maximum) if answer.maximum is not None else ""
            if low and high:
                value += f" (batas {low}–{high})"
            elif low:
                value += f" (batas ≥ {low})"
            elif high:
                value += f" (batas ≤ {high})"
    elif answer.kind == ItemKind.PHOTO:
        value = "Foto tersimpan" if answer.photo else "Tidak ada foto"
    else:
        value = answer.text or "-"
    judged = answer.kind in (ItemKind.PASS_FAIL, ItemKind.MEASURE)
    result = ("Gagal" if answer.failed else "Baik") if judged else "-"
    return {"label": answer.label, "value": value, "result": result}


def _inspections(step: StepInstance, site_id: int) -> list[dict[str, Any]]:
    """The latest inspection of each device at ``site_id`` in the step's case, by device
    name, with every answer."""
    inspections = (
        Inspection.objects.filter(case_id=step.case_id, site_id=site_id)
        .select_related("device", "inspected_by")
        .prefetch_related("answers")
        .order_by("inspected_at", "pk")
    )
    latest: dict[int, Inspection] = {}
    for inspection in inspections:
        latest[inspection.device_id] = inspection
    agency = step.case.agency
    rows = []
    for inspection in sorted(latest.values(), key=lambda i: (i.device.name, i.device_id)):
        at = local(agency, inspection.inspected_at)
        rows.append(
            {
                "device": inspection.device.name,
                "detail": _detail(inspection.device),
                "checklist": inspection.template_name,
                "result": "Gagal" if inspection.failed else "Baik",
                "at": f"{at:%d-%m-%Y %H.%M}",
                "by": person(inspection.inspected_by)["name"],
                "answers": [
                    _answer(answer)
                    for answer in sorted(inspection.answers.all(), key=lambda a: (a.position, a.pk))
                ],
            }
        )
    return rows


def _work_done(step: StepInstance) -> list[dict[str, str]]:
    """What the visit's earlier steps recorded (every declared field with a value, in step
    order), e.g. seed 004 step 6's "Lokasi pemeliharaan (OPD)" and "Hasil pemeliharaan"."""
    spec = step.case.definition.spec
    earlier = StepInstance.objects.filter(
        branch_id=step.branch_id, status=StepStatus.DONE, pk__lt=step.pk
    ).order_by("pk")
    rows = []
    for done in earlier:
        data = done.data or {}
        for spec_field in spec.step(done.step_no).fields:
            value = data.get(spec_field.key)
            if value in (None, ""):
                continue
            if isinstance(value, bool):
                value = "Ya" if value else "Tidak"
            rows.append({"label": spec_field.label, "value": str(value)})
    return rows


def _summary(started: MaintenanceRound) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows = []
    totals = {"in_scope": 0, "checked": 0, "failed": 0, "corrective": 0}
    for number, progress in enumerate(site_progress(started), start=1):
        rows.append(
            {
                "no": number,
                "site": progress.site.name,
                "opd": progress.site.opd.name if progress.site.opd is not None else "",
                "in_scope": progress.in_scope,
                "checked": progress.checked,
                "failed": progress.failed,
                "corrective": [
                    {"number": f"#{ref.number}", "state": ref.state_id}
                    for ref in progress.corrective
                ],
            }
        )
        totals["in_scope"] += progress.in_scope
        totals["checked"] += progress.checked
        totals["failed"] += progress.failed
        totals["corrective"] += len(progress.corrective)
    return rows, totals


def add_round_parts(
    document_type: DocumentType, step: StepInstance, content: dict[str, Any]
) -> None:
    """The content hook (``jaga.documents.content.ContentHook``): add the round's parts
    (module docstring) to a document issued in a maintenance round's case; nothing for any
    other case. Runs in the step's transaction. For the Rencana Kerja it holds the round's
    row (``select_for_update``) so that an edit in progress (``save_work_plan``, which holds
    the same row) is printed whole or not at all."""
    if step.case.source != CaseSource.SCHEDULE:  # rounds start only as scheduled cases
        return
    query = MaintenanceRound.objects.filter(case_id=step.case_id).select_related(
        "plan", "case", "agency"
    )
    if document_type is DocumentType.RENCANA_KERJA:
        query = query.select_for_update(of=("self",))
    started = query.first()
    if started is None:
        return
    rows = list(
        WorkPlanVisit.objects.filter(round=started)
        .select_related("site", "site__opd")
        .prefetch_related("team")
        .order_by("position", "pk")
    )
    block = _round_block(started, rows)
    content["round"] = block
    branch = step.branch
    if document_type is DocumentType.RENCANA_KERJA:
        content["work_plan"] = _work_plan(started, rows)
    elif document_type is DocumentType.BERITA_ACARA_PEKERJAAN and branch is not None:
        sop = step.case.definition.spec.identity.nama
        basis = f"Rencana Kerja {sop}"
        if block["rencana_kerja"]:
            basis += f" Nomor {block['rencana_kerja']}"
        basis += f" ({block['plan']}, {block['period']})" if block["period"] else ""
        if content.get("basis") and not content["basis"].startswith("Laporan gangguan"):
            basis += f" dan {content['basis']}"
        block["basis"] = basis
        if branch.site_id is not None:
            content["inspections"] = _inspections(step, branch.site_id)
        content["work_done"] = _work_done(step)
    elif (
        document_type is DocumentType.LAPORAN_TINDAK_LANJUT
        and branch is None
        and not step.case.branches.filter(status=BranchStatus.OPEN).exists()
    ):
        content["round_summary"], content["round_totals"] = _summary(started)
