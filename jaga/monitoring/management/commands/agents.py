"""``jaga agents``: the remote monitoring agents of an agency (docs/monitoring.md, "Remote
agents").

- ``jaga agents add --agency SLUG [--user USERNAME] NAME``: create the agent and print its
  token, once (only its hash is stored).
- ``jaga agents rotate --agency SLUG [--user USERNAME] NAME``: give it a new token, printed
  once; the old one stops working at once.
- ``jaga agents list --agency SLUG``: name, active, last seen (UTC) and checks of each.

``--user`` names the agency's user the audit log records (default: none, the system).
Errors (unknown agency, user or agent, a taken or empty name) print one line and exit 1.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from jaga.inventory.management.commands.inventory import find_agency, find_user
from jaga.monitoring.models import Agent
from jaga.monitoring.services import create_agent, rotate_token
from jaga.tenancy.models import Agency


def find_agent(agency: Agency, name: str) -> Agent:
    """The agent ``name`` of ``agency``; ``CommandError`` listing the known names otherwise."""
    agent = Agent.objects.select_related("agency").filter(agency=agency, name=name).first()
    if agent is None:
        known = ", ".join(Agent.objects.filter(agency=agency).values_list("name", flat=True))
        raise CommandError(f"no agent {name!r} in {agency.slug} (known: {known or 'none'})")
    return agent


class Command(BaseCommand):
    help = "Add remote monitoring agents, rotate their tokens, list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="create an agent and print its token once")
        rotate = sub.add_parser("rotate", help="give an agent a new token, printed once")
        for command in (add, rotate):
            command.add_argument("--agency", required=True, metavar="SLUG")
            command.add_argument("--user", metavar="USERNAME", help="who the audit log records")
            command.add_argument("name", metavar="NAME")
        listing = sub.add_parser("list", help="list the agency's agents")
        listing.add_argument("--agency", required=True, metavar="SLUG")

    def handle(self, *args: Any, **options: Any) -> None:
        agency = find_agency(options["agency"])
        if options["action"] == "list":
            self.handle_list(agency)
            return
        user = find_user(agency, options["user"]) if options["user"] else None
        if options["action"] == "add":
            try:
                agent, token = create_agent(agency, options["name"], by=user)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            self.stdout.write(f"agent {agent.name!r} of {agency.slug} created; its token:")
        else:
            agent = find_agent(agency, options["name"])
            token = rotate_token(agent, by=user)
            self.stdout.write(f"agent {agent.name!r} of {agency.slug} has a new token:")
        self.stdout.write(token)
        self.stdout.write("It is shown only this once: give it to the agent (JAGA_AGENT_TOKEN).")

    def handle_list(self, agency: Agency) -> None:
        agents = (
            Agent.objects.filter(agency=agency).annotate(n_checks=Count("checks")).order_by("name")
        )
        for agent in agents:
            seen = (
                agent.last_seen_at.strftime("%Y-%m-%d %H:%M:%S UTC")
                if agent.last_seen_at
                else "never"
            )
            state = "active" if agent.is_active else "inactive"
            self.stdout.write(f"{agent.name}\t{state}\tlast seen {seen}\t{agent.n_checks} checks")
        if not agents:
            self.stdout.write(f"{agency.slug} has no agents")
