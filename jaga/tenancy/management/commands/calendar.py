"""``jaga calendar``: an agency's working calendar from the terminal.

``jaga calendar due SLUG "2026-11-20 16:15" "30 menit"`` prints the deadline of a time
standard started at a local time; ``jaga calendar days-off SLUG 2026`` lists the year's
non-working weekdays (national holidays, cuti bersama, the agency's own days off).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.tenancy.durations import format_duration
from jaga.tenancy.models import Agency
from jaga.tenancy.services import working_calendar
from jaga.tenancy.timestandard import TimeStandardError, parse_time_standard

LOCAL_FORMAT = "%Y-%m-%d %H:%M"
# argparse expands %-formats in help texts: the same format with each % doubled.
HELP_FORMAT = LOCAL_FORMAT.replace("%", "%%")


def _agency(slug: str) -> Agency:
    try:
        return Agency.objects.get(slug=slug)
    except Agency.DoesNotExist:
        known = ", ".join(Agency.objects.values_list("slug", flat=True)) or "none"
        raise CommandError(f"no agency {slug!r} (known: {known})") from None


class Command(BaseCommand):
    help = "Show deadlines and days off on an agency's working calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="deadline of a time standard")
        due.add_argument("agency", help="agency slug")
        due.add_argument("start", help=f'local start time, "{HELP_FORMAT}"')
        due.add_argument("standard", help='time standard as the SOP writes it, e.g. "30 menit"')
        days_off = sub.add_parser("days-off", help="non-working weekdays of a year")
        days_off.add_argument("agency", help="agency slug")
        days_off.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        agency = _agency(options["agency"])
        calendar = working_calendar(agency)
        zone = ZoneInfo(agency.timezone)
        if options["action"] == "due":
            try:
                start = datetime.strptime(options["start"], LOCAL_FORMAT).replace(tzinfo=zone)
            except ValueError:
                raise CommandError(
                    f"start must look like 2026-11-20 16:15, not {options['start']!r}"
                ) from None
            try:
                standard = parse_time_standard(options["standard"])
            except TimeStandardError as exc:
                raise CommandError(str(exc)) from None
            due = calendar.due_at(start, standard)
            if due is None:
                self.stdout.write(f"{standard}: no deadline (kondisional)")
                return
            working = calendar.working_time_between(start, due)
            self.stdout.write(
                _(
                    "%(standard)s from %(start)s is due %(due)s %(zone)s "
                    "(%(working)s of working time, %(elapsed)s elapsed)"
                )
                % {
                    "standard": standard,
                    "start": f"{start:%a %Y-%m-%d %H:%M}",
                    "due": f"{due.astimezone(zone):%a %Y-%m-%d %H:%M}",
                    "zone": agency.timezone,
                    "working": format_duration(working),
                    "elapsed": format_duration(due - start),
                }
            )
            return
        year = options["year"]
        day = date(year, 1, 1)
        while day.year == year:
            reason = calendar.day_off_reason(day)
            if reason is not None and day.weekday() < 5:
                self.stdout.write(f"{day:%Y-%m-%d %a}  {reason}")
            day += timedelta(days=1)
