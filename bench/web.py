"""Benchmark of the pages people use most, over a large agency.

Run: ``.venv/bin/python -m bench.web [--cases 100000] [--devices 50000] [--requests 60]
[--sqlite]`` (PostgreSQL: a fresh database ``jaga_bench_web`` on the local server, or
``BENCH_POSTGRES_URL``; ``--sqlite``: a fresh SQLite file).

It loads the demo, then generates ``--cases`` cases of Bolaang Mongondow Utara's SOP with
their step instances in bulk (``generate``: the SOP's 13-step main path, about 12 steps a
case, 1.19 million at 100,000 cases; a fifth of the cases open, each waiting on one step as
the engine records it: the Kadis's steps for the Kadis position, the Kabid's and the Kasi's
for a named person in half of the cases and for the position in the other half, the
technicians' for one or two named technicians, the acknowledgment for the reporting OPD;
and the ``StepRecord`` of every done step, as the reports' receiver writes it), and
``--devices`` devices of its inventory (``generate_inventory``: 500 sites over its
OPDs, a core router, 250 distribution switches under it and every other device under one
of those, each with a management address). On PostgreSQL it then runs ``VACUUM ANALYZE``,
as autovacuum would after such a load. It measures the server time of, as a Kadis: the
inbox ("Tugas Saya") and its 10th page, the badge path (the bell's fragment, polled every
20 s, which renders with the shared context: the navigation's inbox COUNT and the unread
COUNT), the first page of the case list, a case page, and of the inventory the first page
of the device list, a page filtered by OPD and kind, a search by serial number, the site
list, and the CSV export of the filtered list (a few thousand rows); of the reports the
home page (``/``), the Mutu Baku compliance report of this month by step, by person and by
OPD, of last month and of last quarter by step, and the drill-down to last quarter's late
steps; then the inbox of a technician (steps naming them) and of an OPD user (their
office's acknowledgments), and the home page of a unit head (the Kabid); against a trivial
view (``/healthz``) measured in the same run. It prints how many steps
wait for each of those users, how many step records there are (in this month, last month
and last quarter), and the median and p95 of each page in milliseconds and as a
ratio to the trivial view. Requests go through Django's test client in this process
(server time: middleware, views, queries, templates; no network).

The inbox at 100,000 cases (1,188,414 steps; 3,351 waiting for the Kadis, 4,243 for the
technician, 164 for the OPD user), PostgreSQL 15, the development container (2 CPUs, shared
with another engineer's test runs), ``.venv/bin/python -m bench.web --cases 100000``, 60
requests each, median / p95 ms (x the median of /healthz):

========================  ==========================  ============================
page                      before (2026-12-03 07:31)   after (2026-12-03 07:54)
========================  ==========================  ============================
/healthz                  3.9 / 5.8 (1.0)             2.8 / 3.3 (1.0)
inbox (Tugas Saya)        134.2 / 179.8 (34.7)        36.6 / 49.5 (12.9)
inbox, page 10            150.9 / 186.7 (39.1)        47.1 / 58.2 (16.6)
badge (bell fragment)     43.8 / 52.2 (11.3)          21.2 / 26.0 (7.5)
inbox, technician         117.1 / 154.3 (30.3)        36.4 / 48.2 (12.8)
inbox, OPD user           124.2 / 145.9 (32.1)        64.0 / 70.1 (22.5)
========================  ==========================  ============================

Before, the inbox's page query and its COUNT (the paginator's, which the navigation's badge
reuses; every other page, the bell's fragment included, runs it for the badge) each read all
of the agency's open steps, 20,198 rows scattered over 12,966 heap pages (a bitmap scan of
the index on agency and status), to test each against the "waits for" subqueries: 26-53 ms
each. After (migration workflow 0010_inbox_indexes): the partial index ``step_open_by_due``
(agency, due_at, started_at, id where open) gives the page in due order, stopping after 25
matching rows (3.7 ms), and the COUNT from the index alone (4 ms); an OPD user's part reads
the partial index ``step_open_for_reporter`` through IN subqueries instead of joining the
agency's steps to their cases. The "before" run had ``ANALYZE`` only; the old query on
the vacuumed database of the "after" run measured the same (inbox 111.2 / 127.2 ms, 34.6x).

Then the navigation became lazy (only pages that draw it count its badges) and an OPD user's
inbox stopped looking up positions. Same command, 2026-12-03 08:29 UTC, with /healthz at 5.5
/ 10.5 ms on a busier machine: inbox 52.9 / 68.3 ms (9.6x), page 10 55.3 / 75.8 (10.1x),
the bell's fragment 10.7 / 13.9 (2.0x, from 7.5x: it no longer counts the inbox), the
technician's inbox 44.3 / 56.5 (8.1x), the OPD user's 64.5 / 77.2 (11.8x).

The cases used to start on 2025-01-06, 7 minutes apart (the figures above). Since the
reports (issue 16 point 7) they end on the clock's date: still 7 minutes apart, the last
one opened a day before the run, so that this month, last month and last quarter have
records (at 100,000 cases: from mid-2025 to the day before). Each step now takes 10 to 90
minutes instead of 40 (its due time is still an hour), so cases are a little longer, and
closed cases close when their last step is done instead of 2 days after they opened. The
open steps and whom they wait for are drawn exactly as before (the same counts waiting
for each user, the durations and actors come from a generator of their own), so the inbox
measurements stay comparable; their times in the run below are those of a busier machine.

The reports at 100,000 cases (1,188,414 steps, 1,168,241 step records: 4,832 in this
month, 2026-12, three days old; 71,814 in 2026-11; 220,957 in 2026-Q3, 81,742 of them
late), same machine and command, 2026-12-03 10:58 UTC, 60 requests each, median / p95 ms
(x the median of /healthz, 2.5 / 3.7 ms; the machine's load was 1.4-2.5):

===========================  ========================
page                         2026-12-03 10:58
===========================  ========================
/healthz                     2.5 / 3.7 (1.0)
home (Kadis)                 239.8 / 292.6 (96.4)
home (Kabid)                 254.4 / 351.8 (102.2)
report 2026-12 by step       73.4 / 96.5 (29.5)
report 2026-12 by person     93.7 / 108.5 (37.7)
report 2026-12 by OPD        81.6 / 98.8 (32.8)
report 2026-11 by step       175.9 / 246.9 (70.7)
report 2026-Q3 by step       618.8 / 793.8 (248.7)
late steps 2026-Q3           311.9 / 378.0 (125.4)
inbox (Tugas Saya)           35.3 / 44.1 (14.2)
inbox, technician            37.9 / 48.2 (15.2)
inbox, OPD user              55.0 / 66.4 (22.1)
===========================  ========================

Over 300 ms at p95: last quarter's report, its late steps and the Kabid's home page (the
Kadis's is at the limit). ``EXPLAIN (ANALYZE, BUFFERS)`` on the same database:

- The report reads the period's records three times: ``breakdown`` and ``summarise`` of the
  quarter and ``summarise`` of the quarter before (for its on-time share only). Each reads
  the 220,940 records through ``record_period`` (a bitmap heap scan of 5,047 pages, 40-45
  ms) and sorts them once per percentile column (the ratio, the actual and the standard
  seconds; the 0.5 and 0.9 of a column share their sort); at the default ``work_mem`` of 4
  MB those sorts spill to disk (16 MB of temporary files): ``summarise`` 140-190 ms.
  ``breakdown`` first sorts all the rows by the group (``GroupAggregate``: an external
  merge of 14 MB by ``sop_code, step_no``; ordered-set aggregates cannot hash) and then
  each group's columns: 205 ms. 490 ms of the page's 518 are in those three queries. A
  month (72,000 records) costs a third of that and stays in memory. Neither grouping with
  ``COLLATE "C"``, nor ``GROUPING SETS`` for the group rows and the total in one query
  (300 ms against 350), nor ``array_agg`` per group sorted in a subquery (no group sort),
  nor a ``work_mem`` of 32 MB measured a clear gain on this machine: the cost is the
  sorting of every record of the period on each request.
- The late steps join all 81,739 late records of the quarter to every case (a hash of the
  100,000 cases) and the OPD, position, user and employee, then keep the 50 most late
  (top-N heapsort): 142-169 ms. With an index on ``(agency, late_seconds DESC,
  completed_at DESC, id DESC)`` the plan reads it in the page's order, skips the 1,934
  records of other periods and joins only the 50 shown: 11 ms.
- The home pages: ``open_steps_by_step`` reads the 20,198 open steps (scattered over the
  table: the bench leaves a fifth of the cases open all the way back) and hashes every case
  for its SOP definition: 50 ms warm, 130 ms cold; ``waiting_on_opds`` reads its 1,613
  steps from ``step_open_for_reporter`` in 2 ms but the planner hashes the 100,000 cases
  rather than look 1,613 up (23-37 ms); ``summarise`` of last month (71,814 records; 30-60
  ms) computes percentiles the page does not show (it shows the on-time shares only); the
  Kabid's ``open_steps_by_step`` with his units' OR of two IN subqueries is 87 ms.

What-if on that database (not the code: the index created by hand, and the views' summaries
that only need counts simulated by patching), 30 requests each, median / p95 ms,
2026-12-03 11:05-11:09 UTC, load 2.2-2.4, so runs differ by up to a third:

==========================  ==================  ==============================
page                        as is               index + counts-only summaries
==========================  ==================  ==============================
home (Kadis)                229.2 / 432.6       186.8 / 282.1
home (Kabid)                308.3 / 504.8       235.8 / 294.8
report 2026-Q3 by step      537.1 / 791.2       425.4 / 495.0
report 2026-11 by step      165.5 / 206.2       147.8 / 182.5
late steps 2026-Q3          181.7 / 259.3       43.5 / 59.8
==========================  ==================  ==============================

The index alone: late steps 45.2 / 64.9 ms. "Counts-only summaries": the previous period's
on the report and this and last month's on the home page computing the four counts only,
which is all their templates show. The quarter's report stays over 300 ms: sorting the
220,000 records of a quarter for their percentiles costs about 350 ms here on each
request; under 300 ms needs the figures of a period that has ended computed once (a
cache, cleared when ``jaga reports rebuild`` writes records of that period), not per
request.

After (commit "Reports at scale"): a finished period's compliance table is computed on its
first request and kept (``ComplianceSnapshot``, forgotten when a record of its months is
written), the home page and the previous period's card count without percentiles
(``compliance.tally``), the index ``record_most_late`` serves the drill-down, and the cases
waiting on OPDs are looked up from their open steps. Same command, 2026-12-03 11:24 UTC,
load about 1.0, 60 requests each, median / p95 ms (x the median of /healthz, 2.0 / 2.5 ms):

===========================  ========================  ========================
page                         before (10:58)            after (11:24)
===========================  ========================  ========================
home (Kadis)                 239.8 / 292.6 (96.4)      154.6 / 191.8 (77.5)
home (Kabid)                 254.4 / 351.8 (102.2)     202.4 / 250.2 (101.4)
report 2026-12 by step       73.4 / 96.5 (29.5)        58.0 / 72.6 (29.1)
report 2026-12 by person     93.7 / 108.5 (37.7)       57.9 / 68.9 (29.0)
report 2026-12 by OPD        81.6 / 98.8 (32.8)        54.8 / 74.6 (27.4)
report 2026-11 by step       175.9 / 246.9 (70.7)      42.4 / 52.7 (21.2)
report 2026-Q3 by step       618.8 / 793.8 (248.7)     62.8 / 77.6 (31.4)
late steps 2026-Q3           311.9 / 378.0 (125.4)     48.9 / 59.2 (24.5)
===========================  ========================  ========================

The first request of a finished quarter's table still computes it: six groupings of
2026-Q3 took 349.9 ms median, 561.1 ms at most (175x /healthz), each once. A period that
has not ended (this month, this quarter, this year) is computed on every request: this
month's 4,878 records are cheap, and a month's 72,000 stay under 100 ms, but the current
year until its last month would sort up to a million records per request.

Then a running quarter or year became reused for ``JAGA_REPORT_REFRESH_SECONDS`` (600)
rather than computed per request, the open steps by step stopped joining their cases, and
a unit head's open steps became plain IN lists of his units' positions and holders. Same
command, 60 requests each, median / p95 ms (x the median of /healthz):

==============================  ========================  ========================
page                            11:57 (/healthz 3.4 ms)   12:09 (/healthz 2.7 ms)
==============================  ========================  ========================
home (Kadis)                    228.5 / 278.6 (67.3)      170.6 / 213.4 (62.5)
home (Kabid)                    264.9 / 324.8 (78.0)      207.1 / 247.8 (75.9)
report 2026-12 by step          82.8 / 92.3 (24.4)        57.6 / 70.3 (21.1)
report 2026-Q3 by step          88.6 / 116.1 (26.1)       99.8 / 115.3 (36.5)
late steps 2026-Q3              55.4 / 66.3 (16.3)        63.3 / 76.2 (23.2)
report 2026 by SOP (running)    105.6 / 133.6 (31.1)      91.0 / 116.6 (33.3)
==============================  ========================  ========================

(11:57 is before the last two changes, on a busier machine: the Kabid's p95 went over 300
ms there, 78x /healthz against 102x before any of this.) The first request of a running
year computes it: 2026, 1.1 million records, 1,702.5 ms (624x /healthz), then reused for
ten minutes; the first request of each of six groupings of finished 2026-Q3: median 403.8
ms, max 599.7 ms.
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


#: Lanes whose steps name people (a disposition or an assignment named them) in this
#: share of the cases; the rest wait for the lane's positions. The technicians are named
#: by the Kasi's assignment (step 4) in every case; a disposition names someone in half.
NAMED_SHARE = {"kabid": 0.5, "kasi": 0.5, "teknis": 1.0}


def generate(cases: int, now: dt.datetime | None = None) -> int:
    """Bulk-create ``cases`` cases with their steps and the ``StepRecord`` of each done
    step; returns the number of step rows.

    Every case follows the SOP's main path (13 steps: 1-8, 11, 11a, 12-14); a closed case
    has all of them, an open one (a fifth) the done ones and one open step somewhere after
    the report: about 12 steps a case, 1.2 million at 100,000 cases. The open step waits
    as the engine records it (``workflow.services._open_step``): the Kadis's steps (2, 14)
    for the Kadis position; the Kabid's and the Kasi's for a person a disposition named in
    ``NAMED_SHARE`` of the cases, else for their position; the technicians' for one or two
    named technicians; the acknowledgment 11a for the reporting OPD (``for_reporter``).

    The cases open 7 minutes apart, the last one a day before ``now`` (the clock by
    default), so that this month and the ones before it have records; each step is due an
    hour after it starts and takes 10 to 90 minutes (uniformly: three in eight are late),
    the next one starting when it is done. A done step is done by a holder of its lane's
    position (the reporting OPD's user for the acknowledgment), and its ``StepRecord`` is
    what ``jaga.reports.records.build`` writes for it (position, unit, actor, OPD, the
    agency-local month), except that the durations are clock time worked out here rather
    than on the agency's calendar step by step: the times are synthetic, and the report
    reads the stored seconds either way."""
    from jaga.org.models import Employee, Opd, Position, User
    from jaga.reports.models import StepRecord
    from jaga.reports.records import month_of
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
    units = dict(Position.objects.filter(agency=agency).values_list("pk", "unit_id"))
    holders: dict[str, list[int]] = {}
    for code, user_id in Employee.objects.filter(
        agency=agency, user__isnull=False, positions__isnull=False
    ).values_list("positions__code", "user_id"):
        holders.setdefault(code, []).append(user_id)
    path = [step for step in spec.steps if step.no not in ("6a", "9", "9a", "10")]
    rng = random.Random(42)
    # Durations and actors from their own generator: the open steps and whom they wait
    # for are drawn as before the records existed.
    timing = random.Random(43)
    zone = ZoneInfo(agency.timezone)
    last = (now or dt.datetime.now(dt.UTC)).astimezone(zone).replace(second=0, microsecond=0)
    start = last - dt.timedelta(days=1, minutes=7 * (cases - 1))
    steps_written = 0
    by_position = StepInstance.positions.through
    by_name = StepInstance.assignees.through
    for first in range(0, cases, BATCH):
        batch = []
        # Minutes each step of each case takes (its open step's draw is not used).
        minutes: list[list[int]] = []
        numbers = reserve_case_numbers(agency.pk, min(first + BATCH, cases) - first)
        for number in range(first, min(first + BATCH, cases)):
            opd = opds[number % len(opds)]
            opened = start + dt.timedelta(minutes=7 * number)
            is_open = rng.random() < 0.2
            minutes.append([timing.randint(10, 90) for _ in path])
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
                    closed_at=None if is_open else opened + dt.timedelta(minutes=sum(minutes[-1])),
                )
            )
        created = Case.objects.bulk_create(batch)
        rows: list[StepInstance] = []
        # (index in rows, position codes, user ids) of each open step.
        open_rows: list[tuple[int, list[str], list[int]]] = []
        # (index in rows, position id) of each done step.
        done_rows: list[tuple[int, int | None]] = []
        for case, taking in zip(created, minutes, strict=True):
            stop = rng.randrange(1, len(path)) if case.status == CaseStatus.OPEN else len(path)
            at = case.started_at
            for index, step in enumerate(path[: stop + (case.status == CaseStatus.OPEN)]):
                done = index < stop
                lane = spec.lane(step.all_lanes[0])
                taken = dt.timedelta(minutes=taking[index])
                actor_id: int | None = None
                position_id: int | None = None
                if done and lane.reporter:
                    reporter = reporters.get(case.opd_id)
                    actor_id = reporter.pk if reporter is not None else None
                elif done:
                    held = [
                        (code, user_id)
                        for code in lane.positions
                        for user_id in holders.get(code, [])
                    ]
                    if held:
                        code, actor_id = timing.choice(held)
                        position_id = positions.get(code)
                rows.append(
                    StepInstance(
                        agency=agency,
                        case=case,
                        step_no=step.no,
                        lane=lane.key,
                        kind=step.kind.value,
                        started_at=at,
                        due_at=at + dt.timedelta(hours=1),
                        status=StepStatus.DONE if done else StepStatus.OPEN,
                        completed_at=at + taken if done else None,
                        actor_id=actor_id,
                        outcome="done" if done else "",
                        for_reporter=lane.reporter,
                    )
                )
                if done:
                    done_rows.append((len(rows) - 1, position_id))
                if not done and not lane.reporter:
                    people = [
                        user_id for code in lane.positions for user_id in holders.get(code, [])
                    ]
                    if people and rng.random() < NAMED_SHARE.get(lane.key, 0.0):
                        named = rng.sample(people, min(len(people), rng.choice((1, 2))))
                        open_rows.append((len(rows) - 1, [], named))
                    else:
                        open_rows.append((len(rows) - 1, list(lane.positions), []))
                at += taken
        saved = StepInstance.objects.bulk_create(rows, batch_size=BATCH)
        records = []
        for index, position_id in done_rows:
            done_step = saved[index]
            assert done_step.due_at is not None
            assert done_step.completed_at is not None
            late = done_step.completed_at - done_step.due_at
            records.append(
                StepRecord(
                    agency=agency,
                    step=done_step,
                    case=done_step.case,
                    sop_code=definition.code,
                    step_no=done_step.step_no,
                    lane=done_step.lane,
                    visit=1,
                    source=done_step.case.source,
                    opd_id=done_step.case.opd_id,
                    position_id=position_id,
                    unit_id=units.get(position_id) if position_id is not None else None,
                    actor_id=done_step.actor_id,
                    started_at=done_step.started_at,
                    completed_at=done_step.completed_at,
                    period=month_of(done_step.completed_at, agency.timezone),
                    standard_seconds=3600,
                    actual_seconds=round(
                        (done_step.completed_at - done_step.started_at).total_seconds()
                    ),
                    late_seconds=max(0, round(late.total_seconds())),
                    on_time=late <= dt.timedelta(0),
                )
            )
        StepRecord.objects.bulk_create(records, batch_size=BATCH)
        by_position.objects.bulk_create(
            [
                by_position(stepinstance_id=saved[index].pk, position_id=positions[code])
                for index, codes, _ in open_rows
                for code in codes
                if code in positions
            ],
            batch_size=BATCH,
        )
        by_name.objects.bulk_create(
            [
                by_name(stepinstance_id=saved[index].pk, user_id=user_id)
                for index, _, users in open_rows
                for user_id in users
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

    from jaga.org.models import User
    from jaga.workflow.models import Case
    from jaga.workflow.permissions import inbox

    call_command("migrate", verbosity=0)
    call_command("demo", "--quiet")
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    steps = generate(args.cases, now)
    print(f"generated {args.cases} cases, {steps} steps in {time.perf_counter() - started:.0f} s")
    if args.devices:
        started = time.perf_counter()
        sites, devices = generate_inventory(args.devices)
        elapsed = time.perf_counter() - started
        print(f"generated {sites} sites, {devices} devices in {elapsed:.0f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load on a production server (this development
        # server runs without it): statistics, and the visibility map that lets the inbox's
        # COUNT read its partial index without visiting the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    assert client.login(username="bolmut.kadis", password="jaga-demo")
    case = Case.objects.filter(status="open").order_by("-pk").first()
    assert case is not None
    inbox_url = reverse("workflow:inbox")
    pages = {
        "trivial view (/healthz)": "/healthz",
        "inbox (Tugas Saya)": inbox_url,
        "inbox, page 10": inbox_url + "?page=10",
        # The badge path: the bell's fragment, polled every 20 s by each open tab, renders
        # with the shared context (the navigation's inbox COUNT and the unread COUNT).
        "badge (bell fragment)": reverse("notifications:bell"),
        "case list": reverse("workflow:cases"),
        "case page": reverse("workflow:case", args=[case.pk]),
    }
    # The reports: the Kadis's home page, the compliance report of this month (the
    # agency's local date) by step, person and OPD, of last month and of last quarter by
    # step, and the drill-down to last quarter's late steps.
    from jaga.reports.periods import Period
    from jaga.tenancy.models import Agency

    today = now.astimezone(ZoneInfo(Agency.objects.get(slug="bolmut").timezone)).date()
    month = Period.containing(today)
    quarter = Period.quarter(today.year, (today.month + 2) // 3).previous()
    report_url = reverse("reports:compliance")
    pages |= {
        "home (Kadis)": reverse("home"),
        f"report {month.key} by step": report_url + f"?period={month.key}&by=step",
        f"report {month.key} by person": report_url + f"?period={month.key}&by=person",
        f"report {month.key} by OPD": report_url + f"?period={month.key}&by=opd",
        f"report {month.previous().key} by step": (
            report_url + f"?period={month.previous().key}&by=step"
        ),
        f"report {quarter.key} by step": report_url + f"?period={quarter.key}&by=step",
        f"late steps {quarter.key}": (
            reverse("reports:compliance_steps") + f"?period={quarter.key}&late=1"
        ),
    }
    # Inboxes of the other kinds of user, each with its own session: a technician (steps
    # naming them) and an OPD user (their office's acknowledgments).
    others = {"inbox, technician": "bolmut.teknisi1", "inbox, OPD user": "bolmut.dinkes"}
    clients: dict[str, Client] = {}
    for name, username in others.items():
        clients[name] = Client()
        assert clients[name].login(username=username, password="jaga-demo")
    # The home page of a unit head: the Kabid's, narrowed to his Bidang and the units below.
    kabid = Client()
    assert kabid.login(username="bolmut.kabid", password="jaga-demo")
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
    # A finished period's table is computed on its first request and then kept
    # (jaga.reports.snapshots): time the first request of each grouping the pages below
    # do not ask for, each computed from the records.
    first_requests: list[float] = []
    for grouping in ("sop", "lane", "position", "unit", "opd", "person"):
        started_at = time.perf_counter()
        response = client.get(report_url + f"?period={quarter.key}&by={grouping}")
        first_requests.append((time.perf_counter() - started_at) * 1000)
        assert response.status_code == 200
    # This year, still running: computed on its first request, then reused for
    # JAGA_REPORT_REFRESH_SECONDS (jaga.reports.snapshots).
    year_url = report_url + f"?period={today.year}&by=sop"
    started_at = time.perf_counter()
    assert client.get(year_url).status_code == 200
    year_first = (time.perf_counter() - started_at) * 1000
    pages[f"report {today.year} by SOP (running)"] = year_url
    results = {name: measure(client, url, args.requests) for name, url in pages.items()}
    results |= {name: measure(clients[name], inbox_url, args.requests) for name in others}
    results["home (Kabid)"] = measure(kabid, reverse("home"), args.requests)
    waiting = {
        username: inbox(User.objects.get(username=username)).count()
        for username in ("bolmut.kadis", *others.values())
    }
    exports = max(5, args.requests // 6)
    results |= {name: measure(client, url, exports) for name, url in downloads.items()}
    base = statistics.median(results["trivial view (/healthz)"])
    now = dt.datetime.now(dt.UTC)
    from jaga.reports.models import StepRecord

    counted = StepRecord.objects.filter(period__gte=quarter.start)
    per_period = {
        key: counted.filter(period__gte=period.start, period__lt=period.end).count()
        for key, period in (
            (month.key, month),
            (month.previous().key, month.previous()),
            (quarter.key, quarter),
        )
    }
    late = counted.filter(period__lt=quarter.end, on_time=False).count()
    print(
        f"{StepRecord.objects.count()} step records; "
        + ", ".join(f"{key} {count}" for key, count in per_period.items())
        + f" ({late} late in {quarter.key})"
    )
    counts = f"{args.requests} requests each" + (f", {exports} per export" if downloads else "")
    print(f"{now:%Y-%m-%d %H:%M} UTC, {connection.vendor}, {counts}")
    print("steps waiting: " + ", ".join(f"{user} {count}" for user, count in waiting.items()))
    print(f"{'page':<30} {'median ms':>10} {'p95 ms':>8} {'x trivial':>10}")
    for name, samples in results.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        median = statistics.median(samples)
        print(f"{name:<30} {median:>10.1f} {p95:>8.1f} {median / base:>10.1f}")
    print(
        f"report {quarter.key}, first request of 6 groupings (computed, then kept): "
        f"median {statistics.median(first_requests):.1f} ms, max {max(first_requests):.1f} ms "
        f"({statistics.median(first_requests) / base:.1f}x trivial)"
    )
    print(
        f"report {today.year} (running), first request (computed, then reused): "
        f"{year_first:.1f} ms ({year_first / base:.1f}x trivial)"
    )


if __name__ == "__main__":
    main()
