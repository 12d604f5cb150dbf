"""Benchmark of the SOP engine: step completions per second on SQLite and PostgreSQL.

Run: ``.venv/bin/python -m bench.engine [--cases 10000]``.

For each database (a fresh SQLite file; a fresh PostgreSQL database ``jaga_bench`` on the
local server or ``BENCH_POSTGRES_URL``) it migrates, loads the demo, then measures in the
same process:

1. the reference: single-row INSERTs, each its own transaction (autocommit), into a plain
   table — the raw write rate of that database on this machine;
2. starting ``--cases`` cases of Bolaang Mongondow Utara's seed SOP from an OPD report
   (each start also completes step 1, the report);
3. completing step 2 (the Kadis's disposition) of every one of those cases, with the
   10,000 cases in the database.

It prints rates and the ratio engine / raw INSERT (how many raw INSERTs one completion
costs). Each database runs in its own subprocess because settings are per process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def fresh_postgres(url: str, name: str = "jaga_bench") -> str:
    """Drop and create database ``name`` on the server of ``url``; returns its URL."""
    import psycopg

    admin_url = url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def setup_django(*, sqlite: bool, name: str) -> None:
    """Point Jaga at a fresh database for benchmark ``name`` (a new SQLite file under a
    temporary data directory, or database ``name`` on ``BENCH_POSTGRES_URL``, by default
    the local server) and set Django up."""
    os.environ["JAGA_DATA_DIR"] = tempfile.mkdtemp(prefix=f"{name}-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jaga.settings"
    if sqlite:
        os.environ.pop("DATABASE_URL", None)
    else:
        url = os.environ.get("BENCH_POSTGRES_URL", LOCAL_POSTGRES)
        os.environ["DATABASE_URL"] = fresh_postgres(url, name)
    import django

    django.setup()


def worker(database: str, cases: int) -> dict[str, float | int | str]:
    os.environ["JAGA_DATA_DIR"] = tempfile.mkdtemp(prefix="jaga-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jaga.settings"
    if database == "postgresql":
        os.environ["DATABASE_URL"] = fresh_postgres(
            os.environ.get("BENCH_POSTGRES_URL", LOCAL_POSTGRES)
        )
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from jaga.org.models import User
    from jaga.sop.models import SopDefinition
    from jaga.workflow.models import CaseSource, StepInstance
    from jaga.workflow.services import complete_step, start_case

    call_command("migrate", verbosity=0)
    call_command("demo", "--quiet")

    key = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_insert (id {key} PRIMARY KEY, payload TEXT, at TEXT)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for number in range(cases):
            cursor.execute(
                "INSERT INTO bench_insert (payload, at) VALUES (%s, %s)",
                [f"row {number}", dt.datetime.now(dt.UTC).isoformat()],
            )
    insert_seconds = time.perf_counter() - started

    definition = SopDefinition.objects.get(agency__slug="bolmut", is_current=True)
    reporter = User.objects.get(username="bolmut.dinkes")
    kadis = User.objects.get(username="bolmut.kadis")
    kabid = User.objects.get(username="bolmut.kabid")
    at = dt.datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    started = time.perf_counter()
    for number in range(cases):
        start_case(
            definition,
            source=CaseSource.REPORT,
            title=f"Gangguan {number}",
            reporter=reporter,
            at=at,
        )
    start_seconds = time.perf_counter() - started

    waiting = list(StepInstance.objects.filter(step_no="2", status="open").order_by("pk"))
    started = time.perf_counter()
    for step in waiting:
        complete_step(step, kadis, named=[kabid], at=at + dt.timedelta(minutes=20))
    complete_seconds = time.perf_counter() - started
    return {
        "database": database,
        "cases": cases,
        "insert_per_s": cases / insert_seconds,
        "start_per_s": cases / start_seconds,
        "complete_per_s": len(waiting) / complete_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.database[0], args.cases)))
        return
    rows = []
    for database in args.database or ["sqlite", "postgresql"]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.engine",
                "--worker",
                "--database",
                database,
                "--cases",
                str(args.cases),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"{database}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.cases} cases per database")
    print(
        f"{'database':<11} {'raw INSERT/s':>13} {'case starts/s':>14} "
        f"{'completions/s':>14} {'ratio':>7}"
    )
    for row in rows:
        ratio = float(row["complete_per_s"]) / float(row["insert_per_s"])
        print(
            f"{row['database']:<11} {row['insert_per_s']:>13.0f} {row['start_per_s']:>14.0f} "
            f"{row['complete_per_s']:>14.0f} {ratio:>7.3f}"
        )


if __name__ == "__main__":
    main()
