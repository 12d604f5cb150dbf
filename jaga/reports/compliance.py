"""Mutu Baku compliance (issue 16 point 2; docs/reports.md, "Compliance").

Counts come from ``StepRecord`` rows (one per completed step instance, written by the
engine's ``step_completed`` event), filtered by the agency, the period's months and any of
the dimensions below, and grouped by one of them:

- ``done``: completed step instances; ``timed``: those with a Mutu Baku (not
  "kondisional"); ``on_time`` / ``late``: timed ones completed by / after their due time;
  ``share``: ``on_time / timed`` (None when nothing was timed: a kondisional step shows
  durations only).
- ``median_ratio`` / ``p90_ratio``: the median and 90th percentile of actual against
  standard working time per step instance (1.0 = the whole standard used), over the timed
  ones; ``median_actual_minutes`` / ``p90_actual_minutes``: of the working minutes taken,
  over all (kondisional included); ``median_standard_minutes``: of the standard's working
  minutes. Percentiles interpolate as PostgreSQL's ``percentile_cont``
  (``jaga.reports.stats``).

Returned and repeated visits: every visit of a step is counted on its own, against the
standard it was given when it opened; the step that returned the case counts as done (it
was). A case returned twice to step 3 therefore counts step 3 three times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd, OrgUnit, Position, User
from jaga.reports.models import StepRecord
from jaga.reports.periods import Period
from jaga.reports.stats import PercentileCont, percentile
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency


class Dimension(StrEnum):
    """What the compliance table is grouped or filtered by."""

    SOP = "sop"
    STEP = "step"
    LANE = "lane"
    POSITION = "position"
    PERSON = "person"
    OPD = "opd"
    UNIT = "unit"

    @property
    def label(self) -> str:
        """The column heading (translated)."""
        return str(DIMENSION_LABELS[self])

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``StepRecord`` fields that make a group's key."""
        return DIMENSION_FIELDS[self]


DIMENSION_LABELS = {
    Dimension.SOP: _("SOP"),
    Dimension.STEP: _("Step"),
    Dimension.LANE: _("Lane"),
    Dimension.POSITION: _("Position"),
    Dimension.PERSON: _("Person"),
    Dimension.OPD: _("OPD"),
    Dimension.UNIT: _("Unit"),
}
DIMENSION_FIELDS: dict[Dimension, tuple[str, ...]] = {
    Dimension.SOP: ("sop_code",),
    Dimension.STEP: ("sop_code", "step_no"),
    Dimension.LANE: ("sop_code", "lane"),
    Dimension.POSITION: ("position_id",),
    Dimension.PERSON: ("actor_id",),
    Dimension.OPD: ("opd_id",),
    Dimension.UNIT: ("unit_id",),
}
_NONE = "-"


@dataclass(frozen=True)
class Figures:
    """The compliance of one group (the module's docstring defines each figure)."""

    done: int
    timed: int
    on_time: int
    late: int
    median_ratio: float | None
    p90_ratio: float | None
    median_actual_minutes: float | None
    p90_actual_minutes: float | None
    median_standard_minutes: float | None

    @property
    def share(self) -> float | None:
        """On-time share of the timed steps, 0–1; None when none was timed."""
        return self.on_time / self.timed if self.timed else None

    @property
    def percent(self) -> float | None:
        """``share`` as a percentage rounded to one decimal."""
        return None if self.share is None else round(self.share * 100, 1)

    @property
    def median_percent(self) -> float | None:
        """``median_ratio`` as a percentage of the standard, rounded to a whole."""
        return None if self.median_ratio is None else round(self.median_ratio * 100)

    @property
    def p90_percent(self) -> float | None:
        """``p90_ratio`` as a percentage of the standard, rounded to a whole."""
        return None if self.p90_ratio is None else round(self.p90_ratio * 100)


@dataclass(frozen=True)
class Row:
    """One group: ``key`` is the value that filters on it (``filter_value``), ``label``
    what the table prints."""

    key: str
    label: str
    figures: Figures


def key_of(dimension: Dimension, values: Iterable[Any]) -> str:
    """The filter text of a group: its key fields joined with ":" ("-" for none)."""
    return ":".join(_NONE if value is None else str(value) for value in values)


