"""``jaga demo``: load the five demo agencies, their SOPs, and print their logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jaga.documents.demo import load_demo_number_patterns
from jaga.inventory.demo import load_demo_inventory
from jaga.maintenance.demo import load_demo_checklists
from jaga.maintenance.demo_plans import load_demo_plans
from jaga.maintenance.demo_rounds import load_demo_rounds
from jaga.monitoring.demo import load_demo_monitor
from jaga.org.demo.agencies import AGENCIES
from jaga.org.demo.load import REPORTER_ROLE, load_demo
from jaga.reports.demo import load_demo_history
from jaga.sop.demo import load_demo_sops

DEMO_PASSWORD = "jaga-demo"


class Command(BaseCommand):
    help = (
        "Load five demo agencies (after the regions of the shipped SOPs) with their "
        "organisation, OPDs and logins. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"password of the demo logins it creates (default: {DEMO_PASSWORD})",
        )
        parser.add_argument("--quiet", action="store_true", help="do not print the logins")
        parser.add_argument(
            "--monitor-history",
            action="store_true",
            help="give the demo's (disabled) monitor checks 30 days of made-up results",
        )
        parser.add_argument(
            "--case-history",
            action="store_true",
            help="give Bolaang Mongondow Utara six weeks of handled reports and a few open "
            "ones (the home pages and reports then show figures)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo(AGENCIES, options["password"])
        sops = load_demo_sops(AGENCIES)
        load_demo_number_patterns(AGENCIES)
        load_demo_inventory(AGENCIES)
        load_demo_monitor(AGENCIES, history=options["monitor_history"])
        load_demo_checklists(AGENCIES)
        load_demo_plans()
        load_demo_rounds()
        if options["case_history"]:
            load_demo_history()
        if options["quiet"]:
            return
        for result in sops:
            definition = result.definition
            self.stdout.write(
                f"SOP {definition.code} v{definition.version} for {definition.agency.slug}"
                + (" (loaded)" if result.created else "")
            )
        self.stdout.write(f"Demo logins, all with the password {options['password']!r}:")
        for agency in dict.fromkeys(login.agency for login in logins):
            rows = [login for login in logins if login.agency == agency]
            self.stdout.write(f"  [{agency}]" if agency != "*" else "  [platform]")
            for login in rows:
                if login.role != REPORTER_ROLE:
                    self.stdout.write(f"    {login.username:<22} {login.role}")
            reporters = [login.username for login in rows if login.role == REPORTER_ROLE]
            if reporters:
                self.stdout.write(f"    {REPORTER_ROLE}: {', '.join(reporters)}")
