"""``jaga run``: the web server, the background-task worker and the scheduler together.

Collects the static files when they changed (``jaga.web.collected``), then starts
gunicorn (WSGI, static files by whitenoise), the task worker of the configured backend
(``JAGA_TASK_BACKEND``: ``jaga db_worker`` for ``database``, django-rq's ``jaga rqworker``
on Jaga's queues for ``rq``, none for ``immediate``; ``task_worker_argv``) and
``jaga scheduler`` (maintenance rounds, issue 14) as child processes, stops them all on
Ctrl-C or SIGTERM, and stops the others when one dies (exit status 1 then). Later
long-running processes join ``processes``. On several machines the same children run as
systemd services instead (``deploy/``, README "Several machines").

Without ``JAGA_PUBLIC_URL`` in the environment, the children get it from ``--bind``
(``child_environment``), so documents' QR codes and footers point at this server (issue 13
point 11). Refuses to start (exit 2) while migrations are not applied.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jaga.cli import migrate_first_message
from jaga.config import public_url_from_bind
from jaga.web.collected import collect_static

STOP_GRACE_SECONDS = 10.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ProcessSpec:
    """One child process: a display ``name`` and its ``argv``."""

    name: str
    argv: list[str]


#: The task backends whose tasks a separate worker process runs, by ``TASKS`` ``BACKEND``.
DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"
#: The job class RQ workers need to run django-tasks tasks (django-tasks-rq's README).
RQ_JOB_CLASS = "django_tasks_rq.Job"


def task_worker_argv(backend: str, queues: list[str]) -> list[str] | None:
    """The ``jaga`` subcommand and arguments of the worker running the tasks of ``backend``
    (a ``TASKS`` ``BACKEND`` path) on ``queues`` (queue names), without the program:
    ``["db_worker", "--no-reload"]`` for the database backend, ``["rqworker",
    "--job-class", "django_tasks_rq.Job", "--with-scheduler", *queues]`` for RQ (the
    scheduler moves deferred tasks to their queue when due), None for a backend that runs
    tasks itself (immediate)."""
    if backend == DATABASE_BACKEND:
        return ["db_worker", "--no-reload"]
    if backend == RQ_BACKEND:
        return ["rqworker", "--job-class", RQ_JOB_CLASS, "--with-scheduler", *queues]
    return None


def web_argv(bind: str, workers: int) -> list[str]:
    """gunicorn's arguments after ``python -m gunicorn``: Jaga's WSGI application on
    ``bind`` (``HOST:PORT``) with ``workers`` processes, the access log on stdout, 5 s to
    finish requests on stop, and no control socket (its default path is per user, so two
    servers on one host would share it)."""
    return [
        "jaga.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
        "--no-control-socket",
    ]


def processes(
    bind: str, workers: int, with_worker: bool, with_scheduler: bool = True
) -> list[ProcessSpec]:
    """The children of ``jaga run``: gunicorn on ``bind`` with ``workers`` processes
    (``web_argv``); with ``with_worker``, the worker of the task backend
    (``task_worker_argv``: the database worker, or the RQ worker on the queues of
    ``TASKS["default"]["QUEUES"]``; none for the immediate backend); with
    ``with_scheduler``, ``jaga scheduler``; and with ``JAGA_TELEGRAM_TOKEN`` set, the
    Telegram bot (``jaga telegram``)."""
    specs = [ProcessSpec("web", [sys.executable, "-m", "gunicorn", *web_argv(bind, workers)])]
    backend = settings.TASKS["default"]
    worker = task_worker_argv(str(backend["BACKEND"]), list(backend.get("QUEUES", ["default"])))
    if with_worker and worker is not None:
        specs.append(ProcessSpec("tasks", [sys.executable, "-m", "jaga", *worker]))
    if with_scheduler:
        specs.append(ProcessSpec("scheduler", [sys.executable, "-m", "jaga", "scheduler"]))
    if settings.JAGA_TELEGRAM_TOKEN:
        specs.append(ProcessSpec("telegram", [sys.executable, "-m", "jaga", "telegram"]))
    return specs


def child_environment(
    bind: str, env: Mapping[str, str], hostname: str
) -> tuple[dict[str, str], str | None]:
    """The environment of ``jaga run``'s children, and a note for the operator (or None).

    ``env`` as it is when it sets ``JAGA_PUBLIC_URL`` (not blank); otherwise with
    ``JAGA_PUBLIC_URL`` from ``bind`` (``config.public_url_from_bind``; a wildcard host
    becomes ``hostname``, with a note saying so)."""
    children = dict(env)
    if children.get("JAGA_PUBLIC_URL", "").strip():
        return children, None
    found = public_url_from_bind(bind, hostname)
    if found is None:
        return children, _(
            "JAGA_PUBLIC_URL is not set and cannot be derived from --bind %(bind)s: "
            "documents point at %(url)s; set JAGA_PUBLIC_URL to the address people reach "
            "Jaga at."
        ) % {"bind": bind, "url": settings.JAGA_PUBLIC_URL}
    url, guessed = found
    children["JAGA_PUBLIC_URL"] = url
    if guessed:
        return children, _(
            "Documents point at %(url)s (this machine's name, as --bind listens on every "
            "address); set JAGA_PUBLIC_URL if people reach Jaga at another address."
        ) % {"url": url}
    return children, _("Documents point at %(url)s (JAGA_PUBLIC_URL from --bind).") % {"url": url}


class Supervisor:
    """Runs ``specs`` until a signal arrives or one child exits, then stops all children:
    SIGTERM, then SIGKILL after ``STOP_GRACE_SECONDS``. Children get ``env`` (default:
    this process's environment)."""

    def __init__(
        self, specs: list[ProcessSpec], out: Any, env: Mapping[str, str] | None = None
    ) -> None:
        self.specs = specs
        self.out = out
        self.env = dict(env) if env is not None else None
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        status = 0
        try:
            for spec in self.specs:
                self.children[spec.name] = subprocess.Popen(spec.argv, env=self.env)
            while not self.stopping:
                for name, child in self.children.items():
                    code = child.poll()
                    if code is not None:
                        self.out.write(f"jaga run: {name} exited with status {code}; stopping.\n")
                        status = 1
                        self.stopping = True
                        break
                time.sleep(POLL_SECONDS)
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def stop_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class Command(BaseCommand):
    help = (
        "Serve Jaga: the web server, the background-task worker and the maintenance "
        "scheduler, stopped together by Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web server processes")
        parser.add_argument(
            "--no-tasks", action="store_true", help="do not start the background-task worker"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not start the maintenance scheduler (another machine runs it)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.")
        message = migrate_first_message()
        if message is not None:
            self.stderr.write(message)
            sys.exit(2)
        collect_static()
        env, note = child_environment(options["bind"], os.environ, socket.gethostname())
        specs = processes(
            options["bind"],
            options["workers"],
            not options["no_tasks"],
            not options["no_scheduler"],
        )
        self.stdout.write(
            f"Jaga is serving on http://{options['bind']}/ "
            f"({', '.join(s.name for s in specs)}); press Ctrl-C to stop."
        )
        if note is not None:
            self.stdout.write(note)
        self.stdout.flush()
        status = Supervisor(specs, self.stdout, env).run()
        if status:
            raise CommandError("a child process stopped unexpectedly", returncode=status)
