"""The restore drill (issue 13 point 10): an agency's finished case with its issued and
archived documents and a report photo is backed up with ``jaga backup --encrypt``, its media
wiped, and restored with ``jaga restore`` into a new, empty data directory and database (a
``jaga`` process of its own); there ``jaga audit verify`` passes, every archived PDF
downloads byte-identical and its verification page knows it.

The drill runs on the database of the run: on SQLite into a new SQLite file, on PostgreSQL
into a database ``jaga_restore_<random>`` created (and dropped) on the same server.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from PIL import Image
from pytest_django.fixtures import Settings

from jaga.documents.models import Document
from jaga.documents.services import pdf_bytes
from jaga.incidents.models import Attachment, Incident
from jaga.notifications.push import application_server_key, key_path
from jaga.tenancy.models import Agency
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import BOLMUT_REPLACED

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "kunci-cadangan-yang-panjang"

#: Run in the restored Jaga: download each document as one of its case's people and open
#: its verification page; prints {pk: {"sha256", "verify", "match"}} as JSON.
PROBE = """
import hashlib, json, sys
import django
django.setup()
from django.conf import settings
settings.STORAGES = {  # pages render without collectstatic, as in tests/conftest.py
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from jaga.org.models import User
setup_test_environment()
wanted = json.loads(sys.argv[1])
client = Client()
client.force_login(User.objects.get(username="bolmut.dinkes"))
public = Client()
out = {}
for pk, token in wanted.items():
    got = client.get(reverse("documents:download", args=[int(pk)]))
    data = b"".join(got.streaming_content) if got.streaming else got.content
    page = public.get(reverse("verify", args=[token]))
    from django.core.files.uploadedfile import SimpleUploadedFile
    upload = SimpleUploadedFile("copy.pdf", data, content_type="application/pdf")
    match = public.post(reverse("verify", args=[token]), {"file": upload}).content.decode()
    out[pk] = {
        "status": got.status_code,
        "sha256": hashlib.sha256(data).hexdigest(),
        "verify": page.status_code,
        "page": page.content.decode(),
        "match": 'id="match"' in match,
    }
print(json.dumps(out))
"""


def jaga(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m jaga argv`` with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "jaga", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def target_url(tmp_path: Path) -> Iterator[str]:
    """The ``DATABASE_URL`` of a new, empty database of the run's kind."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'jaga.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"jaga_restore_{secrets.token_hex(6)}"
    params: dict[str, Any] = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    try:
        yield f"postgres://{user}{password}@{host}{port}/{name}"
    finally:
        with psycopg.connect(**params, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_photo(document: Document) -> Attachment:
    """A report photo on the case of ``document``."""
    case = document.case
    assert case is not None
    assert case.opd is not None
    assert case.reporter is not None
    incident = Incident.objects.create(
        agency=case.agency,
        case=case,
        opd=case.opd,
        reporter=case.reporter,
        location="Ruang server",
        problem="Switch mati",
        since=case.started_at,
        contact_name="Nurlela",
        contact_phone="0812 0000 0000",
    )
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, format="PNG")
    photo = Attachment(
        agency=case.agency,
        incident=incident,
        original_name="switch.png",
        content_type="image/png",
        size=len(buffer.getvalue()),
        uploaded_by=case.reporter,
    )
    photo.file.save("switch.png", ContentFile(buffer.getvalue()))
    return photo


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_verifies_and_serves_every_archived_pdf_byte_identical(
    settings: Settings, tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo", "--quiet")
    case = run(BOLMUT_REPLACED)
    documents = list(Document.objects.filter(case=case).order_by("pk"))
    assert len(documents) >= 5
    issued = {str(d.pk): hashlib.sha256(pdf_bytes(d)).hexdigest() for d in documents}
    photo = add_photo(documents[0])
    photo_bytes = Path(photo.file.path).read_bytes()
    assert Agency.objects.filter(slug="bolmut").exists()
    settings.DATA_DIR = tmp_path / "source-data"
    application_server_key()  # makes the Web Push key in the data directory
    vapid = key_path().read_bytes()

    archive = tmp_path / "jaga-backup.tar.gz.enc"
    monkeypatch.setenv("JAGA_BACKUP_PASSPHRASE", PASSPHRASE)
    call_command("backup", str(archive), "--encrypt")
    assert archive.stat().st_mode & 0o077 == 0
    media_files = sum(1 for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())
    assert media_files >= len(issued) + 1  # the case's PDFs and the photo, besides the demo's
    shutil.rmtree(settings.MEDIA_ROOT)  # the wipe

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"JAGA_MEDIA_DIR", "JAGA_SECRET_KEY", "DATABASE_URL"}
    }
    env |= {
        "JAGA_DATA_DIR": str(tmp_path / "restored"),
        "DATABASE_URL": target_url,
        "JAGA_BACKUP_PASSPHRASE": PASSPHRASE,
        "JAGA_TASK_BACKEND": "immediate",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "jaga.settings",
    }
    restored = jaga(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert f"{media_files} berkas media" in restored.stdout  # Indonesian, the default
    audit = jaga(env, "audit", "verify")
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith("ok: ")
    restored_photo = tmp_path / "restored" / "media" / photo.file.name
    assert restored_photo.read_bytes() == photo_bytes

    tokens = {str(d.pk): d.token for d in documents}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(tokens)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr
    served = json.loads(probe.stdout.strip().splitlines()[-1])
    for document in documents:
        got = served[str(document.pk)]
        assert got["status"] == 200
        assert got["sha256"] == issued[str(document.pk)] == document.sha256
        assert got["verify"] == 200
        assert document.number in got["page"]
        assert document.sha256 in got["page"]
        assert got["match"]
    secret = (tmp_path / "restored" / "secret_key").read_text().strip()
    assert secret == settings.SECRET_KEY
    restored_key = tmp_path / "restored" / "vapid" / "private_key.pem"
    assert restored_key.read_bytes() == vapid  # phones keep their subscriptions
    assert restored_key.stat().st_mode & 0o777 == 0o600
