"""Signing issued documents through the agency's esign-client, and reconciling unknown
outcomes (issue 18 point 6; docs/signatures.md).

- ``sign_document``: one synchronous call to the esign-client with the passphrase or TOTP
  the signer typed; the attempt row is committed first (status ``pending``, audit
  ``signature.started``), then the call runs outside any transaction, then its outcome is
  written by compare-and-set on ``pending`` with its audit event. Never retried. A timeout
  after sending leaves ``unknown``; no new attempt may start until it is reconciled.
- ``reconcile``: settles an ``unknown`` attempt: with the signed file the service kept
  (verified by the service and by pyHanko, and an incremental update of the archived PDF)
  it becomes ``signed``; declared not signed it becomes ``failed``, which allows a new
  attempt.
- ``signed_signature``/``signed_bytes``/``validate_signature``: the document's signed
  version for downloads and the verification page.

The secret travels as a ``client.Secret`` from the view to the HTTP request body and
nowhere else: not in a row, an audit event, a log line, a message, a session or a task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets as pysecrets
from collections.abc import Iterable

import httpx
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.documents.models import Document
from jaga.documents.services import pdf_bytes, verify_url
from jaga.org.models import User
from jaga.signatures import client as esign
from jaga.signatures.models import (
    ApiVersion,
    EsignClient,
    Signature,
    SignatureKind,
    SignatureStatus,
    Signer,
    signed_path,
)
from jaga.signatures.validation import Reason, Validation, validate

logger = logging.getLogger(__name__)

#: A ``pending`` attempt older than its client's timeout plus this is treated as unknown
#: (the process that made the call died before writing its outcome).
STALE_MARGIN = dt.timedelta(seconds=60)
#: The longest the signing page waits for the certificate status (seconds).
STATUS_TIMEOUT = 5.0
#: Printed in the signature dictionary of every signature Jaga asks for.
REASON = "Ditandatangani secara elektronik"


class SigningRefused(ValueError):
    """A signing cannot start: the message (translated) says why; nothing was sent."""


class ReconcileRefused(ValueError):
    """A reconciliation cannot settle the attempt: the message (translated) says why;
    nothing changed."""


def active_client(agency_id: int) -> EsignClient | None:
    """The agency's active esign-client, or None."""
    return EsignClient.objects.filter(agency_id=agency_id, is_active=True).first()


def signer_of(user: User) -> Signer | None:
    """The user's ``Signer`` row (their NIK), or None."""
    return Signer.objects.filter(user=user).first()


def kind_for(document: Document) -> SignatureKind:
    """A case's document is signed by a person; a report (no case) gets the e-seal."""
    return SignatureKind.PERSONAL if document.case_id is not None else SignatureKind.SEAL


def may_sign(user: User, document: Document, client: EsignClient | None = None) -> bool:
    """Whether ``user`` may start a signature of ``document``: its agency has an active
    esign-client; for a case's document the user is its principal signer (the actor of
    the step that issued it, ``Document.issued_by``) with a NIK; for a report the user
    has ``signatures.apply_seal`` in the document's agency and the client has an e-seal
    (API v2 with an ``idSubscriber``). Superseded documents are not signed."""
    if not user.is_authenticated or user.agency_id != document.agency_id:
        return False
    client = client or active_client(document.agency_id)
    if client is None or not client.is_active:
        return False
    if document.case_id is not None:
        return document.issued_by_id == user.pk and signer_of(user) is not None
    return (
        client.api_version == ApiVersion.V2
        and bool(client.seal_id_subscriber)
        and user.has_perm("signatures.apply_seal")
    )


def may_reconcile(user: User, signature: Signature) -> bool:
    """The signer, or an administrator of the signature's agency (or a superuser)."""
    if user.is_superuser:
        return True
    if user.agency_id != signature.agency_id:
        return False
    return bool(user.pk == signature.signer_id or user.is_staff)


