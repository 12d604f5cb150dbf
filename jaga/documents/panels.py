"""The document an acknowledgment on a case's trunk asks the OPD to acknowledge, on the
step's card (issue 15 point 5).

Seed 000 and 003 end a disruption with a Berita Acara the reporting OPD acknowledges
("mengetahui"). The card of such a step shows the document in force that the issuing step
(``jaga.workflow.services.issuing_step``) produced, its number and date and a download
link, so the OPD reads it before it acknowledges or disputes it. An acknowledgment inside
a round's site visit has the maintenance app's panel (``jaga.maintenance.opdpanels``).
"""

from __future__ import annotations

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.sop.schema import StepKind
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.panels import CasePanel
from jaga.workflow.services import issuing_step

TEMPLATE = "documents/_acknowledge_panel.html"


def document_to_acknowledge(step: StepInstance) -> Document | None:
    """The document in force (not superseded) that acknowledgment ``step`` is about, or
    None (no step issued one). Two queries."""
    issuer = issuing_step(step)
    if issuer is None:
        return None
    return Document.objects.filter(step=issuer, superseded_by__isnull=True).order_by("-pk").first()


def acknowledge_panel(viewer: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """The panel for ``shown`` when it is an acknowledgment on the trunk: context
    ``document`` (or None). Nothing for any other step."""
    if shown is None or shown.branch_id is not None:
        return []
    if shown.kind != StepKind.ACKNOWLEDGMENT.value:
        return []
    context = {"document": document_to_acknowledge(shown)}
    return [CasePanel(template=TEMPLATE, place="current", context=context, order=10)]


def documents_to_acknowledge(steps: list[StepInstance]) -> dict[int, Document]:
    """For each acknowledgment among ``steps`` (open, any case), the document in force it
    is about, by step id: the latest document issued in the same case and fan-out visit
    (or trunk) by a step completed before the acknowledgment opened. One query for the
    whole list (Tugas Saya's cards); steps without a document are absent."""
    wanted = [s for s in steps if s.kind == StepKind.ACKNOWLEDGMENT.value]
    if not wanted:
        return {}
    documents = (
        Document.objects.filter(
            case_id__in={s.case_id for s in wanted},
            superseded_by__isnull=True,
            step__isnull=False,
        )
        .select_related("step")
        .order_by("step__completed_at", "pk")
    )
    found: dict[int, Document] = {}
    for document in documents:
        issued = document.step
        assert issued is not None  # filtered
        for step in wanted:
            same_place = issued.case_id == step.case_id and issued.branch_id == step.branch_id
            done_before = issued.completed_at is not None and issued.completed_at <= step.started_at
            if same_place and done_before:
                found[step.pk] = document  # the latest wins
    return found


def acknowledged_document(ack: StepInstance) -> Document | None:
    """The document a completed acknowledgment ``ack`` was about: the latest issued by its
    issuing step (``issuing_step``), superseded since or not; None when there is none."""
    issuer = issuing_step(ack)
    if issuer is None:
        return None
    return Document.objects.filter(step=issuer).order_by("-pk").first()


def acknowledgments_of(document: Document) -> list[StepInstance]:
    """The completed acknowledgments of ``document`` by the OPD in Jaga (issue 18 point 1:
    shown on the Berita Acara it acknowledged), oldest first, with ``actor`` loaded; each
    ``outcome`` is "" (acknowledged) or ``jaga.workflow.services.DISPUTED``."""
    if document.case_id is None or document.step_id is None:
        return []
    acks = StepInstance.objects.filter(
        case_id=document.case_id,
        branch_id=document.step.branch_id if document.step is not None else None,
        kind=StepKind.ACKNOWLEDGMENT.value,
        status=StepStatus.DONE,
        started_at__gte=document.issued_at,
    ).select_related("actor", "case__definition")
    return [ack for ack in acks.order_by("pk") if acknowledged_document(ack) == document]
