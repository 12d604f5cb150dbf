"""``jaga inventory``: import and export an agency's sites, devices and links, and write the
empty import templates (docs/inventory.md, "Command line").

- ``jaga inventory import --agency SLUG --kind KIND FILE [--user USERNAME]``: the format
  comes from the extension (``.csv``/``.xlsx``). All rows or none: on bad rows it prints
  ``FILE:LINE: COLUMN: reason`` for each to stderr and exits 1; on success it prints the
  counts. ``--user`` names the agency's user the audit log records (default: none, the
  system).
- ``jaga inventory export --agency SLUG --kind KIND [--format csv|xlsx] OUT``: every row of
  the kind (format: ``--format``, else the extension of OUT).
- ``jaga inventory template --kind KIND [--format csv|xlsx] OUT``: the empty import file.

KIND is ``sites``, ``devices`` or ``links``. Errors (unknown agency or user, unreadable file,
wrong header) print one line and exit 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jaga.inventory.forms import CORRUPT_XLSX, file_format
from jaga.inventory.importing import import_rows
from jaga.inventory.models import Device, Link, Site
from jaga.inventory.tabular import FORMATS, KINDS, BadFile, Format, Kind, export, template
from jaga.org.models import User
from jaga.tenancy.models import Agency

MODELS: dict[str, type[Site | Device | Link]] = {"sites": Site, "devices": Device, "links": Link}


def find_agency(slug: str) -> Agency:
    """The agency ``slug``; ``CommandError`` listing the known slugs otherwise."""
    try:
        return Agency.objects.get(slug=slug)
    except Agency.DoesNotExist:
        known = ", ".join(Agency.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"no agency {slug!r} (known: {known or 'none'})") from None


def find_user(agency: Agency, username: str) -> User:
    """The active user ``username`` of ``agency``; ``CommandError`` otherwise."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user {username!r}")
    if user.agency_id != agency.pk:
        raise CommandError(f"user {username!r} does not belong to agency {agency.slug!r}")
    return user


def as_kind(name: str) -> Kind:
    """``name`` as one of ``tabular.KINDS`` (argparse has checked it already)."""
    for kind in KINDS:
        if name == kind:
            return kind
    raise CommandError(f"unknown kind {name!r}; use one of {', '.join(KINDS)}")


def chosen_format(option: str | None, path: Path) -> Format:
    """``--format`` if given, else the format of ``path``'s extension."""
    if option is not None:
        for fmt in FORMATS:
            if option == fmt:
                return fmt
    found = file_format(path.name)
    if found is None:
        raise CommandError(f"{path}: give --format csv or xlsx, or name the file .csv or .xlsx")
    return found


def write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from None


class Command(BaseCommand):
    help = "Import and export the inventory (sites, devices, links) as CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import a CSV or XLSX file: all rows or none")
        load.add_argument("--agency", required=True, metavar="SLUG")
        load.add_argument("--kind", required=True, choices=KINDS)
        load.add_argument("--user", metavar="USERNAME", help="who the audit log records")
        load.add_argument("file", type=Path, metavar="FILE")
        out = sub.add_parser("export", help="write every row of a kind to a file")
        out.add_argument("--agency", required=True, metavar="SLUG")
        out.add_argument("--kind", required=True, choices=KINDS)
        out.add_argument("--format", choices=FORMATS, help="default: from OUT's extension")
        out.add_argument("out", type=Path, metavar="OUT")
        empty = sub.add_parser("template", help="write the empty import file of a kind")
        empty.add_argument("--kind", required=True, choices=KINDS)
        empty.add_argument("--format", choices=FORMATS, help="default: from OUT's extension")
        empty.add_argument("out", type=Path, metavar="OUT")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['action']}")(**options)

    def handle_import(
        self, agency: str, kind: str, user: str | None, file: Path, **options: Any
    ) -> None:
        target = find_agency(agency)
        actor = find_user(target, user) if user else None
        fmt = file_format(file.name)
        if fmt is None:
            raise CommandError(f"{file}: name the file .csv or .xlsx")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            result = import_rows(target, actor, as_kind(kind), content, fmt)
        except BadFile as exc:
            raise CommandError(f"{file}: {exc}") from None
        except CORRUPT_XLSX as exc:
            if fmt != "xlsx":
                raise
            raise CommandError(f"{file}: not a readable XLSX workbook ({exc})") from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{file}:{error.line}: {error.column}: {error.reason}")
            lines = len({error.line for error in result.errors})
            raise CommandError(
                f"{file}: {len(result.errors)} bad cell(s) on {lines} line(s); nothing imported"
            )
        self.stdout.write(
            f"imported {kind} into {target.slug}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )

    def handle_export(
        self, agency: str, kind: str, format: str | None, out: Path, **options: Any
    ) -> None:
        target = find_agency(agency)
        fmt = chosen_format(format, out)
        rows = MODELS[kind].objects.filter(agency=target)
        write(out, export(as_kind(kind), rows, fmt))
        self.stdout.write(f"wrote {out}: {rows.count()} {kind} of {target.slug}")

    def handle_template(self, kind: str, format: str | None, out: Path, **options: Any) -> None:
        fmt = chosen_format(format, out)
        write(out, template(as_kind(kind), fmt))
        self.stdout.write(f"wrote {out}: the empty {kind} template ({fmt})")
