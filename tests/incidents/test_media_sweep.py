"""Files of a transaction that rolled back or was killed never stay behind (issue 13 point 6):
a failing report deletes what it wrote; what an outer rollback or a killed process left is
found and removed by ``jaga media sweep`` (``jaga.web.media``) once it is an hour old."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from jaga.documents.models import Document
from jaga.incidents.models import Attachment, Incident
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.web.media import orphans, sweep
from tests.incidents.conftest import files_under, report, upload

pytestmark = pytest.mark.django_db

HOURS_AGO = dt.timedelta(hours=2)


def age(path: Path, by: dt.timedelta) -> None:
    """Set ``path``'s modification time ``by`` in the past."""
    when = (timezone.now() - by).timestamp()
    os.utime(path, (when, when))


def sweep_command(*args: str) -> str:
    out = StringIO()
    call_command("media", "sweep", *args, stdout=out)
    return out.getvalue()


class Rollback(Exception):
    pass


def test_a_report_rolled_back_by_its_caller_leaves_a_file_that_the_sweep_removes(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    def report_then_fail() -> None:
        with transaction.atomic():
            report(reporter, photos=[upload("a.jpg")])
            raise Rollback

    with pytest.raises(Rollback):
        report_then_fail()
    assert not Attachment.objects.exists()
    (left,) = files_under(media)  # written before the outer transaction rolled back
    age(left, dt.timedelta(0))  # written "now" by Jaga's clock, whatever the file system's
    assert orphans() == []  # too young: it could belong to a transaction still running
    later = timezone.now() + HOURS_AGO
    assert [orphan.name for orphan in sweep(now=later)] == [left.relative_to(media).as_posix()]
    assert files_under(media) == []


def test_the_sweep_lists_by_default_and_deletes_only_with_delete(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    kept = report(reporter, photos=[upload("kept.jpg")]).attachments.get()
    kept_path = media / kept.file.name
    killed = media / "attachments" / "1" / "2026" / "01" / ("f" * 32 + ".jpg")
    killed.parent.mkdir(parents=True)
    killed.write_bytes(b"written by a worker killed before its commit")
    fresh = media / "attachments" / "fresh.jpg"
    fresh.write_bytes(b"being written right now")
    age(fresh, dt.timedelta(0))  # now by Jaga's clock, whatever the file system's
    for path in (kept_path, killed):
        age(path, HOURS_AGO)

    listed = sweep_command()
    assert "attachments/1/2026/01/" + "f" * 32 + ".jpg 44 bytes" in listed
    assert "1 unreferenced file(s)" in listed
    assert "--delete" in listed
    assert killed.exists()

    deleted = sweep_command("--delete")
    assert "deleted 1 unreferenced file(s)" in deleted
    assert not killed.exists()
    assert kept_path.exists()
    assert fresh.exists()
    assert Incident.objects.get().attachments.get().file.name == kept.file.name


def test_the_sweep_keeps_files_that_only_an_issued_documents_content_names(
    agency_a: Agency, media: Path
) -> None:
    """An agency that changed its logo, a photo whose row is gone: a document issued
    before still prints them from its frozen content."""
    old_logo = media / "agencies" / "logos" / "lama.png"
    photo = media / "attachments" / "9" / "foto.jpg"
    for path in (old_logo, photo):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"image")
        age(path, HOURS_AGO)
    assert [orphan.name for orphan in orphans()] == [
        "agencies/logos/lama.png",
        "attachments/9/foto.jpg",
    ]
    now = timezone.now()
    Document.objects.create(
        agency=agency_a,
        document_type="berita_acara_pekerjaan",
        number="1/2026",
        year=now.year,
        sequence=1,
        title="Berita Acara Pekerjaan",
        issued_at=now,
        issued_on=now.date(),
        content={"kop": {"logo": "agencies/logos/lama.png"}, "photos": ["attachments/9/foto.jpg"]},
        token="t" * 32,
    )
    assert orphans() == []
    assert sweep() == []
