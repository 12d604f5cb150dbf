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
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="1000,10000,50000", help="comma-separated Ns")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between probes")
    parser.add_argument("--duration", type=float, help="seconds per N (default 3 intervals)")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per probe")
    parser.add_argument("--cpu", type=int, help="the CPU to pin to (default: the last one)")
    args = parser.parse_args()
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
