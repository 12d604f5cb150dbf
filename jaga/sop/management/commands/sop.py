"""``jaga sop``: check, load, list, show and simulate SOP definitions.

- ``jaga sop validate PATH...``: exit 0, or one ``path:line: message`` per problem, exit 1.
- ``jaga sop list [--agency SLUG]``: the library templates, or an agency's definitions.
- ``jaga sop show CODE [--agency SLUG]``: the flowchart table, lanes as columns.
- ``jaga sop load PATH --agency SLUG``: load or upgrade an agency's definition.
- ``jaga sop simulate CODE --agency SLUG --start "2026-11-20 15:45" [--choose STEP=BRANCH]
  [--sites N]`` (a fan-out's steps run once for each of N sites, shown as ``STEP/SITE``):
  the path taken, each step's lane, standard and due time, and the total time.
- ``jaga sop render CODE [--agency SLUG [--version N]] --pdf FILE``: the SOP AP document
  (identity page and flowchart, docs/sop-document.md) of the agency's current definition
  (or version N), or of the library template without ``--agency``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.sop.document import render_document_pdf
from jaga.sop.models import SopDefinition
from jaga.sop.render import text_table
from jaga.sop.schema import SopSpec
from jaga.sop.services import LIBRARY, load_file
from jaga.sop.simulate import DEFAULT_SITES, parse_choices, simulate
from jaga.sop.validate import SopInvalid, check_file, load_spec
from jaga.tenancy.durations import format_duration
from jaga.tenancy.models import Agency
from jaga.tenancy.services import working_calendar

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
# argparse expands %-formats in help texts: the same format with each % doubled.
HELP_FORMAT = LOCAL_FORMAT.replace("%", "%%")


def find_agency(slug: str) -> Agency:
    """The agency ``slug``; ``CommandError`` listing the known slugs otherwise."""
    try:
        return Agency.objects.get(slug=slug)
    except Agency.DoesNotExist:
        known = ", ".join(Agency.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"no agency {slug!r} (known: {known or 'none'})") from None


def library() -> dict[str, tuple[Path, SopSpec]]:
    """The shipped templates by code."""
    found: dict[str, tuple[Path, SopSpec]] = {}
    for path in sorted(LIBRARY.glob("*.yaml")):
        spec = load_spec(path.read_text(encoding="utf-8"), str(path))
        found[spec.code] = (path, spec)
    return found


class Command(BaseCommand):
    help = "Check, load, list, show, simulate and render SOP definitions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check definition files")
        validate.add_argument("paths", nargs="+", type=Path)
        listing = sub.add_parser("list", help="library templates, or an agency's SOPs")
        listing.add_argument("--agency")
        show = sub.add_parser("show", help="the flowchart table of an SOP")
        show.add_argument("code")
        show.add_argument("--agency", help="the agency's current version (default: library)")
        load = sub.add_parser("load", help="load or upgrade an agency's definition")
        load.add_argument("path", type=Path)
        load.add_argument("--agency", required=True)
        sim = sub.add_parser("simulate", help="walk an SOP on an agency's calendar")
        sim.add_argument("code")
        sim.add_argument("--agency", required=True)
        sim.add_argument("--start", required=True, help=f'local time, "{HELP_FORMAT}"')
        sim.add_argument("--choose", action="append", default=[], metavar="STEP=BRANCH")
        sim.add_argument(
            "--sites",
            type=int,
            default=DEFAULT_SITES,
            help="sites a round visits: a fan-out runs once per site (default %(default)s)",
        )
        render = sub.add_parser("render", help="the SOP AP document of an SOP as PDF")
        render.add_argument("code")
        render.add_argument("--agency", help="the agency's definition (default: library)")
        render.add_argument("--version", type=int, help="that version (default: the current)")
        render.add_argument("--pdf", type=Path, required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"handle_{options['action']}")(**options)

    def handle_validate(self, paths: list[Path], **options: Any) -> None:
        problems = [problem for path in paths for problem in check_file(path)]
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            sys.exit(1)
        self.stdout.write(f"ok: {len(paths)} definition(s) valid")

    def handle_list(self, agency: str | None, **options: Any) -> None:
        if agency is None:
            for code, (path, spec) in library().items():
                starts = ",".join(spec.start)
                self.stdout.write(
                    f"{code:<34} {len(spec.steps):>3} steps  {starts:<16} {path.name}"
                )
            return
        for definition in SopDefinition.objects.filter(agency=find_agency(agency)):
            mark = "*" if definition.is_current else " "
            self.stdout.write(
                f"{mark} {definition.code:<34} v{definition.version:<3} "
                f"{definition.loaded_at:%Y-%m-%d %H:%M}  {definition.name}"
            )

    def _spec(self, code: str, agency: str | None) -> SopSpec:
        if agency is None:
            templates = library()
            if code not in templates:
                raise CommandError(f"no library SOP {code!r} (known: {', '.join(templates)})")
            return templates[code][1]
        found = SopDefinition.objects.filter(
            agency=find_agency(agency), code=code, is_current=True
        ).first()
        if found is None:
            raise CommandError(f"agency {agency!r} has no SOP {code!r}; see jaga sop list --agency")
        return found.spec

    def handle_show(self, code: str, agency: str | None, **options: Any) -> None:
        spec = self._spec(code, agency)
        self.stdout.write(f"{spec.identity.nama} ({spec.identity.nomor or 'tanpa nomor'})")
        self.stdout.write(text_table(spec))

    def handle_load(self, path: Path, agency: str, **options: Any) -> None:
        target = find_agency(agency)
        try:
            result = load_file(target, path)
        except SopInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)
        definition = result.definition
        verb = "loaded" if result.created else "unchanged, current is"
        self.stdout.write(f"{verb} {definition.code} v{definition.version} for {agency}")

    def handle_simulate(
        self,
        code: str,
        agency: str,
        start: str,
        choose: list[str],
        sites: int = DEFAULT_SITES,
        **options: Any,
    ) -> None:
        target = find_agency(agency)
        spec = self._spec(code, agency)
        zone = ZoneInfo(target.timezone)
        try:
            started = datetime.strptime(start, LOCAL_FORMAT).replace(tzinfo=zone)
        except ValueError:
            raise CommandError(
                f'--start must look like "2026-11-20 15:45", not {start!r}'
            ) from None
        try:
            result = simulate(spec, working_calendar(target), started, parse_choices(choose), sites)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{spec.identity.nama} — {target} ({target.timezone})")
        for item in result.steps:
            lane = spec.lane(item.lane).label
            due = item.due.astimezone(zone).strftime("%a %d-%m %H:%M") if item.due else "—"
            no = f"{item.no}/{item.site}" if item.site else item.no
            self.stdout.write(
                f"{no:>4}  {lane[:22]:<22} {item.kind.value:<14} {item.waktu:<12} "
                f"{item.started.astimezone(zone):%a %d-%m %H:%M} → {due:<15} {item.outcome}"
            )
        self.stdout.write(
            _("total: %(elapsed)s elapsed, %(working)s of working time, %(steps)d steps")
            % {
                "elapsed": format_duration(result.elapsed),
                "working": format_duration(result.working),
                "steps": len(result.steps),
            }
        )

    def handle_render(
        self, code: str, agency: str | None, version: int | None, pdf: Path, **options: Any
    ) -> None:
        owner = None
        if version is None:
            spec = self._spec(code, agency)
            owner = find_agency(agency) if agency is not None else None
        elif agency is None:
            raise CommandError("--version needs --agency (library templates have no versions)")
        else:
            owner = find_agency(agency)
            found = SopDefinition.objects.filter(agency=owner, code=code, version=version).first()
            if found is None:
                versions = SopDefinition.objects.filter(agency=owner, code=code).values_list(
                    "version", flat=True
                )
                known = ", ".join(str(number) for number in sorted(versions)) or "none"
                raise CommandError(
                    f"agency {agency!r} has no version {version} of SOP {code!r} "
                    f"(versions: {known})"
                )
            spec = found.spec
        content = render_document_pdf(spec, owner)
        try:
            pdf.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"cannot write {pdf}: {exc.strerror}") from None
        self.stdout.write(f"wrote {pdf} ({len(content) // 1024} KiB): {spec.identity.nama}")
