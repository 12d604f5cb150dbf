"""``jaga audit verify [--agency SLUG]``: recompute the audit chains.

Prints ``ok: N events in M chains verified`` and exits 0, or prints
``broken: agency <slug>, event #<seq> (id <id>): <reason>`` to stderr and exits 1. With
``--heads`` it also prints the last link (number and hash) of every intact chain, to be kept
somewhere else: a log cut short with its head rewritten shows only against such a copy.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jaga.audit.services import verify
from jaga.tenancy.models import Agency


def _agency(slug: str) -> Agency:
    try:
        return Agency.objects.get(slug=slug)
    except Agency.DoesNotExist:
        known = ", ".join(Agency.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"no agency {slug!r} (known: {known or 'none'})") from None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


class Command(BaseCommand):
    help = "Verify the hash chains of the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("verify", help="recompute every event's hash and chain link")
        check.add_argument("--agency", metavar="SLUG", help="only this agency's chain")
        check.add_argument(
            "--heads", action="store_true", help="also print each chain's last number and hash"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        agency = _agency(options["agency"]) if options.get("agency") else None
        result = verify(agency)
        if result.broken is not None:
            self.stderr.write(f"broken: {result.broken}")
            sys.exit(1)
        if options.get("heads"):
            for head in result.heads:
                self.stdout.write(f"agency {head.agency}: #{head.seq} {head.hash}")
        self.stdout.write(
            f"ok: {_plural(result.events_checked, 'event')} in "
            f"{_plural(result.chains, 'chain')} verified"
        )
