"""Computing a finished period's compliance once (``ComplianceSnapshot``; issue 16 point 7).

``table`` answers the compliance report's table and total: from a snapshot when the
period ended before the current month and one was kept, else computed (and kept, for such
a period). ``forget`` deletes the snapshots whose period holds a month: the records'
writers call it (``jaga.reports.records``), so a late or rebuilt record never leaves a
stale snapshot behind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

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


def table(
    agency: Agency,
    period: Period,
    by: Dimension,
    filters: Mapping[Dimension, str],
    units: Iterable[int] | None,
    language: str,
    today: dt.date | None = None,
) -> tuple[list[Row], Figures]:
    """The rows of ``by`` and the total of ``agency``'s records in ``period`` narrowed by
    ``filters`` and ``units`` (``compliance.breakdown`` and ``compliance.summarise``):
    from a kept snapshot for a finished period, else computed and, for a finished period,
    kept. ``today`` is the agency's local date (default: the current one)."""
    today = today or timezone.localdate()
    unit_list = list(units) if units is not None else None
    finished = is_finished(period, today)
    key = key_for(period, by, filters, unit_list, language)
    if finished:
        kept = ComplianceSnapshot.objects.filter(agency=agency, key=key).first()
        if kept is not None:
            return _load(kept.payload)
    records = compliance.records(agency, period, filters, unit_list)
    rows = compliance.breakdown(records, by)
    total = compliance.summarise(records)
    if finished:
        try:
            with transaction.atomic():
                ComplianceSnapshot.objects.create(
                    agency=agency,
                    key=key,
                    period_start=period.start,
                    period_end=period.end,
                    payload=_dump(rows, total),
                    computed_at=timezone.now(),
                )
        except IntegrityError:  # another request kept it first: the same figures
            pass
    return rows, total


def forget(agency_id: int, months: Iterable[dt.date]) -> int:
    """Delete the snapshots of ``agency_id`` whose period holds any of ``months`` (first
    days); returns how many. In the caller's transaction."""
    deleted = 0
    for month in set(months):
        count, _ = ComplianceSnapshot.objects.filter(
            agency_id=agency_id, period_start__lte=month, period_end__gt=month
        ).delete()
        deleted += count
    return deleted
