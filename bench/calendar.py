"""Benchmark of the working calendar's deadline arithmetic.

Run: ``.venv/bin/python -m bench.calendar`` (no database needed).

Each operation is timed against a reference measured in the same run, because these
machines are noisy: the reference is the naive way of counting working time, one minute at
a time with ``is_working_time``. Prints the median time per call of each and the ratio
reference / Jaga (how many times faster Jaga is).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
django.setup()

from jaga.tenancy.calendar import WorkingCalendar, national_days_off  # noqa: E402
from jaga.tenancy.timestandard import parse_time_standard  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
REPEATS = 7


def median_seconds(call: Callable[[], object], repeats: int = REPEATS) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def naive_minutes_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """The reference: walk minute by minute."""
    minutes, at = 0, start
    while at < end:
        minutes += calendar.is_working_time(at)
        at += timedelta(minutes=1)
    return minutes


def naive_due(calendar: WorkingCalendar, start: datetime, minutes: int) -> datetime:
    """The reference deadline: step minute by minute until enough working minutes passed."""
    at, counted = start, 0
    while counted < minutes:
        counted += calendar.is_working_time(at)
        at += timedelta(minutes=1)
    return at


def main() -> None:
    calendar = WorkingCalendar(timezone=WIB)
    for year in (2026, 2027):
        national_days_off(year)
    start = datetime(2026, 11, 20, 16, 15, tzinfo=WIB)
    month_later = start + timedelta(days=30)
    three_days = parse_time_standard("3 hari")
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "working time over 30 days",
            lambda: calendar.working_time_between(start, month_later),
            lambda: naive_minutes_between(calendar, start, month_later),
        ),
        (
            'due "30 menit" from Friday 16:15',
            lambda: calendar.due_at(start, parse_time_standard("30 menit")),
            lambda: naive_due(calendar, start, 30),
        ),
        (
            'due "3 hari" (1350 working minutes)',
            lambda: calendar.due_at(start, three_days),
            lambda: naive_due(calendar, start, 3 * 450),
        ),
    ]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, median of {REPEATS} runs each")
    print(f"{'operation':<38} {'jaga':>12} {'reference':>12} {'ratio':>8}")
    for name, jaga_call, reference_call in cases:
        ours = median_seconds(jaga_call)
        reference = median_seconds(reference_call, repeats=3)
        print(
            f"{name:<38} {ours * 1e6:>9.1f} µs {reference * 1e3:>9.1f} ms {reference / ours:>7.0f}x"
        )


if __name__ == "__main__":
    main()
