"""pyHanko's verdicts on signed PDFs, offline (jaga.signatures.validation; issue 18 point
6): a revision appended after signing, a certificate that expired after a timestamped
signature (still valid: checked at the timestamp's time), trust roots missing, a file
without a signature or not a PDF."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pytest_django.fixtures import Settings

from jaga.signatures.validation import Reason, validate
from tests.signatures.fake_esign import FakeEsign
from tests.signatures.pki import Pki

pytestmark = pytest.mark.usefixtures("trusted")


@pytest.fixture
def signed(pki: Pki, base_pdf: bytes) -> bytes:
    return FakeEsign(pki).sign(base_pdf)


def test_it_says_a_file_changed_after_signing_was_modified(signed: bytes, base_pdf: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    text = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (PALSU) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(text))  # type: ignore[no-untyped-call]
    out = BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    verdict = validate(out.getvalue(), base_pdf)
    assert verdict.reason is Reason.MODIFIED
    assert verdict.intact  # the signed revision itself is untouched
    assert verdict.modified_after
    assert verdict.coverage == "ENTIRE_REVISION"
    assert verdict.message == "The file was changed after it was signed."


def test_it_keeps_a_timestamped_signature_valid_after_the_certificate_expires(
    signed: bytes, base_pdf: bytes
) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)  # the signer's expired
    with time_machine.travel(later, tick=True):
        verdict = validate(signed, base_pdf)
    assert verdict.reason is Reason.VALID, verdict
    assert verdict.timestamp_valid
    assert verdict.signing_time is not None
    assert verdict.signing_time < later - dt.timedelta(days=300)


def test_it_trusts_nothing_without_trust_roots(
    signed: bytes, base_pdf: bytes, settings: Settings
) -> None:
    settings.JAGA_TTE_TRUST_ROOTS = ""
    verdict = validate(signed, base_pdf)
    assert verdict.reason is Reason.UNTRUSTED
    assert verdict.intact


def test_it_tells_a_pdf_without_signature_and_a_file_that_is_no_pdf(base_pdf: bytes) -> None:
    assert validate(base_pdf).reason is Reason.NO_SIGNATURE
    assert validate(b"GIF89a not a pdf").reason is Reason.UNREADABLE
    assert validate(b"%PDF-1.7 broken").reason in {Reason.UNREADABLE, Reason.NO_SIGNATURE}


def test_it_refuses_a_signed_file_that_is_not_this_document(
    pki: Pki, signed: bytes, base_pdf: bytes
) -> None:
    other = FakeEsign(pki).sign(base_pdf + b"\n%x\n")
    assert validate(other).reason is Reason.VALID
    assert validate(other, base_pdf + b"\n%y\n").reason is Reason.NOT_THIS_DOCUMENT
