"""Collecting the static files only when they changed (``jaga run``).

``collectstatic`` with whitenoise's compressed manifest storage hashes and compresses every
file (gzip and Brotli) each time it runs: 15-30 s on a small machine, at every start of
``jaga run``. ``collect_static`` runs it only when the sources differ from what was
collected last: the fingerprint of every file the static finders list (its path, size and
modification time) and of the storage backend is kept in ``STATIC_ROOT/.sources`` after a
successful run, and a start whose fingerprint matches (with the manifest in place) skips the
work. A run cut short never writes the fingerprint, so the next start collects again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command

#: The fingerprint of the last complete collection, in ``STATIC_ROOT``.
FINGERPRINT_FILE = ".sources"


def sources_fingerprint() -> str:
    """A SHA-256 hex digest of the static sources: each listed file's path, size and
    modification time (nanoseconds), in path order, and the staticfiles backend."""
    digest = hashlib.sha256(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    entries: list[tuple[str, int, int]] = []
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = os.stat(storage.path(path))
            entries.append((path, stat.st_size, stat.st_mtime_ns))
    for path, size, mtime in sorted(entries):
        digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()


def collect_static() -> bool:
    """Run ``collectstatic`` into ``STATIC_ROOT`` unless the sources are unchanged since
    its last complete run. Returns True when it ran. Raises what ``collectstatic``
    raises."""
    root = Path(settings.STATIC_ROOT)
    marker = root / FINGERPRINT_FILE
    fingerprint = sources_fingerprint()
    try:
        kept = marker.read_text()
    except OSError:
        kept = ""
    # A manifest storage writes its manifest last: without it nothing usable is there.
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if kept == fingerprint and (manifest is None or (root / manifest).exists()):
        return False
    marker.unlink(missing_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(fingerprint)
    os.replace(temporary, marker)
    return True
