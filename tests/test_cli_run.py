"""`jaga run --bind` gives its children the public URL of the server it starts, so that
documents' QR codes and footers point at it (issue 13 point 11)."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.test import override_settings

from jaga.web.management.commands.run import (
    ProcessSpec,
    Supervisor,
    child_environment,
    processes,
    web_argv,
)
from tests.conftest import copy_migrated_sqlite


def test_it_gives_the_children_the_public_url_of_the_bind_address() -> None:
    env, note = child_environment("127.0.0.1:8123", {"PATH": "/usr/bin"}, "kominfo-srv")
    assert env == {"PATH": "/usr/bin", "JAGA_PUBLIC_URL": "http://127.0.0.1:8123"}
    assert note is not None
    assert "http://127.0.0.1:8123" in note


def test_it_keeps_a_public_url_that_is_set() -> None:
    given = {"JAGA_PUBLIC_URL": "https://jaga.example.go.id"}
    env, note = child_environment("0.0.0.0:8123", given, "kominfo-srv")
    assert env == given
    assert note is None


def test_it_uses_the_machines_name_for_every_address_and_says_so() -> None:
    env, note = child_environment("0.0.0.0:8080", {"JAGA_PUBLIC_URL": " "}, "kominfo-srv")
    assert env["JAGA_PUBLIC_URL"] == "http://kominfo-srv:8080"
    assert note is not None
    assert "set JAGA_PUBLIC_URL" in note


def test_it_warns_when_the_bind_has_no_address_to_point_at() -> None:
    env, note = child_environment("unix:/run/jaga.sock", {}, "kominfo-srv")
    assert "JAGA_PUBLIC_URL" not in env
    assert note is not None
    assert "cannot be derived from --bind unix:/run/jaga.sock" in note


def test_it_starts_the_children_with_the_environment_it_is_given(tmp_path: Path) -> None:
    seen = tmp_path / "seen"
    script = f"import os; open({str(seen)!r}, 'w').write(os.environ['JAGA_PUBLIC_URL'])"
    spec = ProcessSpec("probe", [sys.executable, "-c", script])
    out = io.StringIO()
    status = Supervisor([spec], out, {"JAGA_PUBLIC_URL": "http://192.0.2.7:8123"}).run()
    assert status == 1  # a child that exits stops the others
    assert seen.read_text() == "http://192.0.2.7:8123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> set[int]:
    """Direct child pids, from /proc (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def test_jaga_run_exports_the_bind_address_as_public_url_to_the_web_server(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "JAGA_PUBLIC_URL")
    }
    env["JAGA_DATA_DIR"] = str(copy_migrated_sqlite(migrated_sqlite, tmp_path))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jaga",
            "run",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--no-tasks",
            "--no-scheduler",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # collectstatic first: slow on a busy machine
        children: set[int] = set()
        while not children and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            children = children_of(process.pid)
        assert len(children) == 1, "the web server did not start"
        (web,) = children
        # Between its fork and its exec the child still shows jaga run's own environment
        # (a CI run read it there once): wait for the exec, then read the server's own.
        parent_cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        while time.monotonic() < deadline:
            if Path(f"/proc/{web}/cmdline").read_bytes() != parent_cmdline:
                break
            time.sleep(0.05)
        environ = Path(f"/proc/{web}/environ").read_bytes().split(b"\0")
        assert f"JAGA_PUBLIC_URL=http://127.0.0.1:{port}".encode() in environ
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read().decode() if process.stdout else ""
    assert f"Dokumen mengarah ke http://127.0.0.1:{port}" in output  # Indonesian, the default


def worker_of(specs: list[ProcessSpec]) -> list[str] | None:
    """The argv of the ``tasks`` child among ``specs``, or None."""
    found = [spec.argv for spec in specs if spec.name == "tasks"]
    return found[0] if found else None


def test_it_starts_the_database_worker_with_the_database_backend() -> None:
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=tasks):
        specs = processes("127.0.0.1:8000", 2, with_worker=True)
    assert worker_of(specs) == [sys.executable, "-m", "jaga", "db_worker", "--no-reload"]
    assert [spec.name for spec in specs][:3] == ["web", "tasks", "scheduler"]


def test_it_starts_the_rq_worker_on_every_queue_with_the_rq_backend() -> None:
    tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "bulk"]}}
    with override_settings(TASKS=tasks):
        specs = processes("127.0.0.1:8000", 2, with_worker=True)
    assert worker_of(specs) == [
        *(sys.executable, "-m", "jaga", "rqworker"),
        *("--job-class", "django_tasks_rq.Job", "--with-scheduler", "default", "bulk"),
    ]


def test_it_starts_no_worker_with_the_immediate_backend_or_without_tasks() -> None:
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        assert worker_of(processes("127.0.0.1:8000", 2, with_worker=True)) is None
    rq = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq):
        assert worker_of(processes("127.0.0.1:8000", 2, with_worker=False)) is None


def test_it_serves_with_gunicorn_without_a_control_socket() -> None:
    (web, *_) = processes("0.0.0.0:8001", 3, with_worker=False, with_scheduler=False)
    assert web.argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert web.argv[3:] == web_argv("0.0.0.0:8001", 3)
    assert web.argv[web.argv.index("--bind") + 1] == "0.0.0.0:8001"
    assert web.argv[web.argv.index("--workers") + 1] == "3"
    assert "--no-control-socket" in web.argv


def test_every_queue_jagas_tasks_use_is_served() -> None:
    import importlib

    from django.conf import settings
    from django_tasks.base import Task

    package = Path(__file__).resolve().parent.parent / "jaga"
    found: dict[str, str] = {}
    for path in package.rglob("tasks.py"):
        module = importlib.import_module(
            ".".join(path.relative_to(package.parent).with_suffix("").parts)
        )
        for name, value in vars(module).items():
            if isinstance(value, Task):
                found[f"{module.__name__}.{name}"] = value.queue_name
    assert "jaga.documents.tasks.render_document" in found
    assert set(found.values()) <= set(settings.TASKS["default"]["QUEUES"])
    assert set(settings.TASKS["default"]["QUEUES"]) == set(settings.JAGA_TASK_QUEUES)
