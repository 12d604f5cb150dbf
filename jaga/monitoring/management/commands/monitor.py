"""``jaga monitor``: the long-running network monitor (issue 7; docs/monitoring.md).

``jaga monitor [--agency SLUG ...] [--name NAME] [--flush SECONDS] [--reload SECONDS]
[--flap-threshold N] [--flap-window SECONDS]`` runs every enabled check that no agent runs
(of the named agencies, else of all), until SIGTERM or SIGINT; then it writes what it holds
and exits 0. The database work runs in a child process (``jaga.monitoring.bookkeeper``);
if that process dies, the monitor stops probing and exits 1.
Several may run at once (one case per outage all the same). ICMP needs root or
CAP_NET_RAW (else Linux ping sockets, see docs/monitoring.md). Its heartbeat on the
monitor page is named ``NAME``, by default the host name and the agencies: two monitors
on one host for the same agencies need names of their own, or they share one heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.inventory.management.commands.inventory import find_agency
from jaga.monitoring.bookkeeper import BookkeeperDied
from jaga.monitoring.heartbeat import NAME_LENGTH
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.runner import run_monitor


class Command(BaseCommand):
    help = "Run the network monitor until stopped (SIGTERM/SIGINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", action="append", default=[], help="agency slug")
        parser.add_argument(
            "--name",
            default="",
            help="this monitor's name on the monitor page (default: the host name and the "
            "agencies); give each of two monitors on one host its own",
        )
        parser.add_argument("--flush", type=float, default=1.0, help="seconds between writes")
        parser.add_argument("--reload", type=float, default=15.0, help="seconds between reloads")
        parser.add_argument("--flap-threshold", type=int, default=6)
        parser.add_argument("--flap-window", type=float, default=600.0, help="seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["flush"] <= 0 or options["reload"] <= 0 or options["flap_window"] <= 0:
            raise CommandError("--flush, --reload and --flap-window must be positive")
        if options["flap_threshold"] < 1:
            raise CommandError("--flap-threshold must be at least 1")
        name = options["name"].strip()
        if len(name) > NAME_LENGTH:
            raise CommandError(f"--name is at most {NAME_LENGTH} characters")
        agencies = [find_agency(slug).pk for slug in options["agency"]] or None
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        keeper = Keeper(
            agencies=agencies,
            name=name,
            flap_threshold=options["flap_threshold"],
            flap_window_s=options["flap_window"],
        )
        asyncio.run(self._run(keeper, options["flush"], options["reload"]))

    async def _run(self, keeper: Keeper, flush: float, reload: float) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write("jaga monitor: running; SIGTERM or Ctrl-C stops it", ending="\n")
        self.stdout.flush()
        try:
            await run_monitor(keeper, stop, flush_s=flush, reload_s=reload)
        except BookkeeperDied as exc:
            raise CommandError(_("jaga monitor: %(error)s; stopped") % {"error": exc}) from exc
        self.stdout.write("jaga monitor: stopped")
