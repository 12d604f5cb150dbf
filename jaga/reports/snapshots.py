"""Computing a long period's compliance once (``ComplianceSnapshot``; issue 16 point 7).

``table`` answers the compliance report's table and total:

- a period that ended before the current month: from its snapshot, computed on the first
  request and kept; ``forget`` deletes the snapshots whose period holds a month, and the
  records' writers call it (``jaga.reports.records``), so a late or rebuilt record never
  leaves a stale one behind;
- a running period of more than a month (this quarter, this year): from its snapshot
  while it is younger than ``JAGA_REPORT_REFRESH_SECONDS`` (the page says as of when),
  else computed again and kept: its records arrive with every completed step, so it is
  refreshed by age rather than forgotten;
- the current month: computed on each request (a month's records stay under 100 ms at
  100,000 cases, bench/web.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jaga.reports import compliance
from jaga.reports.compliance import Dimension, Figures, Row
from jaga.reports.models import ComplianceSnapshot
from jaga.reports.periods import Period
from jaga.tenancy.models import Agency


def key_for(
    period: Period,
    by: Dimension,
    filters: Mapping[Dimension, str],
    units: Iterable[int] | None,
    language: str,
) -> str:
    """A stable hex key (SHA-256) of what a table shows: the period, the grouping, the
    filters, the reader's units and the language of its labels."""
    text = json.dumps(
        {
            "period": period.key,
            "by": by.value,
            "filters": sorted((dimension.value, value) for dimension, value in filters.items()),
            "units": sorted(units) if units is not None else None,
            "language": language,
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _dump(rows: list[Row], total: Figures) -> dict[str, Any]:
    return {
        "rows": [
            {"key": r.key, "label": r.label, "figures": dataclasses.asdict(r.figures)} for r in rows
        ],
        "total": dataclasses.asdict(total),
    }


def _load(payload: Mapping[str, Any]) -> tuple[list[Row], Figures]:
    rows = [Row(r["key"], r["label"], Figures(**r["figures"])) for r in payload["rows"]]
    return rows, Figures(**payload["total"])


def is_finished(period: Period, today: dt.date) -> bool:
    """The period ended before the month ``today`` falls in."""
    return period.end <= today.replace(day=1)


@dataclass(frozen=True)
class Table:
    """A compliance table: its ``rows``, its ``total``, and ``as_of`` (aware) when it
    comes from a running period's snapshot (None: the figures are current)."""

    rows: list[Row]
    total: Figures
    as_of: dt.datetime | None = None


def table(
    agency: Agency,
    period: Period,
    by: Dimension,
    filters: Mapping[Dimension, str],
    units: Iterable[int] | None,
    language: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Table:
    """The rows of ``by`` and the total of ``agency``'s records in ``period`` narrowed by
    ``filters`` and ``units`` (``compliance.breakdown`` and ``compliance.summarise``), kept
    or computed as the module's docstring says. ``today`` is the agency's local date and
    ``now`` the clock (defaults: the current ones)."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    unit_list = list(units) if units is not None else None
    finished = is_finished(period, today)
    running = not finished and len(period.months) > 1
    if not finished and not running:
        records = compliance.records(agency, period, filters, unit_list)
        return Table(compliance.breakdown(records, by), compliance.summarise(records))
    key = key_for(period, by, filters, unit_list, language)
    fresh_after = now - dt.timedelta(seconds=settings.JAGA_REPORT_REFRESH_SECONDS)
    kept = ComplianceSnapshot.objects.filter(agency=agency, key=key).first()
    if kept is not None and (not kept.running or kept.computed_at >= fresh_after):
        rows, total = _load(kept.payload)
        return Table(rows, total, kept.computed_at if kept.running else None)
    records = compliance.records(agency, period, filters, unit_list)
    rows = compliance.breakdown(records, by)
    total = compliance.summarise(records)
    values = {
        "period_start": period.start,
        "period_end": period.end,
        "payload": _dump(rows, total),
        "computed_at": now,
        "running": running,
    }
    if kept is not None:
        ComplianceSnapshot.objects.filter(pk=kept.pk).update(**values)
    else:
        try:
            with transaction.atomic():
                ComplianceSnapshot.objects.create(agency=agency, key=key, **values)
        except IntegrityError:  # kept by another request at the same moment: same figures
            pass
    return Table(rows, total, now if running else None)


def forget(agency_id: int, months: Iterable[dt.date]) -> int:
    """Delete the finished periods' snapshots of ``agency_id`` whose period holds any of
    ``months`` (first days); returns how many. In the caller's transaction. Running ones
    are left to their age. A month not yet over in any time zone (the step completed just
    now) is in no finished period, and costs no statement (issue 19 point 2)."""
    # The month as the earliest time zone (UTC-12, with a margin) has it: every agency's
    # current month starts on or before it.
    current = (timezone.now() - dt.timedelta(hours=14)).date().replace(day=1)
    deleted = 0
    for month in {month for month in months if month < current}:
        count, _ = ComplianceSnapshot.objects.filter(
            agency_id=agency_id, period_start__lte=month, period_end__gt=month, running=False
        ).delete()
        deleted += count
    return deleted
