"""Two requests signing the same document at once (a double click, two tabs) call the
esign-client once: the database lets one attempt be pending, unknown or signed per
document, so the other is refused before anything is sent (issue 18 point 6: no double
signing). On PostgreSQL, where the requests really race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.signatures import services
from jaga.signatures.client import Secret
from jaga.signatures.models import ApiVersion, Signature, SignatureStatus, Signer
from tests.conftest import make_agency
from tests.incidents.conftest import load_report_sop, report
from tests.signatures.conftest import archived_document, make_client
from tests.signatures.fake_esign import PASSPHRASE, FakeEsign
from tests.signatures.pki import NIK_KADIS

THREADS = 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("trusted")
def test_it_signs_once_when_requests_race(fake: FakeEsign, media: Path, base_pdf: bytes) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to test")
    agency = make_agency("alpha")
    kadis = User.objects.get(username="alpha.kadis")
    Signer.objects.create(agency=agency, user=kadis, nik=NIK_KADIS)
    load_report_sop(agency)
    case = report(agency.users.get(username="alpha.dinkes")).case
    document = archived_document(agency, base_pdf, issued_by=kadis, case=case)
    make_client(agency, fake.url, ApiVersion.V2)
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def sign() -> None:
        try:
            mine = Document.objects.get(pk=document.pk)
            user = User.objects.get(pk=kadis.pk)
            start.wait()
            try:
                done = services.sign_document(mine, user, passphrase=Secret(PASSPHRASE))
                outcomes.append(str(done.status))
            except services.SigningRefused:
                outcomes.append("refused")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=sign) for _ in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + [SignatureStatus.SIGNED.value]
    assert len(fake.outputs) == 1
    assert Signature.objects.filter(document=document).count() == 1
