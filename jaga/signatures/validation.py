"""Validation of signed PDFs with pyHanko, offline (issue 18 point 6; docs/signatures.md).

``validate(data, original=None)`` checks the last signature of ``data``: integrity (the
signed bytes' digest), the certificate chain up to the trust roots of
``settings.JAGA_TTE_TRUST_ROOTS`` (a PEM bundle: BSrE's root and intermediate certificates
in production), the certificate's validity at the signing time, the embedded timestamp
(PAdES B-T), and whether the file was changed after signing. Nothing is fetched from the
network: no OCSP, no CRL, no AIA (``allow_fetching=False``; revocation is "soft-fail", as
the esign-client's output carries no revocation data, PAdES B-T without LTV).

The signing time is the embedded timestamp's when its token is intact and trusted (it
proves the signature existed then); the certificate is then checked at that time, so a
signature made before the certificate expired stays valid afterwards. Without a trusted
timestamp it is checked now, and the signer's claimed time is shown as claimed.

With ``original`` (the archived, unsigned PDF) the signed file must also be an incremental
update of exactly those bytes, and the signature must cover them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)


class Reason(StrEnum):
    """Why a signed PDF is or is not valid; ``Validation.message`` says it in words."""

    VALID = "valid"
    UNREADABLE = "unreadable"  # not a PDF pyHanko can read
    NO_SIGNATURE = "no_signature"
    TAMPERED = "tampered"  # the signed bytes changed: digest mismatch
    NOT_THIS_DOCUMENT = "not_this_document"  # not a signed version of the archived PDF
    MODIFIED = "modified"  # changes appended after signing
    UNTRUSTED = "untrusted"  # no chain to the trust roots (another CA)
    EXPIRED = "expired"  # certificate not valid at the signing time: expired
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    INVALID = "invalid"  # any other failure of the signature


_MESSAGES = {
    Reason.VALID: gettext_noop(
        "The electronic signature is valid: the document has not changed since it was "
        "signed and the certificate is trusted."
    ),
    Reason.UNREADABLE: gettext_noop("The file is not a readable PDF."),
    Reason.NO_SIGNATURE: gettext_noop("The file carries no electronic signature."),
    Reason.TAMPERED: gettext_noop(
        "The content of the document changed after it was signed: the signature does not match it."
    ),
    Reason.NOT_THIS_DOCUMENT: gettext_noop(
        "The signed file is not a signed version of this document."
    ),
    Reason.MODIFIED: gettext_noop("The file was changed after it was signed."),
    Reason.UNTRUSTED: gettext_noop(
        "The signing certificate was not issued by a trusted certification authority."
    ),
    Reason.EXPIRED: gettext_noop(
        "The signing certificate had expired when the document was signed."
    ),
    Reason.NOT_YET_VALID: gettext_noop(
        "The signing certificate was not yet valid when the document was signed."
    ),
    Reason.REVOKED: gettext_noop("The signing certificate was revoked."),
    Reason.INVALID: gettext_noop("The electronic signature is not valid."),
}


def message(reason: Reason) -> str:
    """The translated sentence for ``reason``."""
    return _(_MESSAGES[reason])


@dataclass(frozen=True)
class Validation:
    """pyHanko's verdict on one signed PDF.

    ``reason`` sums it up (``Reason.VALID`` only when everything holds); ``intact``: the
    signed bytes are unchanged; ``valid``: the cryptographic signature is correct;
    ``trusted``: the chain reaches a trust root and the certificate was valid at the
    signing time; ``signer_name``/``signer_serial`` (the subject's common name and
    serialNumber, which holds the NIK in BSrE certificates) and ``issuer`` from the
    signing certificate; ``signing_time`` (UTC) the timestamp's time when
    ``timestamp_valid``, else the time the signer claims; ``coverage`` pyHanko's coverage
    level name (``ENTIRE_FILE`` when nothing was appended); ``modified_after``: changes
    were appended after signing beyond validation data; ``signatures``: how many the file
    holds."""

    reason: Reason
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signer_name: str = ""
    signer_serial: str = ""
    issuer: str = ""
    signing_time: dt.datetime | None = None
    timestamp_valid: bool = False
    coverage: str = ""
    modified_after: bool = False
    signatures: int = 0

    @property
    def ok(self) -> bool:
        return self.reason is Reason.VALID

    @property
    def message(self) -> str:
        return message(self.reason)


_roots_cache: dict[tuple[str, float], tuple[list[Any], list[Any]]] = {}


def trust_roots() -> tuple[list[Any], list[Any]]:
    """The certificates of ``settings.JAGA_TTE_TRUST_ROOTS`` (PEM or DER bundle), as
    (self-signed roots, intermediates), both lists of asn1crypto certificates; empty when
    the setting is empty or the file is missing (then no signature is trusted, and the
    missing file is logged)."""
    path = str(getattr(settings, "JAGA_TTE_TRUST_ROOTS", "") or "")
    if not path:
        return [], []
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        logger.error("JAGA_TTE_TRUST_ROOTS names %s, which cannot be read", path)
        return [], []
    key = (path, mtime)
    if key not in _roots_cache:
        from pyhanko.keys import load_certs_from_pemder

        certs = list(load_certs_from_pemder([Path(path)]))  # type: ignore[no-untyped-call]
        roots = [c for c in certs if c.self_signed]
        others = [c for c in certs if not c.self_signed]
        _roots_cache.clear()
        _roots_cache[key] = (roots, others)
    return _roots_cache[key]


def _context(moment: dt.datetime | None = None) -> Any:
    from pyhanko_certvalidator import ValidationContext

    roots, others = trust_roots()
    return ValidationContext(
        trust_roots=roots,
        other_certs=others,
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


def _reason_of_trust(status: Any) -> Reason:
    from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate

    indic = status.trust_problem_indic
    if indic in (
        AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND,
        AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE,
        AdESIndeterminate.NO_SIGNING_CERTIFICATE_FOUND,
    ):
        return Reason.UNTRUSTED
    if indic in (
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    ):
        return Reason.EXPIRED
    if indic in (AdESIndeterminate.NOT_YET_VALID, AdESFailure.NOT_YET_VALID):
        return Reason.NOT_YET_VALID
    if indic in (
        AdESFailure.REVOKED,
        AdESIndeterminate.REVOKED_NO_POE,
        AdESIndeterminate.REVOKED_CA_NO_POE,
    ):
        return Reason.REVOKED
    return Reason.INVALID


def _covers(embedded: Any, original: bytes, data: bytes) -> bool:
    """``data`` starts with exactly ``original`` and the signature's byte range covers
    all of it (the signature lives in an update appended after it)."""
    if not data.startswith(original):
        return False
    try:
        start1, len1, start2, len2 = (int(x) for x in embedded.sig_object["/ByteRange"])
    except (KeyError, TypeError, ValueError):
        return False
    return start1 == 0 and len1 >= len(original) and start2 + len2 >= len(original)


def validate(data: bytes, original: bytes | None = None) -> Validation:
    """pyHanko's verdict on the last signature in ``data`` (see the module's docstring);
    ``original``: the archived unsigned PDF it must be a signed version of. Never raises
    for bad input: an unreadable file is ``Reason.UNREADABLE``.

    pyHanko's synchronous API runs its own event loop (``asyncio.run``), which cannot
    start in a thread whose loop is already running (an async view, Playwright's sync API
    in the tests): there the validation runs in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _validate(data, original)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_validate, data, original).result()


