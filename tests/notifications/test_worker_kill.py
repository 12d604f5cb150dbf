"""Killing the task worker with SIGKILL in the middle of sending an e-mail, then starting
two workers and the scheduler, delivers every notification once (issue 15, acceptance).

The real processes run (``jaga db_worker``, ``jaga scheduler``) on a SQLite database of
their own, against an SMTP server on loopback. The server holds the fourth message open
until the test has killed the worker that sends it; as SMTP says, a message whose "250"
never reached its sender was not delivered (aiosmtpd drops it when the connection dies).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.conftest import copy_migrated_sqlite
from tests.notifications.conftest import free_port

COUNT = 12
HOLD_AT = 4
ROOT = Path(__file__).resolve().parents[2]


class HoldingHandler:
    """Accepts every message but the ``HOLD_AT``-th, which it holds until cancelled (its
    client died); counts accepted messages by Message-ID."""

    def __init__(self) -> None:
        self.accepted: Counter[str] = Counter()
        self.seen = 0
        self.holding = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.seen += 1
            seen = self.seen
        if seen == HOLD_AT:
            self.holding.set()
            await asyncio.sleep(120)  # cancelled when the killed worker's connection drops
        content = (envelope.original_content or b"").decode("utf-8", "replace")
        ids = [line for line in content.splitlines() if line.lower().startswith("message-id:")]
        with self.lock:
            self.accepted[ids[0].split(":", 1)[1].strip()] += 1
        return "250 OK"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The processes' environment: their own data directory and SQLite database."""
    values = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "JAGA_TASK_BACKEND")
    }
    values.update(
        JAGA_DATA_DIR=str(tmp_path / "data"),
        JAGA_SMTP_TLS="0",
        JAGA_DELIVERY_LEASE_SECONDS="2",
        JAGA_SCHEDULER_POLL_SECONDS="1",
        PYTHONPATH=str(ROOT),
    )
    return values


def start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jaga", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_it_delivers_every_notification_once_across_a_killed_worker(
    env: dict[str, str], request: pytest.FixtureRequest
) -> None:
    # The session's migrated database (skips in the PostgreSQL run: the SQLite run has it).
    copy_migrated_sqlite(request.getfixturevalue("migrated_sqlite"), Path(env["JAGA_DATA_DIR"]))
    handler = HoldingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = env | {"JAGA_SMTP_HOST": "127.0.0.1", "JAGA_SMTP_PORT": str(port)}
    children: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [sys.executable, "-m", "tests.notifications.outbox_fill", str(COUNT)],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=120,
        )
        first = start(env, "db_worker", "--no-reload", "--no-startup-delay")
        children.append(first)
        assert handler.holding.wait(90), "the worker never reached the held message"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        before_restart = sum(handler.accepted.values())
        assert before_restart == HOLD_AT - 1
        for _ in range(2):
            children.append(start(env, "db_worker", "--no-reload", "--no-startup-delay"))
        children.append(start(env, "scheduler", "--poll", "1"))
        deadline = time.monotonic() + 120
        while len(handler.accepted) < COUNT and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # a duplicate, if any, would arrive now
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        controller.stop()
    assert len(handler.accepted) == COUNT  # every notification arrived
    assert set(handler.accepted.values()) == {1}  # and none twice
    report = subprocess.run(
        [sys.executable, "-m", "tests.notifications.outbox_fill", "--report"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split("\n")
    rows = [line.split() for line in report if line]
    assert [status for _, status, _ in rows] == ["sent"] * COUNT
    attempts = sorted(int(n) for _, _, n in rows)
    assert attempts == [1] * (COUNT - 1) + [2]  # the held one was claimed again
