"""Benchmark of the pages people use most, over a large agency.

Run: ``.venv/bin/python -m bench.web [--cases 100000] [--devices 50000] [--requests 60]
[--sqlite]`` (PostgreSQL: a fresh database ``jaga_bench_web`` on the local server, or
``BENCH_POSTGRES_URL``; ``--sqlite``: a fresh SQLite file).

It loads the demo, then generates ``--cases`` cases of Bolaang Mongondow Utara's SOP with
their step instances in bulk (about ten per case; a fifth of the cases open, waiting on a
step of one of the SOP's lanes), and ``--devices`` devices of its inventory (``generate_
inventory``: 500 sites over its OPDs, a core router, 250 distribution switches under it and
every other device under one of those, each with a management address). It measures the
server time of, as a Kadis: the inbox ("Tugas Saya"), the first page of the case list, a
case page, and of the inventory the first page of the device list, a page filtered by OPD
and kind, a search by serial number, the site list, and the CSV export of the filtered list
(a few thousand rows); against a trivial view (``/healthz``) measured in the same run. It
prints the median and p95 of each in milliseconds and as a ratio to the trivial view.
Requests go through Django's test client in this process (server time: middleware, views,
queries, templates; no network).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from zoneinfo import ZoneInfo

from bench.engine import setup_django

BATCH = 5000


def generate(cases: int) -> int:
    """Bulk-create ``cases`` cases with their steps; returns the number of step rows."""
    from jaga.org.models import Opd, Position, User
    from jaga.sop.models import SopDefinition
    from jaga.workflow.models import (
        Case,
        CaseSource,
        CaseStatus,
        StepInstance,
        StepStatus,
        reserve_case_numbers,
    )

    definition = SopDefinition.objects.get(agency__slug="bolmut", is_current=True)
    spec = definition.spec
    agency = definition.agency
    opds = list(Opd.objects.filter(agency=agency))
    reporters = {u.opd_id: u for u in User.objects.filter(agency=agency, opd__isnull=False)}
    positions = {p.code: p.pk for p in Position.objects.filter(agency=agency)}
    path = [step for step in spec.steps if step.no not in ("6a", "9", "9a", "10")]
    rng = random.Random(42)
    start = dt.datetime(2025, 1, 6, 8, 0, tzinfo=ZoneInfo("Asia/Makassar"))
    steps_written = 0
    through = StepInstance.positions.through
    for first in range(0, cases, BATCH):
        batch = []
        numbers = reserve_case_numbers(agency.pk, min(first + BATCH, cases) - first)
        for number in range(first, min(first + BATCH, cases)):
            opd = opds[number % len(opds)]
            opened = start + dt.timedelta(minutes=7 * number)
            is_open = rng.random() < 0.2
            batch.append(
                Case(
                    agency=agency,
                    definition=definition,
                    number=numbers + number - first,
                    title=f"Gangguan jaringan {number}",
                    description="Koneksi terputus",
                    source=CaseSource.REPORT,
                    opd=opd,
                    reporter=reporters.get(opd.pk),
                    started_at=opened,
                    status=CaseStatus.OPEN if is_open else CaseStatus.CLOSED,
                    closed_at=None if is_open else opened + dt.timedelta(days=2),
                )
            )
        created = Case.objects.bulk_create(batch)
        rows: list[StepInstance] = []
        open_rows: list[tuple[int, list[str]]] = []
        for case in created:
            stop = rng.randrange(1, len(path)) if case.status == CaseStatus.OPEN else len(path)
            at = case.started_at
            for index, step in enumerate(path[: stop + (case.status == CaseStatus.OPEN)]):
                done = index < stop
                rows.append(
                    StepInstance(
                        agency=agency,
                        case=case,
                        step_no=step.no,
                        lane=step.all_lanes[0],
                        kind=step.kind.value,
                        started_at=at,
                        due_at=at + dt.timedelta(hours=1),
                        status=StepStatus.DONE if done else StepStatus.OPEN,
                        completed_at=at + dt.timedelta(minutes=40) if done else None,
                        outcome="done" if done else "",
                        for_reporter=spec.lane(step.all_lanes[0]).reporter,
                    )
                )
                if not done:
                    codes = [c for key in step.all_lanes for c in spec.lane(key).positions]
                    open_rows.append((len(rows) - 1, codes))
                at += dt.timedelta(minutes=40)
        saved = StepInstance.objects.bulk_create(rows, batch_size=BATCH)
        through.objects.bulk_create(
            [
                through(stepinstance_id=saved[index].pk, position_id=positions[code])
                for index, codes in open_rows
                for code in codes
                if code in positions
            ],
            batch_size=BATCH,
        )
        steps_written += len(saved)
    return steps_written


BENCH_SITES = 500
DISTRIBUTION_SWITCHES = 250
#: Kinds and statuses of the generated devices, with their weights.
KINDS = {
    "access_point": 60,
    "switch": 15,
    "ont_modem": 8,
    "radio": 5,
    "server": 4,
    "firewall": 3,
    "router": 3,
    "other": 2,
}
STATUSES = {"in_service": 90, "spare": 5, "in_repair": 3, "retired": 2}
VENDORS = ["MikroTik", "Cisco", "Ubiquiti", "Ruijie", "TP-Link", "Huawei", "ZTE", "Fortinet"]


def _address(number: int) -> str:
    return f"10.{100 + (number >> 16) % 100}.{(number >> 8) & 255}.{number & 255}"


def generate_inventory(devices: int) -> tuple[int, int]:
    """Bulk-create ``devices`` devices (at least the core and its switches) of Bolaang
    Mongondow Utara at ``BENCH_SITES`` new sites spread over its OPDs: a core router, the
    distribution switches under it (one every second site, each with a fibre link to the
    core), and every other device under the switch of its site; each device has one
    management address. Returns (sites, devices) created."""
    from jaga.inventory.models import Device, DeviceAddress, Link, Site
    from jaga.org.models import Opd
    from jaga.tenancy.models import Agency

    agency = Agency.objects.get(slug="bolmut")
    opds = list(Opd.objects.filter(agency=agency).order_by("pk"))
    sites = Site.objects.bulk_create(
        [
            Site(
                agency=agency,
                code=f"bench-{number:03d}",
                name=f"Lokasi uji {number}",
                opd=opds[number % len(opds)],
                address=f"Jl. Uji No. {number}",
            )
            for number in range(BENCH_SITES)
        ]
    )
    rng = random.Random(7)
    kinds, kind_weights = list(KINDS), list(KINDS.values())
    statuses, status_weights = list(STATUSES), list(STATUSES.values())
    number = 0

    def make(site: Site, kind: str, uplink: Device | None) -> Device:
        nonlocal number
        number += 1
        return Device(
            agency=agency,
            name=f"{kind.replace('_', '-')}-{site.code}-{number}",
            kind=kind,
            vendor=rng.choice(VENDORS),
            model=f"M-{rng.randrange(100, 999)}",
            serial_number=f"BN{number:06d}",
            asset_code=f"02.06.02.{number:06d}",
            status=rng.choices(statuses, status_weights)[0] if uplink else "in_service",
            site=site,
            uplink=uplink,
        )

    core = Device.objects.bulk_create([make(sites[0], "router", None)])[0]
    switches = Device.objects.bulk_create(
        [make(sites[2 * n % BENCH_SITES], "switch", core) for n in range(DISTRIBUTION_SWITCHES)]
    )
    made = [core, *switches]
    Link.objects.bulk_create(
        [
            Link(agency=agency, a_device=switch, b_device=core, medium="fibre", bandwidth_mbps=1000)
            for switch in switches
        ]
    )
    remaining = max(0, devices - len(made))
    for first in range(0, remaining, BATCH):
        batch = []
        for _ in range(first, min(first + BATCH, remaining)):
            at = rng.randrange(BENCH_SITES)
            uplink = switches[at // 2 % DISTRIBUTION_SWITCHES]
            batch.append(make(sites[at], rng.choices(kinds, kind_weights)[0], uplink))
        made += Device.objects.bulk_create(batch)
    for first in range(0, len(made), BATCH):
        DeviceAddress.objects.bulk_create(
            [
                DeviceAddress(agency=agency, device=device, address=_address(first + index))
                for index, device in enumerate(made[first : first + BATCH])
            ]
        )
    return len(sites), len(made)


def measure(client: object, url: str, requests: int) -> list[float]:
    samples = []
    for _ in range(3):
        client.get(url)  # type: ignore[attr-defined]
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--devices", type=int, default=50_000, help="devices of the inventory (0: none)"
    )
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of PostgreSQL")
    args = parser.parse_args()
    os.environ["JAGA_ALLOWED_HOSTS"] = "testserver"
    setup_django(sqlite=args.sqlite, name="jaga_bench_web")
    from django.conf import settings

    # Pages link their static files; no collectstatic for a benchmark database.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from jaga.workflow.models import Case

    call_command("migrate", verbosity=0)
    call_command("demo", "--quiet")
    started = time.perf_counter()
    steps = generate(args.cases)
    print(f"generated {args.cases} cases, {steps} steps in {time.perf_counter() - started:.0f} s")
    if args.devices:
        started = time.perf_counter()
        sites, devices = generate_inventory(args.devices)
        elapsed = time.perf_counter() - started
        print(f"generated {sites} sites, {devices} devices in {elapsed:.0f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    assert client.login(username="bolmut.kadis", password="jaga-demo")
    case = Case.objects.filter(status="open").order_by("-pk").first()
    assert case is not None
    pages = {
        "trivial view (/healthz)": "/healthz",
        "inbox (Tugas Saya)": reverse("workflow:inbox"),
        "case list": reverse("workflow:cases"),
        "case page": reverse("workflow:case", args=[case.pk]),
    }
    downloads: dict[str, str] = {}
    if args.devices:
        from jaga.inventory.models import Device

        sample = Device.objects.filter(serial_number__startswith="BN", kind="access_point")
        device = sample.select_related("site").order_by("pk")[sample.count() // 2]
        opd = device.site.opd_id
        assert opd is not None
        opd_and_kind = f"?opd={opd}&kind=access_point"
        devices_url = reverse("inventory:devices")
        pages |= {
            "device list": devices_url,
            "devices: OPD + kind": devices_url + opd_and_kind,
            "devices: serial search": devices_url + f"?q={device.serial_number}",
            "site list": reverse("inventory:sites"),
        }
        export_url = reverse("inventory:export", args=["devices"]) + opd_and_kind + "&format=csv"
        rows = Device.objects.filter(site__opd_id=opd, kind="access_point").count()
        downloads[f"CSV export ({rows} rows)"] = export_url
    results = {name: measure(client, url, args.requests) for name, url in pages.items()}
    exports = max(5, args.requests // 6)
    results |= {name: measure(client, url, exports) for name, url in downloads.items()}
    base = statistics.median(results["trivial view (/healthz)"])
    now = dt.datetime.now(dt.UTC)
    counts = f"{args.requests} requests each" + (f", {exports} per export" if downloads else "")
    print(f"{now:%Y-%m-%d %H:%M} UTC, {connection.vendor}, {counts}")
    print(f"{'page':<30} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10}")
    for name, samples in results.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        median = statistics.median(samples)
        print(f"{name:<30} {median:>10.1f} {p95:>8.1f} {median / base:>10.1f}")


if __name__ == "__main__":
    main()
