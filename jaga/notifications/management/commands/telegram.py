"""``jaga telegram``: runs the Telegram bot (``/lapor``, ``/status``, linking) until
SIGTERM or SIGINT (issue 15 point 2). Needs ``JAGA_TELEGRAM_TOKEN``; ``jaga run`` starts it
when that is set."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jaga.notifications.telegram.bot import serve


class Command(BaseCommand):
    help = "Run the Telegram bot until stopped (SIGTERM/SIGINT); needs JAGA_TELEGRAM_TOKEN."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JAGA_TELEGRAM_TOKEN:
            raise CommandError("JAGA_TELEGRAM_TOKEN is not set: there is no bot to run.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll otherwise
        self.stdout.write("jaga telegram: running; SIGTERM or Ctrl-C stops it")
        self.stdout.flush()
        asyncio.run(self._run())
        self.stdout.write("jaga telegram: stopped")

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(stop)