def _validate(data: bytes, original: bytes | None) -> Validation:
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError

    if not data.startswith(b"%PDF"):
        return Validation(Reason.UNREADABLE)
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded_all = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logger.info("unreadable PDF for validation: %s", exc)
        return Validation(Reason.UNREADABLE)
    if not embedded_all:
        return Validation(Reason.NO_SIGNATURE)
    embedded = embedded_all[-1]
    try:
        status = validate_pdf_signature(embedded, _context(), _context())
        ts = status.timestamp_validity
        ts_time = ts.timestamp if ts is not None and ts.intact and ts.valid and ts.trusted else None
        if ts_time is not None and not status.trusted:
            # PAdES B-T: the certificate must have been valid when the timestamp was taken.
            status = validate_pdf_signature(embedded, _context(ts_time), _context())
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        logger.info("signature could not be validated: %s", exc)
        return Validation(Reason.TAMPERED, signatures=len(embedded_all))
    cert = status.signing_cert
    subject = cert.subject.native if cert is not None else {}
    signing_time = ts_time or status.signer_reported_dt
    coverage = status.coverage.name if status.coverage is not None else ""
    modified = coverage != "ENTIRE_FILE" and not _only_validation_data(status)
    fields = {
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted),
        "signer_name": str(subject.get("common_name", "")),
        "signer_serial": str(subject.get("serial_number", "")),
        "issuer": _issuer(cert),
        "signing_time": signing_time.astimezone(dt.UTC) if signing_time else None,
        "timestamp_valid": ts_time is not None,
        "coverage": coverage,
        "modified_after": modified,
        "signatures": len(embedded_all),
    }
    if not status.intact or not status.valid:
        reason = Reason.TAMPERED if not status.intact else Reason.INVALID
    elif original is not None and not _covers(embedded, original, data):
        reason = Reason.NOT_THIS_DOCUMENT
    elif not status.trusted:
        reason = _reason_of_trust(status)
    elif modified or not status.docmdp_ok:
        reason = Reason.MODIFIED
    else:
        reason = Reason.VALID
    return Validation(reason, **fields)  # type: ignore[arg-type]


def _issuer(cert: Any) -> str:
    """The issuing CA as people read it: "common name (organisation)"."""
    if cert is None:
        return ""
    issuer = cert.issuer.native
    name = str(issuer.get("common_name", ""))
    org = str(issuer.get("organization_name", ""))
    return f"{name} ({org})" if name and org else name or org or cert.issuer.human_friendly


def _only_validation_data(status: Any) -> bool:
    """Whether the revisions appended after the signature only add validation data or
    timestamps (allowed by PAdES), per pyHanko's difference analysis."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = getattr(status, "modification_level", None)
    return level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
