"""The home page per role and the Mutu Baku compliance report (issue 16 points 1 and 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jaga.org.models import User
from jaga.reports import compliance, dashboard, snapshots
from jaga.reports.compliance import Dimension
from jaga.reports.models import StepRecord
from jaga.reports.periods import Period, PeriodError
from jaga.reports.permissions import ReportScope, scope_of
from jaga.workflow.permissions import inbox

PAGE_SIZE = 50


def _scope(request: HttpRequest) -> ReportScope:
    user = request.user
    scope = scope_of(user) if isinstance(user, User) else None
    if scope is None:
        raise PermissionDenied(_("Reports are for the Diskominfo staff of an agency."))
    return scope


def _period(request: HttpRequest) -> Period:
    """The ``period`` of the query ("2026-11", "2026-Q4", "2026"), else this month; a bad
    one is reported and replaced by this month."""
    current = Period.containing(timezone.localdate())
    text = request.GET.get("period", "").strip()
    if not text:
        return current
    try:
        return Period.parse(text)
    except PeriodError as error:
        messages.warning(request, str(error))
        return current


def _filters(query: QueryDict, scope: ReportScope) -> dict[Dimension, str]:
    found = {
        dimension: str(query.get(dimension.value, ""))[:120]
        for dimension in Dimension
        if query.get(dimension.value)
    }
    if scope.person is not None:
        found[Dimension.PERSON] = str(scope.person)
    return found


def _period_choices(today: dt.date) -> list[Period]:
    """This month and the 23 before it, this year's and last year's quarters, the years."""
    months = [Period.containing(today)]
    while len(months) < 24:
        months.append(months[-1].previous())
    quarters = [
        Period.quarter(year, q) for year in (today.year, today.year - 1) for q in (4, 3, 2, 1)
    ]
    return months + quarters + [Period.year(today.year), Period.year(today.year - 1)]


def _link(query: QueryDict, **changes: str | None) -> str:
    """``query`` with ``changes`` applied (None removes a key), without the page."""
    copy = query.copy()
    copy.pop("page", None)
    for key, value in changes.items():
        if value is None:
            copy.pop(key, None)
        else:
            copy[key] = value
    return "?" + copy.urlencode()


@login_required
def compliance_report(request: HttpRequest) -> HttpResponse:
    """Mutu Baku compliance of a period, grouped by ``by`` (SOP, step, lane, position,
    person, OPD, unit) and narrowed by any of those (``?opd=3&by=step``); each row links to
    its steps and to a finer grouping. A technician sees their own steps, a unit head
    their units' (``jaga.reports.permissions``)."""
    scope = _scope(request)
    period = _period(request)
    try:
        by = Dimension(request.GET.get("by", Dimension.STEP))
    except ValueError:
        by = Dimension.STEP
    filters = _filters(request.GET, scope)
    language = get_language() or "id"
    found = snapshots.table(scope.agency, period, by, filters, scope.units, language)
    rows, total = found.rows, found.total
    before = compliance.records(scope.agency, period.previous(), filters, scope.units)
    previous = compliance.tally(before)
    query = request.GET
    table = [
        {
            "row": row,
            "steps": "langkah/" + _link(query, **{by.value: row.key}, by=None),
            "late": "langkah/" + _link(query, **{by.value: row.key}, by=None, late="1"),
            "finer": {
                dimension: _link(query, **{by.value: row.key}, by=dimension.value)
                for dimension in Dimension
                if dimension is not by and dimension.value not in filters
            },
        }
        for row in rows
    ]
    labelled = compliance.records(scope.agency, period)
    active = [
        {
            "dimension": dimension,
            "key": compliance.label_of(labelled, dimension, key),
            "remove": _link(query, **{dimension.value: None}),
        }
        for dimension, key in filters.items()
        if not (scope.person is not None and dimension is Dimension.PERSON)
    ]
    context: dict[str, Any] = {
        "scope": scope,
        "period": period,
        "previous_period": period.previous(),
        "periods": _period_choices(timezone.localdate()),
        "by": by,
        "dimensions": [(d, _link(query, by=d.value)) for d in Dimension],
        "table": table,
        "total": total,
        "previous": previous,
        "active": active,
        "steps_link": "langkah/" + _link(query, by=None),
        "as_of": found.as_of,
    }
    return render(request, "reports/compliance.html", context)


@login_required
def compliance_steps(request: HttpRequest) -> HttpResponse:
    """The step instances behind a compliance figure (the same period and filters;
    ``late=1`` for the late ones only), most late first, paginated, each linking to its
    case."""
    scope = _scope(request)
    period = _period(request)
    filters = _filters(request.GET, scope)
    chosen = compliance.records(scope.agency, period, filters, scope.units)
    if request.GET.get("late") == "1":
        chosen = chosen.filter(on_time=False)
    ordered = chosen.select_related("case", "actor__employee", "position", "opd").order_by(
        "-late_seconds", "-completed_at", "-pk"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "scope": scope,
        "period": period,
        "page": page,
        "records": _described(list(page)),
        "late_only": request.GET.get("late") == "1",
        "back": "../" + _link(request.GET, late=None),
        "query": _link(request.GET, page=None),
    }
    return render(request, "reports/compliance_steps.html", context)


