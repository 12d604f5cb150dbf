"""The TTE parts of the pages: the case page's documents panel offers the signing to the
principal signer only, then shows the badge and the signed version's download; an
unknown outcome shows the reconciliation; the verification page of an unsigned document
says so (issue 18 points 6 and 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.signatures import services
from jaga.signatures.client import Secret
from jaga.signatures.models import ApiVersion, SignatureStatus
from tests.incidents.conftest import client_for
from tests.signatures.conftest import make_client
from tests.signatures.fake_esign import PASSPHRASE, FakeEsign
from tests.signatures.pki import NIK_KADIS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("trusted")]


def case_page(username: str, document: Document) -> str:
    response = client_for(username).get(reverse("workflow:case", args=[document.case_id]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.usefixtures("agency_b")
def test_it_offers_the_signing_to_the_principal_signer_and_then_the_signed_version(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V1)
    assert f'data-tte-sign="{disposisi.pk}"' in case_page("alpha.kadis", disposisi)
    assert "data-tte-sign" not in case_page("alpha.admin", disposisi)
    form = client_for("alpha.kadis").get(reverse("signatures:sign", args=[disposisi.pk]))
    html = form.content.decode()
    assert 'id="tte-passphrase"' in html
    assert 'autocomplete="off"' in html
    assert 'id="tte-totp"' not in html  # API v1: a passphrase only
    assert 'id="tte-certificate" data-ok="1"' in html  # GET /api/user/status/<nik>
    assert fake.seen[-1] == f"GET /api/user/status/{NIK_KADIS}"
    response = client_for("alpha.kadis").post(
        reverse("signatures:sign", args=[disposisi.pk]), {"passphrase": PASSPHRASE}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:case", args=[disposisi.case_id])
    page = case_page("alpha.kadis", disposisi)
    assert f'data-tte-signed="{disposisi.pk}"' in page
    assert "data-tte-sign=" not in page
    download = client_for("alpha.admin").get(reverse("signatures:download", args=[disposisi.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    signature = services.signed_signature(disposisi)
    assert signature is not None
    assert download.content == services.signed_bytes(signature)
    # Another agency's user sees nothing of it.
    assert (
        client_for("beta.kadis")
        .get(reverse("signatures:download", args=[disposisi.pk]))
        .status_code
        == 404
    )


@pytest.mark.usefixtures("agency_b")
def test_it_shows_an_unknown_outcome_and_reconciles_it_from_the_page(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2, timeout=1)
    fake.mode = "sleep"
    signature = services.sign_document(disposisi, kadis, passphrase=Secret(PASSPHRASE))
    assert signature.status == SignatureStatus.UNKNOWN
    page = case_page("alpha.kadis", disposisi)
    assert f'data-tte-unknown="{disposisi.pk}"' in page
    assert f'data-tte-reconcile="{disposisi.pk}"' in page
    assert "data-tte-reconcile" not in case_page("alpha.dinkes", disposisi)
    url = reverse("signatures:reconcile", args=[signature.pk])
    assert client_for("beta.admin").get(url).status_code == 404
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake.mode = "ok"
    response = client_for("alpha.admin").post(
        url,
        {"signed_file": SimpleUploadedFile("ttd.pdf", fake.kept(1)[0], "application/pdf")},
    )
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.status == SignatureStatus.SIGNED
    assert signature.reconciled_by == User.objects.get(username="alpha.admin")


def test_it_shows_the_certificate_status_from_the_v2_service(
    disposisi: Document, kadis: User, fake: FakeEsign
) -> None:
    make_client(disposisi.agency, fake.url, ApiVersion.V2)
    html = client_for("alpha.kadis").get(reverse("signatures:sign", args=[disposisi.pk]))
    assert 'id="tte-certificate" data-ok="1"' in html.content.decode()
    assert fake.seen[-1] == "POST /api/v2/user/check/status"
    fake.users.clear()  # BSrE no longer knows the NIK
    html = client_for("alpha.kadis").get(reverse("signatures:sign", args=[disposisi.pk]))
    assert 'id="tte-certificate" data-ok="0"' in html.content.decode()


def test_it_says_on_the_verification_page_that_a_document_was_not_signed(
    disposisi: Document,
) -> None:
    page = client_for(None).get(reverse("verify", args=[disposisi.token])).content.decode()
    assert 'id="tte-none"' in page
    assert "not signed electronically" in page