def is_open(signature: Signature, now: dt.datetime | None = None) -> bool:
    """Whether the attempt waits for reconciliation: ``unknown``, or ``pending`` for longer
    than its client's timeout plus ``STALE_MARGIN``."""
    if signature.status == SignatureStatus.UNKNOWN:
        return True
    if signature.status != SignatureStatus.PENDING:
        return False
    limit = dt.timedelta(seconds=signature.client.timeout_seconds) + STALE_MARGIN
    return (now or timezone.now()) - signature.started_at > limit


def signed_signature(document: Document) -> Signature | None:
    """The document's signed version (at most one), or None."""
    return (
        Signature.objects.filter(document=document, status=SignatureStatus.SIGNED)
        .select_related("signer")
        .first()
    )


def signed_bytes(signature: Signature) -> bytes:
    """The archived signed PDF. ``FileNotFoundError`` when the file is gone."""
    with signature.signed_pdf.open("rb") as handle:
        data: bytes = handle.read()
    return data


def validate_signature(signature: Signature) -> Validation:
    """pyHanko's verdict on the archived signed PDF, now (``validation.validate`` with the
    archived unsigned PDF as the original)."""
    return validate(signed_bytes(signature), pdf_bytes(signature.document))


def signed_digests(document: Document) -> list[str]:
    """The SHA-256 digests of ``document``'s signed version (zero or one)."""
    return list(
        Signature.objects.filter(document=document, status=SignatureStatus.SIGNED)
        .exclude(signed_sha256="")
        .values_list("signed_sha256", flat=True)
    )


def document_by_signed_digest(digest: str) -> Document | None:
    """The document whose signed version has this SHA-256, or None."""
    signature = (
        Signature.objects.filter(signed_sha256=digest, status=SignatureStatus.SIGNED)
        .select_related("document__agency")
        .first()
    )
    return signature.document if signature is not None else None


def certificate_status(
    user: User, client: EsignClient, transport: httpx.BaseTransport | None = None
) -> esign.UserStatus | None:
    """The esign-client's word on ``user``'s certificate (user status endpoint: v1 ``GET
    /api/user/status/{nik}``, v2 ``POST /api/v2/user/check/status``), or None when the user
    has no NIK or the service could not answer (logged; signing may still be tried)."""
    signer = signer_of(user)
    if signer is None:
        return None
    try:
        return esign.connect(client, transport, STATUS_TIMEOUT).user_status(signer.nik)
    except esign.EsignFailure as exc:
        logger.warning("user status of signer %s unavailable: %s", signer.pk, exc)
        return None


def _placement(document: Document) -> esign.Placement:
    place = str(document.content.get("place", "") or document.agency.region_name)
    return esign.Placement(link_qr=verify_url(document), reason=REASON, location=place)


def _service_message(exc: esign.ServiceError) -> str:
    if exc.code == esign.WRONG_PASSPHRASE:
        return _("Wrong passphrase: the esign-client refused it (BSrE code %(code)s).") % {
            "code": exc.code
        }
    if exc.code == esign.USER_NOT_REGISTERED:
        return _(
            "The esign-client has no certificate for this NIK (BSrE code %(code)s): "
            "ask the agency's TTE coordinator."
        ) % {"code": exc.code}
    return _("The esign-client refused to sign: %(message)s (code %(code)s).") % {
        "message": exc.message,
        "code": exc.code,
    }


