"""``jaga org``: import an agency's organisation from the XLSX workbook, and write the
empty workbook (docs/organisation.md, "Command line").

- ``jaga org import FILE --agency SLUG [--user USERNAME]``: units, positions, employees,
  OPDs and OPD users, all rows or none. On bad rows it prints ``FILE:SHEET:ROW: COLUMN:
  reason`` for each bad cell to stderr and exits 1; on success it prints the rows created,
  updated and unchanged per sheet and the logins created (without a password). ``--user``
  names the agency's user the audit log records (default: none, the system).
- ``jaga org template OUT``: the empty workbook with its sheet explaining every column.

An unknown agency or user, an unreadable file or a wrong workbook print one line and exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jaga.inventory.management.commands.inventory import find_agency, find_user, write
from jaga.org.importing import import_organisation
from jaga.org.orgsheets import BadWorkbook, template


class Command(BaseCommand):
    help = "Import an agency's organisation (units, positions, employees, OPDs) from XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import the organisation workbook: all rows or none")
        load.add_argument("--agency", required=True, metavar="SLUG")
        load.add_argument("--user", metavar="USERNAME", help="who the audit log records")
        load.add_argument("file", type=Path, metavar="FILE")
        empty = sub.add_parser("template", help="write the empty organisation workbook")
        empty.add_argument("out", type=Path, metavar="OUT")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['action']}")(**options)

    def handle_import(self, agency: str, user: str | None, file: Path, **options: Any) -> None:
        target = find_agency(agency)
        actor = find_user(target, user) if user else None
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            result = import_organisation(target, actor, content)
        except BadWorkbook as exc:
            raise CommandError(f"{file}: {exc}") from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(
                    f"{file}:{error.sheet}:{error.line}: {error.column}: {error.reason}"
                )
            rows = len({(error.sheet, error.line) for error in result.errors})
            raise CommandError(
                f"{file}: {len(result.errors)} bad cell(s) on {rows} row(s); nothing imported"
            )
        for sheet, counts in result.counts.items():
            self.stdout.write(
                f"{sheet}: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged"
            )
        if result.new_logins:
            self.stdout.write(
                f"{len(result.new_logins)} new login(s) without a password (set one in the "
                f"administration or by a password reset): {', '.join(result.new_logins)}"
            )
        self.stdout.write(f"imported the organisation of {target.slug}")

    def handle_template(self, out: Path, **options: Any) -> None:
        write(out, template())
        self.stdout.write(f"wrote {out}: the empty organisation workbook")
