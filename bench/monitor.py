"""Benchmark of the ICMP monitor (engine + scheduler) against fping, on loopback.

Run: ``.venv/bin/python -m bench.monitor [--targets 1000,10000,50000] [--interval 10]
[--duration 30] [--timeout 2]`` as root (raw ICMP sockets); ``make bench-monitor`` also
installs fping.

For each N the process is pinned to one CPU and measures, in the same run:

1. Jaga: N checks on distinct loopback addresses (127.x.y.z; Linux answers for all of
   127.0.0.0/8) every ``--interval`` seconds for ``--duration`` seconds, by one
   ``Scheduler`` on one ``IcmpEngine``; CPU from ``getrusage(RUSAGE_SELF)`` deltas (user +
   system), missed intervals and loss from the scheduler's stats.
2. The reference: ``fping -q -c ROUNDS -p INTERVAL -i GAP -t TIMEOUT -f TARGETS`` on the
   same addresses, with ROUNDS = duration / interval and GAP = interval / N (the same send
   rate); CPU from ``getrusage(RUSAGE_CHILDREN)`` deltas.

It prints probes sent, wall time, probes per second sustained, CPU seconds per 1,000 probes
and CPU share, missed intervals, the worst start lateness and loss for both, and the ratios
jaga / fping. fping cannot report missed intervals; a wall time beyond the planned duration
plus its last wait shows that it fell behind. Kernel work deferred to ksoftirqd is charged
to neither. Traffic goes to 127.0.0.0/8 only.

End to end (issue 19): ``.venv/bin/python -m bench.monitor --e2e --targets N [--interval 10]
[--timeout 2] [--duration SECONDS] [--warmup SECONDS]``, as root, not pinned (both cores):

1. a fresh PostgreSQL database ``jaga_bench_monitor`` (``BENCH_POSTGRES_URL``, by default
   the local server), migrated, with the demo agency Bolaang Mongondow Utara (its disruption
   SOP: a failure would open a case) and N devices each with one ICMP check on its own
   loopback address, every ``--interval`` seconds (the first device the uplink of the
   others), created in bulk (``bulk_create``, 10,000 rows a statement);
2. the real ``jaga monitor --agency bolmut`` process (its probing process and its
   bookkeeping process, ``jaga.monitoring.bookkeeper``) for ``--duration`` seconds of
   probing (default 18 intervals) from its first heartbeat, then SIGTERM (it writes
   everything and exits 0);
3. fping on the same addresses at the same rate, for as long as the measured window.

Figures: false timeouts are the runs the monitor counted failed (the minute rollups' down
and unreachable runs after the stop; on loopback every probe is answered, so each is false)
and the ICMP engine's timeouts; missed intervals and kernel drops come from the heartbeat.
CPU per 1,000 probes is measured between two heartbeats (every 30 s; the first after
``--warmup`` seconds, which leaves out loading the checks and creating their states): the
probing process's and the bookkeeping process's CPU as the heartbeats carry them
(``time.process_time()``) over the ICMP requests sent between them, and the PostgreSQL
backends serving the benchmark database (the bookkeeping connection, reconnected every
``CONN_MAX_AGE``, and autovacuum) from ``/proc/<pid>/stat``, sampled every second through
``pg_stat_activity``.

Issue 19's run, 2026-12-03 23:50 UTC (the quiet window; load average 0.00, 0.04, 0.61
before), 2 cores, ``.venv/bin/python -m bench.monitor --e2e --targets 100000 --duration 240
--warmup 90``: 2,411,977 runs, 0 failed (0 false timeouts), 0 ICMP timeouts, 0 kernel drops,
0 missed intervals; over the 150 s window (9,984 probes/s) CPU s per 1,000 probes: probing
0.0316, bookkeeping 0.0364 + PostgreSQL 0.0082; fping in the same run 0.0364 (ratios 0.87x
and 2.09x); stopping wrote everything in 29.6 s. Details in docs/monitoring.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from jaga.monitoring.icmp import IcmpEngine
from jaga.monitoring.scheduler import Check, Scheduler, totals

FPING_SUMMARY = re.compile(r"xmt/rcv/%loss = (\d+)/(\d+)/")


@dataclass(frozen=True)
class Measure:
    """One side's figures: ``probes`` sent in ``seconds`` of wall time (monotonic), ``cpu``
    seconds (user + system, of which ``system`` in the kernel), ``replies`` received,
    ``missed`` intervals (``None`` when the tool cannot tell), ``lateness`` the worst start
    delay in seconds (``None`` likewise)."""

    probes: int
    replies: int
    seconds: float
    cpu: float
    system: float
    missed: int | None
    lateness: float | None

    @property
    def rate(self) -> float:
        """Probes per second."""
        return self.probes / self.seconds if self.seconds else 0.0

    @property
    def cpu_per_1000(self) -> float:
        """CPU seconds per 1,000 probes."""
        return self.cpu / self.probes * 1000 if self.probes else float("nan")

    @property
    def loss(self) -> float:
        """Lost probes over sent ones, 0..1."""
        return 1 - self.replies / self.probes if self.probes else 1.0


def loopback_addresses(count: int) -> list[str]:
    """``count`` distinct addresses in 127.1.1.1 .. 127.x.254.254 (no .0 or .255 octets)."""
    return [f"127.{1 + i // 64516}.{(i // 254) % 254 + 1}.{i % 254 + 1}" for i in range(count)]


def cpu_seconds(who: int) -> tuple[float, float]:
    """(user, system) CPU seconds of ``who`` (``RUSAGE_SELF`` or ``RUSAGE_CHILDREN``)."""
    usage = resource.getrusage(who)
    return usage.ru_utime, usage.ru_stime


async def measure_jaga(
    addresses: list[str], interval: float, timeout: float, duration: float
) -> Measure:
    checks = [Check(address, interval=interval, timeout=timeout) for address in addresses]
    async with IcmpEngine(mode="raw") as engine:
        scheduler = Scheduler(engine, checks)
        (user, system), started = cpu_seconds(resource.RUSAGE_SELF), time.monotonic()
        await scheduler.run(duration)
        seconds = time.monotonic() - started
        user_after, system_after = cpu_seconds(resource.RUSAGE_SELF)
        total = totals(scheduler.stats(check) for check in checks)
        return Measure(
            probes=total.probes,
            replies=engine.counters.replies,
            seconds=seconds,
            cpu=user_after - user + system_after - system,
            system=system_after - system,
            missed=total.missed_intervals,
            lateness=total.max_lateness,
        )


def measure_fping(
    fping: str, addresses: list[str], interval: float, timeout: float, duration: float
) -> Measure:
    rounds = max(1, round(duration / interval))
    gap_ms = interval * 1000 / len(addresses)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="jaga-fping-") as targets:
        targets.write("\n".join(addresses) + "\n")
        targets.flush()
        command = [
            fping,
            "-q",
            "-c",
            str(rounds),
            "-p",
            f"{interval * 1000:g}",
            "-i",
            f"{gap_ms:.3f}",
            "-t",
            f"{timeout * 1000:g}",
            "-f",
            targets.name,
        ]
        (user, system), started = cpu_seconds(resource.RUSAGE_CHILDREN), time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
        user_after, system_after = cpu_seconds(resource.RUSAGE_CHILDREN)
    sent = received = 0
    for match in FPING_SUMMARY.finditer(done.stderr):
        sent += int(match.group(1))
        received += int(match.group(2))
    if done.returncode > 1 or not sent:  # 1 = some target unreachable
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"fping exited {done.returncode}: {last[:200]}")
    cpu = user_after - user + system_after - system
    return Measure(sent, received, seconds, cpu, system_after - system, None, None)


def row(count: int, name: str, measure: Measure) -> str:
    """One line of the table."""
    missed = "-" if measure.missed is None else str(measure.missed)
    late = "-" if measure.lateness is None else f"{measure.lateness * 1000:.0f} ms"
    system = measure.system / measure.cpu if measure.cpu else 0.0
    return (
        f"{count:>8} {name:<6} {measure.probes:>7} {measure.seconds:>7.1f} "
        f"{measure.rate:>9.0f} {measure.cpu_per_1000:>9.4f} "
        f"{measure.cpu / measure.seconds:>6.1%} {system:>6.0%} {missed:>7} {late:>9} "
        f"{measure.loss:>7.2%}"
    )


def fping_version(fping: str) -> str:
    done = subprocess.run([fping, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0]


# -- end to end: the real `jaga monitor` on PostgreSQL ------------------------------------

E2E_DATABASE = "jaga_bench_monitor"


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (``/proc/<pid>/stat``), None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Backends:
    """CPU seconds of the PostgreSQL backends serving the benchmark database (the monitor's
    bookkeeping connection, reconnected each ``CONN_MAX_AGE``, and autovacuum), by pid: the
    newest sample of each; sampled every second, so a backend that exits loses at most its
    last second."""

    seen: dict[int, float]

    def sample(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            pids = [pid for (pid,) in cursor.fetchall()]
        for pid in pids:
            cpu = proc_cpu(pid)
            if cpu is not None:
                self.seen[pid] = cpu

    @property
    def total(self) -> float:
        return sum(self.seen.values())


@dataclass(frozen=True)
class Sample:
    """One heartbeat of the monitor as the benchmark saw it: ``at`` (monotonic seconds),
    the heartbeat's totals, and the PostgreSQL backends' CPU then."""

    at: float
    sent: int
    replies: int
    timeouts: int
    dropped: int
    missed: int
    probe_cpu: float
    bookkeeping_cpu: float
    backend_cpu: float


def make_checks(addresses: list[str], interval: float, timeout: float) -> str:
    """One device and one ICMP check on each address, in Bolaang Mongondow Utara (the demo
    agency, with its disruption SOP), the first device the uplink of all the others.
    Returns the agency's slug."""
    from jaga.inventory.models import Device, Site
    from jaga.monitoring.models import Check, CheckKind
    from jaga.org.demo.agencies import BOLMUT
    from jaga.org.demo.load import load_demo
    from jaga.sop.demo import load_demo_sops
    from jaga.tenancy.models import Agency

    load_demo((BOLMUT,), "rahasia-sekali-123")
    load_demo_sops((BOLMUT,))
    agency = Agency.objects.get(slug=BOLMUT.slug)
    Check.objects.filter(agency=agency).update(enabled=False)
    site = Site.objects.create(agency=agency, code="bench-lo", name="Loopback")
    core = Device.objects.create(agency=agency, name="core", kind="router", site=site)
    others = Device.objects.bulk_create(
        [
            Device(agency=agency, name=f"lo {n}", kind="switch", site=site, uplink=core)
            for n in range(1, len(addresses))
        ],
        batch_size=10_000,
    )
    devices = [core, *others]
    Check.objects.bulk_create(
        [
            Check(
                agency=agency,
                name=f"Ping {address}",
                kind=CheckKind.ICMP,
                device=device,
                target=address,
                interval_s=int(interval),
                timeout_s=timeout,
            )
            for device, address in zip(devices, addresses, strict=True)
        ],
        batch_size=10_000,
    )
    return agency.slug


