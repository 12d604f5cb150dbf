"""Benchmark of ``jaga scheduler``: maintenance rounds started per second when 10,000 plans
fall due at once (issue 14, Acceptance), against the engine's own case-start rate.

Run: ``.venv/bin/python -m bench.scheduler [--plans 10000] [--cases 2000]
[--database sqlite|postgresql]`` (PostgreSQL: a fresh database ``jaga_bench_scheduler`` on
the local server or ``BENCH_POSTGRES_URL``; SQLite: a fresh file).

For each database, in its own subprocess, it migrates, makes an agency with a Kasi, a
technician, one OPD with two sites and a router at each, and a three-step periodic SOP, then
measures in the same process:

1. the reference: ``start_case`` of that SOP ``--cases`` times (the engine alone);
2. ``run_once`` (one pass of ``jaga scheduler``) over ``--plans`` plans all due now: each
   round is a claim by compare-and-set, the next occurrence computed from the RRULE and the
   working calendar, the case started, its sites and devices set, the round and its audit
   event written, one transaction per round.

It prints both rates and their ratio (rounds per second / case starts per second: the cost
of everything around the case start).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time

from bench.engine import setup_django

ROUND_SOP = """
format: jaga-sop/1
code: rutin
identity:
  nama: Pemeliharaan Rutin (bench)
  instansi: [DINAS BENCH]
start: [schedule, manual]
lanes:
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Kasi menyusun rencana kerja, lane: kasi, kind: report, waktu: 3 Hari}
  - {no: 2, kegiatan: Tim melakukan pemeliharaan, lane: teknis, waktu: 1 hari}
  - {no: 3, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [2], waktu: 1 hari}
"""


def worker(database: str, plans: int, cases: int) -> dict[str, float | int | str]:
    """Measure one database (module docstring); returns the rates as a dict."""
    setup_django(sqlite=database == "sqlite", name="jaga_bench_scheduler")
    from django.core.management import call_command
    from django.utils import timezone

    from jaga.inventory.models import Device, Site
    from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
    from jaga.maintenance.scheduling import run_once
    from jaga.org.models import Opd, OrgUnit, Position
    from jaga.sop.services import load_definition
    from jaga.tenancy.models import Agency
    from jaga.tenancy.services import install_default_working_hours
    from jaga.workflow.models import CaseSource
    from jaga.workflow.services import start_case

    call_command("migrate", verbosity=0)
    agency = Agency.objects.create(
        slug="bench",
        name="Dinas Komunikasi dan Informatika Bench",
        short_name="Diskominfo",
        government_name="Pemerintah Kota Bench",
        region_kind="kota",
        region_name="Kota Bench",
        kemendagri_code="32.71",
        timezone="Asia/Jakarta",
    )
    install_default_working_hours(agency)
    unit = OrgUnit.objects.create(agency=agency, name="Dinas", kind="dinas")
    for code in ("kasi", "teknisi"):
        Position.objects.create(agency=agency, code=code, title=code, unit=unit)
    opd = Opd.objects.create(agency=agency, name="Dinas Kesehatan", abbreviation="Dinkes")
    for number in (1, 2):
        site = Site.objects.create(
            agency=agency, code=f"s{number}", name=f"Gedung {number}", opd=opd
        )
        Device.objects.create(agency=agency, name=f"Router {number}", kind="router", site=site)
    definition = load_definition(agency, ROUND_SOP, path="rutin.yaml").definition

    now = timezone.now()
    started = time.perf_counter()
    for number in range(cases):
        start_case(definition, source=CaseSource.MANUAL, title=f"Rutin {number}", opd=opd, at=now)
    start_seconds = time.perf_counter() - started

    due = now - dt.timedelta(minutes=1)
    rows = MaintenancePlan.objects.bulk_create(
        MaintenancePlan(
            agency=agency,
            name=f"Rencana {number:05d}",
            sop_code="rutin",
            preset="monthly",
            rrule="FREQ=MONTHLY;BYMONTHDAY=1",
            start_date=timezone.localdate(due).replace(day=1),
            visit_time=dt.time(8, 0),
            next_nominal_date=timezone.localdate(due),
            next_occurrence=due,
            next_due_at=due,
        )
        for number in range(plans)
    )
    through = MaintenancePlan.opds.through
    through.objects.bulk_create(through(maintenanceplan_id=row.pk, opd_id=opd.pk) for row in rows)

    started = time.perf_counter()
    rounds = run_once(batch=500)
    round_seconds = time.perf_counter() - started
    assert rounds == plans == MaintenanceRound.objects.count(), (rounds, plans)
    return {
        "database": database,
        "plans": plans,
        "cases": cases,
        "start_per_s": cases / start_seconds,
        "rounds_per_s": rounds / round_seconds,
        "round_seconds": round_seconds,
    }


def main() -> None:
    """Run each database in its own subprocess and print the table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.database[0], args.plans, args.cases)))
        return
    results = []
    for database in args.database or ["sqlite", "postgresql"]:
        argv = [sys.executable, "-m", "bench.scheduler", "--worker", "--database", database]
        argv += ["--plans", str(args.plans), "--cases", str(args.cases)]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{database}: failed\n{done.stderr[-3000:]}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.plans} plans due at once, "
        f"{args.cases} reference case starts"
    )
    print(f"{'database':<11} {'case starts/s':>14} {'rounds/s':>9} {'ratio':>7} {'all rounds':>11}")
    for row in results:
        ratio = float(row["rounds_per_s"]) / float(row["start_per_s"])
        print(
            f"{row['database']:<11} {row['start_per_s']:>14.0f} {row['rounds_per_s']:>9.0f} "
            f"{ratio:>7.2f} {row['round_seconds']:>10.0f}s"
        )


if __name__ == "__main__":
    main()
