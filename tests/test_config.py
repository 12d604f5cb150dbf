import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from jaga import config


def test_it_reads_booleans_strictly_and_names_the_variable() -> None:
    assert config.env_bool("JAGA_DEBUG", False, {"JAGA_DEBUG": "Yes"}) is True
    assert config.env_bool("JAGA_DEBUG", True, {"JAGA_DEBUG": "off"}) is False
    assert config.env_bool("JAGA_DEBUG", True, {}) is True
    with pytest.raises(ImproperlyConfigured, match="JAGA_DEBUG"):
        config.env_bool("JAGA_DEBUG", False, {"JAGA_DEBUG": "maybe"})


def test_it_splits_allowed_hosts_on_commas() -> None:
    hosts = config.env_list(
        "JAGA_ALLOWED_HOSTS", [], {"JAGA_ALLOWED_HOSTS": " jaga.go.id, ,10.0.0.5 "}
    )
    assert hosts == ["jaga.go.id", "10.0.0.5"]


def test_it_rejects_an_unknown_time_zone() -> None:
    with pytest.raises(ImproperlyConfigured, match="JAGA_TIME_ZONE"):
        config.env_timezone("JAGA_TIME_ZONE", "Asia/Jakarta", {"JAGA_TIME_ZONE": "Asia/Bogor"})


def test_it_rejects_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="JAGA_SECRET_KEY"):
        config.secret_key(tmp_path, {"JAGA_SECRET_KEY": "short"})


def test_it_generates_a_secret_key_once_and_keeps_it(tmp_path: Path) -> None:
    first = config.secret_key(tmp_path, {})
    assert len(first) >= config.MIN_SECRET_KEY_LENGTH
    assert config.secret_key(tmp_path, {}) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_it_uses_sqlite_in_wal_mode_under_the_data_dir_by_default(tmp_path: Path) -> None:
    db = config.database(tmp_path, {})
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == tmp_path / "jaga.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_it_reads_postgresql_from_database_url(tmp_path: Path) -> None:
    db = config.database(tmp_path, {"DATABASE_URL": "postgres://jaga:pw@db.local:5433/jaga"})
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.local", 5433, "jaga", "jaga")


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/jaga", "postgres://user@host/", "nonsense"]
)
def test_it_rejects_an_unsupported_database_url(tmp_path: Path, url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        config.database(tmp_path, {"DATABASE_URL": url})


def test_it_rejects_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ImproperlyConfigured, match="JAGA_DATA_DIR"):
        config.data_dir({"JAGA_DATA_DIR": str(blocker / "sub")})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("JAGA_DEBUG", "sometimes"),
        ("DATABASE_URL", "mysql://root@localhost/jaga"),
        ("JAGA_SECRET_KEY", "tooshort"),
        ("JAGA_TASK_BACKEND", "celery"),
    ],
)
def test_it_stops_the_jaga_command_with_a_message_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update({"JAGA_DATA_DIR": str(tmp_path), variable: value})
    result = subprocess.run(
        [sys.executable, "-m", "jaga", "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.startswith("jaga: configuration error:")
    assert variable in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://jaga.example.go.id/", "https://jaga.example.go.id"),
        ("  http://10.0.0.5:8080  ", "http://10.0.0.5:8080"),
        ("http://jaga.local/sub/", "http://jaga.local/sub"),
    ],
)
def test_it_reads_the_public_url_without_its_trailing_slash(value: str, expected: str) -> None:
    assert config.env_url("JAGA_PUBLIC_URL", "http://x", {"JAGA_PUBLIC_URL": value}) == expected


def test_it_uses_the_default_public_url_when_unset() -> None:
    assert config.env_url("JAGA_PUBLIC_URL", "http://127.0.0.1:8000", {}) == (
        "http://127.0.0.1:8000"
    )


