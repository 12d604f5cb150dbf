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

A million cases (issue 19 point 3). ``generate`` writes its rows with COPY on PostgreSQL
(executemany on SQLite) instead of ``bulk_create``, from the same draws: a 10,000-case
database of each version gave the same checksums of the cases, steps, records, actors and
"waits for" rows, and 100,000 cases still give 1,188,414 steps. On the development
container (2 CPUs, shared with two other engineers' runs), with the four tables' secondary
indexes dropped during the load and built again after it: 1,000,000 cases (11,897,103
steps, 11,696,966 step records) in 586 s, then ``VACUUM ANALYZE`` 13 s; 100,000 in 38 s.
New options: ``--database`` (another name than ``jaga_bench_web``), ``--generate-only``,
``--reuse`` (measure the database an earlier run left, migrated again) and ``--pages
lists`` (the inboxes, the case list, a case page and the inventory; not the reports). The
run also measures the page holding the middle case (the 500,000th: ``?page=20001`` before,
the Next links' cursor after) and the middle device, and of each CSV export the first byte
(the view's answer and the first piece of a streamed body) and the last, and the peak of
Python's memory over one download (``tracemalloc``)::

    .venv/bin/python -m bench.web --cases 1000000 --database jaga_bench_web_1m --generate-only
    .venv/bin/python -m bench.web --cases 100000 --database jaga_bench_web_100k --generate-only
    .venv/bin/python -m bench.web --cases 1000000 --database jaga_bench_web_1m --reuse \\
        --pages lists

"Before" is commit b780498 (``git archive`` into /tmp, this bench first on PYTHONPATH),
2026-12-03 22:44-23:00 UTC on a busy machine (load 4-6); "after" is commit 6333426,
2026-12-03 23:22-23:27 UTC (load 1.1-2.8); 60 requests each, 10 per export. Median / p95
ms (x the median of /healthz of the same run):

========================  ========================  ========================
before                    100,000 cases             1,000,000 cases
========================  ========================  ========================
/healthz                  1.5 / 1.7 (1.0)           1.7 / 2.1 (1.0)
inbox (Tugas Saya)        27.7 / 37.1 (18.9)        61.3 / 78.5 (36.0)
inbox, page 10            33.5 / 51.1 (22.9)        66.5 / 79.1 (39.0)
case list                 34.9 / 44.6 (23.9)        104.4 / 122.8 (61.3)
case list, middle page    541.2 / 834.8 (370)       3,695.8 / 8,257.5 (2,170)
case page                 97.1 / 212.2 (66.5)       241.2 / 364.8 (141.6)
device list               221.0 / 545.2 (151)       269.1 / 396.4 (158.0)
devices: OPD + kind       150.5 / 208.7 (103.0)     162.9 / 332.6 (95.6)
devices: serial search    105.0 / 217.0 (71.8)      175.9 / 288.4 (103.3)
devices, middle page      116.6 / 338.5 (79.8)      363.4 / 564.5 (213.4)
site list                 66.1 / 87.4 (45.3)        195.2 / 517.0 (114.6)
inbox, technician         47.9 / 71.9 (32.8)        301.1 / 637.0 (176.8)
inbox, OPD user           53.4 / 86.5 (36.5)        659.3 / 1,066.9 (387.1)
CSV 3,373 rows: last      1,083.9 / 1,463.0         950.8 / 1,522.3
CSV 3,373 rows: first     (not streamed)            (not streamed)
CSV 50,028 rows: last     15,613 / 26,786           18,744 / 22,712
CSV 50,028 rows: memory   63.2 MB                   63.2 MB
========================  ========================  ========================

========================  ========================  ========================
after                     100,000 cases             1,000,000 cases
========================  ========================  ========================
/healthz                  1.5 / 1.8 (1.0)           1.5 / 1.8 (1.0)
inbox (Tugas Saya)        22.7 / 25.6 (15.7)        34.1 / 39.2 (22.9)
inbox, page 10            24.8 / 28.5 (17.1)        35.3 / 41.2 (23.6)
case list                 29.2 / 42.3 (20.2)        30.3 / 34.0 (20.3)
case list, middle page    27.6 / 30.7 (19.0)        29.4 / 32.9 (19.7)
case page                 32.8 / 36.5 (22.6)        37.4 / 43.7 (25.0)
device list               39.5 / 44.7 (27.2)        40.2 / 49.0 (27.0)
devices: OPD + kind       46.1 / 60.9 (31.8)        45.2 / 59.1 (30.3)
devices: serial search    58.3 / 83.4 (40.2)        62.5 / 69.1 (41.9)
devices, middle page      39.8 / 52.9 (27.4)        41.0 / 52.0 (27.5)
site list                 32.2 / 41.9 (22.2)        30.3 / 36.0 (20.3)
inbox, technician         26.9 / 36.3 (18.5)        39.4 / 50.3 (26.4)
inbox, OPD user           32.7 / 36.8 (22.5)        187.9 / 247.4 (125.9)
CSV 3,373 rows: last      446.6 / 650.7             414.6 / 638.3
CSV 3,373 rows: first     6.0 / 282.1               5.4 / 231.4
CSV 50,028 rows: last     6,521 / 7,114             6,722 / 8,598
CSV 50,028 rows: first    4.1 / 16.4                4.1 / 28.3
CSV 50,028 rows: memory   16.4 MB                   16.4 MB
========================  ========================  ========================

(Two earlier "after" runs at 23:09-23:20, load 1.5-4, measured the same pages at 1.1-2x
these times: inbox p95 67-72 ms at 1M, the case page 73-115, the device list 63-80.)

What grew with the cases, and what changed (``EXPLAIN ANALYZE`` on the 1M database):

- Every page that draws the navigation counted the user's whole inbox for its badge: for
  the Kadis the 200,000 open steps of the partial index ``step_open_by_due`` tested
  against his 33,508 (93 ms), an OPD user's 1,841 in 1,376 ms. The badges now count up to
  100 and show "99+" (``context_processors.BADGE_CAP``); the inbox counts up to 1,000 and
  says "1-25 of more than 1.000" (``keyset.CappedPaginator``, which still serves every
  page that has rows). That, not the lists, was most of the case page's and the site
  list's time.
- The case list counted all the agency's cases (an index-only scan of a million) and
  reached a deep page by ``OFFSET``: the middle page read 500,000 index entries and
  computed the late-step subquery of each (3.7 s). Its pages are now keyset pages
  (``jaga.web.keyset``): the Next link carries the key (started_at, id) of the last row,
  and the page is the 25 rows after it along ``case_agency_newest`` (an index condition
  ``started_at <= key``, the ties dropped by id: 0.8 ms at the middle); the total is
  counted up to 10,000 rows (1.8 ms) and shown as "more than 10.000" past it, as search
  engines do; a filter narrows it back to an exact number.
- The device list sorted the 50,028 devices by name for each page (no index on the order)
  and reached the middle by ``OFFSET``: the index ``device_list_order`` (agency, name, id;
  migration inventory 0006) gives any keyset page in under a millisecond; the total stays
  exact (2 ms: an inventory does not grow with the cases). A text search's first page
  still takes its rows and total in one scan (``COUNT(*) OVER ()``); other filters count
  apart (15 ms) because the windowed query walked the whole index in name order (40 ms).
- The CSV export of the device list built the whole file in memory before answering;
  it now streams (``StreamingHttpResponse`` over ``tabular.export_csv``: ``.iterator``
  chunks of 500 rows, a server-side cursor on PostgreSQL), the same bytes: the first byte
  in 4-6 ms whatever the size, 16 MB of Python memory for 50,028 rows against 63 MB. XLSX
  stays in one piece.

Still growing: an inbox's own queries hash all the steps waiting for the user's positions
(the IN subqueries of ``permissions.inbox``), so the Kadis's inbox goes from 23 to 34 ms
when his waiting steps go from 3,351 to 33,508 (it grows with the backlog, which this
bench lets grow with the cases: a fifth of them stay open), the badge's capped count from
2 to 8 ms; the OPD user's inbox (its part reads the OPD's open acknowledgments through
``step_open_for_reporter``) is 188 ms at a million. Not done here: an EXISTS form of those
subqueries that would stop at the page's rows.

The inbox at a million cases (issue 19 point 3, the leftover). ``EXPLAIN (ANALYZE,
BUFFERS)`` of ``permissions.inbox`` on the 1M database, 2026-12-04: each "waits for" part was
an ``IN (subquery)`` that PostgreSQL computes whole and hashes before the walk along
``step_open_by_due`` starts. For the Kadis that is the 33,508 rows of his position in
``workflow_stepinstance_positions`` (a scan of 67,000 rows, 12-18 ms) in each of the page,
its capped COUNT and the badge's, 3,351 rows at 100,000 cases: it grows with the backlog.
For the OPD user (bolmut.dinkes) the trunk part joined the OPD's 111,111 cases (a bitmap
heap scan of 20,003 pages, 110-135 ms) to the 16,502 open acknowledgments, again in each
query. After (commit cb0d18c, migration workflow 0012): the walk in due order tests each
step by an index lookup (a scalar subquery on the "waits for" table's unique index, which
PostgreSQL cannot turn into a hash as it does an EXISTS under an OR), and an OPD user's part
tests ``for_reporter`` and ``branch`` from the index (``step_open_by_due`` now includes
``for_reporter``, ``branch_id`` and ``case_id``) and looks the OPD up in the case (or the
visit's site) for those rows only; the OPD user's few named steps stay a hashed IN. At 1M:
the Kadis's page 1.0-2.2 ms, the badge's count 1.9 ms (24-51 before), the inbox's count up
to 1,001 17 ms (5,966 steps walked, two lookups each; the same at 100,000, where he has
3,351); the OPD user's page 6 ms, badge 4-8 ms (220-246 before), count 36-58 ms (113,000
index entries and 9,245 case lookups before the 1,001st row; 6-8 ms at 100,000, where all
164 are found in 20,000 entries).

Same command as above with ``--reuse --pages lists`` on databases generated for this run
(``jaga_bench_web_1m_helpera``, ``jaga_bench_web_100k_helpera``). "Before" is commit
23684ac (``git archive``, this bench first on PYTHONPATH), 2026-12-04 04:30-04:36 UTC
(load 0.7-1.5); "after" is cb0d18c, 04:26-04:29 (1M, load 0.8-1.0) and 04:37-04:40
(100k, load 1.2-2.2); the machine was slower than on 2026-12-03 (the case list at 45-54
ms against 30). 60 requests each, median / p95 ms (x the median of /healthz of the same
run):

========================  ======================  ======================
before (23684ac)          100,000 cases           1,000,000 cases
========================  ======================  ======================
/healthz                  2.3 / 2.5 (1.0)         2.3 / 2.5 (1.0)
inbox (Tugas Saya)        36.2 / 38.6 (15.8)      55.5 / 56.6 (23.7)
inbox, page 10            39.3 / 43.7 (17.1)      54.7 / 56.3 (23.4)
inbox, technician         38.3 / 46.3 (16.7)      59.7 / 63.3 (25.5)
inbox, OPD user           46.1 / 51.2 (20.1)      221.3 / 230.1 (94.5)
case page                 53.3 / 54.8 (23.2)      71.3 / 73.2 (30.5)
site list                 45.5 / 49.8 (19.8)      53.0 / 55.1 (22.6)
========================  ======================  ======================

========================  ======================  ======================
after (cb0d18c)           100,000 cases           1,000,000 cases
========================  ======================  ======================
/healthz                  2.5 / 2.6 (1.0)         2.4 / 2.6 (1.0)
inbox (Tugas Saya)        49.8 / 59.6 (20.3)      52.1 / 53.9 (21.6)
inbox, page 10            55.4 / 63.7 (22.6)      58.6 / 61.4 (24.3)
inbox, technician         45.0 / 48.5 (18.3)      45.7 / 48.0 (19.0)
inbox, OPD user           40.3 / 44.3 (16.4)      68.9 / 74.1 (28.6)
case page                 58.0 / 60.9 (23.6)      68.7 / 74.3 (28.5)
site list                 46.1 / 51.0 (18.8)      46.7 / 50.8 (19.4)
========================  ======================  ======================

(A first "before" run at 1M under load 2.1-2.7, 04:11, measured the OPD user's inbox at 348.2
/ 462.3 ms, 139.8x; the other "after" runs, 04:16 at 1M and 04:23 at 100k under load
1.3-4.7, gave the same figures but for the Kadis's first page at 1M, 97.8 / 108.9, which
the run at 04:26 and a direct profile, 54 ms with 17 ms in the COUNT, did not repeat.)

The Kadis's and the technician's inboxes no longer grow from 100,000 to 1,000,000 cases;
at 100,000 the Kadis's is 14 ms slower than before: the capped COUNT's 12,000 lookups (15
ms) cost more than hashing his 3,351 steps did, and less than hashing his 33,508. The OPD
user's inbox is 3.2x faster at 1M but still grows (40 to 69 ms): its COUNT up to 1,001 has
to look up the case of every acknowledgment it walks (an OPD's share is a ninth of them)
until the 1,001st, and at 100,000 cases the OPD has only 164. A COUNT that does not grow
needs the acting OPD on the step row (an index on it in due order), which this does not
add. Page 10 of an OPD user's inbox reads the heap of every step it walks (30,000, 40-95
ms): the page fetches whole rows, so the index's columns do not spare the visits.

The XLSX export (issue 19 point 3, "exports stream"). ``--pages exports`` measures only
/healthz and the device list's exports: the CSV and the XLSX (``?format=xlsx``) of the
filtered list and of all of it, each's first and last byte over ``max(5, requests // 6)``
downloads and the peak of Python's memory over one more, and prints each XLSX against the
CSV of the same rows in the same run::

    .venv/bin/python -m bench.web --cases 100000 --database jaga_bench_web_100k_xlsx \\
        --generate-only
    .venv/bin/python -m bench.web --cases 100000 --database jaga_bench_web_100k_xlsx \\
        --reuse --pages exports --requests 30

"Before" is commit 8c56139 (49c6b9e^: the rows in a list and the workbook in memory,
one ``HttpResponse``; ``git archive``, this bench first on PYTHONPATH), 2026-12-04
04:53-04:56 UTC (load 1.0-1.7); "after" is commit 49c6b9e's code (HEAD ec37185: the
rows in chunks into openpyxl's write-only sheet in a temporary file a ``FileResponse``
sends), 04:48-04:52 (load 4.1 falling to 1.1), on the same database. 5 downloads each,
median / p95 ms; memory: the peak over one download (x the CSV of the same run):

