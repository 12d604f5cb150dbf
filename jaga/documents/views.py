"""Document pages: download from the case page, correction by the agency's administrator,
and the public verification page the QR code opens (docs/domain.md: it shows the number,
type, date, agency, the PDF's SHA-256 and whether it was superseded; nothing of the case)."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from jaga.documents.corrections import InvalidCorrection, editable
from jaga.documents.forms import CorrectionForm, VerifyForm
from jaga.documents.models import Document
from jaga.documents.panels import acknowledgments_of
from jaga.documents.services import (
    ArchiveMissing,
    AwaitingRegistration,
    NotCorrectable,
    correct,
    find_by_digest,
    pdf_bytes,
    verify,
)
from jaga.org.models import User
from jaga.workflow.permissions import cases_for
from jaga.workflow.services import DISPUTED

logger = logging.getLogger(__name__)


def archive_missing(
    request: HttpRequest, document: Document, error: ArchiveMissing
) -> HttpResponse:
    """410 Gone in Jaga's layout: the document exists but its archived PDF is missing (issue
    13 point 9); the error is logged for the administrator, who restores it from a backup."""
    logger.error("%s (number %s, agency %s)", error, document.number, document.agency_id)
    return render(request, "documents/archive_missing.html", {"document": document}, status=410)


def awaiting_registration(request: HttpRequest, document: Document) -> HttpResponse:
    """409 Conflict in Jaga's layout: the document waits for the number and date SRIKANDI
    gives it (issue 18 point 4); its PDF exists once the secretariat enters them."""
    return render(
        request, "documents/awaiting_registration.html", {"document": document}, status=409
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def documents_for(user: User) -> QuerySet[Document]:
    """The documents ``user`` may download: those of the cases they see, except that an OPD
    user sees of a round visiting its sites only the documents of those visits (each
    site's Berita Acara), not the other OPDs' nor the round's own (``visiting_branches``)."""
    documents = Document.objects.filter(case__in=cases_for(user))
    if user.opd_id is not None and not user.is_superuser:
        documents = documents.filter(
            Q(case__opd_id=user.opd_id) | Q(step__branch__site__opd_id=user.opd_id)
        )
    return documents


def filename(document: Document) -> str:
    """A download name such as ``berita_acara_pekerjaan-005-12-Diskominfo-XI-2026.pdf``."""
    number = re.sub(r"[^A-Za-z0-9.-]+", "-", document.number).strip("-")
    return f"{document.document_type}-{number}.pdf"


def pdf_response(request: HttpRequest, document: Document, *, inline: bool = False) -> HttpResponse:
    """The archived PDF of ``document`` as a download (or shown in the browser when
    ``inline``), or the 410 page when the archived file is missing."""
    try:
        pdf = pdf_bytes(document)
    except ArchiveMissing as exc:
        return archive_missing(request, document, exc)
    except AwaitingRegistration:
        return awaiting_registration(request, document)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename(document)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The archived PDF of a document of a case the user may see (404 otherwise; 410 when
    the archived file is missing)."""
    return pdf_response(request, get_object_or_404(documents_for(_user(request)), pk=pk))


@login_required
def correction(request: HttpRequest, pk: int) -> HttpResponse:
    """The correction page (agency administrators of the document's agency only): the
    document's texts to edit and the reason; a valid post issues the corrected version
    (issue 18 point 5) and returns to the case. A refused correction (nothing changed, a
    version already corrected) shows the form again with the reason, answered 400."""
    user = _user(request)
    document = get_object_or_404(documents_for(user), pk=pk)
    if not (user.is_staff and user.agency_id == document.agency_id):
        raise PermissionDenied(_("Only the agency's administrator may correct a document."))
    form = CorrectionForm(editable(document.content), request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                new = correct(document, user, form.cleaned_data["reason"], edits=form.edits())
            except (NotCorrectable, InvalidCorrection) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(title)s %(old)s is superseded by %(new)s.")
                    % {"title": document.title, "old": document.number, "new": new.number},
                )
                return redirect("workflow:case", pk=document.case_id)
    context = {"document": document, "form": form}
    return render(request, "documents/correct.html", context, status=status)


def verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the document's number, type, date, agency, SHA-256 and whether a correction
    superseded it; a posted PDF is compared byte for byte with the issued one. 410 when the
    archived file is missing."""
    document = get_object_or_404(Document.objects.select_related("agency"), token=token)
    try:
        pdf_bytes(document)
    except ArchiveMissing as exc:
        return archive_missing(request, document, exc)
    except AwaitingRegistration:
        return awaiting_registration(request, document)
    result: bool | None = None
    form = VerifyForm()
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = verify(document, form.cleaned_data["file"])
    successor = Document.objects.filter(supersedes=document).first()
    context = {
        "document": document,
        "successor": successor,
        "form": form,
        "result": result,
        **holder_view(document),
    }
    return render(request, "documents/verify.html", context)


def holder_view(document: Document) -> dict[str, Any]:
    """What a holder of the paper needs to check it (issue 18 point 7), from the frozen
    content: ``hal``, ``signer`` (name and position), ``parties`` (names and positions),
    ``mengetahui`` and the OPD's ``acknowledgments`` in Jaga (name, local time, outcome);
    nothing else of the case."""
    content = document.content or {}
    naskah = content.get("naskah") or {}
    case_block = content.get("case") or {}

    def who(person: Any) -> dict[str, str] | None:
        if not isinstance(person, dict) or not (person.get("name") or person.get("position")):
            return None
        return {"name": str(person.get("name", "")), "position": str(person.get("position", ""))}

    acknowledgments = [
        {
            "by": ack.actor.get_full_name() or ack.actor.username if ack.actor else "",
            "at": ack.completed_at,  # UTC; the page shows it in the agency's zone
            "disputed": ack.outcome == DISPUTED,
        }
        for ack in acknowledgments_of(document)
    ]
    return {
        "hal": naskah.get("hal") or case_block.get("title", ""),
        "signer": who(content.get("signer")),
        "parties": [p for p in (who(party) for party in content.get("parties", [])) if p],
        "mengetahui": who(content.get("mengetahui")),
        "acknowledgments": acknowledgments,
    }


def verify_upload(request: HttpRequest) -> HttpResponse:
    """Public: find the issued document a PDF is exactly, or say that none is."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    not_found = False
    if request.method == "POST" and form.is_valid():
        document = find_by_digest(form.cleaned_data["file"])
        if document is not None:
            messages.success(request, _("This file is exactly the issued document."))
            return redirect("verify", token=document.token)
        not_found = True
    return render(request, "documents/verify_upload.html", {"form": form, "not_found": not_found})
