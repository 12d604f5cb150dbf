"""Electronic signatures (TTE) through a fake esign-client on loopback that signs with
pyHanko, a test CA and a timestamp authority made in the test (PAdES B-T; no network):
issue 18 point 6. Both API versions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from jaga.audit.models import Event
from jaga.documents.models import Document
from jaga.documents.services import find_by_digest, verify
from jaga.org.models import User
from jaga.signatures import services
from jaga.signatures.client import Secret
from jaga.signatures.models import ApiVersion, Signature, SignatureKind, SignatureStatus
from jaga.signatures.validation import Reason, validate
from tests.incidents.conftest import client_for
from tests.signatures.conftest import make_client
from tests.signatures.fake_esign import PASSPHRASE, SEAL_TOTP, TOTP, FakeEsign
from tests.signatures.pki import NIK_KADIS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("trusted")]

VERSIONS = [pytest.param(ApiVersion.V1, id="v1"), pytest.param(ApiVersion.V2, id="v2")]


def sign(document: Document, user: User, passphrase: str = PASSPHRASE) -> Signature:
    return services.sign_document(document, user, passphrase=Secret(passphrase))


def flip_inside_signed_range(signed: bytes, original: bytes) -> bytes:
    """One byte changed in the middle of the original content (covered by the signature)."""
    data = bytearray(signed)
    at = original.index(b"stream", len(original) // 3) + 40
    data[at] ^= 0x01
    return bytes(data)


@pytest.mark.parametrize("version", VERSIONS)
def test_it_signs_a_lembar_disposisi_and_the_signature_verifies(
    disposisi: Document, kadis: User, fake: FakeEsign, version: int, base_pdf: bytes
) -> None:
    make_client(disposisi.agency, fake.url, version)
    before = timezone.now()
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.SIGNED, signature.error
    assert signature.kind == SignatureKind.PERSONAL
    assert signature.api_version == version
    assert signature.nik == NIK_KADIS
    assert signature.signer_name == "Kadis alpha"
    assert signature.signer_serial == NIK_KADIS
    assert "Root CA Uji TTE" in signature.issuer
    assert signature.signing_time is not None
    assert before - dt.timedelta(seconds=5) <= signature.signing_time <= timezone.now()
    signed = services.signed_bytes(signature)
    assert signed.startswith(base_pdf)  # an incremental update of the archived PDF
    verdict = validate(signed, base_pdf)
    assert verdict.ok, verdict
    assert (verdict.intact, verdict.valid, verdict.trusted, verdict.timestamp_valid) == (
        True,
        True,
        True,
        True,
    )
    assert verdict.coverage == "ENTIRE_FILE"
    assert not verdict.modified_after
    # The signed version is the document's: found by its digest, verified byte for byte.
    assert find_by_digest(signed) == disposisi
    assert verify(disposisi, signed)
    assert fake.seen[-1] == ("POST /api/sign/pdf" if version == 1 else "POST /api/v2/sign/pdf")
    actions = list(
        Event.objects.filter(object_type="signatures.signature", object_id=str(signature.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["signature.started", "signature.signed"]


def test_it_signs_with_a_totp_from_the_besign_app_on_v2(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    signature = services.sign_document(disposisi, kadis, totp=Secret(TOTP))
    assert signature.status == SignatureStatus.SIGNED, signature.error


def test_it_shows_the_valid_signature_on_the_public_verification_page(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    signature = sign(disposisi, kadis)
    page = client_for(None).get(reverse("verify", args=[disposisi.token])).content.decode()
    assert 'id="tte-valid"' in page
    assert "Kadis alpha, Kepala Dinas" in page
    assert "Root CA Uji TTE" in page
    assert signature.signed_sha256 in page
    assert NIK_KADIS not in page  # the NIK is personal data: not on a public page


@pytest.mark.parametrize("version", VERSIONS)
def test_it_says_a_tampered_signed_pdf_changed_after_signing(
    disposisi: Document, kadis: User, fake: FakeEsign, version: int, base_pdf: bytes
) -> None:
    make_client(disposisi.agency, fake.url, version)
    signed = services.signed_bytes(sign(disposisi, kadis))
    tampered = flip_inside_signed_range(signed, base_pdf)
    verdict = validate(tampered, base_pdf)
    assert verdict.reason is Reason.TAMPERED
    assert not verdict.intact
    assert "changed after it was signed" in verdict.message
    # A holder uploads the tampered copy on the verification page.
    response = client_for(None).post(
        reverse("verify", args=[disposisi.token]),
        {"file": _upload(tampered)},
    )
    page = response.content.decode()
    assert 'id="mismatch"' in page
    assert 'id="tte-upload" data-tte-reason="tampered"' in page
    # The untouched signed copy matches and validates.
    page = (
        client_for(None)
        .post(reverse("verify", args=[disposisi.token]), {"file": _upload(signed)})
        .content.decode()
    )
    assert 'id="match"' in page
    assert 'id="tte-upload" data-tte-reason="valid"' in page


def _upload(data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("salinan.pdf", data, content_type="application/pdf")


@pytest.mark.parametrize(
    ("mode", "reason", "words"),
    [
        ("other_ca", Reason.UNTRUSTED, "not issued by a trusted certification authority"),
        ("expired", Reason.EXPIRED, "had expired when the document was signed"),
    ],
)
def test_it_refuses_a_certificate_of_another_ca_or_an_expired_one_with_its_message(
    disposisi: Document,
    kadis: User,
    fake: FakeEsign,
    base_pdf: bytes,
    mode: str,
    reason: Reason,
    words: str,
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    fake.mode = mode
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.FAILED
    assert signature.error_code == reason.value
    assert words in signature.error
    assert not signature.signed_pdf
    verdict = validate(fake.outputs[-1], base_pdf)
    assert verdict.reason is reason
    assert verdict.intact  # the bytes are fine: the certificate is the problem
    assert words in verdict.message
    # A failed attempt does not hold the document: signing again works.
    fake.mode = "ok"
    assert sign(disposisi, kadis).status == SignatureStatus.SIGNED


@pytest.mark.parametrize("version", VERSIONS)
def test_it_reports_a_wrong_passphrase_and_the_attempt_fails(
    disposisi: Document, kadis: User, fake: FakeEsign, version: int
) -> None:
    make_client(disposisi.agency, fake.url, version)
    signature = sign(disposisi, kadis, passphrase="salah-ketik")
    assert signature.status == SignatureStatus.FAILED
    assert signature.error_code == "2031"
    assert "Wrong passphrase" in signature.error
    assert signature.finished_at is not None
    assert fake.outputs == []
    assert sign(disposisi, kadis).status == SignatureStatus.SIGNED


@pytest.mark.parametrize("version", VERSIONS)
def test_it_leaves_a_timeout_after_sending_unknown_until_reconciled_with_the_signed_file(
    disposisi: Document, kadis: User, fake: FakeEsign, version: int
) -> None:
    make_client(disposisi.agency, fake.url, version, timeout=1)
    fake.mode = "sleep"
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.UNKNOWN
    assert signature.error_code == "timeout"
    assert len(fake.kept(1)) == 1  # the service did sign
    # No second attempt while the outcome is unknown (no double signing).
    with pytest.raises(services.SigningRefused, match="reconciled first"):
        sign(disposisi, kadis)
    assert len(fake.outputs) == 1
    # Reconciliation with the file the esign-client kept: verified, then signed.
    fake.mode = "ok"
    settled = services.reconcile(signature, kadis, fake.outputs[0])
    assert settled.status == SignatureStatus.SIGNED
    assert settled.reconciled_by == kadis
    assert settled.reconciled_at is not None
    assert services.signed_bytes(settled) == fake.outputs[0]
    assert fake.seen[-1] in {"POST /api/sign/verify", "POST /api/v2/verify/pdf"}
    assert Event.objects.filter(action="signature.reconciled").count() == 1
    with pytest.raises(services.SigningRefused):
        sign(disposisi, kadis)  # signed once: never twice


def test_it_settles_an_unknown_outcome_declared_not_signed_and_allows_a_new_attempt(
    disposisi: Document, kadis: User, fake: FakeEsign, base_pdf: bytes
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2, timeout=1)
    fake.mode = "sleep"
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.UNKNOWN
    # A file that is not a signed version of the archived PDF is refused; nothing changes.
    tampered = flip_inside_signed_range(fake.kept(1)[0], base_pdf)
    with pytest.raises(services.ReconcileRefused, match="changed after it was signed"):
        services.reconcile(signature, kadis, tampered)
    with pytest.raises(services.ReconcileRefused, match="no electronic signature"):
        services.reconcile(signature, kadis, base_pdf)
    signature.refresh_from_db()
    assert signature.status == SignatureStatus.UNKNOWN
    settled = services.reconcile(signature, kadis, None)
    assert settled.status == SignatureStatus.FAILED
    assert settled.error_code == "not_signed"
    fake.mode = "ok"
    assert sign(disposisi, kadis).status == SignatureStatus.SIGNED


def test_it_fails_at_once_when_the_esign_client_cannot_be_reached(
    disposisi: Document, kadis: User
) -> None:
    make_client(disposisi.agency, "http://127.0.0.1:9", ApiVersion.V2)
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.FAILED
    assert signature.error_code == "not_sent"
    assert "could not be reached" in signature.error


def test_it_lets_only_the_principal_signer_sign_a_case_document(
    disposisi: Document, kadis: User, fake: FakeEsign, agency_a: object
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    admin = User.objects.get(username="alpha.admin")
    with pytest.raises(services.SigningRefused):
        sign(disposisi, admin)
    assert (
        client_for("alpha.admin").get(reverse("signatures:sign", args=[disposisi.pk])).status_code
        == 403
    )
    assert (
        client_for("alpha.kadis").get(reverse("signatures:sign", args=[disposisi.pk])).status_code
        == 200
    )
    assert fake.outputs == []


def test_it_applies_the_agency_e_seal_to_a_report_with_the_permission(
    laporan: Document, fake: FakeEsign, media: Path
) -> None:
    from django.contrib.auth.models import Permission

    make_client(laporan.agency, fake.url, ApiVersion.V2)
    admin = User.objects.get(username="alpha.admin")
    clerk = User.objects.get(username="alpha.dinkes")
    with pytest.raises(services.SigningRefused):
        services.sign_document(laporan, clerk, totp=Secret(SEAL_TOTP))
    verify_url = reverse("verify", args=[laporan.token])
    assert 'id="tte-sign"' not in client_for("alpha.admin").get(verify_url).content.decode()
    admin.user_permissions.add(Permission.objects.get(codename="apply_seal"))
    admin = User.objects.get(pk=admin.pk)  # fresh permission cache
    # The report's verification page offers the seal to a holder of the permission.
    page = client_for("alpha.admin").get(verify_url).content.decode()
    assert f'id="tte-sign" data-tte-sign="{laporan.pk}"' in page
    assert 'id="tte-sign"' not in client_for(None).get(verify_url).content.decode()
    form = client_for("alpha.admin").get(reverse("signatures:sign", args=[laporan.pk]))
    assert 'id="tte-totp"' in form.content.decode()
    assert 'id="tte-passphrase"' not in form.content.decode()  # the e-seal takes a TOTP
    signature = services.sign_document(laporan, admin, totp=Secret(SEAL_TOTP))
    assert signature.status == SignatureStatus.SIGNED, signature.error
    assert signature.kind == SignatureKind.SEAL
    assert signature.signer_name == "Dinas Komunikasi dan Informatika"
    assert fake.seen[-1] == "POST /api/v2/seal/pdf"
    page = client_for(None).get(reverse("verify", args=[laporan.token])).content.decode()
    assert 'id="tte-valid"' in page
    assert "electronic seal" in page


def test_it_treats_an_attempt_left_pending_past_its_timeout_as_unknown(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    """The process making the call died (a killed worker): the row stays ``pending``; once
    the client's timeout plus a minute has passed it may be reconciled, not before."""
    client = make_client(disposisi.agency, fake.url, ApiVersion.V2, timeout=5)
    attempt = Signature.objects.create(
        agency=disposisi.agency,
        document=disposisi,
        signer=kadis,
        nik=NIK_KADIS,
        client=client,
        api_version=2,
        status=SignatureStatus.PENDING,
        started_at=timezone.now() - dt.timedelta(seconds=30),
    )
    with pytest.raises(services.SigningRefused):
        sign(disposisi, kadis)
    with pytest.raises(services.ReconcileRefused, match="no unknown outcome"):
        services.reconcile(attempt, kadis, None)
    Signature.objects.filter(pk=attempt.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=66)
    )
    attempt.refresh_from_db()
    assert services.is_open(attempt)
    assert services.reconcile(attempt, kadis, None).status == SignatureStatus.FAILED
    assert sign(disposisi, kadis).status == SignatureStatus.SIGNED


def test_it_refuses_a_file_signed_with_another_persons_certificate(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    fake.mode = "stranger"
    signature = sign(disposisi, kadis)
    assert signature.status == SignatureStatus.FAILED
    assert "signed by another person" in signature.error