==============================  ===========================  ===========================
export                          before (8c56139)             after (49c6b9e)
==============================  ===========================  ===========================
CSV 3,373 rows: last            518.1 / 606.5                533.1 / 603.0
CSV 3,373 rows: first           6.0 / 6.9                    6.1 / 11.8
XLSX 3,373 rows: last           1,055.6 / 1,072.8 (2.0x)     977.8 / 1,085.5 (1.8x)
XLSX 3,373 rows: first          (one piece: = last)          (= last: 977.5)
XLSX 3,373 rows: memory         12.0 MB (0.9x; CSV 13.0)     13.4 MB (1.0x; CSV 13.0)
CSV 50,028 rows: last           7,636.8 / 7,792.6            7,616.0 / 8,250.2
CSV 50,028 rows: first          4.8 / 6.9                    4.7 / 6.4
XLSX 50,028 rows: last          14,948 / 15,707 (2.0x)       14,723 / 14,873 (1.9x)
XLSX 50,028 rows: first         (one piece: = last)          (= last: 14,720)
XLSX 50,028 rows: memory        51.3 MB (3.1x; CSV 16.3)     16.3 MB (1.0x; CSV 16.3)
==============================  ===========================  ===========================

The XLSX of all 50,028 devices now takes the CSV's peak of Python memory, 16.3 MB against
51.3 MB, and stays flat with the rows (the 3,373-row files sit at the 12-13 MB that any
download here costs); its time is unchanged, about twice the CSV's (openpyxl's writing,
not the queries). Its first byte does not come sooner: the file is written whole before
the response sends it (an XLSX is a ZIP whose directory comes last), so the first byte is
the last but for the sending, 14.7 s for 50,028 rows against the CSV's 5 ms. A second
"after" run, 04:58-05:02 (load 0.2-1.1), gave the same: XLSX 996.2 / 1,099.2 ms (1.9x
the CSV) and 14,768 / 14,864 (1.9x), 13.4 and 16.3 MB. ``tracemalloc``
counts Python's allocations only: lxml's buffers (openpyxl's write-only sheet writes
through lxml's ``xmlfile``) and the temporary files on disk are not in these figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.db.models import DateTimeField, QuerySet

from bench.engine import LOCAL_POSTGRES, setup_django

if TYPE_CHECKING:
    from django.db.models import Field, Model

BATCH = 5000


#: Lanes whose steps name people (a disposition or an assignment named them) in this
#: share of the cases; the rest wait for the lane's positions. The technicians are named
#: by the Kasi's assignment (step 4) in every case; a disposition names someone in half.
NAMED_SHARE = {"kabid": 0.5, "kasi": 0.5, "teknis": 1.0}


def generate(cases: int, now: dt.datetime | None = None) -> int:
    """Write ``cases`` cases with their steps and the ``StepRecord`` of each done step,
    without the ORM (``_Table``: COPY on PostgreSQL, executemany on SQLite); returns the
    number of step rows.

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
    reads the stored seconds either way.

    The random draws are those of the ``bulk_create`` version this replaced (the same
    generators, drawn in the same order per ``BATCH`` cases), so the data are the same.
    On PostgreSQL the load runs with the foreign keys' triggers off
    (``session_replication_role = replica``: the rows are consistent by construction) and
    the four tables' secondary indexes dropped, then built again once at the end."""
    from jaga.org.models import Employee, Opd, Position, User
    from jaga.reports.models import StepRecord
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
    # Per step of the path: (step no, kind, lane key, for the reporter, the lane's position
    # codes, its holders as (code, user id), their user ids).
    plan = []
    for step in path:
        lane = spec.lane(step.all_lanes[0])
        held = [(code, user_id) for code in lane.positions for user_id in holders.get(code, [])]
        plan.append(
            (
                step.no,
                step.kind.value,
                lane.key,
                lane.reporter,
                list(lane.positions),
                held,
                [user_id for _, user_id in held],
                NAMED_SHARE.get(lane.key, 0.0),
            )
        )
    rng = random.Random(42)
    # Durations and actors from their own generator: the open steps and whom they wait
    # for are drawn as before the records existed.
    timing = random.Random(43)
    zone = ZoneInfo(agency.timezone)
    last = (now or dt.datetime.now(dt.UTC)).astimezone(zone).replace(second=0, microsecond=0)
    start = last - dt.timedelta(days=1, minutes=7 * (cases - 1))
    hour = dt.timedelta(hours=1)
    case_table = _Table(
        Case,
        [
            "id", "agency_id", "definition_id", "number", "title", "description", "source",
            "opd_id", "reporter_id", "started_at", "status", "closed_at",
        ],
    )  # fmt: skip
    step_table = _Table(
        StepInstance,
        [
            "id", "agency_id", "case_id", "step_no", "lane", "kind", "started_at", "due_at",
            "status", "completed_at", "actor_id", "outcome", "for_reporter",
        ],
    )  # fmt: skip
    record_table = _Table(
        StepRecord,
        [
            "id", "agency_id", "step_id", "case_id", "sop_code", "step_no", "lane", "visit",
            "source", "opd_id", "position_id", "unit_id", "actor_id", "started_at",
            "completed_at", "period", "standard_seconds", "actual_seconds", "late_seconds",
            "on_time",
        ],
    )  # fmt: skip
    position_table = _Table(
        StepInstance.positions.through, ["id", "stepinstance_id", "position_id"]
    )
    name_table = _Table(StepInstance.assignees.through, ["id", "stepinstance_id", "user_id"])
    tables = [case_table, step_table, record_table, position_table, name_table]
    dropped = _drop_indexes(tables)
    steps_written = 0
    source = CaseSource.REPORT.value
    opened_status, closed_status = CaseStatus.OPEN.value, CaseStatus.CLOSED.value
    done_status, open_status = StepStatus.DONE.value, StepStatus.OPEN.value
    try:
        for first in range(0, cases, BATCH):
            count = min(first + BATCH, cases) - first
            case_rows: list[tuple[Any, ...]] = []
            # Minutes each step of each case takes (its open step's draw is not used).
            minutes: list[list[int]] = []
            numbers = reserve_case_numbers(agency.pk, count)
            first_case = case_table.reserve(count)
            for number in range(first, first + count):
                opd = opds[number % len(opds)]
                opened = start + dt.timedelta(minutes=7 * number)
                is_open = rng.random() < 0.2
                minutes.append([timing.randint(10, 90) for _ in path])
                reporter = reporters.get(opd.pk)
                case_rows.append(
                    (
                        first_case + number - first,
                        agency.pk,
                        definition.pk,
                        numbers + number - first,
                        f"Gangguan jaringan {number}",
                        "Koneksi terputus",
                        source,
                        opd.pk,
                        reporter.pk if reporter is not None else None,
                        opened,
                        opened_status if is_open else closed_status,
                        None if is_open else opened + dt.timedelta(minutes=sum(minutes[-1])),
                    )
                )
            step_rows: list[tuple[Any, ...]] = []
            record_rows: list[tuple[Any, ...]] = []
            # (index in step_rows, position codes, user ids) of each open step.
            open_rows: list[tuple[int, list[str], list[int]]] = []
            # (index in step_rows, position id) of each done step.
            done_rows: list[tuple[int, int | None]] = []
            for case, taking in zip(case_rows, minutes, strict=True):
                case_id, is_open = case[0], case[10] == opened_status
                stop = rng.randrange(1, len(path)) if is_open else len(path)
                at = case[9]
                for index in range(stop + is_open):
                    step_no, kind, lane_key, for_reporter, codes, held, people, share = plan[index]
                    done = index < stop
                    actor_id: int | None = None
                    position_id: int | None = None
                    if done and for_reporter:
                        actor_id = case[8]
                    elif done and held:
                        code, actor_id = timing.choice(held)
                        position_id = positions.get(code)
                    completed = at + dt.timedelta(minutes=taking[index]) if done else None
                    step_rows.append(
                        (
                            0,
                            agency.pk,
                            case_id,
                            step_no,
                            lane_key,
                            kind,
                            at,
                            at + hour,
                            done_status if done else open_status,
                            completed,
                            actor_id,
                            "done" if done else "",
                            for_reporter,
                        )
                    )
                    if done:
                        done_rows.append((len(step_rows) - 1, position_id))
                    if not done and not for_reporter:
                        if people and rng.random() < share:
                            named = rng.sample(people, min(len(people), rng.choice((1, 2))))
                            open_rows.append((len(step_rows) - 1, [], named))
                        else:
                            open_rows.append((len(step_rows) - 1, codes, []))
                    if completed is not None:
                        at = completed
            first_step = step_table.reserve(len(step_rows))
            step_rows = [(first_step + index, *row[1:]) for index, row in enumerate(step_rows)]
            first_record = record_table.reserve(len(done_rows))
            for number, (index, position_id) in enumerate(done_rows):
                row = step_rows[index]
                started, due, completed = row[6], row[7], row[9]
                late = round((completed - due).total_seconds())
                record_rows.append(
                    (
                        first_record + number,
                        agency.pk,
                        row[0],
                        row[2],
                        definition.code,
                        row[3],
                        row[4],
                        1,
                        source,
                        case_rows[row[2] - first_case][7],
                        position_id,
                        units.get(position_id) if position_id is not None else None,
                        row[10],
                        started,
                        completed,
                        completed.astimezone(zone).date().replace(day=1),
                        3600,
                        round((completed - started).total_seconds()),
                        max(0, late),
                        late <= 0,
                    )
                )
            by_position = [
                (step_rows[index][0], positions[code])
                for index, codes, _ in open_rows
                for code in codes
                if code in positions
            ]
            by_name = [
                (step_rows[index][0], user_id) for index, _, users in open_rows for user_id in users
            ]
            first_position = position_table.reserve(len(by_position))
            first_name = name_table.reserve(len(by_name))
            case_table.write(case_rows)
            step_table.write(step_rows)
            record_table.write(record_rows)
            position_table.write([(first_position + n, *row) for n, row in enumerate(by_position)])
            name_table.write([(first_name + n, *row) for n, row in enumerate(by_name)])
            steps_written += len(step_rows)
    finally:
        _restore_indexes(dropped)
    return steps_written


def _drop_indexes(tables: Sequence[_Table]) -> list[str]:
    """On PostgreSQL, drop the secondary indexes of ``tables`` (not those behind a primary
    key or unique constraint) and turn this session's foreign-key triggers off, for a bulk
    load; returns the indexes' definitions for ``_restore_indexes``. Nothing on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    names = [table.model._meta.db_table for table in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [names],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET session_replication_role = replica")
    return [definition for _, definition in found]


def _restore_indexes(definitions: Sequence[str]) -> None:
    """Build again the indexes ``_drop_indexes`` dropped and turn the triggers back on."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


class _Table:
    """Rows of one table written in bulk without the ORM: COPY on PostgreSQL, executemany
    on SQLite. A row gives the values of ``fields`` (attnames, the primary key first);
    every other concrete field gets its model default, the same for every row."""

    def __init__(self, model: type[Model], fields: Sequence[str]) -> None:
        from django.db import connection

        self.model = model
        meta = model._meta
        given = [cast("Field[Any, Any]", meta.get_field(name)) for name in fields]
        rest = [field for field in meta.concrete_fields if field.attname not in fields]
        self.columns = [str(field.column) for field in (*given, *rest)]
        self.postgres = connection.vendor == "postgresql"
        tail = [field.get_db_prep_save(field.get_default(), connection) for field in rest]
        if self.postgres:
            # get_db_prep_save gives a JSONField's default as an adapter object.
            json_columns = {
                index
                for index, field in enumerate(rest)
                if field.get_internal_type() == "JSONField"
            }
            self.tail_text = "".join(
                "\t" + (json.dumps(field.get_default()) if index in json_columns else _text(value))
                for index, (field, value) in enumerate(zip(rest, tail, strict=True))
            )
        else:
            self.tail = tuple(tail)
            # SQLite stores datetimes as Django writes them (naive UTC text).
            self.datetimes = [
                index for index, field in enumerate(given) if isinstance(field, DateTimeField)
            ]

    def reserve(self, count: int) -> int:
        """Reserve ``count`` consecutive primary keys; returns the first."""
        from django.db import connection

        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [self.model._meta.db_table]
                )
                first = int(cursor.fetchone()[0])
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [self.model._meta.db_table, first + max(count, 1) - 1],
                )
                return first
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            return int(cursor.fetchone()[0])

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        from django.db import connection

        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                tail = self.tail_text + "\n"
                lines = ["\t".join(map(_text, row)) + tail for row in rows]
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for start in range(0, len(lines), 10_000):
                        copy.write("".join(lines[start : start + 10_000]))
                return
            adapt = connection.ops.adapt_datetimefield_value
            prepared = []
            for row in rows:
                values = list(row)
                for index in self.datetimes:
                    values[index] = adapt(values[index])
                prepared.append((*values, *self.tail))
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)


