"""``jaga scheduler`` as processes on PostgreSQL (issue 14, Acceptance): two schedulers
and one killed with SIGKILL mid-run over 100 occurrences start exactly one round each.

Plans are made relative to now: 50 daily plans whose two occurrences were 40 and 39 days
ago (a day off moves them by days, never to the future), so all 100 are due, missed, and
start late."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.maintenance.services import save_plan
from jaga.workflow.models import Case
from tests.maintenance.conftest import Plant

pytestmark = pytest.mark.django_db(transaction=True)

PLANS = 50


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def scheduler(log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "JAGA_DATA_DIR": str(settings.DATA_DIR),
        "JAGA_TASK_BACKEND": "immediate",
    }
    argv = [sys.executable, "-m", "jaga", "scheduler", "--poll", "0.2", "--batch", "7"]
    with log.open("ab") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)


def test_two_schedulers_and_a_sigkill_start_each_of_100_occurrences_once(
    plant: Plant, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    now = timezone.now()
    start = timezone.localdate(now) - dt.timedelta(days=40)
    for number in range(PLANS):
        plan = MaintenancePlan(
            agency=plant.agency,
            name=f"Rencana {number:02d}",
            sop_code="rutin",
            preset="custom",
            rrule="FREQ=DAILY;COUNT=2",
            start_date=start,
            visit_time=dt.time(8, 0),
        )
        save_plan(
            plan, by=None, opds=[plant.opd], sites=[], team=[], now=now - dt.timedelta(days=60)
        )
    assert MaintenancePlan.objects.filter(next_due_at__lte=now).count() == PLANS

    logs = [tmp_path / f"scheduler-{i}.log" for i in range(3)]
    first, second = scheduler(logs[0]), scheduler(logs[1])
    processes = [first, second]
    try:
        deadline = time.monotonic() + 60
        while MaintenanceRound.objects.count() < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        processes.append(scheduler(logs[2]))
        deadline = time.monotonic() + 180
        while MaintenanceRound.objects.count() < 2 * PLANS and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # one more pass of each: nothing more may start
    finally:
        for process in processes[1:]:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)

    output = "\n".join(log.read_text(errors="replace") for log in logs)
    assert first.returncode == -signal.SIGKILL
    assert [p.returncode for p in processes[1:]] == [0, 0], output
    assert MaintenanceRound.objects.count() == 2 * PLANS, output
    assert Case.objects.count() == 2 * PLANS
    per_plan = MaintenanceRound.objects.values("plan").annotate(n=Count("pk"))
    assert {row["n"] for row in per_plan} == {2}
    assert not MaintenanceRound.objects.filter(is_late=False).exists()
    assert not MaintenancePlan.objects.filter(next_due_at__isnull=False).exists()
    # The claims never collided in the database: no duplicate was refused by a constraint.
    assert "IntegrityError" not in output
    assert "Traceback" not in output
