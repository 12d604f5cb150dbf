"""What ``jaga backup`` writes and what ``jaga restore`` refuses (issue 13 point 10): the
manifest, the encryption, and every check a restore makes before it writes anything (a
changed byte, a wrong passphrase, another database vendor, a newer Jaga, a data directory
or database that is not empty)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import django
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django.fixtures import Settings

import jaga
from jaga.backup import crypto, database
from jaga.backup.archive import sha256_of
from jaga.backup.services import BackupError, backup, restore

pytestmark = pytest.mark.django_db

PHOTO = b"\x89PNG fake photo bytes"


@pytest.fixture
def site(settings: Settings, tmp_path: Path) -> Path:
    """A Jaga whose media hold one photo; its data directory is empty but for the key."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "media" / "incidents").mkdir(parents=True)
    (tmp_path / "media" / "incidents" / "foto.png").write_bytes(PHOTO)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("generated-at-first-start")
    return tmp_path


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {
            info.name: handle.read()
            for info in tar
            if (handle := tar.extractfile(info)) is not None
        }


def rewrite(path: Path, changed: dict[str, bytes]) -> None:
    """Write the archive ``path`` again with the members in ``changed`` replaced."""
    content = members(path) | changed
    with tarfile.open(path, "w:gz") as tar:
        for name, data in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def written_nothing(site: Path) -> bool:
    media = site / "media"
    data = site / "data"
    return (not media.exists() or not any(media.rglob("*"))) and [
        p.name for p in data.iterdir()
    ] == ["secret_key"]


@pytest.fixture
def archive(site: Path) -> Path:
    """A backup of the site, its media then wiped (the restore's empty target)."""
    target = site / "backup.tar.gz"
    backup(target)
    (site / "media" / "incidents" / "foto.png").unlink()
    (site / "media" / "incidents").rmdir()
    return target


def test_the_manifest_lists_versions_database_migrations_and_checksums(
    site: Path, settings: Settings
) -> None:
    target = site / "backup.tar.gz"
    summary = backup(target)
    assert (summary.files, summary.bytes) == (1, len(PHOTO))
    content = members(target)
    manifest = json.loads(content["manifest.json"])
    assert manifest["jaga"] == jaga.__version__
    assert manifest["django"] == django.get_version()
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["version"] == database.server_version()
    assert "0002_agent_batches_applied_once" in manifest["migrations"]["monitoring"]
    assert manifest["created_at"].endswith("+00:00")
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == {manifest["database"]["file"], "secret_key", "media/incidents/foto.png"}
    assert content["secret_key"].decode() == settings.SECRET_KEY
    for name, entry in files.items():
        assert entry["size"] == len(content[name])
    assert files["media/incidents/foto.png"]["sha256"] == sha256_of(
        site / "media" / "incidents" / "foto.png"
    )
    assert target.stat().st_mode & 0o077 == 0


def test_it_refuses_to_overwrite_a_file(site: Path) -> None:
    (site / "old.tar.gz").write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists already"):
        backup(site / "old.tar.gz")
    assert (site / "old.tar.gz").read_bytes() == b"keep me"


def test_it_refuses_a_changed_byte_and_writes_nothing(archive: Path, site: Path) -> None:
    rewrite(archive, {"media/incidents/foto.png": PHOTO[:-1] + b"!"})
    with pytest.raises(BackupError, match=r"foto\.png does not match its checksum"):
        restore(archive)
    assert written_nothing(site)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"extra.txt": b"x"}, "not in the manifest"),
        ({"../evil": b"x"}, "unexpected member"),
    ],
)
def test_it_refuses_a_member_the_manifest_does_not_list(
    archive: Path, site: Path, change: dict[str, bytes], message: str
) -> None:
    rewrite(archive, change)
    with pytest.raises(BackupError, match=message):
        restore(archive)
    assert written_nothing(site)