def _text(value: object) -> str:
    """``value`` in COPY's text format (the generated strings hold no tab, newline or
    backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


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


def deep_url(
    queryset: QuerySet[Any], order: tuple[str, ...], base: str, position: int, per_page: int
) -> str:
    """The URL of the page of list ``base`` holding its row ``position`` (0-based) in
    ``order`` (``per_page`` rows a page), as the list's own Next links reach it: a keyset
    cursor (``jaga.web.keyset``: the key of the row before the page) and the page's number;
    ``?page=N`` in code from before keyset pages."""
    number = position // per_page + 1
    try:
        from jaga.web import keyset
    except ImportError:
        return f"{base}?page={number}"
    names = [spec.removeprefix("-") for spec in order]
    before = queryset.order_by(*order).values_list(*names)[(number - 1) * per_page - 1]
    return f"{base}?after={keyset.encode(list(before))}&page={number}"


def download(client: object, url: str) -> tuple[float, float, bool]:
    """One download of ``url``: ms to its first byte (the view's answer and the first
    piece of a streamed body), ms to its last, and whether it streamed."""
    started = time.perf_counter()
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, (url, response.status_code)
    if not response.streaming:
        elapsed = (time.perf_counter() - started) * 1000
        return elapsed, elapsed, False
    pieces = iter(response.streaming_content)
    size = len(next(pieces))
    first = (time.perf_counter() - started) * 1000
    for piece in pieces:
        size += len(piece)
    response.close()
    return first, (time.perf_counter() - started) * 1000, True


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
    parser.add_argument(
        "--database", default="jaga_bench_web", help="PostgreSQL database name (made afresh)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the PostgreSQL database --database as an earlier run left it (migrated"
        " again, no new data; --cases and --devices must be those it was generated with)",
    )
    parser.add_argument(
        "--generate-only", action="store_true", help="load the data, VACUUM ANALYZE and stop"
    )
    parser.add_argument(
        "--pages",
        choices=["all", "lists", "exports"],
        default="all",
        help="lists: only /healthz, the inboxes, the case list, a case page and the inventory"
        " (no reports); exports: only /healthz and the device list's CSV and XLSX exports",
    )
    args = parser.parse_args()
    os.environ["JAGA_ALLOWED_HOSTS"] = "testserver"
    if args.reuse and not args.sqlite:
        os.environ["JAGA_DATA_DIR"] = tempfile.mkdtemp(prefix=f"{args.database}-")
        os.environ["DJANGO_SETTINGS_MODULE"] = "jaga.settings"
        url = os.environ.get("BENCH_POSTGRES_URL", LOCAL_POSTGRES)
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{args.database}"
        import django

        django.setup()
    else:
        setup_django(sqlite=args.sqlite, name=args.database)
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
    from jaga.workflow.models import Case, StepInstance
    from jaga.workflow.permissions import inbox

    call_command("migrate", verbosity=0)
    now = dt.datetime.now(dt.UTC)
    if args.reuse:
        steps = StepInstance.objects.count()
        print(f"reusing {args.database}: {Case.objects.count()} cases, {steps} steps")
    else:
        call_command("demo", "--quiet")
        started = time.perf_counter()
        steps = generate(args.cases, now)
        elapsed = time.perf_counter() - started
        print(f"generated {args.cases} cases, {steps} steps in {elapsed:.0f} s")
    if args.devices and not args.reuse:
        started = time.perf_counter()
        sites, devices = generate_inventory(args.devices)
        elapsed = time.perf_counter() - started
        print(f"generated {sites} sites, {devices} devices in {elapsed:.0f} s")
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load on a production server (this development
        # server runs without it): statistics, and the visibility map that lets the inbox's
        # COUNT read its partial index without visiting the table.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
    if args.generate_only:
        return
    client = Client()
    assert client.login(username="bolmut.kadis", password="jaga-demo")
    case = Case.objects.filter(status="open").order_by("-pk").first()
    assert case is not None
    inbox_url = reverse("workflow:inbox")
    pages: dict[str, str] = {"trivial view (/healthz)": "/healthz"}
    lists = {
        "inbox (Tugas Saya)": inbox_url,
        "inbox, page 10": inbox_url + "?page=10",
        # The badge path: the bell's fragment, polled every 20 s by each open tab, renders
        # with the shared context (the navigation's inbox COUNT and the unread COUNT).
        "badge (bell fragment)": reverse("notifications:bell"),
        "case list": reverse("workflow:cases"),
        # The page holding the middle case (the 500,000th at a million), reached as the
        # list's own links reach it (a cursor, or ?page=N before keyset pages).
        "case list, middle page": deep_url(
            Case.objects.filter(agency__slug="bolmut"),
            ("-started_at", "-pk"),
            reverse("workflow:cases"),
            Case.objects.filter(agency__slug="bolmut").count() // 2,
            25,
        ),
        "case page": reverse("workflow:case", args=[case.pk]),
    }
    if args.pages != "exports":
        pages |= lists
    # The reports: the Kadis's home page, the compliance report of this month (the
    # agency's local date) by step, person and OPD, of last month and of last quarter by
    # step, and the drill-down to last quarter's late steps.
    from jaga.reports.periods import Period
    from jaga.tenancy.models import Agency

    today = now.astimezone(ZoneInfo(Agency.objects.get(slug="bolmut").timezone)).date()
    month = Period.containing(today)
    quarter = Period.quarter(today.year, (today.month + 2) // 3).previous()
    report_url = reverse("reports:compliance")
    reports = {
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
    if args.pages == "all":
        pages |= reports
    # Inboxes of the other kinds of user, each with its own session: a technician (steps
    # naming them) and an OPD user (their office's acknowledgments).
    others = {"inbox, technician": "bolmut.teknisi1", "inbox, OPD user": "bolmut.dinkes"}
    if args.pages == "exports":
        others = {}
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
        listed = Device.objects.filter(agency__slug="bolmut")
        inventory_pages = {
            "device list": devices_url,
            "devices: OPD + kind": devices_url + opd_and_kind,
            "devices: serial search": devices_url + f"?q={device.serial_number}",
            "devices, middle page": deep_url(
                listed, ("name", "pk"), devices_url, listed.count() // 2, 50
            ),
            "site list": reverse("inventory:sites"),
        }
        if args.pages != "exports":
            pages |= inventory_pages
        export_url = reverse("inventory:export", args=["devices"])
        rows = Device.objects.filter(site__opd_id=opd, kind="access_point").count()
        downloads[f"CSV export ({rows} rows)"] = export_url + opd_and_kind + "&format=csv"
        downloads[f"CSV export, all ({listed.count()} rows)"] = export_url + "?format=csv"
        # The same two lists as XLSX (one piece before commit 49c6b9e; after it a file
        # written in chunks, then sent: its first byte comes when the file is written).
        downloads[f"XLSX export ({rows} rows)"] = export_url + opd_and_kind + "&format=xlsx"
        downloads[f"XLSX export, all ({listed.count()} rows)"] = export_url + "?format=xlsx"
    # A finished period's table is computed on its first request and then kept
    # (jaga.reports.snapshots): time the first request of each grouping the pages below
    # do not ask for, each computed from the records.
    first_requests: list[float] = []
    for grouping in ("sop", "lane", "position", "unit", "opd", "person")[
        : 6 if args.pages == "all" else 0
    ]:
        started_at = time.perf_counter()
        response = client.get(report_url + f"?period={quarter.key}&by={grouping}")
        first_requests.append((time.perf_counter() - started_at) * 1000)
        assert response.status_code == 200
    # This year, still running: computed on its first request, then reused for
    # JAGA_REPORT_REFRESH_SECONDS (jaga.reports.snapshots).
    year_url = report_url + f"?period={today.year}&by=sop"
    year_first = 0.0
    if args.pages == "all":
        started_at = time.perf_counter()
        assert client.get(year_url).status_code == 200
        year_first = (time.perf_counter() - started_at) * 1000
        pages[f"report {today.year} by SOP (running)"] = year_url
    results = {name: measure(client, url, args.requests) for name, url in pages.items()}
    results |= {name: measure(clients[name], inbox_url, args.requests) for name in others}
    if args.pages == "all":
        results["home (Kabid)"] = measure(kabid, reverse("home"), args.requests)
    waiting = {
        username: inbox(User.objects.get(username=username)).count()
        for username in ("bolmut.kadis", *others.values())
    }
    exports = max(5, args.requests // 6)
    # A download's first byte (when the view has answered and the first piece of a
    # streamed body is made) and its last, and the peak of Python's memory over one.
    firsts: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    streamed: dict[str, bool] = {}
    for name, url in downloads.items():
        firsts[name + ", first byte"], results[name] = [], []
        for _ in range(exports):
            first_byte, total, streamed[name] = download(client, url)
            firsts[name + ", first byte"].append(first_byte)
            results[name].append(total)
        tracemalloc.start()
        download(client, url)
        peaks[name] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    results |= firsts
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
    for name, peak in peaks.items():
        kind = "streamed" if streamed[name] else "one piece"
        print(f"{name}: {kind}, peak Python memory over one download {peak:.1f} MB")
    # Each XLSX export against the CSV export of the same rows in the same run.
    for name in peaks:
        csv_name = name.replace("XLSX", "CSV")
        if name.startswith("XLSX") and csv_name in peaks:
            last = statistics.median(results[name]) / statistics.median(results[csv_name])
            first = statistics.median(firsts[name + ", first byte"]) / statistics.median(
                firsts[csv_name + ", first byte"]
            )
            memory = peaks[name] / peaks[csv_name]
            print(
                f"{name} / CSV: last byte {last:.1f}x, first byte {first:.1f}x, "
                f"peak memory {memory:.1f}x"
            )
    if args.pages != "all":
        return
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
