"""``jaga agent``: a remote monitoring agent (issue 7 item 5; docs/monitoring.md, "Remote
agents"; ``jaga.monitoring.agent``).

``jaga agent --server URL [--token TOKEN] [--spool DIR] [--push SECONDS]`` runs the checks
the Jaga at URL assigns to the agent of TOKEN and pushes their results, buffering them in
the spool directory while the server cannot be reached. The token may come from the
environment variable ``JAGA_AGENT_TOKEN`` instead (better: a command line is visible to
every user of the machine). The spool defaults to ``$JAGA_DATA_DIR/agent-spool``. SIGTERM
or SIGINT stop it cleanly (everything spooled, one last send) with exit status 0. A bad
URL, a missing token or a spool directory that cannot be made print one line and exit 1.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jaga.monitoring.agent import api_base, run_agent

TOKEN_VARIABLE = "JAGA_AGENT_TOKEN"


class Command(BaseCommand):
    help = "Run a remote monitoring agent until stopped (SIGTERM/SIGINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server", required=True, metavar="URL", help="the Jaga server's URL (http/https)"
        )
        parser.add_argument(
            "--token", metavar="TOKEN", help=f"the agent's token (default: ${TOKEN_VARIABLE})"
        )
        parser.add_argument(
            "--spool",
            type=Path,
            metavar="DIR",
            help="where results wait for the server (default: $JAGA_DATA_DIR/agent-spool)",
        )
        parser.add_argument(
            "--push", type=float, default=2.0, metavar="SECONDS", help="seconds between sends"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server: str = options["server"]
        try:
            api_base(server)
        except ValueError as exc:
            raise CommandError(f"--server: {exc}") from None
        token = (options["token"] or os.environ.get(TOKEN_VARIABLE, "")).strip()
        if not token:
            raise CommandError(f"give the agent's token with --token or ${TOKEN_VARIABLE}")
        if options["push"] <= 0:
            raise CommandError("--push must be positive")
        spool: Path = options["spool"] or Path(settings.DATA_DIR) / "agent-spool"
        try:
            spool.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CommandError(f"cannot make the spool directory {spool}: {exc}") from None
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        asyncio.run(self._run(server, token, spool, options["push"]))

    async def _run(self, server: str, token: str, spool: Path, push: float) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(
            f"jaga agent: running against {server}, spool {spool}; SIGTERM or Ctrl-C stops it"
        )
        self.stdout.flush()
        await run_agent(server, token, spool, stop, push_s=push)
        self.stdout.write("jaga agent: stopped")
