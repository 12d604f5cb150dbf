"""The passphrase or TOTP the signer types exists only inside the synchronous request to
the esign-client (issue 18 point 6): it appears in no log line (every logger at DEBUG,
httpx and httpcore included), no database row of any table (the audit chain, the task
queue's rows and the sessions included), no task payload, no message and no page. Checked
through the pages for both API versions and every outcome: a wrong passphrase, a
signature, a timeout after sending."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from jaga.documents.models import Document
from jaga.org.models import User
from jaga.signatures.models import ApiVersion, Signature, SignatureStatus
from tests.incidents.conftest import client_for
from tests.signatures.conftest import make_client
from tests.signatures.fake_esign import PASSPHRASE, TOTP, FakeEsign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("trusted")]

WRONG = "Salah-Sandi#9931-xyz"


def every_stored_value() -> str:
    """Every value of every row of every table Jaga's models (and Django's, and the task
    queue's) hold, as text; sessions decoded."""
    chunks: list[str] = []
    for model in apps.get_models():
        for row in model._default_manager.all().values():
            chunks.append(repr(row))
    for session in Session.objects.all():
        chunks.append(repr(session.get_decoded()))
    return "\n".join(chunks)


def files_text(root: Path) -> bytes:
    return b"".join(path.read_bytes() for path in root.rglob("*") if path.is_file())


def post_sign(client: Client, document: Document, **secret: str) -> str:
    response = client.post(reverse("signatures:sign", args=[document.pk]), secret, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    return response.content.decode() + "\n".join(messages)


@pytest.mark.parametrize("version", [ApiVersion.V1, ApiVersion.V2], ids=["v1", "v2"])
def test_it_keeps_the_passphrase_out_of_logs_rows_tasks_sessions_and_pages(
    disposisi: Document,
    kadis: User,
    fake: FakeEsign,
    version: int,
    media: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "jaga", "django", "pyhanko"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    client_row = make_client(disposisi.agency, fake.url, version, timeout=1)
    browser = client_for("alpha.kadis")
    pages = [post_sign(browser, disposisi, passphrase=WRONG)]
    assert Signature.objects.get().status == SignatureStatus.FAILED
    fake.mode = "sleep"
    pages.append(post_sign(browser, disposisi, passphrase=PASSPHRASE))
    unknown = Signature.objects.get(status=SignatureStatus.UNKNOWN)
    pages.append(
        browser.post(
            reverse("signatures:reconcile", args=[unknown.pk]), {"not_signed": "on"}, follow=True
        ).content.decode()
    )
    fake.mode = "ok"
    client_row.timeout_seconds = 20  # ample on a loaded machine
    client_row.save()
    secret = {"totp": TOTP} if version == ApiVersion.V2 else {"passphrase": PASSPHRASE}
    pages.append(post_sign(browser, disposisi, **secret))
    assert Signature.objects.filter(status=SignatureStatus.SIGNED).count() == 1
    assert len(fake.kept(2)) == 2  # the service did get the secrets (and signed twice)

    logs = caplog.text + "\n".join(repr(r.__dict__) for r in caplog.records)
    assert "POST /api" in logs or "HTTP Request" in logs  # the calls were logged...
    stored = every_stored_value()
    assert "signature.started" in stored  # ...and audited...
    for value in (WRONG, PASSPHRASE, TOTP):
        assert value not in logs  # ...without the secret
        assert value not in stored
        assert value.encode() not in files_text(media)
        for page in pages:
            assert value not in page
