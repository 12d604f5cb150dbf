"""`jaga run` serves the web app and the task worker, and stops both together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import copy_migrated_sqlite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> set[int]:
    """Direct child pids, from /proc (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(child) for child in text)
    return found


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


@pytest.fixture(scope="module")
def jaga_env(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> dict[str, str]:
    """An environment with its own migrated SQLite data directory (a copy of the session's
    ``migrated_sqlite``)."""
    data = copy_migrated_sqlite(migrated_sqlite, tmp_path_factory.mktemp("run-data"))
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["JAGA_DATA_DIR"] = str(data)
    return env


def wait_for(url: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return int(response.status)
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def start_jaga_run(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jaga", "run", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_it_serves_pages_and_stops_web_worker_and_scheduler_on_ctrl_c(
    jaga_env: dict[str, str],
) -> None:
    port = free_port()
    process = start_jaga_run(jaga_env, port)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", 60) == 200
        assert wait_for(f"http://127.0.0.1:{port}/", 10) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/web/jaga.css") as css:
            assert b".lane-cell" in css.read()
        vendored = f"http://127.0.0.1:{port}/static/vendor/tabler/tabler.min.css"
        with urllib.request.urlopen(vendored) as css:
            assert b"Tabler" in css.read(2000)
        children = children_of(process.pid)
        assert len(children) == 3  # gunicorn, the task worker and the scheduler
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        for child in children:
            assert not alive(child), f"child {child} still running"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = process.stdout.read().decode() if process.stdout else ""
    assert f"http://127.0.0.1:{port}/" in output


def test_it_stops_the_worker_and_fails_when_the_web_server_cannot_start(
    jaga_env: dict[str, str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        process = start_jaga_run(jaga_env, taken.getsockname()[1])
        try:
            assert process.wait(timeout=90) == 1
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = process.stdout.read().decode() if process.stdout else ""
    assert "web exited" in output
