"""Files under MEDIA_ROOT that no row references: what a killed process or a rolled-back
transaction left behind (issue 13 point 6).

Jaga writes an uploaded file before the row that names it commits (the row needs its
path, and a row must never name a missing file). A service that fails deletes what it
wrote (``jaga.incidents.services.report_disruption``); a process killed in between, or an
outer transaction rolled back after the service returned, leaves a file no row names.
``orphans`` finds them, ``sweep`` deletes them; ``jaga media sweep`` runs it.

A file is referenced when any ``FileField`` of any installed model names it (report photos,
archived PDFs, agency logos), or when the frozen content of an issued document names it
(``Document.content``: the letterhead's ``logo`` and the annex's ``photos``, kept even after
an agency changes its logo, because a document not yet rendered still prints them). Only
files last modified more than ``older_than`` ago are candidates, so a transaction still
running is never swept (one hour by default: no Jaga transaction lasts that long).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

#: Default age below which a file is never swept.
DEFAULT_OLDER_THAN = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Orphan:
    """A file no row references: its name relative to MEDIA_ROOT (``/``-separated), its
    size in bytes and its modification time (aware, UTC)."""

    name: str
    size: int
    modified: dt.datetime


def referenced_names() -> set[str]:
    """Every media name (relative to MEDIA_ROOT) some row references; see the module's
    docstring."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                values = (
                    model._default_manager.exclude(**{field.attname: ""})
                    .values_list(field.attname, flat=True)
                    .iterator(chunk_size=2000)
                )
                names.update(str(value) for value in values if value)
    names.update(_document_content_names())
    return names


def _document_content_names() -> Iterator[str]:
    from jaga.documents.models import Document

    for content in Document.objects.values_list("content", flat=True).iterator(chunk_size=500):
        if not isinstance(content, dict):
            continue
        kop = content.get("kop")
        if isinstance(kop, dict) and kop.get("logo"):
            yield str(kop["logo"])
        yield from (str(name) for name in content.get("photos") or () if name)


def orphans(
    *, older_than: dt.timedelta = DEFAULT_OLDER_THAN, now: dt.datetime | None = None
) -> list[Orphan]:
    """The files under MEDIA_ROOT that no row references and that were last modified
    before ``now - older_than``, sorted by name. Nothing is deleted."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    cutoff = (now or timezone.now()) - older_than
    referenced = referenced_names()
    found = []
    for path in root.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name in referenced:
            continue
        stat = path.stat()
        modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
        if modified < cutoff:
            found.append(Orphan(name, stat.st_size, modified))
    return sorted(found, key=lambda orphan: orphan.name)


def sweep(
    *, older_than: dt.timedelta = DEFAULT_OLDER_THAN, now: dt.datetime | None = None
) -> list[Orphan]:
    """Delete the files ``orphans`` finds and return them. A file that a row came to
    reference since the list was made (checked again just before deleting) is kept."""
    found = orphans(older_than=older_than, now=now)
    if not found:
        return []
    referenced = referenced_names()
    root = Path(settings.MEDIA_ROOT)
    deleted = []
    for orphan in found:
        if orphan.name in referenced:
            continue
        (root / orphan.name).unlink(missing_ok=True)
        deleted.append(orphan)
    return deleted