@pytest.mark.parametrize(
    "value", ["jaga.example.go.id", "ftp://jaga.example.go.id", "https://", "/verifikasi", ""]
)
def test_it_refuses_a_public_url_that_is_not_absolute_http(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="JAGA_PUBLIC_URL must be an absolute"):
        config.env_url("JAGA_PUBLIC_URL", "http://x", {"JAGA_PUBLIC_URL": value})


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("127.0.0.1:8123", ("http://127.0.0.1:8123", False)),
        ("jaga.local:80", ("http://jaga.local:80", False)),
        ("192.0.2.7", ("http://192.0.2.7:8000", False)),
        ("[::1]:8001", ("http://[::1]:8001", False)),
        ("0.0.0.0:8080", ("http://kominfo-srv:8080", True)),
        ("[::]:8080", ("http://kominfo-srv:8080", True)),
        (":9000", ("http://kominfo-srv:9000", True)),
        ("unix:/run/jaga.sock", None),
        ("127.0.0.1:http", None),
    ],
)
def test_it_derives_the_public_url_from_the_bind_address(
    bind: str, expected: tuple[str, bool] | None
) -> None:
    assert config.public_url_from_bind(bind, "kominfo-srv") == expected


# -- owner-only data (issue 13 point 3) ------------------------------------------------------


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_it_creates_the_data_dir_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = config.data_dir({"JAGA_DATA_DIR": str(tmp_path / "new" / "data")})
    assert mode(path) == 0o700


def test_it_makes_an_existing_open_data_dir_owner_only(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old").chmod(0o755)
    assert mode(config.data_dir({"JAGA_DATA_DIR": str(tmp_path / "old")})) == 0o700


def test_it_makes_an_existing_open_secret_key_file_owner_only(tmp_path: Path) -> None:
    key = tmp_path / "secret_key"
    key.write_text("k" * 50)
    key.chmod(0o644)
    assert config.secret_key(tmp_path, {}) == "k" * 50
    assert mode(key) == 0o600


def test_it_creates_the_sqlite_files_readable_by_their_owner_only(tmp_path: Path) -> None:
    import sqlite3

    db = config.database(tmp_path, {})
    path = Path(db["NAME"])
    assert mode(path) == 0o600
    previous = os.umask(0o022)
    try:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
        connection.close()
    finally:
        os.umask(previous)


def test_it_makes_existing_open_sqlite_files_owner_only(tmp_path: Path) -> None:
    files = [
        tmp_path / "jaga.sqlite3",
        tmp_path / "jaga.sqlite3-wal",
        tmp_path / "jaga.sqlite3-shm",
    ]
    for path in files:
        path.write_bytes(b"")
        path.chmod(0o644)
    config.database(tmp_path, {})
    assert [mode(path) for path in files] == [0o600, 0o600, 0o600]


def test_it_creates_a_sqlite_file_named_by_database_url_owner_only(tmp_path: Path) -> None:
    config.database(tmp_path, {"DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3"})
    assert mode(tmp_path / "other.sqlite3") == 0o600


@pytest.mark.parametrize(
    "value",
    ["redis://127.0.0.1:6379/0", "rediss://:pw@redis.local:6380/2", "unix:///run/redis.sock"],
)
def test_it_reads_a_redis_url(value: str) -> None:
    assert config.env_redis_url("JAGA_REDIS_URL", "redis://x", {"JAGA_REDIS_URL": value}) == value


def test_it_uses_the_default_redis_url_when_unset() -> None:
    assert config.env_redis_url("JAGA_REDIS_URL", "redis://127.0.0.1:6379/0", {}) == (
        "redis://127.0.0.1:6379/0"
    )


@pytest.mark.parametrize(
    "value", ["127.0.0.1:6379", "http://127.0.0.1:6379", "redis://", "redis://host/db1", ""]
)
def test_it_refuses_a_redis_url_redis_cannot_read(value: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="JAGA_REDIS_URL must be a Redis URL"):
        config.env_redis_url("JAGA_REDIS_URL", "redis://x", {"JAGA_REDIS_URL": value})