def heartbeat_sample(backends: Backends) -> Sample | None:
    from jaga.monitoring.models import MonitorHeartbeat

    row = MonitorHeartbeat.objects.order_by("-seen_at").first()
    if row is None:
        return None
    return Sample(
        time.monotonic(),
        row.icmp_sent,
        row.icmp_replies,
        row.icmp_timeouts,
        row.icmp_dropped,
        row.missed_intervals,
        row.probe_cpu_s,
        row.bookkeeping_cpu_s,
        backends.total,
    )


def run_e2e(args: argparse.Namespace) -> None:
    """Benchmark the real ``jaga monitor`` end to end on a fresh PostgreSQL database."""
    from bench.engine import setup_django

    count = int(args.targets.split(",")[0])
    duration = args.duration or 18 * args.interval
    setup_django(sqlite=False, name=E2E_DATABASE)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from jaga.monitoring.models import CheckState, Outage, ResultMinute

    load = os.getloadavg()
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, Linux "
        f"{platform.release()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {count} targets every "
        f"{args.interval:g} s, timeout {args.timeout:g} s, {duration:g} s of probing",
        flush=True,
    )
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    addresses = loopback_addresses(count)
    slug = make_checks(addresses, args.interval, args.timeout)
    print(f"database {E2E_DATABASE} migrated, {count} checks in {time.monotonic() - started:.0f} s")
    env = {
        **os.environ,
        "DATABASE_URL": str(os.environ["DATABASE_URL"]),
        "JAGA_DATA_DIR": os.environ["JAGA_DATA_DIR"],
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = Path(os.environ["JAGA_DATA_DIR"]) / "monitor.log"
    backends = Backends({})
    with log.open("wb") as out:
        monitor = subprocess.Popen(
            [sys.executable, "-m", "jaga", "monitor", "--agency", slug],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        launched = time.monotonic()
        first = None
        while first is None:
            if monitor.poll() is not None:
                raise RuntimeError(f"jaga monitor exited {monitor.returncode}: see {log}")
            time.sleep(0.5)
            first = heartbeat_sample(backends)
        print(f"probing after {time.monotonic() - launched:.1f} s (loading {count} checks)")
        samples = [first]
        while time.monotonic() - first.at < duration:
            time.sleep(1.0)
            backends.sample()
            latest = heartbeat_sample(backends)
            if latest is not None and latest.sent != samples[-1].sent:
                samples.append(latest)
            if monitor.poll() is not None:
                raise RuntimeError(f"jaga monitor exited {monitor.returncode}: see {log}")
        probing = time.monotonic() - first.at
        stopping = time.monotonic()
        monitor.send_signal(signal.SIGTERM)
        while monitor.poll() is None:
            time.sleep(0.5)
            backends.sample()
        stopped = time.monotonic() - stopping
    finally:
        if monitor.poll() is None:
            monitor.kill()
    final = heartbeat_sample(backends)
    assert final is not None
    connection.close()
    # the window: from the first heartbeat after the warm-up to the last one while probing
    warm = [s for s in samples if s.at - first.at >= args.warmup] or samples[-1:]
    start, end = warm[0], samples[-1]
    runs = ResultMinute.objects.aggregate(
        up=Sum("n_up"), down=Sum("n_down"), unreachable=Sum("n_unreachable")
    )
    failed_states = CheckState.objects.exclude(last_ok=True).count()
    up, down = runs["up"] or 0, (runs["down"] or 0) + (runs["unreachable"] or 0)
    print(
        f"jaga monitor exit status {monitor.returncode}; "
        f"stopping wrote everything in {stopped:.1f} s"
    )
    print(
        f"runs recorded {up + down} ({up} up, {down} failed: false timeouts on loopback) of "
        f"about {count * probing / args.interval:.0f} due in {probing:.0f} s; "
        f"checks not up at the end: {failed_states}; outages: {Outage.objects.count()}"
    )
    print(
        f"engine: {final.sent} requests, {final.replies} replies, {final.timeouts} timeouts, "
        f"{final.dropped} kernel drops; missed intervals {final.missed}"
    )
    probes = end.sent - start.sent
    seconds = end.at - start.at
    if probes <= 0:
        print("no heartbeat window after the warm-up: run longer (--duration)")
        return
    per = 1000 / probes
    probe_cpu = (end.probe_cpu - start.probe_cpu) * per
    keep_cpu = (end.bookkeeping_cpu - start.bookkeeping_cpu) * per
    pg_cpu = (end.backend_cpu - start.backend_cpu) * per
    print(
        f"window {seconds:.0f} s (heartbeats after {args.warmup:g} s of warm-up): {probes} probes, "
        f"{probes / seconds:.0f}/s; CPU s per 1,000 probes: probing {probe_cpu:.4f}, "
        f"bookkeeping {keep_cpu:.4f} + PostgreSQL {pg_cpu:.4f} = {keep_cpu + pg_cpu:.4f}"
    )
    print(
        f"  CPU share of one core: probing {probe_cpu * probes / 1000 / seconds:.1%}, "
        f"bookkeeping {keep_cpu * probes / 1000 / seconds:.1%}, "
        f"PostgreSQL {pg_cpu * probes / 1000 / seconds:.1%}"
    )
    fping = shutil.which("fping")
    if fping is None:
        print("reference: fping is not installed (`make bench-tools` installs it as root)")
        return
    reference = measure_fping(fping, addresses, args.interval, args.timeout, seconds)
    print(
        f"reference {fping_version(fping)}, same targets, {reference.seconds:.0f} s: "
        f"{reference.probes} probes, loss {reference.loss:.2%}, CPU s per 1,000 probes "
        f"{reference.cpu_per_1000:.4f}"
    )
    print(
        f"ratios to fping: probing {probe_cpu / reference.cpu_per_1000:.2f}x, "
        f"probing + bookkeeping + PostgreSQL "
        f"{(probe_cpu + keep_cpu + pg_cpu) / reference.cpu_per_1000:.2f}x"
    )
    verdict = down == 0 and final.missed == 0 and final.dropped == 0
    print(
        f"target (0 false timeouts, 0 missed intervals at {count}): "
        f"{'MET' if verdict else 'NOT MET'}; load now {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="1000,10000,50000", help="comma-separated Ns")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between probes")
    parser.add_argument("--duration", type=float, help="seconds per N (default 3 intervals)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per probe")
    parser.add_argument("--cpu", type=int, help="the CPU to pin to (default: the last one)")
    parser.add_argument(
        "--e2e",
        action="store_true",
        help="the real `jaga monitor` on a fresh PostgreSQL database (the first N only)",
    )
    parser.add_argument(
        "--warmup", type=float, default=30.0, help="--e2e: seconds not measured at the start"
    )
    args = parser.parse_args()
    if args.e2e:
        run_e2e(args)
        return
    counts = [int(n) for n in args.targets.split(",") if n.strip()]
    duration = args.duration or 3 * args.interval
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # fping inherits it
    fping = shutil.which("fping")

    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, Linux "
        f"{platform.release()}, Python {platform.python_version()}, pinned to CPU {cpu}; "
        f"interval {args.interval:g} s, timeout {args.timeout:g} s, {duration:g} s per N"
    )
    if fping:
        print(f"reference: {fping_version(fping)}")
    else:
        print("reference: fping is not installed (`make bench-tools` installs it as root)")
    print(
        f"{'targets':>8} {'tool':<6} {'probes':>7} {'wall s':>7} {'probes/s':>9} "
        f"{'cpu s/1k':>9} {'cpu %':>6} {'sys':>6} {'missed':>7} {'late max':>9} {'loss':>7}"
    )
    verdicts = []
    for count in counts:
        addresses = loopback_addresses(count)
        ours = asyncio.run(measure_jaga(addresses, args.interval, args.timeout, duration))
        print(row(count, "jaga", ours), flush=True)
        reference = None
        if fping:
            try:
                reference = measure_fping(fping, addresses, args.interval, args.timeout, duration)
            except RuntimeError as error:
                print(f"{count:>8} {'fping':<6} failed: {error}")
            else:
                print(row(count, "fping", reference))
        if reference is not None:
            print(
                f"{count:>8} {'ratio':<6} {'':>7} {'':>7} {ours.rate / reference.rate:>8.2f}x "
                f"{ours.cpu_per_1000 / reference.cpu_per_1000:>8.2f}x   (jaga / fping)"
            )
        if count >= 10_000 and args.interval <= 10:
            verdicts.append((count, ours.missed == 0 and ours.cpu < ours.seconds))
        sys.stdout.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {peak:.0f} MiB")
    for count, passed in verdicts:
        print(
            f"acceptance, {count} targets every {args.interval:g} s on one core with no "
            f"missed interval: {'PASS' if passed else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
