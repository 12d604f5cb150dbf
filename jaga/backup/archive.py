"""The backup archive: a gzip'd tar of ``manifest.json``, the database (``database/``), the
secret key (``secret_key``) and the media files (``media/…``) (issue 13 point 10).

The manifest (JSON) holds ``format`` (``FORMAT``), ``jaga`` and ``django`` (versions),
``database`` (``{"vendor", "version", "file"}``), ``migrations`` (``{app: [applied
migration names, sorted]}``), ``created_at`` (ISO 8601, UTC) and ``files`` (``[{"path",
"size" (bytes), "sha256"}]``, every other member of the archive). Reading checks every
member against it before anything is used."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST = "manifest.json"
#: The version of the archive layout.
FORMAT = 1
#: The largest manifest read, in bytes.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


class ArchiveError(Exception):
    """An archive that is not a Jaga backup or fails its checks (the message says which)."""


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the archive: ``path`` inside it, ``size`` in bytes, its ``sha256``."""

    path: str
    size: int
    sha256: str


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at ``path``, hexadecimal."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def write(target: Path, manifest: dict[str, Any], files: dict[str, Path]) -> None:
    """Write the archive ``target`` (tar, gzip) with ``files`` (archive path -> file on
    disk) and ``manifest`` completed with their ``files`` list. Raises ``OSError``."""
    members = [
        Member(name, source.stat().st_size, sha256_of(source)) for name, source in files.items()
    ]
    manifest = {**manifest, "files": [asdict(member) for member in members]}
    data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    with tarfile.open(target, "w:gz") as archive:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o600
        archive.addfile(info, io.BytesIO(data))
        for name, source in files.items():
            archive.add(source, arcname=name, recursive=False)


def _safe(name: str) -> bool:
    """Whether ``name`` is a relative archive path without ``..`` or odd parts."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def extract(source: Path, staging: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """Unpack the archive ``source`` into the empty directory ``staging`` and check it
    against its manifest: every member a regular file with a safe relative path, listed in
    the manifest with the same size and SHA-256, and every listed file present. Returns the
    manifest and the files (archive path -> unpacked file). Raises ``ArchiveError``."""
    found: dict[str, Path] = {}
    manifest: Any = None
    try:
        with tarfile.open(source, "r:gz") as tar:
            for info in tar:
                if not info.isfile() or not _safe(info.name) or info.name in found:
                    raise ArchiveError(f"unexpected member {info.name!r} in the archive")
                handle = tar.extractfile(info)
                if handle is None:
                    raise ArchiveError(f"cannot read {info.name!r}")
                if info.name == MANIFEST:
                    if info.size > MAX_MANIFEST_BYTES:
                        raise ArchiveError("the manifest is too large")
                    manifest = json.loads(handle.read())
                    continue
                target = staging / "files" / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as out:
                    shutil.copyfileobj(handle, out, 1024 * 1024)
                found[info.name] = target
    except (tarfile.TarError, OSError, EOFError, ValueError, RecursionError) as exc:
        raise ArchiveError(f"{source.name} is not an intact Jaga backup: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("the archive has no manifest of a Jaga backup this version reads")
    listed = manifest.get("files")
    if not isinstance(listed, list):
        raise ArchiveError("the manifest lists no files")
    expected: dict[str, tuple[Any, Any]] = {}
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise ArchiveError("the manifest's file list is malformed")
        expected[entry["path"]] = (entry.get("size"), entry.get("sha256"))
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            raise ArchiveError(f"{name} is listed in the manifest but missing from the archive")
        if name not in expected:
            raise ArchiveError(f"{name} is in the archive but not in the manifest")
        size, digest = expected[name]
        if found[name].stat().st_size != size or sha256_of(found[name]) != digest:
            raise ArchiveError(f"{name} does not match its checksum in the manifest")
    return manifest, found
