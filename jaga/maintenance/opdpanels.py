"""The Berita Acara an OPD acknowledges, on the step's card (issue 14 point 6).

Seed 004 step 7a, "OPD lokasi pemeliharaan mengetahui Berita Acara Pekerjaan", is an
acknowledgment in the OPD's lane inside the per-site fan-out: each site's OPD acknowledges
the Berita Acara Pekerjaan that its own visit issued (step 7). The case page shows, inside
the card of such a step (``jaga.workflow.panels``, place ``current``), that document's
number, date and download link, so the OPD reads what it acknowledges before pressing the
button; when the visit has issued none yet, the card says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.sop.schema import DocumentType, StepKind
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.panels import CasePanel

#: The acknowledge panel's template.
TEMPLATE = "maintenance/_acknowledge_panel.html"


def berita_acara_by_visit(branch_ids: Iterable[int]) -> dict[int, Document]:
    """For each fan-out visit (``CaseBranch`` id) of ``branch_ids``, the Berita Acara
    Pekerjaan a step of that visit issued, in force (not superseded: after a return to
    step 7 the visit's new version); visits that issued none are absent. One query."""
    ids = list(branch_ids)
    if not ids:
        return {}
    found: dict[int, Document] = {}
    documents = Document.objects.filter(
        step__branch_id__in=ids,
        document_type=DocumentType.BERITA_ACARA_PEKERJAAN.value,
        superseded_by__isnull=True,
    ).select_related("step")
    for document in documents.order_by("issued_at", "pk"):
        assert document.step is not None  # filtered on the step's visit
        branch_id = document.step.branch_id
        assert branch_id is not None
        found[branch_id] = document  # the latest wins
    return found


def acknowledge_panel(viewer: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """The panel for ``shown`` when it is an acknowledgment in a fan-out visit (whoever
    views it: the OPD that acknowledges, the Diskominfo that follows): context
    ``document`` (the visit's Berita Acara Pekerjaan or None) and ``site``. One query;
    nothing for any other step."""
    if shown is None or shown.branch_id is None or shown.kind != StepKind.ACKNOWLEDGMENT.value:
        return []
    document = berita_acara_by_visit([shown.branch_id]).get(shown.branch_id)
    branch = shown.branch
    context = {"document": document, "site": branch.site if branch is not None else None}
    return [CasePanel(template=TEMPLATE, place="current", context=context, order=10)]
