"""Background work of the documents app (django-tasks, run by ``jaga run``'s worker)."""

from __future__ import annotations

from django_tasks import task

from jaga.documents.models import Document


@task()
def render_document(pk: int) -> str:
    """Render and archive document ``pk``'s PDF if it is not archived yet; returns its
    SHA-256 (hex), "" for a document still waiting for its SRIKANDI number. A document
    deleted meanwhile cannot exist (documents are never deleted),
    so a missing ``pk`` raises ``Document.DoesNotExist``."""
    from jaga.documents.services import pdf_bytes

    document = Document.objects.get(pk=pk)
    if document.awaiting_registration:
        return ""  # rendered when its SRIKANDI number is entered (jaga.documents.srikandi)
    pdf_bytes(document)
    return document.sha256
