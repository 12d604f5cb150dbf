"""Percentiles, the same in Python and in PostgreSQL.

``percentile`` follows PostgreSQL's ``percentile_cont``: the value at rank
``p * (n - 1)`` of the sorted values, interpolated linearly between the two nearest ranks
(the median of 1, 2, 3, 10 is 2.5; its 90th percentile is 7.9). ``PercentileCont`` is that
aggregate for PostgreSQL; on SQLite the values are fetched and ``percentile`` runs here
(architecture.md: no PostgreSQL-only feature in the core path)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from django.db.models import Aggregate, FloatField


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p`` quantile (0 ≤ p ≤ 1) of ``values`` by linear interpolation, None when
    empty. Raises ``ValueError`` for ``p`` outside [0, 1]."""
    if not 0 <= p <= 1:
        raise ValueError(f"p must be within [0, 1], not {p}")
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class PercentileCont(Aggregate):
    """``percentile_cont(p) WITHIN GROUP (ORDER BY expression)`` (PostgreSQL only)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field: ClassVar[Any] = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be within [0, 1], not {fraction}")
        super().__init__(expression, fraction=float(fraction), **extra)