def _described(records: list[StepRecord]) -> list[dict[str, Any]]:
    """Each record with its step's kegiatan and the person's name (one query for the SOP
    definitions)."""
    from jaga.sop.models import SopDefinition

    definitions = SopDefinition.objects.in_bulk({record.case.definition_id for record in records})
    rows = []
    for record in records:
        spec = definitions[record.case.definition_id].spec
        try:
            kegiatan = spec.step(record.step_no).kegiatan
        except KeyError:
            kegiatan = ""
        rows.append(
            {
                "record": record,
                "kegiatan": kegiatan,
                "person": compliance.person_name(record.actor) if record.actor else "–",
                "standard": _minutes(record.standard_seconds),
                "actual": _minutes(record.actual_seconds),
                "late": _minutes(record.late_seconds) if record.on_time is False else None,
            }
        )
    return rows


def _minutes(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's home page: a unit head's or the Kepala Dinas's overview, a
    technician's tasks and week, an OPD user's reports and tasks. Signed out (or a
    platform administrator): what Jaga is."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return render(request, "web/home.html")
    now = timezone.now()
    if user.opd_id is not None:
        return _opd_home(request, user)
    scope = scope_of(user)
    if scope is None:
        return render(request, "web/home.html")
    if scope.person is not None:
        return _technician_home(request, scope, now)
    return _head_home(request, scope, now)


def _head_home(request: HttpRequest, scope: ReportScope, now: dt.datetime) -> HttpResponse:
    month = Period.containing(timezone.localdate())
    this = compliance.tally(compliance.records(scope.agency, month, units=scope.units))
    last = compliance.tally(compliance.records(scope.agency, month.previous(), units=scope.units))
    late_total, late = dashboard.late_steps(scope, now)
    waiting_total, waiting = dashboard.waiting_on_opds(scope)
    start = now - dt.timedelta(days=30)
    context = {
        "scope": scope,
        "month": month,
        "this": this,
        "last": last,
        "late_total": late_total,
        "late": late,
        "late_units": dashboard.late_by_unit(scope, now),
        "by_sop": dashboard.open_cases_by_sop(scope),
        "by_step": dashboard.open_steps_by_step(scope),
        "waiting_total": waiting_total,
        "waiting": waiting,
        "outages": dashboard.open_outages(scope),
        "availability": dashboard.availability_by_opd(scope, start, now, now),
        "rounds": dashboard.rounds_this_month(scope, month, now),
    }
    return render(request, "reports/home_head.html", context)


def _technician_home(request: HttpRequest, scope: ReportScope, now: dt.datetime) -> HttpResponse:
    month = Period.containing(timezone.localdate())
    mine = compliance.tally(
        compliance.records(scope.agency, month, {Dimension.PERSON: str(scope.user.pk)})
    )
    tasks = inbox(scope.user, now)
    context = {
        "scope": scope,
        "month": month,
        "mine": mine,
        "task_count": tasks.count(),
        "tasks": dashboard.describe_steps(list(tasks.select_related("case__definition")[:10])),
        "week": dashboard.week_of(scope.user, now),
    }
    return render(request, "reports/home_technician.html", context)


def _opd_home(request: HttpRequest, user: User) -> HttpResponse:
    now = timezone.now()
    tasks = inbox(user, now)
    context = {
        "task_count": tasks.count(),
        "tasks": dashboard.describe_steps(list(tasks.select_related("case__definition")[:10])),
        "reports": dashboard.reports_of(user),
    }
    return render(request, "reports/home_opd.html", context)


@login_required
def operations_report(request: HttpRequest) -> HttpResponse:
    """Operational figures of a period (``jaga.reports.operations``): cases by SOP, OPD,
    source and outcome, MTTA and MTTR per OPD, the backlog's age, failures by device kind,
    vendor and model, replaced devices, spare stock against its minimum. The Kepala Dinas,
    the administrators and unit heads (the whole agency: these are the Dinas's cases)."""
    from jaga.reports import operations

    scope = _scope(request)
    if scope.person is not None:
        raise PermissionDenied(_("Operational figures are for the heads of units."))
    period = _period(request)
    agency = scope.agency
    overall, per_opd = operations.service_times(agency, period)
    context = {
        "scope": scope,
        "period": period,
        "periods": _period_choices(timezone.localdate()),
        "by_sop": operations.cases_by(agency, period, "sop"),
        "by_opd": operations.cases_by(agency, period, "opd"),
        "by_source": operations.cases_by(agency, period, "source"),
        "by_status": operations.cases_by(agency, period, "outcome"),
        "overall": overall,
        "per_opd": per_opd,
        "ageing": operations.backlog_ageing(agency),
        "by_kind": operations.failures_by(agency, period, "kind"),
        "by_vendor": operations.failures_by(agency, period, "vendor"),
        "by_model": operations.failures_by(agency, period, "model"),
        "replaced": list(operations.replacements(agency, period)[:100]),
        "spares": operations.spare_stock(agency),
    }
    return render(request, "reports/operations.html", context)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The reports a reader may open, with one line on each."""
    scope = _scope(request)
    return render(request, "reports/index.html", {"scope": scope})
