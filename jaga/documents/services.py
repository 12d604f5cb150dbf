"""Issuing, rendering, correcting and verifying official documents.

- ``issue_for_step``: the engine calls it inside the transaction that completes a step whose
  SOP row declares ``document:``; the number, the frozen content and the audit event commit
  with the step or not at all.
- ``issue_report``: a report document (``ReportType``: issued by a report over a period, not
  by a step), with no case and no step, numbered and audited the same way.
- ``pdf_bytes``: the archived PDF, rendered once from the frozen content the first time it
  is needed (by the background task queued at issue, or by the first download); the SHA-256
  of those bytes is what the verification page compares.
- ``correct``: a correction issues a new version (a new number) that supersedes the old.
- ``verify``: whether uploaded bytes are exactly the issued PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.documents import content as contents
from jaga.documents import corrections
from jaga.documents.indonesian import pembuka_berita_acara
from jaga.documents.models import Document, ReportType, document_path, document_type_of
from jaga.documents.numbering import issue_number
from jaga.documents.pdf import render_pdf
from jaga.documents.photos import print_uri
from jaga.documents.qr import qr_svg
from jaga.org.models import User
from jaga.sop.schema import DocumentType, Step
from jaga.tenancy.models import Agency
from jaga.workflow.models import StepInstance

LAPORAN_TYPES = {DocumentType.LAPORAN_TINDAK_LANJUT, DocumentType.RENCANA_KERJA}


class NoPdf(RuntimeError):
    """The document has no PDF to give: ``ArchiveMissing`` or ``AwaitingRegistration``."""


class ArchiveMissing(NoPdf):
    """The document's PDF was archived (it has a digest) but the file is gone from the
    media storage (issue 13 point 9): restore it from a backup."""


class AwaitingRegistration(NoPdf):
    """The document is numbered by SRIKANDI and its number and date are not entered yet
    (issue 18 point 4): its PDF, which prints them, is rendered after registration."""


class NotCorrectable(ValueError):
    """Only the current version of a document issued by a step can be corrected."""


def verify_url(document: Document) -> str:
    """The public verification page of ``document``, absolute (``JAGA_PUBLIC_URL``)."""
    return settings.JAGA_PUBLIC_URL + reverse("verify", args=[document.token])


def issue(
    document_type: DocumentType,
    step: StepInstance,
    spec_step: Step,
    user: User | None,
    at: dt.datetime,
    *,
    supersedes: Document | None = None,
    reason: str = "",
    content: dict[str, Any] | None = None,
    named: Sequence[User] | None = None,
) -> Document:
    """Issue a ``document_type`` from ``step`` (a completed step instance whose SOP row is
    ``spec_step``), signed by ``user`` at ``at`` (aware), with the next number of the year
    of the agency's local date; ``supersedes`` makes it the next version of that document,
    ``content`` (a correction's, ``jaga.documents.corrections``) is frozen instead of the
    content built from the case (addressed to ``named``, see ``content.build``).
    Writes the audit event and queues the PDF rendering after commit. Raises
    ``NumberingBusy`` when the counter cannot be taken."""
    case = step.case
    agency = case.agency
    on = contents.local(agency, at).date()
    # savepoint=False: inside the step's transaction a failure fails the step, no savepoint.
    with transaction.atomic(savepoint=False):
        number = issue_number(agency, document_type, on)
        if content is None:
            content = contents.build(document_type, step, spec_step, on, named=named)
        naskah = content.get("naskah")
        if isinstance(naskah, dict):
            naskah["klasifikasi"] = number.klasifikasi
        document = Document.objects.create(
            agency=agency,
            document_type=document_type.value,
            number=number.text,
            year=on.year,
            sequence=number.sequence,
            numbered_by=number.numbered_by,
            title=contents.TITLES[document_type],
            case=case,
            step=step,
            issued_at=at,
            issued_on=on,
            issued_by=user,
            version=supersedes.version + 1 if supersedes is not None else 1,
            supersedes=supersedes,
            correction_reason=reason,
            content=content,
            token=secrets.token_urlsafe(24),
        )
        record(
            agency=agency,
            actor=user,
            action="document.corrected" if supersedes is not None else "document.issued",
            obj=document,
            before={"number": supersedes.number} if supersedes is not None else None,
            after={
                "type": document.document_type,
                "number": document.number,
                "version": document.version,
                "case": case.pk,
                "step": step.step_no,
                "reason": reason,
            },
            at=at,
        )
        if not document.awaiting_registration:
            transaction.on_commit(lambda: queue_render(document.pk))
    return document


def issue_report(
    agency: Agency,
    document_type: ReportType,
    user: User | None,
    at: dt.datetime,
    content: dict[str, Any],
    title: str = "",
) -> Document:
    """Issue a report document of ``agency`` (no case, no step), signed by ``user`` at
    ``at`` (aware; printed as the agency's local date), with the next number of
    ``document_type`` in that local date's year: the agency's ``NumberPattern`` for the
    type, else ``{urut}/{tahun}`` (``jaga.documents.numbering``).

    ``content`` (JSON values only: strings, numbers, lists, dicts) holds the report's own
    parts; it is frozen over the common parts (``content.report_content``: kop, title,
    place, date, signer), its keys winning. ``title`` is the document's title in lists and
    on the verification page (at most 200 characters are kept; default the type's title,
    ``content.TITLES``). One transaction: the number, the row and the audit event
    ``document.issued`` commit together; the PDF is rendered after commit (as ``issue``).
    Raises ``ValueError`` when ``user`` belongs to another agency, ``NumberingBusy`` when
    the counter cannot be taken."""
    if user is not None and not user.is_superuser and user.agency_id != agency.pk:
        raise ValueError("a report is issued by a user of its own agency")
    on = contents.local(agency, at).date()
    frozen = {**contents.report_content(document_type, agency, user, on), **content}
    with transaction.atomic():
        number = issue_number(agency, document_type, on)
        naskah = frozen.get("naskah")
        if isinstance(naskah, dict):
            naskah["klasifikasi"] = number.klasifikasi
            if title:  # "Rekapitulasi November 2026": the report's own subject
                naskah["hal"] = title[:300]
        document = Document.objects.create(
            agency=agency,
            document_type=document_type.value,
            number=number.text,
            year=on.year,
            sequence=number.sequence,
            numbered_by=number.numbered_by,
            title=(title or contents.TITLES[document_type])[:200],
            case=None,
            step=None,
            issued_at=at,
            issued_on=on,
            issued_by=user,
            content=frozen,
            token=secrets.token_urlsafe(24),
        )
        record(
            agency=agency,
            actor=user,
            action="document.issued",
            obj=document,
            after={
                "type": document.document_type,
                "number": document.number,
                "version": document.version,
                "title": document.title,
                "case": None,
                "step": None,
            },
            at=at,
        )
        if not document.awaiting_registration:
            transaction.on_commit(lambda: queue_render(document.pk))
    return document


def queue_render(pk: int) -> None:
    """Queue the background rendering of document ``pk``'s PDF (``tasks.render_document``)."""
    from jaga.documents.tasks import render_document

    render_document.enqueue(pk)


def issue_for_step(
    step: StepInstance, spec_step: Step, at: dt.datetime, *, named: Sequence[User] | None = None
) -> Document | None:
    """Issue the document ``spec_step`` declares (``document:``), from completed ``step``,
    dated ``at`` (aware; printed in the agency's local date), signed by the step's actor,
    addressed to the people it ``named`` (in naming order; None: read back).
    When an earlier visit of the same step issued one, the new document supersedes it;
    in a fan-out only one of the same site visit (each site's Berita Acara stands on its
    own). Returns None when the step declares none. Runs in the caller's transaction."""
    if spec_step.document is None:
        return None
    # A step done again (a check returned the case to it) reissues its document: the new
    # version supersedes the one the earlier visit issued, in the same fan-out visit (or
    # on the trunk): the Berita Acara of one site never supersedes another site's. A first
    # visit has nothing to supersede.
    previous = (
        None
        if step.visit <= 1
        else Document.objects.filter(
            case=step.case,
            document_type=spec_step.document.value,
            step__step_no=step.step_no,
            step__branch_id=step.branch_id,
            superseded_by__isnull=True,
        )
        .order_by("-pk")
        .first()
    )
    reason = f"Langkah {step.step_no} dikerjakan ulang" if previous is not None else ""
    return issue(
        spec_step.document,
        step,
        spec_step,
        step.actor,
        at,
        supersedes=previous,
        reason=reason,
        named=named,
    )


def correct(
    document: Document,
    user: User,
    reason: str,
    at: dt.datetime | None = None,
    edits: dict[str, str] | None = None,
) -> Document:
    """Issue the corrected version of ``document`` (issue 18 point 5): its frozen content
    with ``edits`` (content path → new text; ``jaga.documents.corrections.editable`` lists
    the paths) applied, dated ``at`` (aware, default now), with a new number; the letterhead,
    the report's photos and the documents it refers to are brought up to date. The old
    version stays archived and is shown as superseded.

    Raises ``NotCorrectable`` for a superseded version, a document without a step, an
    empty reason, or a correction that changes nothing; ``InvalidCorrection`` (a
    ``ValueError``) for an edit of a part that cannot be edited."""
    if not reason.strip():
        raise NotCorrectable(_("A correction needs a reason."))
    if document.step is None:
        raise NotCorrectable(_("Only a document issued by a step can be corrected."))
    at = at or timezone.now()
    with transaction.atomic():
        current = Document.objects.select_for_update().get(pk=document.pk)
        if Document.objects.filter(supersedes=current).exists():
            raise NotCorrectable(
                _("%(number)s was corrected already.") % {"number": current.number}
            )
        step = current.step
        assert step is not None
        case = step.case
        on = contents.local(case.agency, at).date()
        refresh = {
            "date": contents.long_date(on),
            "opening": pembuka_berita_acara(on),
            "kop": contents.kop(case.agency),
            "photos": contents.photos_of(case),
        }
        content = corrections.corrected(current, edits or {}, on, refresh=refresh)
        if not corrections.changed(current.content, content):
            raise NotCorrectable(
                _("Nothing was changed: a correction changes the document's content.")
            )
        return issue(
            DocumentType(current.document_type),
            step,
            case.definition.spec.step(step.step_no),
            user,
            at,
            supersedes=current,
            reason=reason.strip(),
            content=content,
        )


def template_for(document_type: str) -> str:
    """The template of a document type: ``documents/<type>.html``, except that the steps'
    reports share ``documents/laporan.html``. ``ValueError`` for an unknown type."""
    kind = document_type_of(document_type)
    if kind in LAPORAN_TYPES:
        return "documents/laporan.html"
    return f"documents/{kind.value}.html"


def _media_uri(name: str) -> str:
    return (Path(settings.MEDIA_ROOT).resolve() / name).as_uri() if name else ""


def render(document: Document) -> bytes:
    """Render ``document``'s PDF from its frozen content (not archived; see ``pdf_bytes``)."""
    data: dict[str, Any] = dict(document.content)
    url = verify_url(document)
    context = {
        "doc": data,
        "number": document.number,
        "version": document.version,
        "supersedes": document.supersedes.number if document.supersedes is not None else "",
        "verify_url": url,
        "qr": qr_svg(url),
        "logo_uri": _media_uri(data.get("kop", {}).get("logo", "")),
        # Small copies, never the stored files (issue 13 point 6: bounded time and memory).
        "photo_uris": [print_uri(name) for name in data.get("photos", [])],
    }
    return render_pdf(template_for(document.document_type), context)


def _archived(document: Document) -> bytes:
    """The archived file's bytes; ``ArchiveMissing`` when it is not in the storage."""
    if not document.pdf.name:
        raise ArchiveMissing(f"document {document.pk} has a digest but no archived file")
    try:
        with document.pdf.open("rb") as handle:
            data: bytes = handle.read()
    except FileNotFoundError:
        raise ArchiveMissing(
            f"the archived PDF {document.pdf.name} of document {document.pk} is missing"
        ) from None
    return data


def pdf_bytes(document: Document) -> bytes:
    """The archived PDF of ``document``; rendered and archived the first time (concurrent
    first renders keep exactly one: compare-and-set on the empty digest). Raises
    ``ArchiveMissing`` when the archived file is gone from the media storage,
    ``AwaitingRegistration`` for a document waiting for its number from SRIKANDI."""
    if document.sha256:
        return _archived(document)
    if document.awaiting_registration:
        raise AwaitingRegistration(f"document {document.pk} waits for its SRIKANDI number")
    pdf = render(document)
    name = default_storage.save(
        document_path(document, f"{document.token}-{secrets.token_hex(4)}.pdf"), ContentFile(pdf)
    )
    won = Document.objects.filter(pk=document.pk, sha256="").update(
        pdf=name, sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=timezone.now()
    )
    if won != 1:
        default_storage.delete(name)
    document.refresh_from_db()
    return pdf if won == 1 else _archived(document)


def verify(document: Document, uploaded: bytes) -> bool:
    """True when ``uploaded`` is byte for byte the issued PDF of ``document``, or its
    electronically signed version (``jaga.signatures``, issue 18 point 6) (SHA-256)."""
    from jaga.signatures.services import signed_digests

    if not document.sha256:
        pdf_bytes(document)
    digest = hashlib.sha256(uploaded).hexdigest()
    if secrets.compare_digest(digest, document.sha256):
        return True
    return any(secrets.compare_digest(digest, signed) for signed in signed_digests(document))


def find_by_digest(uploaded: bytes) -> Document | None:
    """The issued document whose archived PDF, or signed version, is exactly
    ``uploaded``, or None."""
    from jaga.signatures.services import document_by_signed_digest

    digest = hashlib.sha256(uploaded).hexdigest()
    found = Document.objects.filter(sha256=digest).select_related("agency").first()
    return found if found is not None else document_by_signed_digest(digest)
