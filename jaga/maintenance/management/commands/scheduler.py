"""``jaga scheduler``: starts maintenance rounds when their plans fall due (issue 14 point
2; docs/maintenance.md), fires the reminders and escalations of steps and queues the
notifications' outbox (issue 15; docs/notifications.md): the callables of
``JAGA_SCHEDULER_PASSES``, in order, each pass.

``jaga scheduler [--once] [--poll SECONDS] [--batch N]`` looks for due plans every
``--poll`` seconds (default ``JAGA_SCHEDULER_POLL_SECONDS``) until SIGTERM or SIGINT, and
exits 0. ``jaga run`` starts it beside the web server. Several may run at once and one may
be killed at any moment: each occurrence starts exactly one round
(``jaga.maintenance.scheduling``). ``--once`` makes one pass and exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger("jaga.maintenance.scheduler")


class Command(BaseCommand):
    help = "Start maintenance rounds when their plans fall due, until stopped (SIGTERM/SIGINT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--poll",
            type=float,
            default=float(settings.JAGA_SCHEDULER_POLL_SECONDS),
            help="seconds between passes",
        )
        parser.add_argument("--batch", type=int, default=500, help="plans claimed per query")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["poll"] <= 0 or options["batch"] < 1:
            raise CommandError("--poll must be positive and --batch at least 1")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        passes = [import_string(path) for path in settings.JAGA_SCHEDULER_PASSES]
        run_once, others = passes[0], passes[1:]
        if options["once"]:
            started = run_once(batch=options["batch"])
            for other in others:
                other(batch=options["batch"])
            self.stdout.write(f"jaga scheduler: {started} round(s) started")
            return
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)
        self.stdout.write("jaga scheduler: running; SIGTERM or Ctrl-C stops it")
        self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            try:
                started = run_once(batch=options["batch"])
                for other in others:
                    other(batch=options["batch"])
            except DatabaseError:
                # The database went away or a claim failed: log, and try again next pass.
                log.exception("jaga scheduler: pass failed")
            else:
                if started:
                    log.info("jaga scheduler: %d round(s) started", started)
            stop.wait(options["poll"])
        self.stdout.write("jaga scheduler: stopped")
