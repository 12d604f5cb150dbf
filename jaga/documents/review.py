"""What a reviewer decides on, on the card of the step that reviews it (issue 20 point 1).

SOP AP reviews run up the chain: seed 003 steps 12-14 ("Kepala Seksi menerima dan
memeriksa laporan Tim Teknis", then the Kabid, then the Kadis's review) and seed 004 steps
8-10 check the report a technician wrote at the step they may return the case to
(``return_to``). The card of such a step shows that report: the step that wrote it (who,
when, its note and the values recorded in its fields), each document it issued that is in
force, with the content a reviewer reads (fields, findings, work done, devices) and the
links to its PDF and verification page, and the verdicts of the checks before this one
(the Kasi's note when the Kabid reviews).

Which report a step reviews (``reviewed_step_no``): a check follows ``return_to`` through
the checks before it to the first step that is not a check (seed 003 step 14 → 13 → 12 →
11, the Berita Acara Pekerjaan). A step right after a check in the table that is not
itself a check receives what that check passed on (seed 004 step 9, "Kepala Bidang
menerima laporan dari Kasi", receives the Berita Acara step 8 checked). A step right after
a report written in another lane receives that report (seed 002 step 4b, the Kabid
receiving the Seksi's report of step 4a; seed 001 step 4a, the Kabag the Kasubbag's of
step 4), unless it is the case's opening report (the summary shows it) or an
acknowledgment (which has its own panel, ``jaga.documents.panels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.sop.schema import SopSpec, Step, StepKind
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.panels import CasePanel

#: The review panel's template.
TEMPLATE = "documents/_review_panel.html"

#: The items of a document's ``content`` the panel shows, as (key of a row, label).
ITEM_KEYS = ("nama_barang", "merk_tipe", "no_seri", "jumlah", "kondisi", "keterangan")


def reviewed_step_no(spec: SopSpec, step_no: str) -> tuple[str, list[str]] | None:
    """The step whose report step ``step_no`` of ``spec`` reviews, and the checks between
    them (the nearest first), as ``(step number, [check numbers])``; None when the step
    reviews nothing (neither a check with ``return_to`` nor a step right after one)."""
    step = spec.step(step_no)
    checks: list[str] = []
    if step.kind != StepKind.CHECK:
        index = [s.no for s in spec.steps].index(step_no)
        before = spec.steps[index - 1] if index > 0 else None
        if before is None or step.kind == StepKind.ACKNOWLEDGMENT:
            return None
        if before.kind == StepKind.REPORT and index > 1 and before.lane != step.lane:
            return before.no, []
        if before.kind != StepKind.CHECK or not before.return_to:
            return None
        step = before
        checks.append(before.no)
    seen = {step.no}
    while step.kind == StepKind.CHECK and step.return_to:
        target = spec.step(step.return_to[0])
        if target.no in seen:
            return None  # a loop of checks reviews no report
        seen.add(target.no)
        if target.kind == StepKind.CHECK:
            checks.append(target.no)
        step = target
    if step.kind == StepKind.CHECK or step.no == step_no:
        return None
    return step.no, checks


@dataclass
class ReviewedDocument:
    """A document under review with what its ``content`` says, ready to print: ``rows``
    (label, value) of its fields, findings and work done; ``items`` its devices' rows
    (``ITEM_KEYS`` values)."""

    document: Document
    rows: list[tuple[str, str]] = field(default_factory=list)
    items: list[list[str]] = field(default_factory=list)


@dataclass
class ReviewedWork:
    """One completion of the reviewed step (one per fan-out visit): who, when, the note,
    the values of its fields as (label, value) and the documents in force of its visit
    (or of the trunk)."""

    instance: StepInstance
    values: list[tuple[str, str]] = field(default_factory=list)
    documents: list[ReviewedDocument] = field(default_factory=list)


def _values(spec_step: Step, data: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {declared.key: declared.label for declared in spec_step.fields}
    values = []
    for key, value in data.items():
        if key not in labels or value in ("", None, [], False):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        values.append((labels[key], text))
    return values


def _document_rows(document: Document) -> ReviewedDocument:
    content = document.content or {}
    rows: list[tuple[str, str]] = []
    for section in ("fields", "findings", "work"):
        for row in content.get(section, []) or []:
            if isinstance(row, dict) and str(row.get("value", "")).strip():
                rows.append((str(row.get("label", "")), str(row["value"])))
    items = [
        [str(item.get(key, "")) for key in ITEM_KEYS]
        for item in content.get("items", []) or []
        if isinstance(item, dict)
    ]
    return ReviewedDocument(document=document, rows=rows, items=items)


def review_context(case: Case, shown: StepInstance) -> dict[str, Any] | None:
    """The panel's context for step ``shown`` of ``case``, or None when it reviews nothing:
    ``step`` (the reviewed spec step), ``work`` (``ReviewedWork``, one per visit, oldest
    first, each with the documents in force its visit's reviewed step issued before
    ``shown`` opened), ``documents`` (such documents of no listed completion, normally
    none), ``verdicts`` (the checks before this one, done, nearest first) and ``checking``
    (the step is a check, not a receipt). A check on a visit reads that visit's report;
    one on the trunk reads the trunk's and every visit's (seed 004 step 8 checks each
    site's Berita Acara). Two queries."""
    spec = case.definition.spec
    found = reviewed_step_no(spec, shown.step_no)
    if found is None:
        return None
    reviewed_no, check_nos = found
    place = Q(branch_id=shown.branch_id) if shown.branch_id is not None else Q()
    done = (
        StepInstance.objects.filter(place, case_id=case.pk, status=StepStatus.DONE)
        .filter(step_no__in=[reviewed_no, *check_nos], completed_at__lte=shown.started_at)
        .select_related("actor", "actor__employee", "branch__site")
        .order_by("completed_at", "pk")
    )
    latest: dict[tuple[str, int | None], StepInstance] = {}
    for instance in done:
        latest[(instance.step_no, instance.branch_id)] = instance  # a step done again: last
    reviewed = spec.step(reviewed_no)
    work = [
        ReviewedWork(instance=i, values=_values(reviewed, i.data or {}))
        for (no, _branch), i in latest.items()
        if no == reviewed_no
    ]
    here = shown.branch_id
    verdicts = [latest[(no, here)] for no in check_nos if (no, here) in latest]
    documents = (
        Document.objects.filter(
            case_id=case.pk,
            step__step_no=reviewed_no,
            superseded_by__isnull=True,
            issued_at__lte=shown.started_at,
        )
        .filter(Q(step__branch_id=shown.branch_id) if shown.branch_id is not None else Q())
        .select_related("step__branch__site")
        .order_by("issued_at", "pk")
    )
    by_visit = {done.instance.branch_id: done for done in work}
    unmatched: list[ReviewedDocument] = []
    for document in documents:
        assert document.step is not None  # filtered on the step's number
        owner = by_visit.get(document.step.branch_id)
        (owner.documents if owner is not None else unmatched).append(_document_rows(document))
    return {
        "checking": spec.step(shown.step_no).kind == StepKind.CHECK,
        "step": reviewed,
        "work": work,
        "documents": unmatched,
        "verdicts": verdicts,
    }


def review_panel(viewer: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """The panel for an open step ``shown`` that reviews a report (``reviewed_step_no``),
    drawn inside its card above the form; nothing for any other step or a done one."""
    if shown is None or shown.status != StepStatus.OPEN:
        return []
    context = review_context(case, shown)
    if context is None:
        return []
    return [CasePanel(template=TEMPLATE, place="current", context=context, order=5)]
