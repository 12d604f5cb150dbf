"""``jaga sop``: check, load, show and simulate SOP definitions.

``jaga sop validate PATH...`` exits 0 when every file is usable, else prints one
``path:line: message`` per problem and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jaga.sop.validate import check_file


class Command(BaseCommand):
    help = "Check, load, list, show and simulate SOP definitions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check definition files")
        validate.add_argument("paths", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        handler = getattr(self, f"handle_{options['action'].replace('-', '_')}")
        handler(**options)

    def handle_validate(self, paths: list[Path], **options: Any) -> None:
        problems = [problem for path in paths for problem in check_file(path)]
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            sys.exit(1)
        self.stdout.write(f"ok: {len(paths)} definition(s) valid")
