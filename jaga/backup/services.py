"""``backup`` and ``restore`` of a whole Jaga (issue 13 point 10; README, "Backup and
restore"): the database, the media files (archived PDFs, report photos, logos), the secret
key, the Web Push key when there is one, and a manifest in one archive
(``jaga.backup.archive``), optionally encrypted with a passphrase (``jaga.backup.crypto``).

A restore goes into an empty data directory and an empty database only, and checks
everything before it writes anything: the archive decrypts, every file matches its
SHA-256 in the manifest, the database vendor is the one configured, this Jaga knows every
migration the backup applied, and the targets are empty."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

import jaga
from jaga.backup import archive, crypto, database
from jaga.notifications.push import key_path

#: The secret key's file in the data directory (``jaga.config.secret_key``): a fresh data
#: directory holds one, generated when the settings were first read.
SECRET_KEY_FILE = "secret_key"
#: The Web Push (VAPID) private key's place in the archive (``jaga.notifications.push``).
VAPID_KEY_FILE = "vapid/private_key.pem"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, and nothing was
    written (a restore) or no archive was left behind (a backup)."""


@dataclass(slots=True)
class Summary:
    """What a backup or restore did: ``files`` media files and their ``bytes``, the
    database ``vendor``, ``encrypted``, and ``notes`` for the operator."""

    files: int = 0
    bytes: int = 0
    vendor: str = ""
    encrypted: bool = False
    notes: list[str] = field(default_factory=list)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files() -> list[Path]:
    root = _media_root()
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def manifest() -> dict[str, Any]:
    """The manifest of a backup taken now, without its file list (``archive``)."""
    vendor = database.vendor()
    return {
        "format": archive.FORMAT,
        "jaga": jaga.__version__,
        "django": django.get_version(),
        "database": {
            "vendor": vendor,
            "version": database.server_version(),
            "file": database.DUMP_NAMES[vendor],
        },
        "migrations": _migrations(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def backup(target: Path, passphrase: str | None = None) -> Summary:
    """Write a backup of this Jaga to ``target`` (a new file, mode 0600: it holds the
    secret key), encrypted when ``passphrase`` is given. Raises ``BackupError`` (an
    existing ``target``, a database that cannot be dumped, a disk error); a failed backup
    leaves no file behind."""
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f"{target} exists already; give a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    summary = Summary(vendor=database.vendor(), encrypted=bool(passphrase))
    with tempfile.TemporaryDirectory(prefix="jaga-backup-") as work:
        staging = Path(work)
        dump = staging / "database"
        key = staging / SECRET_KEY_FILE
        try:
            # The database first, the media after: an archived PDF is stored before its row
            # records it, so every document in the dump finds its file in the archive.
            database.dump(dump)
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(settings.SECRET_KEY)
            files = {database.DUMP_NAMES[summary.vendor]: dump, SECRET_KEY_FILE: key}
            if key_path().is_file():  # the Web Push key: without it every phone re-subscribes
                files[VAPID_KEY_FILE] = key_path()
            root = _media_root()
            for path in _media_files():
                files["media/" + path.relative_to(root).as_posix()] = path
                summary.files += 1
                summary.bytes += path.stat().st_size
            plain = staging / "backup.tar.gz"
            archive.write(plain, manifest(), files)
            _publish(plain, target, passphrase)
        except database.DatabaseError as exc:
            raise BackupError(str(exc)) from None
        except OSError as exc:
            raise BackupError(f"cannot write the backup: {exc}") from None
    return summary


def _publish(plain: Path, target: Path, passphrase: str | None) -> None:
    """Move (or encrypt) ``plain`` to ``target`` through a temporary file in its directory,
    mode 0600."""
    temporary = target.with_name(f".{target.name}.partial")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, plain.open("rb") as source:
            if passphrase:
                crypto.encrypt(source, out, passphrase)
            else:
                shutil.copyfileobj(source, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _not_empty(source: Path) -> list[str]:
    """What in the data directory, the media directory or the database makes them not
    empty (``source``, the archive itself, may lie there)."""
    found: list[str] = []
    data = Path(settings.DATA_DIR).resolve()
    allowed = {source, data / SECRET_KEY_FILE, key_path().resolve()}
    if database.vendor() == "sqlite":  # its emptiness is checked below
        name = Path(str(connection.settings_dict["NAME"])).resolve()
        allowed |= {name.with_name(name.name + suffix) for suffix in ("", "-wal", "-shm")}
    for path in sorted(data.rglob("*")) if data.is_dir() else []:
        if path.is_file() and path.resolve() not in allowed:
            found.append(str(path))
    media = _media_root()
    if media.is_dir() and not media.resolve().is_relative_to(data.resolve()):
        found += [str(path) for path in sorted(media.rglob("*")) if path.is_file()]
    if not database.is_empty():
        found.append(f"the database {connection.settings_dict['NAME']} has tables")
    return found


def _check_compatible(info: dict[str, Any]) -> None:
    """Refuse a backup of another database vendor or with migrations this Jaga lacks."""
    db = info.get("database")
    vendor = db.get("vendor") if isinstance(db, dict) else None
    if vendor != database.vendor():
        raise BackupError(
            f"the backup holds a {vendor} database but this Jaga is configured for "
            f"{database.vendor()}; restore it with the same kind of database"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    applied = info.get("migrations")
    if not isinstance(applied, dict):
        raise BackupError("the manifest has no migration state")
    unknown = [
        f"{app}.{name}"
        for app, names in applied.items()
        for name in (names if isinstance(names, list) else [])
        if (app, name) not in known and app in {a for a, _ in known}
    ]
    if unknown:
        raise BackupError(
            f"the backup was made by a newer Jaga ({info.get('jaga')}): this one lacks the "
            f"migrations {', '.join(unknown[:5])}; install Jaga {info.get('jaga')} or newer"
        )


def restore(source: Path, passphrase: str | None = None) -> Summary:
    """Restore the backup ``source`` into this Jaga's empty data directory, media
    directory and database (module docstring). ``passphrase`` is needed for an encrypted
    backup. Raises ``BackupError``; when it does, nothing was written."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with tempfile.TemporaryDirectory(prefix="jaga-restore-") as work:
        staging = Path(work)
        plain, encrypted = source, crypto.is_encrypted(source)
        if encrypted:
            if not passphrase:
                raise BackupError("the backup is encrypted: give its passphrase")
            plain = staging / "backup.tar.gz"
            try:
                with source.open("rb") as handle, plain.open("wb") as out:
                    crypto.decrypt(handle, out, passphrase)
            except crypto.DecryptionError as exc:
                raise BackupError(str(exc)) from None
        try:
            info, files = archive.extract(plain, staging)
        except archive.ArchiveError as exc:
            raise BackupError(str(exc)) from None
        _check_compatible(info)
        dump_name = info["database"].get("file")
        if dump_name not in files or SECRET_KEY_FILE not in files:
            raise BackupError("the archive lacks the database or the secret key")
        occupied = _not_empty(source)
        if occupied:
            raise BackupError(
                "restore needs an empty data directory and an empty database; found: "
                + "; ".join(occupied[:5])
            )
        summary = Summary(vendor=info["database"]["vendor"], encrypted=encrypted)
        try:
            database.load(files[dump_name])
        except database.DatabaseError as exc:
            raise BackupError(str(exc)) from None
        media = _media_root()
        for name, path in files.items():
            if name.startswith("media/"):
                destination = media / name.removeprefix("media/")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)
                summary.files += 1
                summary.bytes += path.stat().st_size
        if VAPID_KEY_FILE in files:
            vapid = key_path()
            vapid.parent.mkdir(parents=True, exist_ok=True)
            vapid.unlink(missing_ok=True)
            fd = os.open(vapid, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(files[VAPID_KEY_FILE].read_bytes())
        key = files[SECRET_KEY_FILE].read_text().strip()
        key_file = Path(settings.DATA_DIR) / SECRET_KEY_FILE
        key_file.unlink(missing_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        if os.environ.get("JAGA_SECRET_KEY", "").strip() not in ("", key):
            summary.notes.append(
                "JAGA_SECRET_KEY is set and differs from the restored key (in "
                f"{key_file}): set it to the restored key, or unset it"
            )
    return summary
