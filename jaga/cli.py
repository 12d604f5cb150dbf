"""The ``jaga`` console command: Django's management commands with Jaga's settings.

``jaga migrate``, ``jaga createsuperuser``, ``jaga demo``, ``jaga run``… A configuration
error (a missing or wrong environment variable) prints one line naming the variable and
exits with status 2. A command that needs the database run before ``jaga migrate`` (a
fresh data directory, or an upgrade whose migrations are not applied yet) prints one line
saying to run ``jaga migrate`` and exits with status 2, instead of a traceback (issue 13
point 11).
"""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

#: Commands that manage migrations themselves: their database errors are shown as they are.
MIGRATION_COMMANDS = frozenset({"migrate", "makemigrations", "showmigrations", "sqlmigrate"})


def pending_migrations() -> tuple[int, list[str]]:
    """``(applied, pending)``: how many migrations the default database has applied, and
    the ``app.name`` of each one not applied yet, in the order ``migrate`` applies them.

    Raises ``django.db.DatabaseError`` when the database cannot be reached."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    plan = executor.migration_plan(targets)
    applied = len(executor.loader.applied_migrations)
    return applied, [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def migrate_first_message() -> str | None:
    """The one-line advice to run ``jaga migrate`` when the default database lacks
    migrations, else None (also None when the database cannot be asked)."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    try:
        applied, pending = pending_migrations()
    except DatabaseError:
        return None
    if not pending:
        return None
    name = str(settings.DATABASES["default"]["NAME"])
    if not applied:
        return _(
            "jaga: the database %(name)s has no tables yet. Run `jaga migrate` first "
            "(or `make run`, which migrates, loads the demo and serves)."
        ) % {"name": name}
    return _(
        "jaga: the database %(name)s is not up to date (%(count)d migrations not applied, "
        "first %(first)s). Run `jaga migrate` first."
    ) % {"name": name, "count": len(pending), "first": pending[0]}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``jaga`` script; ``argv`` defaults to ``sys.argv``.

    Exits 2 on a configuration error, and on a database error of a command run before
    ``jaga migrate`` (``migrate_first_message``); other errors propagate."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "jaga"
    try:
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - import the settings now, to report errors clearly
    except ImproperlyConfigured as exc:
        print(f"jaga: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except DatabaseError:
        # "no such table" (SQLite), 'relation "…" does not exist' (PostgreSQL), or a
        # missing column after an upgrade: explained only when migrations are missing.
        message = None if MIGRATION_COMMANDS.intersection(argv[1:2]) else migrate_first_message()
        if message is None:
            raise
        print(message, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
