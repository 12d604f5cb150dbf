"""``jaga reports rebuild``: write the report aggregates (``StepRecord``, ``CaseRecord``)
of steps and cases that have none, i.e. those completed before the reports app was
installed (docs/reports.md). Idempotent; prints how many rows it wrote."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jaga.reports.cases import rebuild_cases
from jaga.reports.records import rebuild


class Command(BaseCommand):
    help = "Write the missing report aggregates (step and case records)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="write the records of steps and cases that have none")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = rebuild()
        cases = rebuild_cases()
        self.stdout.write(f"ok: {steps} step records and {cases} case records written")
