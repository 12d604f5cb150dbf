"""Reading Jaga's settings from environment variables.

Every reader raises ``django.core.exceptions.ImproperlyConfigured`` with a message that
names the variable and says what it accepts, so a wrong setting stops start-up with a
clear message (``jaga`` prints it and exits 2).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
MIN_SECRET_KEY_LENGTH = 32


def env_str(name: str, default: str, env: Mapping[str, str] = os.environ) -> str:
    """The variable's value stripped of surrounding blanks, or ``default`` if unset."""
    return env.get(name, default).strip()


def env_url(name: str, default: str, env: Mapping[str, str] = os.environ) -> str:
    """An absolute ``http://`` or ``https://`` URL without a trailing slash; raises
    ImproperlyConfigured for anything else."""
    from urllib.parse import urlsplit

    value = env_str(name, default, env).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http:// or https:// URL such as "
            f"https://jaga.example.go.id, not {value!r}"
        )
    return value


def env_redis_url(name: str, default: str, env: Mapping[str, str] = os.environ) -> str:
    """A Redis URL as redis-py reads it: ``redis://[user:password@]host[:port][/db]``,
    ``rediss://`` (TLS) or ``unix:///path/to/socket[?db=N]``; raises ImproperlyConfigured
    naming the variable for another scheme, a missing host or socket path, or a database
    number that is not a whole number."""
    from urllib.parse import urlsplit

    value = env_str(name, default, env)
    parts = urlsplit(value)
    where = parts.path if parts.scheme == "unix" else parts.hostname
    database = parts.path.strip("/") if parts.scheme in ("redis", "rediss") else ""
    if (
        parts.scheme not in ("redis", "rediss", "unix")
        or not where
        or (database and not database.isdigit())
    ):
        raise ImproperlyConfigured(
            f"{name} must be a Redis URL such as redis://127.0.0.1:6379/0 "
            f"(rediss:// for TLS, unix:///run/redis/redis.sock), not {value!r}"
        )
    return value


#: Hosts meaning "every address" in a bind: no one reaches the server at them.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
#: gunicorn's port when a bind names only a host.
DEFAULT_BIND_PORT = 8000


def public_url_from_bind(bind: str, hostname: str) -> tuple[str, bool] | None:
    """The public URL (``http://host:port``, no trailing slash) of a server listening on
    gunicorn's ``bind`` (``HOST:PORT``, ``HOST``, ``[IPv6]:PORT``), and whether the host was
    guessed: a wildcard host (``0.0.0.0``, ``::``) is replaced by ``hostname`` (the
    machine's name, a guess worth a note). None for binds without an address that a
    browser could open (``unix:PATH``, ``fd://N``).

    Used by ``jaga run`` to default ``JAGA_PUBLIC_URL`` so that documents' QR codes and
    footers point at the server that issued them (issue 13 point 11)."""
    bind = bind.strip()
    if bind.startswith(("unix:", "fd://")) or "/" in bind:
        return None
    if bind.startswith("["):
        host, _, rest = bind.partition("]")
        host += "]"
        port = rest.removeprefix(":")
    elif bind.count(":") == 1:
        host, _, port = bind.partition(":")
    elif ":" in bind:  # a bare IPv6 address, without port
        host, port = f"[{bind}]", ""
    else:
        host, port = bind, ""
    if port and not port.isdigit():
        return None
    guessed = host in WILDCARD_HOSTS
    if guessed:
        host = hostname
    return f"http://{host}:{port or DEFAULT_BIND_PORT}", guessed


def env_bool(name: str, default: bool, env: Mapping[str, str] = os.environ) -> bool:
    """``1/true/yes/on`` or ``0/false/no/off`` (any case); raises ImproperlyConfigured
    for anything else."""
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/true/yes/on or 0/false/no/off, not {value!r}."
    )


