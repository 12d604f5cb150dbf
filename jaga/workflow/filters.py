"""The filters of the case list (``workflow:cases``): status, OPD, SOP, late, period and a
search on title and description. Choices come from the user's own agency only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.workflow.models import Case, CaseStatus, StepInstance, StepStatus

LATE = "yes"
NOT_LATE = "no"


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
        choices=[(LATE, _("Late")), (NOT_LATE, _("Not late"))],
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
        late = late_steps(timezone.now())
        if value == LATE:
            return queryset.filter(late)
        if value == NOT_LATE:
            return queryset.filter(~late)
        return queryset

    def filter_started_from(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(started_at__gte=_day_start(value))

    def filter_started_to(
        self, queryset: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        return queryset.filter(started_at__lt=_day_start(value + dt.timedelta(days=1)))