def records(
    agency: Agency,
    period: Period,
    filters: Mapping[Dimension, str] | None = None,
    units: Iterable[int] | None = None,
) -> QuerySet[StepRecord]:
    """The records of ``agency`` completed in ``period``, narrowed by ``filters`` (a
    dimension → its ``key_of`` text; a malformed key matches nothing) and, when given, to
    the steps done in ``units`` (org unit ids: a Kepala Bidang's subtree)."""
    queryset = StepRecord.objects.filter(
        agency=agency, period__gte=period.start, period__lt=period.end
    )
    for dimension, text in (filters or {}).items():
        parts = str(text).split(":")
        fields = dimension.fields
        if len(parts) != len(fields):
            return queryset.none()
        for field, part in zip(fields, parts, strict=True):
            if part == _NONE:
                queryset = queryset.filter(**{f"{field}__isnull": True})
            elif field.endswith("_id"):
                if not part.isdigit():
                    return queryset.none()
                queryset = queryset.filter(**{field: int(part)})
            else:
                queryset = queryset.filter(**{field: part})
    if units is not None:
        queryset = queryset.filter(unit_id__in=list(units))
    return queryset


def _counts() -> dict[str, Any]:
    return {
        "n_done": Count("pk"),
        "n_timed": Count("pk", filter=Q(on_time__isnull=False)),
        "n_on_time": Count("pk", filter=Q(on_time=True)),
        "n_late": Count("pk", filter=Q(on_time=False)),
    }


def _ratio() -> Any:
    return Cast(F("actual_seconds"), FloatField()) / Cast(
        NullIf(F("standard_seconds"), 0), FloatField()
    )


def _percentiles() -> dict[str, Any]:
    return {
        "median_ratio": PercentileCont(_ratio(), 0.5),
        "p90_ratio": PercentileCont(_ratio(), 0.9),
        "median_actual": PercentileCont(F("actual_seconds"), 0.5),
        "p90_actual": PercentileCont(F("actual_seconds"), 0.9),
        "median_standard": PercentileCont(F("standard_seconds"), 0.5),
    }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _figures(counts: Mapping[str, Any], spread: Mapping[str, float | None]) -> Figures:
    return Figures(
        done=counts["n_done"],
        timed=counts["n_timed"],
        on_time=counts["n_on_time"],
        late=counts["n_late"],
        median_ratio=spread["median_ratio"],
        p90_ratio=spread["p90_ratio"],
        median_actual_minutes=_minutes(spread["median_actual"]),
        p90_actual_minutes=_minutes(spread["p90_actual"]),
        median_standard_minutes=_minutes(spread["median_standard"]),
    )


def _spread_in_python(pairs: Iterable[tuple[int, int | None]]) -> dict[str, float | None]:
    actual: list[float] = []
    standard: list[float] = []
    ratios: list[float] = []
    for taken, allowed in pairs:
        actual.append(taken)
        if allowed is not None:
            standard.append(allowed)
            if allowed:
                ratios.append(taken / allowed)
    return {
        "median_ratio": percentile(ratios, 0.5),
        "p90_ratio": percentile(ratios, 0.9),
        "median_actual": percentile(actual, 0.5),
        "p90_actual": percentile(actual, 0.9),
        "median_standard": percentile(standard, 0.5),
    }


_NO_SPREAD: dict[str, float | None] = dict.fromkeys(
    ("median_ratio", "p90_ratio", "median_actual", "p90_actual", "median_standard")
)


def tally(queryset: QuerySet[StepRecord]) -> Figures:
    """The four counts of ``queryset`` in one query, without the spread (its percentile
    figures are None): what the home page and a previous period's card show."""
    return _figures(queryset.aggregate(**_counts()), _NO_SPREAD)


def summarise(queryset: QuerySet[StepRecord]) -> Figures:
    """The figures of all of ``queryset`` (one or two queries)."""
    if connection.vendor == "postgresql":
        row = queryset.aggregate(**_counts(), **_percentiles())
        return _figures(row, row)
    counts = queryset.aggregate(**_counts())
    pairs = queryset.values_list("actual_seconds", "standard_seconds")
    return _figures(counts, _spread_in_python(pairs))


