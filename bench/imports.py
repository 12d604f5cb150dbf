"""Benchmark of the inventory import: devices per second from a CSV file, as the import page
runs it in the background (issue 13 point 7: "100,000 rows in under a minute on PostgreSQL").

Run: ``.venv/bin/python -m bench.imports [--rows 10000 100000] [--sqlite] [--profile]``
(PostgreSQL: a fresh database ``jaga_bench_imports``, created and dropped at the end through
the ``postgres`` database of the local server or of ``BENCH_POSTGRES_URL``; ``--sqlite``: a
fresh SQLite file).

For each row count it makes a new agency with 500 sites and writes a devices CSV of that
many rows as an administrator would upload it: every device with a serial number, an asset
code, a management address, 250 distribution switches and every other device with one of
them as its uplink (given by serial number), a fifth of them without a serial number (known
by site and name). It measures, in the same run:

1. the references: parsing the CSV alone (``tabular.read_table``), and the plainest write
   of the same rows: one ``executemany`` INSERT of the device columns into a plain table,
   values ready, no ORM, in one transaction;
2. the import job (``jaga.inventory.jobs.run_job``, what the background task runs): read,
   check every row, write the devices, their addresses and their audit events in one
   transaction, with progress written to the job row;
3. importing the same file again (every row unchanged: nothing is written).

It prints seconds, rows per second and each time as a multiple of the two references.
``--profile`` prints the top of a cProfile of the first import of the largest count.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import os
import pstats
import random
import time
from typing import TYPE_CHECKING

from bench.engine import setup_django

if TYPE_CHECKING:
    from jaga.inventory.models import ImportJob
    from jaga.org.models import User
    from jaga.tenancy.models import Agency

NAME = "jaga_bench_imports"
ADMIN_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SITES = 500
SWITCHES = 250
KINDS = {"access_point": 60, "ont_modem": 10, "radio": 8, "server": 6, "other": 6, "router": 4}
VENDORS = ["MikroTik", "Cisco", "Ubiquiti", "Ruijie", "TP-Link", "Huawei", "ZTE", "Fortinet"]
HEADER = [
    "nama",
    "jenis",
    "vendor",
    "model",
    "nomor_seri",
    "kode_barang",
    "status",
    "kode_situs",
    "ip_manajemen",
    "uplink",
    "catatan",
]


def devices_csv(rows: int, seed: int = 7) -> bytes:
    """A devices file of ``rows`` rows over sites ``s000``…``s499`` (module docstring)."""
    rng = random.Random(seed)
    kinds, weights = list(KINDS), list(KINDS.values())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for number in range(rows):
        switch = number < SWITCHES
        site = f"s{(2 * number if switch else rng.randrange(SITES)) % SITES:03d}"
        kind = "switch" if switch else rng.choices(kinds, weights)[0]
        serial = f"IM{number:07d}" if switch or number % 5 else ""
        address = f"10.{100 + (number >> 16) % 100}.{(number >> 8) & 255}.{number & 255}"
        writer.writerow(
            [
                f"{kind}-{site}-{number}",
                kind,
                rng.choice(VENDORS),
                f"M-{rng.randrange(100, 999)}",
                serial,
                f"02.06.02.{number:07d}",
                "in_service",
                site,
                address,
                "" if switch else f"IM{rng.randrange(SWITCHES):07d}",
                "",
            ]
        )
    return out.getvalue().encode("utf-8")


def make_agency(slug: str) -> tuple[Agency, User]:
    """A new agency ``slug`` with ``SITES`` sites and its administrator."""
    from jaga.inventory.models import Site
    from jaga.org.models import User
    from jaga.tenancy.models import Agency

    agency = Agency.objects.create(
        slug=slug,
        name=f"Dinas Komunikasi dan Informatika {slug}",
        short_name="Diskominfo",
        government_name=f"Pemerintah Kabupaten {slug}",
        region_kind="kabupaten",
        region_name=f"Kabupaten {slug}",
        kemendagri_code="71.08",
        timezone="Asia/Makassar",
    )
    Site.objects.bulk_create(
        [Site(agency=agency, code=f"s{n:03d}", name=f"Lokasi {n}") for n in range(SITES)]
    )
    user = User.objects.create_user(f"{slug}.admin", agency=agency, is_staff=True)
    return agency, user


def reference_insert(content: bytes) -> float:
    """Seconds for one executemany INSERT of the file's device columns into a plain table
    (created and dropped here), values ready, in one transaction."""
    from django.db import connection, transaction

    from jaga.inventory.tabular import read_table

    rows = [
        (
            v["nama"],
            v["jenis"],
            v["vendor"],
            v["model"],
            v["nomor_seri"],
            v["kode_barang"],
            v["status"],
            n % SITES + 1,
            v["catatan"],
        )
        for n, (_line, v) in enumerate(read_table("devices", content, "csv"))
    ]
    key = "BIGSERIAL" if connection.vendor == "postgresql" else "INTEGER"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_devices (id {key} PRIMARY KEY, name varchar(150), "
            "kind varchar(20), vendor varchar(100), model varchar(100), "
            "serial_number varchar(100), asset_code varchar(100), status varchar(20), "
            "site_id bigint, notes text)"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_devices (name, kind, vendor, model, serial_number, asset_code, "
            "status, site_id, notes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_devices")
    return elapsed


def run_import(agency: Agency, user: User, content: bytes) -> tuple[float, ImportJob]:
    """Seconds for one import job of ``content`` into ``agency``, and the finished job."""
    from jaga.inventory.jobs import run_job, start_job

    job = start_job(agency, user, "devices", "perangkat.csv", content, "csv", enqueue=False)
    started = time.perf_counter()
    run_job(job.pk)
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    return elapsed, job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="profile the largest import")
    args = parser.parse_args()
    # The server's maintenance database creates and drops ours (never the test databases).
    server = os.environ.setdefault("BENCH_POSTGRES_URL", ADMIN_POSTGRES)
    setup_django(sqlite=args.sqlite, name=NAME)
    from django.core.management import call_command
    from django.db import connection

    from jaga.inventory.models import Device
    from jaga.inventory.tabular import read_table

    try:
        call_command("migrate", verbosity=0)
        lines = []
        for rows in sorted(args.rows):
            agency, user = make_agency(f"bench-{rows}")
            content = devices_csv(rows)
            started = time.perf_counter()
            read_table("devices", content, "csv")
            parse = time.perf_counter() - started
            insert = reference_insert(content)
            profiler = cProfile.Profile() if args.profile and rows == max(args.rows) else None
            if profiler is not None:
                profiler.enable()
            first, job = run_import(agency, user, content)
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            assert job.state == "done", (job.state, job.message, job.errors[:5])
            assert Device.objects.filter(agency=agency).count() == rows
            again, job = run_import(agency, user, content)
            assert (job.state, job.unchanged) == ("done", rows), (job.state, job.message)
            lines.append((rows, parse, insert, first, again))
        now = dt.datetime.now(dt.UTC)
        print(f"{now:%Y-%m-%d %H:%M} UTC, {connection.vendor}, {os.cpu_count()} CPUs")
        print(
            f"{'rows':>8} {'parse s':>8} {'INSERT s':>9} {'import s':>9} {'rows/s':>8} "
            f"{'x parse':>8} {'x INSERT':>9} {'again s':>8} {'rows/s':>8}"
        )
        for rows, parse, insert, first, again in lines:
            print(
                f"{rows:>8} {parse:>8.2f} {insert:>9.2f} {first:>9.2f} {rows / first:>8.0f} "
                f"{first / parse:>8.1f} {first / insert:>9.1f} {again:>8.2f} {rows / again:>8.0f}"
            )
    finally:
        if connection.vendor == "postgresql":
            connection.close()
            drop_postgres(server, NAME)


def drop_postgres(url: str, name: str) -> None:
    """Drop the benchmark's database ``name`` on the server of ``url``."""
    import psycopg

    admin_url = url.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