def test_it_refuses_a_backup_of_another_database_or_a_newer_jaga(archive: Path, site: Path) -> None:
    manifest = json.loads(members(archive)["manifest.json"])
    other = manifest | {"database": manifest["database"] | {"vendor": "oracle"}}
    rewrite(archive, {"manifest.json": json.dumps(other).encode()})
    with pytest.raises(BackupError, match="holds a oracle database"):
        restore(archive)
    newer = manifest | {"migrations": {"monitoring": ["9999_from_the_future"]}}
    rewrite(archive, {"manifest.json": json.dumps(newer).encode()})
    with pytest.raises(BackupError, match="made by a newer Jaga"):
        restore(archive)
    assert written_nothing(site)


def test_it_refuses_a_data_directory_or_a_database_that_is_not_empty(
    archive: Path, site: Path
) -> None:
    (site / "data" / "notes.txt").write_text("someone's data")
    with pytest.raises(BackupError, match="empty data directory") as refused:
        restore(archive)
    assert "notes.txt" in str(refused.value)
    assert "has tables" in str(refused.value)  # the test database
    assert not (site / "media").exists() or not any((site / "media").rglob("*"))


def test_it_refuses_a_wrong_passphrase_and_writes_nothing(site: Path) -> None:
    target = site / "backup.enc"
    backup(target, "the right passphrase")
    (site / "media" / "incidents" / "foto.png").unlink()
    with pytest.raises(BackupError, match="wrong passphrase"):
        restore(target, "a wrong passphrase")
    with pytest.raises(BackupError, match="encrypted: give its passphrase"):
        restore(target)
    assert not (site / "media" / "incidents" / "foto.png").exists()
    assert [p.name for p in (site / "data").iterdir()] == ["secret_key"]


def test_the_command_takes_the_passphrase_from_the_environment_only(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JAGA_BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(CommandError, match="JAGA_BACKUP_PASSPHRASE"):
        call_command("backup", str(site / "a.enc"), "--encrypt")  # stdin is no terminal
    monkeypatch.setenv("JAGA_BACKUP_PASSPHRASE", "short")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("backup", str(site / "a.enc"), "--encrypt")
    assert not (site / "a.enc").exists()
    with pytest.raises(CommandError, match="unrecognized arguments"):
        call_command("backup", str(site / "a.enc"), "--passphrase", "x" * 20)
    assert not list(site.glob("*.enc*"))


def test_it_names_the_debian_package_when_pg_dump_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(database.DatabaseError, match="install Debian's postgresql-client"):
        database._tool("pg_dump")


# -- encryption ----------------------------------------------------------------------------


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(crypto, "CHUNK", 1000)
    return 1000


def sealed(data: bytes, passphrase: str = "rahasia") -> bytes:
    out = io.BytesIO()
    crypto.encrypt(io.BytesIO(data), out, passphrase)
    return out.getvalue()


def opened(data: bytes, passphrase: str = "rahasia") -> bytes:
    out = io.BytesIO()
    crypto.decrypt(io.BytesIO(data), out, passphrase)
    return out.getvalue()


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize("size", [0, 1, 999, 1000, 1001, 3500])
def test_encryption_round_trips_any_size(small_chunks: int, size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    box = sealed(data)
    assert data[:32] not in box or size < 32
    assert opened(box) == data


@pytest.mark.django_db(databases=[])
def test_decryption_refuses_a_changed_cut_or_reordered_archive(small_chunks: int) -> None:
    box = sealed(b"x" * 3500)
    header, step = 32, 4 + 1000 + 16
    flipped = bytearray(box)
    flipped[header + 100] ^= 1
    cut = box[: header + 3 * step]  # the last chunk dropped
    first, second = box[header : header + step], box[header + step : header + 2 * step]
    swapped = box[:header] + second + first + box[header + 2 * step :]
    for bad in (bytes(flipped), cut, swapped, box + b"more"):
        with pytest.raises(crypto.DecryptionError):
            opened(bad)
    with pytest.raises(crypto.DecryptionError, match="wrong passphrase"):
        opened(box, "salah")