def _finish(
    signature: Signature,
    status: SignatureStatus,
    actor: User,
    *,
    from_statuses: Iterable[str] = (SignatureStatus.PENDING,),
    code: str = "",
    error: str = "",
    signed: bytes | None = None,
    validation: Validation | None = None,
    reconciled: bool = False,
) -> Signature:
    """Write the outcome by compare-and-set on ``from_statuses`` with its audit event, and
    archive ``signed`` for a signed outcome. Returns the row as stored."""
    now = timezone.now()
    values: dict[str, object] = {
        "status": status,
        "error_code": code[:40],
        "error": error,
        "finished_at": now,
    }
    name = ""
    if signed is not None:
        name = default_storage.save(
            signed_path(signature, f"{signature.document.token}-{pysecrets.token_hex(4)}.pdf"),
            ContentFile(signed),
        )
        values.update(signed_pdf=name, signed_sha256=hashlib.sha256(signed).hexdigest())
    if validation is not None:
        values.update(
            signer_name=validation.signer_name[:200],
            signer_serial=validation.signer_serial[:100],
            issuer=validation.issuer[:300],
            signing_time=validation.signing_time,
        )
    if reconciled:
        values.update(reconciled_by=actor, reconciled_at=now)
    try:
        with transaction.atomic():
            won = Signature.objects.filter(pk=signature.pk, status__in=list(from_statuses)).update(
                **values
            )
            if won == 1:
                record(
                    agency=signature.document.agency,
                    actor=actor,
                    action="signature.reconciled" if reconciled else f"signature.{status}",
                    obj=signature,
                    before={"status": signature.status},
                    after={
                        "status": str(status),
                        "document": signature.document_id,
                        "number": signature.document.number,
                        "error_code": code[:40],
                        "signed_sha256": values.get("signed_sha256", ""),
                        "signer_name": values.get("signer_name", ""),
                    },
                    at=now,
                )
    except IntegrityError:
        won = 0
    if won != 1 and name:
        default_storage.delete(name)
    signature.refresh_from_db()
    return signature


def _expected_signer(signature: Signature, validation: Validation) -> bool:
    """A certificate whose serialNumber is a NIK must carry the attempt's NIK."""
    serial = validation.signer_serial
    if signature.kind != SignatureKind.PERSONAL or not signature.nik:
        return True
    return not (serial.isdigit() and len(serial) == 16) or serial == signature.nik


def sign_document(
    document: Document,
    user: User,
    *,
    passphrase: esign.Secret | None = None,
    totp: esign.Secret | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Signature:
    """Sign ``document`` as ``user`` through the agency's esign-client: a personal TTE
    for a case's document, the agency's e-seal for a report (``kind_for``), authorised by
    ``passphrase`` (v1 and v2) or ``totp`` (v2; the e-seal's is always a TOTP).

    Returns the attempt: ``signed`` (the signed PDF archived and validated by pyHanko),
    ``failed`` (with ``error``: wrong passphrase, service unreachable, a signature that
    does not validate...) or ``unknown`` (a timeout after sending). Raises
    ``SigningRefused`` before sending anything when the user may not sign, no secret was
    given, or the document is already signed or has an attempt in progress or unknown
    (database constraint: no double signing). ``ArchiveMissing`` when the archived PDF is
    gone. Issue 18 point 6; PP 71/2019 (certified TTE), Permendagri 1/2023 (naskah dinas
    signed electronically)."""
    client = active_client(document.agency_id)
    if client is None:
        raise SigningRefused(_("The agency has no active esign-client."))
    if not may_sign(user, document, client):
        raise SigningRefused(_("You may not sign this document electronically."))
    kind = kind_for(document)
    if document.is_superseded:
        raise SigningRefused(_("A superseded document is not signed."))
    if kind == SignatureKind.SEAL:
        if not totp:
            raise SigningRefused(_("The electronic seal needs the TOTP code."))
        passphrase = None
    elif client.api_version == ApiVersion.V1:
        if not passphrase:
            raise SigningRefused(_("Type your passphrase."))
        totp = None
    elif bool(passphrase) == bool(totp):
        raise SigningRefused(_("Type your passphrase or a TOTP code, one of the two."))
    signer = signer_of(user)
    nik = signer.nik if signer is not None and kind == SignatureKind.PERSONAL else ""
    original = pdf_bytes(document)
    now = timezone.now()
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                agency=document.agency,
                document=document,
                kind=kind,
                signer=user,
                nik=nik,
                client=client,
                api_version=client.api_version,
                status=SignatureStatus.PENDING,
                started_at=now,
            )
            record(
                agency=document.agency,
                actor=user,
                action="signature.started",
                obj=signature,
                after={
                    "document": document.pk,
                    "number": document.number,
                    "kind": str(kind),
                    "api_version": client.api_version,
                    "nik": nik,
                    "method": "totp" if totp else "passphrase",
                },
                at=now,
            )
    except IntegrityError:
        raise SigningRefused(
            _(
                "This document is already signed, or a signing of it is in progress or has "
                "an unknown outcome that must be reconciled first."
            )
        ) from None
    api = esign.connect(client, transport)
    placement = _placement(document)
    try:
        if kind == SignatureKind.SEAL:
            assert isinstance(api, esign.EsignV2)
            assert totp is not None
            signed = api.seal_pdf(original, client.seal_id_subscriber, totp, placement)
        elif isinstance(api, esign.EsignV1):
            assert passphrase is not None
            signed = api.sign_pdf(original, nik, passphrase, placement)
        else:
            signed = api.sign_pdf(original, nik, placement, passphrase=passphrase, totp=totp)
    except esign.OutcomeUnknown as exc:
        logger.warning("signature %s: outcome unknown (%s)", signature.pk, exc)
        return _finish(
            signature,
            SignatureStatus.UNKNOWN,
            user,
            code="timeout",
            error=_(
                "The esign-client did not answer in time after the request was sent: it may "
                "have signed. Reconcile this attempt before signing again."
            ),
        )
    except esign.NotSent as exc:
        logger.warning("signature %s: not sent (%s)", signature.pk, exc)
        return _finish(
            signature,
            SignatureStatus.FAILED,
            user,
            code="not_sent",
            error=_("The esign-client could not be reached; nothing was signed (%(error)s).")
            % {"error": exc},
        )
    except esign.ServiceError as exc:
        logger.info("signature %s: refused by the service, code %s", signature.pk, exc.code)
        return _finish(
            signature, SignatureStatus.FAILED, user, code=exc.code, error=_service_message(exc)
        )
    finally:
        passphrase = totp = None
    verdict = validate(signed, original)
    if not verdict.ok or not _expected_signer(signature, verdict):
        reason = Reason.INVALID if verdict.ok else verdict.reason
        logger.warning("signature %s: the signed file does not validate (%s)", signature.pk, reason)
        return _finish(
            signature,
            SignatureStatus.FAILED,
            user,
            code=str(reason),
            error=_("The esign-client returned a file whose signature Jaga cannot accept: %(why)s")
            % {"why": verdict.message if not verdict.ok else _("signed by another person.")},
        )
    return _finish(signature, SignatureStatus.SIGNED, user, signed=signed, validation=verdict)


