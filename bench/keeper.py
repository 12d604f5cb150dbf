"""Benchmark of the monitor's bookkeeping: what ``jaga monitor`` spends per interval on
results besides probing (``jaga.monitoring.keeper.Keeper``).

Run: ``.venv/bin/python -m bench.keeper [--checks 10000] [--intervals 5] [--sqlite]``
(PostgreSQL: a fresh database ``jaga_bench_keeper`` on the local server, or
``BENCH_POSTGRES_URL``; ``--sqlite``: a fresh SQLite file).

It loads the demo and ``--checks`` devices of Bolaang Mongondow Utara (``bench.web``'s
generator: 500 sites, a core, distribution switches, each device with an address and an
uplink), one ICMP check on each, then plays ``--intervals`` intervals in which every check
reports once (1% of them failing at random), as the monitor does: ``record`` for each
result, then ``flush`` (the states that changed, and once a simulated minute the newest runs
of the others, ``keeper.LAST_RUN_STALE_S``) and, once per simulated minute,
``flush_rollups``; the keeper's clock follows the simulated time. Two warm-up intervals
(creating the states, settling their counters) are not measured. It prints the seconds each
part takes per interval (median, and for the flush the mean too, which carries the
once-a-minute rewrite), the states written, the cost of a steady flush in which no result
changed anything (two intervals of answers, a final flush, one more interval), the share of one core
that is at a 10 s interval, and as a reference measured in the same run the time of the
plainest write of all the rows (one ``executemany`` UPDATE of the same columns of
``CheckState``, values ready, no ORM), with the ratios.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.engine import setup_django
from bench.web import generate_inventory

INTERVAL_S = 10.0
WARM_UP = 2  # intervals not measured: the first creates the states, the second settles them


def _reference(pks: list[int], at: str) -> float:
    """Seconds for one executemany UPDATE of the same ``CheckState`` columns the keeper
    writes, with values already in the driver's types (``at``: an ISO time), for ``pks``."""
    from django.db import connection, transaction

    from jaga.monitoring.keeper import _STATE_FIELDS
    from jaga.monitoring.models import CheckState

    table = CheckState._meta.db_table
    fields = [CheckState._meta.get_field(f) for f in _STATE_FIELDS]
    columns = ", ".join(f"{getattr(f, 'column', '')} = %s" for f in fields)
    values = ("up", False, 0, 3, None, at, at, "[]", at, True, 1.2, "")
    assert len(values) == len(fields)
    rows = [(*values, pk) for pk in pks]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE monitor_check_id = %s", rows)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--intervals", type=int, default=12)
    parser.add_argument("--sqlite", action="store_true", help="use SQLite instead of PostgreSQL")
    args = parser.parse_args()
    setup_django(sqlite=args.sqlite, name="jaga_bench_keeper")
    from django.core.management import call_command

    from jaga.inventory.models import Device
    from jaga.monitoring.keeper import Keeper
    from jaga.monitoring.models import Check, CheckKind

    call_command("migrate", verbosity=0)
    call_command("demo", "--quiet")
    generate_inventory(args.checks)
    devices = Device.objects.filter(agency__slug="bolmut", site__code__startswith="bench-")
    Check.objects.bulk_create(
        [
            Check(agency_id=d.agency_id, name=f"Ping {d.pk}", kind=CheckKind.ICMP, device=d)
            for d in devices.only("pk", "agency_id")[: args.checks]
        ],
        batch_size=2000,
    )
    at = time.time() // 60 * 60
    clock = [at]
    keeper = Keeper(clock=lambda: clock[0])
    started = time.perf_counter()
    specs = keeper.load()
    print(f"{len(specs)} checks loaded in {time.perf_counter() - started:.2f} s")
    rng = random.Random(7)

    def play(failing: float) -> tuple[float, float, int]:
        """One interval: every check reports; returns the seconds of the records and of
        the flush, and the states written."""
        clock[0] = at
        started = time.perf_counter()
        for spec in specs:
            ok = rng.random() >= failing
            keeper.record(spec.id, ok, at, 1.2 if ok else None, None if ok else "timeout")
        recorded = time.perf_counter()
        written = keeper.flush()
        return recorded - started, time.perf_counter() - recorded, written

    record_s, flush_s, rollup_s, reference_s, written = [], [], [], [], []
    for interval in range(WARM_UP + args.intervals):
        seconds = play(0.01)
        at += INTERVAL_S
        if interval >= WARM_UP:
            record_s.append(seconds[0])
            flush_s.append(seconds[1])
            written.append(seconds[2])
        if interval % 6 == 5 or interval == WARM_UP + args.intervals - 1:
            started = time.perf_counter()
            keeper.flush_rollups(at + 60)
            rollup_s.append((time.perf_counter() - started) / 6)  # one per 6 intervals
        reference_s.append(_reference([spec.id for spec in specs], "2026-11-23 01:00:00"))
    for _ in range(2):  # every check answers: the last failures recover and settle
        play(0.0)
        at += INTERVAL_S
    keeper.flush(final=True)  # every row as held: none is stale in the next interval
    _, unchanged, unchanged_rows = play(0.0)
    record, flush = statistics.median(record_s), statistics.median(flush_s)
    mean = statistics.mean(flush_s)
    rollup, reference = statistics.median(rollup_s), statistics.median(reference_s)
    total = record + mean + rollup
    print(
        f"per {INTERVAL_S:g} s interval, {len(specs)} results, 1% failing at random "
        f"(after {WARM_UP} warm-up intervals, median of {args.intervals}):"
    )
    print(f"  record          {record:7.3f} s")
    print(
        f"  flush states    {flush:7.3f} s   ({flush / reference:.2f}x the plain UPDATE; "
        f"{statistics.median(written):.0f} states written)"
    )
    print(
        f"  flush, mean     {mean:7.3f} s   ({mean / reference:.2f}x; "
        f"{statistics.mean(written):.0f} states written, with the once-a-minute last runs)"
    )
    print(
        f"  flush unchanged {unchanged:7.3f} s   ({unchanged / reference:.3f}x; "
        f"{unchanged_rows} states written: every check answered as before)"
    )
    print(f"  rollups         {rollup:7.3f} s   (a minute's write, per interval)")
    print(f"  reference       {reference:7.3f} s   (executemany UPDATE of all the rows/columns)")
    print(f"  total           {total:7.3f} s = {total / INTERVAL_S:.1%} of one core (mean flush)")


if __name__ == "__main__":
    main()