def env_int(name: str, default: int, env: Mapping[str, str] = os.environ, minimum: int = 0) -> int:
    """A whole number not below ``minimum``; raises ImproperlyConfigured otherwise."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str], env: Mapping[str, str] = os.environ) -> list[str]:
    """A comma-separated list; blanks around items are dropped, empty items ignored."""
    if name not in env:
        return default
    return [item.strip() for item in env[name].split(",") if item.strip()]


def env_choice(
    name: str, default: str, choices: tuple[str, ...], env: Mapping[str, str] = os.environ
) -> str:
    """One of ``choices`` (case-insensitive); raises ImproperlyConfigured otherwise."""
    value = env_str(name, default, env).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_timezone(name: str, default: str, env: Mapping[str, str] = os.environ) -> str:
    """An IANA time-zone name known to zoneinfo (e.g. ``Asia/Jakarta``)."""
    value = env_str(name, default, env)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as Asia/Jakarta, not {value!r}."
        ) from None
    return value


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """``JAGA_DATA_DIR`` (default ``./data``), created if missing and kept readable by its
    owner only (mode 0700, issue 13 point 3: it holds the database, the secret key and the
    uploaded photos); raises ImproperlyConfigured if it exists as a file or cannot be
    created."""
    path = Path(env_str("JAGA_DATA_DIR", "data", env) or "data").expanduser().resolve()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"JAGA_DATA_DIR: cannot use {path}: {exc.strerror}.") from None
    if not os.access(path, os.W_OK):
        raise ImproperlyConfigured(f"JAGA_DATA_DIR: {path} is not writable.")
    owner_only(path, 0o700)
    return path


def owner_only(path: Path, mode: int) -> None:
    """Give ``path`` ``mode`` (0700 for a directory, 0600 for a file) if it is ours and
    anyone else may read or write it; a path that is missing, already private, or another
    user's is left alone (issue 13 point 3: Jaga's data readable by its owner only)."""
    try:
        status = path.stat()
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            path.chmod(mode)
    except OSError:
        pass


def secret_key(data: Path, env: Mapping[str, str] = os.environ) -> str:
    """``JAGA_SECRET_KEY`` if set (at least 32 characters); otherwise a key generated once
    and kept in ``<data dir>/secret_key`` (mode 0600), so a fresh install starts without
    configuration and sessions survive restarts."""
    if "JAGA_SECRET_KEY" in env:
        value = env["JAGA_SECRET_KEY"].strip()
        if len(value) < MIN_SECRET_KEY_LENGTH:
            raise ImproperlyConfigured(
                f"JAGA_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long."
            )
        return value
    key_file = data / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    owner_only(key_file, 0o600)
    return key_file.read_text().strip()


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite database file ``path`` empty with mode 0600 if it is missing, and
    make an existing one (and its ``-wal``/``-shm`` files) 0600 (issue 13 point 3). SQLite
    gives the ``-wal`` and ``-shm`` files it creates the database file's mode, so they are
    owner-only too. Errors are left for SQLite to report when it opens the file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return
    else:
        os.close(fd)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        owner_only(name, 0o600)


def database(data: Path, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The default database: PostgreSQL from ``DATABASE_URL`` (``postgres://…``), else
    SQLite at ``<data dir>/jaga.sqlite3`` (tests: ``test-<pid>.sqlite3``) in WAL mode with
    immediate transactions (so concurrent writers wait instead of failing); a SQLite file is
    created owner-only (``private_sqlite_file``). Other URL schemes raise
    ImproperlyConfigured naming ``DATABASE_URL``."""
    url = env_str("DATABASE_URL", "", env)
    if not url:
        private_sqlite_file(data / "jaga.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": data / "jaga.sqlite3",
            # Tests use a file too, so that the processes a test starts (`jaga monitor` in a
            # network namespace) see its database; one per test process.
            "TEST": {"NAME": str(data / f"test-{os.getpid()}.sqlite3")},
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}.") from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        if config.get("NAME") and config["NAME"] != ":memory:":
            private_sqlite_file(Path(config["NAME"]))
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        return config
    if engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// (or sqlite:///) URL; Jaga supports "
            "PostgreSQL 15+ and SQLite."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL must name a database: postgres://user@host/NAME.")
    return config