def reconcile(
    signature: Signature,
    user: User,
    signed_pdf: bytes | None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Signature:
    """Settle an open attempt (``is_open``): with ``signed_pdf`` (the file the esign-client
    kept) it becomes ``signed`` when it is a signed version of exactly the archived PDF,
    pyHanko validates it and the esign-client's verify endpoint confirms it; with None
    (the signer or administrator declares, after checking, that it was not signed) it
    becomes ``failed`` and a new attempt may start. Raises ``ReconcileRefused`` (nothing
    changes) when the user may not, the attempt is not open, or the file does not pass."""
    if not may_reconcile(user, signature):
        raise ReconcileRefused(_("You may not reconcile this signature."))
    if not is_open(signature):
        raise ReconcileRefused(_("This attempt has no unknown outcome to reconcile."))
    statuses = (SignatureStatus.UNKNOWN, SignatureStatus.PENDING)
    if signed_pdf is None:
        return _finish(
            signature,
            SignatureStatus.FAILED,
            user,
            from_statuses=statuses,
            code="not_signed",
            error=_("Declared not signed at reconciliation."),
            reconciled=True,
        )
    original = pdf_bytes(signature.document)
    verdict = validate(signed_pdf, original)
    if not verdict.ok:
        raise ReconcileRefused(verdict.message)
    if not _expected_signer(signature, verdict):
        raise ReconcileRefused(_("The file was signed by another person."))
    api = esign.connect(signature.client, transport)
    try:
        report = api.verify(signed_pdf)
    except esign.EsignFailure as exc:
        raise ReconcileRefused(
            _("The esign-client could not verify the file: %(error)s") % {"error": exc}
        ) from None
    if not report.valid:
        raise ReconcileRefused(
            _("The esign-client does not confirm the signature (%(summary)s).")
            % {"summary": report.summary or "-"}
        )
    return _finish(
        signature,
        SignatureStatus.SIGNED,
        user,
        from_statuses=statuses,
        signed=signed_pdf,
        validation=verdict,
        reconciled=True,
    )
