"""Several machines on loopback (issue 19 point 4; README "Several machines"): two web
servers, two RQ workers, two monitors and a scheduler on one PostgreSQL database and one
Redis database, one of each of the first three kinds killed with SIGKILL in the middle of
its work, and nothing lost or done twice.

The processes are started as the units of ``deploy/systemd`` start them: gunicorn with
``web_argv`` on two loopback ports, ``jaga rqworker`` with ``task_worker_argv(RQ_BACKEND,
...)`` (``JAGA_TASK_BACKEND=rq``), ``jaga monitor --agency bolmut`` twice (a monitor and
its hot standby on the same agency: the case where two monitors could both open an outage;
monitors split work by agency, ``--agency``, so two on different agencies never share a
check) and ``jaga scheduler``. They share a data directory (the NFS of a deployment) and
``JAGA_SECRET_KEY``. The demo is loaded with ``jaga demo``.

What happens: the monitors watch a TCP check of a Bolaang Mongondow Utara device whose
target is a port on 127.0.0.1 the test listens on; the test closes it (the outage), and
meanwhile an OPD user reports two disruptions and the Kadis, Kabid and Kasi handle steps
2-4 of each over HTTP, alternating between the web servers (each step issues a document,
whose PDF a worker renders, as the workers render the demo's documents). Web server A is
killed while it handles the Kadis's POST of the second case (the user then submits the
form again to web server B, as after an error page); worker A while it renders a document
(stopped with SIGSTOP first, so that the kill lands before the PDF is archived; if worker
B took every rendering, a third case brings more); monitor A once both monitors have run
the failing check (one opened the outage, the other found it open: ``open_outage`` and the
one-open-outage-per-check constraint). The survivors carry on; the port is opened again
and monitor B ends the outage.

What is checked: every step done exactly once (one ``StepInstance`` and one audit event
each), every document issued once and its PDF archived once, present, matching its digest
(the one the killed worker held rendered again after the kill: ``jaga scheduler`` queues it
again once ``JAGA_RENDER_LEASE_SECONDS`` have passed, ``jaga.documents.scheduling``), one
outage of the check, opened and ended once, with one case; no notification twice and every
e-mail sent exactly once. All traffic stays on 127.0.0.0/8.

Which run of ``make test`` has it: the PostgreSQL run (``DATABASE_URL`` set), which never
skips it under CI=true. The processes use a PostgreSQL database of the test's own
(``jaga_multinode_<pid>`` on the server of ``tests/postgres_url.py``, 127.0.0.1:5432,
dropped afterwards) whatever the run, so the SQLite run skips it, saying so (it carries the
browser tests, which the PostgreSQL run leaves to it); Redis database 14 (``test_tasks_rq``
uses 15, in the SQLite run) is flushed before and after. A missing PostgreSQL or Redis
skips it with the reason, and fails it under CI=true.
About 75 s on two busy cores (a third of it migrating and loading the demo), most of the
rest waiting for the last PDFs.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import StartedJobRegistry
from rq.worker import Worker

from jaga.web.management.commands.run import RQ_BACKEND, task_worker_argv, web_argv
from tests.conftest import OWN_PROCESS_UNSET
from tests.postgres_url import LOCAL

ROOT = Path(__file__).resolve().parent.parent
JAGA = [sys.executable, "-m", "jaga"]
REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "jaga-demo"
AGENCY = "bolmut"
#: Seconds a document may wait for its PDF before the scheduler queues it again.
RENDER_LEASE_S = 5
RENDER_TASK = "jaga.documents.tasks.render_document"
T = TypeVar("T")


def unavailable(reason: str) -> None:
    """Skip with ``reason``; under CI=true fail with it."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def pg_url(database: str) -> str:
    """``LOCAL``'s server (tests/postgres_url.py) with ``database``."""
    parts = urllib.parse.urlsplit(LOCAL.replace("postgres://", "postgresql://", 1))
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture
def database() -> Iterator[str]:
    """A new PostgreSQL database's URL, dropped afterwards."""
    if not os.environ.get("DATABASE_URL"):
        pytest.skip(
            "runs its processes on a PostgreSQL database of its own whatever the run: the "
            "PostgreSQL run of make test has it"
        )
    name = f"jaga_multinode_{os.getpid()}"
    try:
        admin = psycopg.connect(pg_url("postgres"), autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        unavailable(f"no PostgreSQL at {pg_url('postgres')}: {str(exc).strip()}")
        raise  # not reached
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield pg_url(name).replace("postgresql://", "postgres://", 1)
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis() -> Iterator[Redis]:
    """Redis database 14 on 127.0.0.1, empty; flushed again afterwards."""
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisConnectionError as exc:
        unavailable(f"no Redis at {REDIS_URL}: {exc}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


# --- processes ------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def signal_tree(pid: int, sig: int) -> None:
    """Send ``sig`` to the process groups of ``pid`` and of all its descendants (an RQ
    work horse has a group of its own)."""
    groups = set()
    for member in process_tree(pid):
        with contextlib.suppress(ProcessLookupError):
            groups.add(os.getpgid(member))
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, sig)


@dataclass
class Cluster:
    """The child processes, by name, with their logs in ``logs``."""

    env: dict[str, str]
    logs: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(
        self, name: str, argv: list[str], extra: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` as ``name``, in a process group of its own, with ``env`` and
        ``extra``; its output goes to ``logs``."""
        out = (self.logs / f"{name}.out").open("wb")
        err = (self.logs / f"{name}.err").open("wb")
        child = subprocess.Popen(
            argv,
            env={**self.env, **(extra or {})},
            cwd=ROOT,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        out.close()
        err.close()
        self.children[name] = child
        return child

    def log(self, name: str) -> str:
        return "".join(
            (self.logs / f"{name}.{kind}").read_text(errors="replace")
            for kind in ("out", "err")
            if (self.logs / f"{name}.{kind}").exists()
        )

    def logged(self, name: str, text: str) -> bool:
        """Whether ``name`` has written ``text``."""
        return text in self.log(name)

    def tails(self) -> str:
        """The end of every child's log, for a failure's message."""
        return "\n".join(
            f"--- {name} (exit {child.poll()}):\n{self.log(name)[-1500:]}"
            for name, child in self.children.items()
        )

    def kill(self, name: str) -> None:
        """SIGKILL ``name`` and everything it started."""
        child = self.children[name]
        signal_tree(child.pid, signal.SIGKILL)
        child.wait(timeout=10)

    def kill_all(self) -> None:
        for child in self.children.values():
            signal_tree(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=10)


def wait_for(
    what: str,
    found: Callable[[], T | None],
    timeout: float,
    cluster: Cluster,
    detail: Callable[[], object] = lambda: "",
) -> T:
    """Poll ``found`` until it returns something not None (or False) within ``timeout``;
    else fail with ``detail()`` and the children's logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = found()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}: {detail()}\n{cluster.tails()}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Target:
    """The check's target: a TCP port on 127.0.0.1 that accepts while ``up``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.server: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.server = server
        self.thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self.thread.start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                connection, _address = server.accept()
            except OSError:
                return
            connection.close()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)


# --- people on the web ----------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    status: int
    location: str
    body: str


class Person:
    """One demo user's browser: their cookies, on whichever web server they are sent to."""

    def __init__(self, username: str) -> None:
        self.username = username
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )

    def request(self, base: str, path: str, data: dict[str, Any] | None = None) -> Response:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(f"{base}{path}", body, timeout=30) as answer:
                return Response(answer.status, "", answer.read().decode())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers.get("Location", ""), error.read().decode())

    def post_form(self, base: str, path: str, action: str, data: dict[str, Any]) -> Response:
        """Open ``path`` and post its form (with its CSRF token) to ``action``."""
        page = self.request(base, path)
        assert page.status == 200, (self.username, path, page.status, page.body[-2000:])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert token is not None, (self.username, path)
        return self.request(base, action, {**data, "csrfmiddlewaretoken": token.group(1)})

    def log_in(self, base: str) -> None:
        answer = self.post_form(
            base, "/login/", "/login/", {"username": self.username, "password": PASSWORD}
        )
        assert answer.status == 302, (self.username, answer.status, answer.body[-2000:])


class Web:
    """The web servers still up, taken in turn (as nginx's upstream does)."""

    def __init__(self, bases: list[str]) -> None:
        self.bases = list(bases)
        self.turn = 0

    def next(self) -> str:
        self.turn += 1
        return self.bases[self.turn % len(self.bases)]


# --- the database ---------------------------------------------------------------------------


class Db:
    """Read-only queries on the cluster's database."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(
            url.replace("postgres://", "postgresql://", 1), autocommit=True
        )

    def all(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def one(self, sql: str, *params: Any) -> Any:
        rows = self.all(sql, *params)
        assert len(rows) == 1, (sql, params, rows)
        return rows[0][0] if len(rows[0]) == 1 else rows[0]

    def user(self, username: str) -> int:
        pk: int = self.one("SELECT id FROM org_user WHERE username = %s", username)
        return pk

    def open_step(self, case: int) -> tuple[int, str]:
        row: tuple[int, str] = self.one(
            "SELECT id, step_no FROM workflow_stepinstance WHERE case_id = %s AND status = 'open'",
            case,
        )
        return row


SETUP = """
from django.core.management import call_command
from jaga.inventory.models import Device
from jaga.monitoring.models import Check, CheckKind, MaintenanceWindow
from jaga.tenancy.models import Agency

call_command("migrate", "--noinput", verbosity=0)
call_command("demo", "--quiet")
agency = Agency.objects.get(slug="{agency}")
device = Device.objects.filter(agency=agency, site__opd__isnull=False).order_by("pk").first()
MaintenanceWindow.objects.filter(agency=agency).delete()
check = Check.objects.create(
    agency=agency, name="multinode tcp", kind=CheckKind.TCP, device=device,
    target="127.0.0.1", port={port}, interval_s=5, timeout_s=1.0, retries=1, recoveries=1,
)
print("check", check.pk)
"""

COLLECT = "import django; django.setup(); from jaga.web.collected import collect_static; "


def walk_case(
    web: Web,
    people: dict[str, Person],
    db: Db,
    number: int,
    *,
    kill_web: Callable[[], None] | None = None,
) -> int:
    """An OPD user reports a disruption; the Kadis forwards it to the Kabid (2), the Kabid
    to the Kasi (3), the Kasi appoints a technician (4): three documents. ``kill_web`` runs
    while the Kadis's POST is in flight (the user then posts it again). The case's id."""
    problem = f"Koneksi putus {number}"
    since = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 86400))
    answer = people["dinkes"].post_form(
        web.next(),
        "/lapor/",
        "/lapor/",
        {
            "location": "Gedung Dinkes lantai 1",
            "problem": problem,
            "since": since,
            "contact_name": "Petugas Dinkes",
            "contact_phone": "081234567890",
        },
    )
    assert answer.status == 302, answer.body[-3000:]
    assert answer.location == "/lapor/saya/"
    case: int = db.one("SELECT id FROM workflow_case WHERE title = %s", problem)
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("kadis", "2", {"recipient": db.user(f"{AGENCY}.kabid"), "instructions": "Tindak lanjuti"}),
        ("kabid", "3", {"recipient": db.user(f"{AGENCY}.kasi"), "instructions": "Tindak lanjuti"}),
        ("kasi", "4", {"people": [db.user(f"{AGENCY}.teknisi1")]}),
    ]
    for role, step_no, data in steps:
        step, waiting = db.open_step(case)
        assert waiting == step_no
        person, path = people[role], f"/kasus/{case}/"
        action = f"{path}langkah/{step}/"
        if step_no == "2" and kill_web is not None:
            answer = post_killed(web, person, path, action, data, kill_web)
        else:
            answer = person.post_form(web.next(), path, action, data)
        assert answer.status == 302, (role, answer.body[-3000:])
        assert answer.location == path
    assert db.open_step(case)[1] == "5"
    return case


def post_killed(
    web: Web,
    person: Person,
    path: str,
    action: str,
    data: dict[str, Any],
    kill_web: Callable[[], None],
) -> Response:
    """Post the step's form to the first web server and kill it meanwhile; then post the
    same form again to the survivor (the user's page failed: they go back and submit
    again). The survivor's answer."""
    first = web.bases[0]
    page = person.request(first, path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert page.status == 200
    assert token is not None
    form = {**data, "csrfmiddlewaretoken": token.group(1)}
    sent = threading.Thread(target=lambda: _ignore_errors(person.request, first, action, form))
    sent.start()
    time.sleep(0.05)
    kill_web()
    sent.join(timeout=30)
    web.bases.remove(first)
    return person.request(web.next(), action, form)


def _ignore_errors(fn: Callable[..., Any], *args: Any) -> None:
    with contextlib.suppress(OSError, urllib.error.URLError):  # the server died under it
        fn(*args)


def kill_worker_rendering(
    cluster: Cluster, redis: Redis, db: Db, name: str, timeout: float
) -> tuple[int, float] | None:
    """SIGKILL worker ``name`` (and its work horse) while it renders a document whose PDF is
    not archived yet: the worker is stopped (SIGSTOP) as soon as it holds a rendering, and
    killed if the document still has no PDF then (else it goes on, and the next one is
    waited for). The document's id and the time of the kill, or None."""
    worker_pid = cluster.children[name].pid
    rq_name = next(w.name for w in Worker.all(connection=redis) if w.pid == worker_pid)
    registry = StartedJobRegistry("default", connection=redis)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job_id in registry.get_job_ids(cleanup=False):
            try:
                job = Job.fetch(job_id, connection=redis)
            except NoSuchJobError:  # finished and gone meanwhile
                continue
            if job.func_name != RENDER_TASK or job.worker_name != rq_name:
                continue
            signal_tree(worker_pid, signal.SIGSTOP)
            document = int(job.args[0])
            digest = db.one("SELECT sha256 FROM documents_document WHERE id = %s", document)
            if digest == "" and job.get_status() == "started":
                killed_at = time.time()
                cluster.kill(name)
                return document, killed_at
            signal_tree(worker_pid, signal.SIGCONT)
        time.sleep(0.02)
    return None


# --- the test -------------------------------------------------------------------------------


def test_it_loses_nothing_and_does_nothing_twice_when_one_process_of_each_kind_dies(
    database: str, redis: Redis, tmp_path: Path
) -> None:
    started = time.monotonic()

    def note(what: str) -> None:
        print(f"{time.monotonic() - started:5.1f} s: {what}")

    data, logs = tmp_path / "data", tmp_path / "logs"
    data.mkdir()
    logs.mkdir()
    ports = {"web-a": free_port(), "web-b": free_port(), "target": free_port()}
    env = {k: v for k, v in os.environ.items() if k not in OWN_PROCESS_UNSET}
    env.update(
        {
            "DATABASE_URL": database,
            "JAGA_DATA_DIR": str(data),
            "JAGA_SECRET_KEY": secrets.token_urlsafe(50),
            "JAGA_TASK_BACKEND": "rq",
            "JAGA_REDIS_URL": REDIS_URL,
            "JAGA_PUBLIC_URL": f"http://127.0.0.1:{ports['web-a']}",
            "JAGA_RENDER_LEASE_SECONDS": str(RENDER_LEASE_S),
            "JAGA_SCHEDULER_POLL_SECONDS": "1",
        }
    )
    cluster = Cluster(env, logs)
    target = Target(ports["target"])
    target.up()
    db: Db | None = None
    try:
        # One machine migrates and loads the demo while another collects the static files;
        # the web servers and workers start once these are collected (the workers render
        # the demo's documents as it loads them), the monitors and the scheduler once the
        # demo is in.
        setup = cluster.start(
            "setup",
            [*JAGA, "shell", "-c", SETUP.format(agency=AGENCY, port=ports["target"])],
        )
        collect = cluster.start(
            "collectstatic",
            [sys.executable, "-c", COLLECT + "collect_static()"],
            {"DJANGO_SETTINGS_MODULE": "jaga.settings"},
        )
        assert collect.wait(timeout=120) == 0, cluster.tails()
        worker = task_worker_argv(RQ_BACKEND, ["default"])
        assert worker is not None
        for name in ("web-a", "web-b"):
            gunicorn = web_argv(f"127.0.0.1:{ports[name]}", 1)
            cluster.start(name, [sys.executable, "-m", "gunicorn", *gunicorn])
        for name in ("worker-a", "worker-b"):
            cluster.start(name, [*JAGA, *worker])
        assert setup.wait(timeout=120) == 0, cluster.tails()
        note("migrated, demo loaded")
        check = int(re.findall(r"check (\d+)", cluster.log("setup"))[-1])
        for name in ("monitor-a", "monitor-b"):
            # Two "machines" on one host: each its own heartbeat.
            cluster.start(name, [*JAGA, "monitor", "--agency", AGENCY, "--name", name])
        cluster.start("scheduler", [*JAGA, "scheduler"])
        db = Db(database)

        bases = [f"http://127.0.0.1:{ports[name]}" for name in ("web-a", "web-b")]
        probe = Person("-")
        for base in bases:
            wait_for(f"{base}/healthz", functools.partial(ok, probe, base), 60, cluster)
        wait_for("two RQ workers", lambda: len(Worker.all(connection=redis)) == 2, 60, cluster)
        for name in ("monitor-a", "monitor-b"):
            wait_for(
                f"{name} on the check",
                functools.partial(cluster.logged, name, "monitoring 1 checks"),
                60,
                cluster,
            )
        wait_for(
            "the check up",
            lambda: db.all(
                "SELECT 1 FROM monitoring_checkstate WHERE monitor_check_id = %s AND last_ok",
                check,
            ),
            30,
            cluster,
        )
        note("all up; the target goes down")
        target.down()

        web = Web(bases)
        people = {role: Person(f"{AGENCY}.{role}") for role in ("dinkes", "kadis", "kabid", "kasi")}
        for person in people.values():
            person.log_in(web.next())
        cases = [walk_case(web, people, db, 1)]
        cases.append(walk_case(web, people, db, 2, kill_web=lambda: cluster.kill("web-a")))
        note("web server A killed during a step's POST; the step posted again to B")
        killed = kill_worker_rendering(cluster, redis, db, "worker-a", 15)
        if killed is None:  # worker B took every rendering: more work, and try again
            cases.append(walk_case(web, people, db, len(cases) + 1))
            killed = kill_worker_rendering(cluster, redis, db, "worker-a", 15)
        assert killed is not None, "worker A never held a rendering\n" + cluster.tails()
        held, killed_at = killed
        note(f"worker A killed while rendering document {held}")

        outage, confirmed = wait_for(
            "the outage",
            lambda: db.all(
                "SELECT id, extract(epoch FROM confirmed_at) FROM monitoring_outage"
                " WHERE monitor_check_id = %s",
                check,
            ),
            30,
            cluster,
        )[0]
        # Both monitors have run the failing check since, and tried to open its outage
        # (one created it, the other adopted it): a run every 5 s, a flush every second.
        time.sleep(max(0.0, float(confirmed) + 7.0 - time.time()))
        outages = db.all("SELECT id FROM monitoring_outage WHERE monitor_check_id = %s", check)
        assert outages == [(outage,)]
        cluster.kill("monitor-a")
        note("monitor A killed during the outage; the target comes back")
        target.up()

        wait_for(
            "the outage's end (by monitor B)",
            lambda: db.all(
                "SELECT 1 FROM monitoring_outage WHERE id = %s AND ended_at IS NOT NULL", outage
            ),
            30,
            cluster,
        )
        wait_for(
            "every PDF (worker B, and the scheduler's requeueing of the killed one)",
            lambda: not db.all("SELECT id FROM documents_document WHERE sha256 = ''"),
            60,
            cluster,
            lambda: (
                held,
                db.all(
                    "SELECT id, case_id, numbered_by, number, issued_at, now()"
                    " FROM documents_document WHERE sha256 = ''"
                ),
            ),
        )
        wait_for(
            "the notices due sent",
            lambda: (
                not db.all(
                    "SELECT id FROM notifications_delivery WHERE status = 'sending'"
                    " OR (status = 'pending' AND not_before <= now())"
                )
            ),
            30,
            cluster,
        )
        note("all done")

        assert_steps_once(db, cases)
        assert_documents_once(db, cases, data, held, killed_at)
        assert_one_outage(db, check)
        assert_notices_once(db, data)
        # The survivors ran to the end.
        for name in ("web-b", "worker-b", "monitor-b", "scheduler"):
            assert cluster.children[name].poll() is None, cluster.tails()
    finally:
        cluster.kill_all()
        target.down()
        if db is not None:
            db.connection.close()


def ok(person: Person, base: str) -> bool:
    try:
        return person.request(base, "/healthz").status == 200
    except OSError:
        return False


def assert_steps_once(db: Db, cases: list[int]) -> None:
    """Steps 1-4 of each case done once, step 5 open once; one audit event per step."""
    for case in cases:
        rows = db.all(
            "SELECT id, step_no, status FROM workflow_stepinstance WHERE case_id = %s"
            " ORDER BY started_at, id",
            case,
        )
        assert [(no, status) for _pk, no, status in rows] == [
            ("1", "done"),
            ("2", "done"),
            ("3", "done"),
            ("4", "done"),
            ("5", "open"),
        ]
        for pk, _no, status in rows:
            if status == "done":
                events = db.all(
                    "SELECT action FROM audit_event WHERE action = 'step.completed'"
                    " AND object_id = %s",
                    str(pk),
                )
                assert len(events) == 1, (case, pk, events)
    reported = db.all("SELECT id FROM workflow_case WHERE title LIKE 'Koneksi putus %%'")
    assert sorted(pk for (pk,) in reported) == sorted(cases)  # one case per report


def assert_documents_once(
    db: Db, cases: list[int], data: Path, held: int, killed_at: float
) -> None:
    """Three documents per case, each issued once, its PDF archived once and present."""
    rows = db.all(
        "SELECT id, case_id, document_type, version, pdf, sha256, token,"
        " extract(epoch FROM rendered_at) FROM documents_document ORDER BY id"
    )
    by_case: dict[int, list[str]] = {}
    for pk, case, kind, version, pdf, digest, token, rendered_at in rows:
        by_case.setdefault(case, []).append(kind)
        assert version == 1
        path = data / "media" / pdf
        assert path.is_file(), (pk, pdf)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        issued = db.all(
            "SELECT 1 FROM audit_event WHERE action = 'document.issued' AND object_id = %s",
            str(pk),
        )
        assert len(issued) == 1
        # One archived file; the killed worker may have left one it never archived.
        files = list(path.parent.glob(f"{token}-*.pdf"))
        assert len(files) == 1 or (pk == held and len(files) == 2), (pk, files)
        if pk == held:
            assert float(rendered_at) > killed_at  # rendered again, by the survivor
    for case in cases:  # the demo's documents are checked above too
        assert sorted(by_case[case]) == ["lembar_disposisi", "lembar_disposisi", "surat_tugas"]


def assert_one_outage(db: Db, check: int) -> None:
    """One outage of the check, opened and ended once, with one monitor case."""
    outages = db.all(
        "SELECT id, case_id, ended_at FROM monitoring_outage WHERE monitor_check_id = %s", check
    )
    assert len(outages) == 1
    outage, case, ended = outages[0]
    assert case is not None
    assert ended is not None
    monitor_cases = db.all(
        "SELECT id FROM workflow_case WHERE source = 'monitor'"
        " AND (data -> 'monitor' ->> 'check')::int = %s",
        check,
    )
    assert monitor_cases == [(case,)]
    for action in ("monitor.outage_opened", "monitor.outage_ended"):
        events = db.all(
            "SELECT 1 FROM audit_event WHERE action = %s AND object_id = %s", action, str(outage)
        )
        assert len(events) == 1, action
    told = db.all(
        "SELECT key FROM notifications_notification WHERE key LIKE %s", f"outage:{outage}:%"
    )
    assert {key for (key,) in told} == {f"outage:{outage}:opened", f"outage:{outage}:ended"}


def assert_notices_once(db: Db, data: Path) -> None:
    """No notification twice, and every e-mail sent written exactly once."""
    twice = db.all(
        "SELECT recipient_id, key FROM notifications_notification"
        " GROUP BY recipient_id, key HAVING count(*) > 1"
    )
    assert twice == []
    sent = db.all(
        "SELECT idempotency_key FROM notifications_delivery"
        " WHERE channel = 'email' AND status = 'sent'"
    )
    mail = data / "mail"
    texts = [p.read_text(errors="replace") for p in mail.iterdir()] if mail.exists() else []
    ids = re.findall(r"^Message-ID: <jaga-([^@>]+)@", "\n".join(texts), re.MULTILINE)
    assert sorted(ids) == sorted(key.replace(":", "-") for (key,) in sent)
