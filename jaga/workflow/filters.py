"""The filters of the case list (``workflow:cases``): status, OPD, SOP, deadline, period and
a search on title and description. Choices come from the user's own agency only.

Also the deadline outcome of a case (issue 16 point 4): the query expressions that count its
late steps and the outcome that follows (late, on time, in progress), shared by the list and
its exports (``jaga.workflow.exports``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.workflow.models import Case, CaseStatus, StepInstance, StepStatus

LATE = "yes"
NOT_LATE = "no"
CLOSED_ON_TIME = "closed_on_time"
CLOSED_LATE = "closed_late"


def _user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) else None


def opds_of(request: HttpRequest | None) -> QuerySet[Opd]:
    """The OPDs a user may filter by: their agency's (an OPD user: only their own)."""
    user = _user(request)
    if user is None:
        return Opd.objects.none()
    if user.opd_id is not None:
        return Opd.objects.filter(pk=user.opd_id)
    if user.agency_id is None:
        return Opd.objects.all() if user.is_superuser else Opd.objects.none()
    return Opd.objects.filter(agency_id=user.agency_id).order_by("name")


def sop_codes_of(user: User | None) -> list[tuple[str, str]]:
    """(code, name) of the SOPs of the user's agency, current versions' names."""
    if user is None:
        return []
    definitions = SopDefinition.objects.filter(is_current=True)
    if user.agency_id is not None:
        definitions = definitions.filter(agency_id=user.agency_id)
    elif not user.is_superuser:
        return []
    pairs = definitions.order_by("name").values_list("code", "name").distinct()
    return list(dict(pairs).items())


def late_steps(now: dt.datetime) -> Exists:
    """A case waits on a step that is past due at ``now``."""
    return Exists(
        StepInstance.objects.filter(case=OuterRef("pk"), status=StepStatus.OPEN, due_at__lt=now)
    )


def late_step_instances(now: dt.datetime) -> QuerySet[StepInstance]:
    """The step instances late at ``now`` (UTC-aware): completed after their ``due_at``, or
    open past it. Cancelled ones and kondisional ones (no ``due_at``) never are; the same
    rule as ``StepInstance.is_late``."""
    return StepInstance.objects.filter(
        Q(status=StepStatus.DONE, completed_at__gt=F("due_at"))
        | Q(status=StepStatus.OPEN, due_at__lt=now)
    )


def late_step_count(now: dt.datetime) -> Coalesce:
    """An annotation of ``Case``: how many of its step instances are late at ``now``
    (``late_step_instances``), an int >= 0. One correlated subquery on the index
    (case, status): no query per case."""
    counted = (
        late_step_instances(now)
        .filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(late=Count("pk"))
        .values("late")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class Deadline(TextChoices):
    """The deadline outcome of a case ("Tepat waktu / Terlambat"), see ``deadline_of``."""

    LATE = "late", _("Late")
    ON_TIME = "on_time", _("On time")
    IN_PROGRESS = "in_progress", _("In progress")


def deadline_of(status: str, late_steps: int) -> Deadline | None:
    """The deadline outcome of a case of ``status`` (``CaseStatus``) with ``late_steps``
    late step instances (``late_step_count``): late when one is, else on time when the case
    is closed, in progress when it is open; None for a cancelled case with none late (it
    neither met nor missed its deadlines)."""
    if late_steps > 0:
        return Deadline.LATE
    if status == CaseStatus.CLOSED:
        return Deadline.ON_TIME
    if status == CaseStatus.OPEN:
        return Deadline.IN_PROGRESS
    return None


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in the current (the agency's) zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


#: The largest value of ``Case.number`` (a PositiveIntegerField).
MAX_CASE_NUMBER = 2_147_483_647


class CaseFilter(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    opd = django_filters.ModelChoiceFilter(
        queryset=opds_of, label=_("Regional office (OPD)"), empty_label=_("Any OPD")
    )
    sop = django_filters.ChoiceFilter(
        field_name="definition__code", label=_("SOP"), empty_label=_("Any SOP")
    )
    late = django_filters.ChoiceFilter(
        method="filter_late",
        choices=[
            (LATE, _("Late")),
            (NOT_LATE, _("Not late")),
            (CLOSED_ON_TIME, _("Closed on time")),
            (CLOSED_LATE, _("Closed late")),
        ],
        label=_("Deadline"),
        empty_label=_("Late or not"),
    )
    started_from = django_filters.DateFilter(
        method="filter_started_from",
        label=_("Started from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    started_to = django_filters.DateFilter(
        method="filter_started_to",
        label=_("Started until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["sop"].extra["choices"] = sop_codes_of(_user(self.request))

    def search(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        number = text.removeprefix("#")
        # Case numbers count per agency (``Case.number``, issue 13 point 12); a number
        # beyond the column's range matches nothing rather than overflowing the database.
        if text.startswith("#") and number.isdigit():  # "#12": case number 12 only
            if int(number) > MAX_CASE_NUMBER:
                return queryset.none()
            return queryset.filter(number=int(number))
        if not text:
            return queryset
        match = Q(title__icontains=text) | Q(description__icontains=text)
        if text.isdigit() and int(text) <= MAX_CASE_NUMBER:
            match |= Q(number=int(text))
        return queryset.filter(match)

    def filter_late(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """ "Late" / "Not late": waiting on a step past due now or not (any status); "Closed
        on time" / "Closed late": closed cases with no late step or with one."""
        now = timezone.now()
        if value == LATE:
            return queryset.filter(late_steps(now))
        if value == NOT_LATE:
            return queryset.filter(~late_steps(now))
        if value in (CLOSED_ON_TIME, CLOSED_LATE):
            late = Exists(late_step_instances(now).filter(case=OuterRef("pk")))
            closed = queryset.filter(status=CaseStatus.CLOSED)
            return closed.filter(late) if value == CLOSED_LATE else closed.filter(~late)
        return queryset

    def filter_started_from(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(started_at__gte=_day_start(value))

    def filter_started_to(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(started_at__lt=_day_start(value + dt.timedelta(days=1)))
