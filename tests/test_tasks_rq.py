"""With ``JAGA_TASK_BACKEND=rq`` Jaga's tasks go to Redis and django-rq's worker, started
with the arguments ``jaga run`` gives it, runs them (issue 19 point 4).

Needs Redis on 127.0.0.1:6379 (database 15, flushed by the test); without it the test
skips with the reason, except under CI=true, where it fails. Its processes run on a SQLite
database of their own, so the PostgreSQL run skips it: the SQLite run has it, and the two
runs of ``make test``, which go at once, never flush each other's Redis database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from rq.job import Job, JobStatus

from jaga.web.management.commands.run import RQ_BACKEND, task_worker_argv
from tests.conftest import OWN_PROCESS_UNSET

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis() -> Iterator[Redis]:
    """Redis database 15 on 127.0.0.1, empty; flushed again afterwards."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("runs its processes on a SQLite database of its own: the SQLite run has it")
    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisConnectionError as exc:
        reason = f"no Redis at {REDIS_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def jaga(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m jaga ARGS`` with the RQ backend on ``REDIS_URL`` and an empty data
    directory ``data``."""
    env = {k: v for k, v in os.environ.items() if k not in OWN_PROCESS_UNSET}
    env.update({"JAGA_DATA_DIR": str(data), "JAGA_TASK_BACKEND": "rq", "JAGA_REDIS_URL": REDIS_URL})
    return subprocess.run(
        [sys.executable, "-m", "jaga", *args], env=env, capture_output=True, text=True, timeout=120
    )  # a bound, not a wait: CI's busy two cores once took over 30 s to start and run a job


def test_it_queues_a_task_in_redis_and_the_rq_worker_runs_it(redis: Redis, tmp_path: Path) -> None:
    queued = jaga(
        ["shell", "-c", "from jaga.documents.services import queue_render; queue_render(4242)"],
        tmp_path,
    )
    assert queued.returncode == 0, queued.stderr
    queue = Queue("default", connection=redis)
    (job_id,) = queue.job_ids
    job = Job.fetch(job_id, connection=redis)
    assert job.func_name == "jaga.documents.tasks.render_document"
    assert job.args == (4242,)
    assert job.meta["backend_name"] == "default"

    worker = task_worker_argv(RQ_BACKEND, ["default"])
    assert worker is not None
    ran = jaga([*worker, "--burst"], tmp_path)  # the worker `jaga run` starts, until idle
    assert ran.returncode == 0, ran.stderr
    assert queue.job_ids == []
    job = Job.fetch(job_id, connection=redis)
    # The data directory has no database tables: Jaga's task ran and failed on reading them.
    assert job.get_status() == JobStatus.FAILED
    result = job.latest_result()
    assert result is not None
    assert "render_document" in str(result.exc_string)
    assert "documents_document" in str(result.exc_string)
