"""Template tags of the TTE parts other apps' templates include: the case page's
documents panel (``signatures/_document_actions.html``) and the public verification page
(``signatures/_verify_panel.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from jaga.documents.models import Document
from jaga.documents.services import ArchiveMissing, pdf_bytes
from jaga.signatures import services
from jaga.signatures.models import EsignClient, Signature, SignatureStatus
from jaga.signatures.validation import Validation, validate

register = template.Library()

_CACHE = "jaga_tte_state"


def _batch(context: template.Context, document: Document) -> dict[str, Any]:
    """Signatures of every document in the context's ``documents`` (one query for the
    panel, not one per row), the agency's client and the user's signer row.

    Kept on the request (each ``{% include %}`` of the row template renders with a render
    context of its own, which would forget it between rows); on the render context when
    the template is rendered without a request."""
    holder: Any = context.get("request")
    store: Any = holder.__dict__ if holder is not None else context.render_context.dicts[0]
    cache: dict[str, Any] | None = store.get(_CACHE)
    if cache is None or document.pk not in cache["ids"]:
        documents = list(context.get("documents") or [])
        ids = {d.pk for d in documents if isinstance(d, Document)} | {document.pk}
        rows = Signature.objects.filter(
            document_id__in=ids,
            status__in=[SignatureStatus.SIGNED, SignatureStatus.UNKNOWN, SignatureStatus.PENDING],
        ).select_related("client")
        by_doc: dict[int, Signature] = {row.document_id: row for row in rows}
        user = context.get("user")
        cache = {
            "ids": ids,
            "by_doc": by_doc,
            "clients": {},
            "user": user,
        }
        store[_CACHE] = cache
    return cache


@register.simple_tag(takes_context=True)
def tte_state(context: template.Context, document: Document) -> dict[str, Any]:
    """For the documents panel: ``signed`` (the signed ``Signature`` or None), ``open``
    (an attempt waiting for reconciliation, or None), ``may_sign`` and ``may_reconcile``
    for the request's user."""
    cache = _batch(context, document)
    user = cache["user"]
    row: Signature | None = cache["by_doc"].get(document.pk)
    clients: dict[int, EsignClient | None] = cache["clients"]
    if document.agency_id not in clients:
        clients[document.agency_id] = services.active_client(document.agency_id)
    client = clients[document.agency_id]
    signed = row if row is not None and row.status == SignatureStatus.SIGNED else None
    open_row = row if row is not None and signed is None and services.is_open(row) else None
    authenticated = bool(user is not None and user.is_authenticated)
    return {
        "signed": signed,
        "open": open_row,
        "busy": row is not None and signed is None,
        "may_sign": bool(
            authenticated
            and client is not None
            and row is None
            and not getattr(document, "is_superseded_here", False)
            and services.may_sign(user, document, client)
        ),
        "may_reconcile": bool(
            authenticated and open_row is not None and services.may_reconcile(user, open_row)
        ),
    }


@register.simple_tag(takes_context=True)
def tte_verification(context: template.Context, document: Document) -> dict[str, Any]:
    """For the public verification page: ``may_sign`` (the request's user may sign it
    now: its principal signer, or for a report a holder of ``signatures.apply_seal``),
    ``kind``, ``signature`` (the signed version or None),
    ``validation`` (pyHanko's verdict on the archived signed PDF, now), ``position`` (the
    signer's position printed on the document), and ``upload`` (the verdict on a PDF the
    visitor uploaded through the page's form, when it carries a signature)."""
    signature = services.signed_signature(document)
    verdict: Validation | None = None
    missing = False
    if signature is not None:
        try:
            verdict = services.validate_signature(signature)
        except FileNotFoundError:
            missing = True
    upload: Validation | None = None
    form = context.get("form")
    data = getattr(form, "cleaned_data", None) if form is not None and form.is_bound else None
    if isinstance(data, dict) and isinstance(data.get("file"), bytes):
        try:
            original: bytes | None = pdf_bytes(document)
        except ArchiveMissing:
            original = None
        upload = validate(data["file"], original)
    user = context.get("user")
    may_sign = bool(
        signature is None
        and user is not None
        and user.is_authenticated
        and not Signature.objects.filter(
            document=document,
            status__in=[SignatureStatus.PENDING, SignatureStatus.UNKNOWN],
        ).exists()
        and not document.is_superseded
        and services.may_sign(user, document)
    )
    return {
        "may_sign": may_sign,
        "kind": services.kind_for(document),
        "signature": signature,
        "validation": verdict,
        "missing": missing,
        "position": _position(document),
        "upload": upload,
    }


def _position(document: Document) -> str:
    """The principal signer's position as printed (frozen content), if any."""
    signer = (document.content or {}).get("signer")
    if isinstance(signer, dict):
        return str(signer.get("position") or "")
    return ""