def breakdown(queryset: QuerySet[StepRecord], by: Dimension) -> list[Row]:
    """The figures of ``queryset`` per group of ``by``, labelled, worst share first (groups
    with nothing timed last, then by label). A fixed number of queries."""
    fields = list(by.fields)
    grouped = queryset.order_by().values(*fields)
    groups: dict[tuple[Any, ...], tuple[Mapping[str, Any], Mapping[str, float | None]]] = {}
    if connection.vendor == "postgresql":
        for row in grouped.annotate(**_counts(), **_percentiles()):
            groups[tuple(row[field] for field in fields)] = (row, row)
    else:
        counts = {tuple(row[f] for f in fields): row for row in grouped.annotate(**_counts())}
        pairs: dict[tuple[Any, ...], list[tuple[int, int | None]]] = defaultdict(list)
        for row in queryset.values_list(*fields, "actual_seconds", "standard_seconds"):
            pairs[tuple(row[: len(fields)])].append((row[-2], row[-1]))
        for key, count in counts.items():
            groups[key] = (count, _spread_in_python(pairs[key]))
    labels = _labels(queryset, by, list(groups))
    rows = [
        Row(key_of(by, key), labels.get(key, key_of(by, key)), _figures(*values))
        for key, values in groups.items()
    ]
    rows.sort(
        key=lambda row: (
            row.figures.share is None,
            row.figures.share if row.figures.share is not None else 0.0,
            row.label,
        )
    )
    return rows


def label_of(queryset: QuerySet[StepRecord], dimension: Dimension, text: str) -> str:
    """What a filter's key (``key_of`` text) is called, as ``breakdown`` labels its group
    (one query); the text itself when it is malformed."""
    parts: list[Any] = []
    for field, part in zip(dimension.fields, text.split(":"), strict=False):
        if part == _NONE:
            parts.append(None)
        elif field.endswith("_id"):
            if not part.isdigit():
                return text
            parts.append(int(part))
        else:
            parts.append(part)
    if len(parts) != len(dimension.fields):
        return text
    key = tuple(parts)
    return _labels(queryset, dimension, [key]).get(key, text)


def _labels(
    queryset: QuerySet[StepRecord], by: Dimension, keys: list[tuple[Any, ...]]
) -> dict[tuple[Any, ...], str]:
    """What each group is called: the SOP's name, "SOP · step: kegiatan", the lane's label,
    the position's title, the person's name, the OPD's or unit's name."""
    none = str(_("(none)"))
    ids = [key[0] for key in keys if key[0] is not None]
    if by in (Dimension.SOP, Dimension.STEP, Dimension.LANE):
        codes = {key[0] for key in keys}
        specs: dict[str, SopDefinition] = {}
        for definition in SopDefinition.objects.filter(
            agency_id__in=queryset.values("agency_id")[:1], code__in=codes
        ).order_by("code", "-pk"):
            specs.setdefault(definition.code, definition)
        labels: dict[tuple[Any, ...], str] = {}
        for key in keys:
            found = specs.get(key[0])
            if found is None:
                labels[key] = key_of(by, key)
            elif by is Dimension.SOP:
                labels[key] = found.name
            elif by is Dimension.STEP:
                labels[key] = _step_label(found, key[1])
            else:
                labels[key] = _lane_label(found, key[1])
        return labels
    if by is Dimension.POSITION:
        names = dict(Position.objects.filter(pk__in=ids).values_list("pk", "title"))
    elif by is Dimension.OPD:
        names = dict(Opd.objects.filter(pk__in=ids).values_list("pk", "name"))
    elif by is Dimension.UNIT:
        names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        names = {
            user.pk: person_name(user)
            for user in User.objects.filter(pk__in=ids).select_related("employee")
        }
    return {key: names.get(key[0], none) if key[0] is not None else none for key in keys}


def person_name(user: User) -> str:
    """The employee's name with titles, else the login name."""
    employee = getattr(user, "employee", None)
    return employee.name if employee is not None else user.get_username()


def _step_label(definition: SopDefinition, step_no: str) -> str:
    try:
        kegiatan = definition.spec.step(step_no).kegiatan
    except KeyError:
        kegiatan = ""
    return f"{definition.code} · {step_no}. {kegiatan}".strip()


def _lane_label(definition: SopDefinition, lane: str) -> str:
    try:
        label = definition.spec.lane(lane).label
    except KeyError:
        label = lane
    return f"{definition.code} · {label}"
