"""``jaga media sweep [--delete] [--older-than MINUTES]``: files under the media directory
that no row references (issue 13 point 6; ``jaga.web.media``).

Without ``--delete`` it only lists them (a dry run): one line per file, ``<name> <bytes>
bytes, modified <UTC time>``, then a total. With ``--delete`` it deletes them and says how
many. Only files older than ``--older-than`` minutes (default 60) are considered, so a
report being saved right now is never touched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.template.defaultfilters import filesizeformat

from jaga.web.media import orphans, sweep


class Command(BaseCommand):
    help = "Find (and with --delete remove) media files that no row references."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        clean = sub.add_parser(
            "sweep",
            help="list media files no row references (left by a killed process or a "
            "rolled-back transaction); --delete removes them",
        )
        clean.add_argument(
            "--delete", action="store_true", help="delete them (default: only list them)"
        )
        clean.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="only files last modified at least this many minutes ago (default 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = dt.timedelta(minutes=max(0, options["older_than"]))
        if options["delete"]:
            deleted = sweep(older_than=older_than)
            total = sum(orphan.size for orphan in deleted)
            for orphan in deleted:
                self.stdout.write(f"deleted {orphan.name}")
            self.stdout.write(
                f"deleted {len(deleted)} unreferenced file(s), {filesizeformat(total)}"
            )
            return
        found = orphans(older_than=older_than)
        for orphan in found:
            self.stdout.write(
                f"{orphan.name} {orphan.size} bytes, modified {orphan.modified:%Y-%m-%d %H:%M} UTC"
            )
        total = sum(orphan.size for orphan in found)
        self.stdout.write(
            f"{len(found)} unreferenced file(s), {filesizeformat(total)}"
            + ("; run with --delete to remove them" if found else "")
        )
