"""Copying the database in and out of a backup (issue 13 point 10): SQLite through its
online backup API (``sqlite3.Connection.backup``: a consistent copy while Jaga runs),
PostgreSQL through ``pg_dump --format=custom`` and ``pg_restore --single-transaction``
(Debian's ``postgresql-client``; ``make`` installs it). The password goes to the tools in
``PGPASSWORD``, never on their command line."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

#: The file name of the database inside the archive, per vendor.
DUMP_NAMES = {"sqlite": "database/jaga.sqlite3", "postgresql": "database/jaga.pgdump"}


class DatabaseError(Exception):
    """The database cannot be copied out or in (the message says why and what to do)."""


def vendor() -> str:
    """``sqlite`` or ``postgresql``: the vendor of the default database."""
    return connection.vendor


def server_version() -> str:
    """The database server's version, e.g. ``3.40.1`` (SQLite) or ``15.20`` (PostgreSQL)."""
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]).split()[0] if row else ""


def is_empty() -> bool:
    """Whether the default database holds no table at all (a fresh, never migrated one)."""
    return not connection.introspection.table_names()


def dump(target: Path) -> None:
    """Write a consistent copy of the default database to ``target`` (a SQLite file, or a
    pg_dump custom-format archive). Raises ``DatabaseError``."""
    if connection.vendor == "sqlite":
        # A connection of its own reads the last committed state (WAL: while others write).
        source = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=20)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot copy the SQLite database: {exc}") from None
        finally:
            source.close()
            destination.close()
        return
    name = str(connection.settings_dict["NAME"])
    options = ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    _run_pg("pg_dump", [*options, name])


def load(source: Path) -> None:
    """Copy the database ``source`` (as written by ``dump``) into the default database,
    which must be empty; all or nothing. Raises ``DatabaseError``."""
    if connection.vendor == "sqlite":
        connection.close()
        name = str(connection.settings_dict["NAME"])
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        destination = sqlite3.connect(name)
        try:
            origin.backup(destination)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot write the SQLite database {name}: {exc}") from None
        finally:
            origin.close()
            destination.close()
        return
    connection.close()
    name = str(connection.settings_dict["NAME"])
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    _run_pg("pg_restore", ["--dbname", name, *options, str(source)])


def _tool(name: str) -> str:
    """The path of PostgreSQL client tool ``name`` whose major version is at least the
    server's; raises ``DatabaseError`` naming the Debian package otherwise."""
    path = shutil.which(name)
    major = server_version().split(".")[0]
    if path is None:
        raise DatabaseError(
            f"{name} is not installed: install Debian's postgresql-client (version {major} or "
            "newer, like the server), e.g. `apt-get install postgresql-client`."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    if match is None or (major.isdigit() and int(match.group(1)) < int(major)):
        raise DatabaseError(
            f"{name} is version {match.group(1) if match else '?'} but the server is "
            f"PostgreSQL {major}: install postgresql-client-{major} (a client at least as "
            "new as the server)."
        )
    return path


def _run_pg(tool: str, arguments: list[str]) -> None:
    """Run ``tool`` with ``arguments`` against the default database's server (host, port
    and user from the settings; the password in ``PGPASSWORD`` and the SSL mode in
    ``PGSSLMODE``, out of sight of ``ps``). Raises ``DatabaseError`` with its output."""
    settings = connection.settings_dict
    argv = [_tool(tool)]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            argv += [flag, str(settings[key])]
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    if settings.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(settings["OPTIONS"]["sslmode"])
    done = subprocess.run([*argv, *arguments], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise DatabaseError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")
