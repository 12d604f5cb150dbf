"""Pages of maintenance plans (issue 14 point 1; docs/maintenance.md, "Pages").

- ``/pemeliharaan/rencana/``: the agency's plans with their next occurrences, for its
  Diskominfo side; a "New plan" button for those who edit (``permissions``).
- ``/pemeliharaan/rencana/baru/`` and ``…/<pk>/ubah/``: the plan form; saving goes
  through ``services.save_plan`` (field errors on bad input, nothing written).
- ``/pemeliharaan/rencana/<pk>/``: one plan: its scope, its next occurrences (and why a
  day off moved them), and the rounds it started; pause and resume (POST ``…/jeda/``).

Another agency's plan is a 404; a user who may not see plans gets 403.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jaga.maintenance.forms import PlanForm
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.maintenance.permissions import (
    may_edit_checklists,
    may_edit_plans,
    may_see_plans,
    plans_for,
)
from jaga.maintenance.recurrence import Occurrence
from jaga.maintenance.scheduling import upcoming
from jaga.maintenance.services import pause_plan, save_plan
from jaga.org.models import User
from jaga.tenancy.services import working_calendar
from jaga.workflow.errors import InvalidInput

#: Occurrences shown on a plan's page, and on each row of the list.
UPCOMING_ON_PAGE = 6
UPCOMING_IN_LIST = 2
PAGE_SIZE = 25


def staff_user(request: HttpRequest) -> User:
    """The signed-in user, who must see plans (403 otherwise)."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("Maintenance plans belong to an agency; this account has none."))
    if not may_see_plans(user):
        raise PermissionDenied(_("Maintenance plans are for the Diskominfo's staff."))
    return user


@dataclasses.dataclass(frozen=True)
class ShownOccurrence:
    """An occurrence as a page shows it: ``moved`` is why the visits are not on the rule's
    date (the day off's name), or empty."""

    occurrence: Occurrence
    visit_local: dt.datetime
    due_local: dt.datetime
    moved: str


def _shown(plan: MaintenancePlan, count: int) -> list[ShownOccurrence]:
    calendar = working_calendar(plan.agency)
    zone = calendar.timezone
    shown = []
    for occurrence in upcoming(plan, count, timezone.now()):
        visit = occurrence.visit_at.astimezone(zone)
        moved = ""
        if visit.date() != occurrence.nominal_date:
            moved = calendar.day_off_reason(occurrence.nominal_date) or ""
        shown.append(ShownOccurrence(occurrence, visit, occurrence.due_at.astimezone(zone), moved))
    return shown


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """The agency's plans, by name, with their next occurrences."""
    user = staff_user(request)
    plans = (
        plans_for(user)
        .select_related("agency")
        .annotate(opd_count=Count("opds", distinct=True), site_count=Count("sites", distinct=True))
        .order_by("name", "pk")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(plan, _shown(plan, UPCOMING_IN_LIST)) for plan in page.object_list]
    return render(
        request,
        "maintenance/plan_list.html",
        {
            "page": page,
            "rows": rows,
            "may_edit": may_edit_plans(user),
            "show_checklists": may_edit_checklists(user),
        },
    )


def _plan(user: User, pk: int) -> MaintenancePlan:
    return get_object_or_404(plans_for(user).select_related("agency"), pk=pk)


def _detail(
    request: HttpRequest, user: User, plan: MaintenancePlan, errors: list[str], status: int
) -> HttpResponse:
    rounds = (
        MaintenanceRound.objects.filter(plan=plan)
        .select_related("case")
        .order_by("-nominal_date", "-pk")
    )
    context = {
        "plan": plan,
        "errors": errors,
        "occurrences": _shown(plan, UPCOMING_ON_PAGE),
        "rounds": Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page")),
        "opds": plan.opds.order_by("name"),
        "sites": plan.sites.select_related("opd").order_by("name"),
        "team": plan.team.select_related("employee").order_by("employee__name"),
        "checklists": plan.checklists.select_related("template").order_by("device_kind"),
        "may_edit": may_edit_plans(user),
    }
    return render(request, "maintenance/plan_detail.html", context, status=status)


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan: scope, next occurrences, rounds (paginated, newest first)."""
    user = staff_user(request)
    return _detail(request, user, _plan(user, pk), [], 200)


def _edit(request: HttpRequest, user: User, plan: MaintenancePlan) -> HttpResponse:
    if not may_edit_plans(user):
        raise PermissionDenied(
            _("Only the agency's administrator and the Kepala Seksi edit plans.")
        )
    form = PlanForm(request.POST or None, instance=plan, agency_id=user.agency_id or 0)
    if request.method == "POST" and form.is_valid():
        edited: MaintenancePlan = form.save(commit=False)
        edited.agency_id = user.agency_id or 0
        try:
            save_plan(
                edited,
                by=user,
                opds=form.cleaned_data["opds"],
                sites=form.cleaned_data["sites"],
                team=form.cleaned_data["team"],
                checklists=form.cleaned_data["checklists"],
            )
        except InvalidInput as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            return HttpResponseRedirect(reverse("maintenance:plan", args=[edited.pk]))
    return render(request, "maintenance/plan_form.html", {"form": form, "plan": plan})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    """The form of a new plan."""
    user = staff_user(request)
    initial: dict[str, Any] = {"start_date": timezone.localdate(), "visit_time": dt.time(8, 0)}
    plan = MaintenancePlan(agency_id=user.agency_id or 0, **initial)
    return _edit(request, user, plan)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The form of an existing plan."""
    user = staff_user(request)
    return _edit(request, user, _plan(user, pk))


@login_required
@require_POST
def plan_pause(request: HttpRequest, pk: int) -> HttpResponse:
    """Pause a plan (``active=0``: ``services.pause_plan``, no validation) or resume it
    (``active=1``: ``services.save_plan``, which validates: 400 with the reasons). The
    wanted state is posted, so a second submit of the same form changes nothing; any other
    value is a 400."""
    user = staff_user(request)
    plan = _plan(user, pk)
    if not may_edit_plans(user):
        raise PermissionDenied(
            _("Only the agency's administrator and the Kepala Seksi edit plans.")
        )
    wanted = request.POST.get("active")
    if wanted not in {"0", "1"}:
        return _detail(request, user, plan, [_("Choose to pause or to resume the plan.")], 400)
    if wanted == "0":
        pause_plan(plan, by=user)
    elif not plan.is_active:
        plan.is_active = True
        try:
            save_plan(
                plan,
                by=user,
                opds=list(plan.opds.all()),
                sites=list(plan.sites.all()),
                team=list(plan.team.all()),
            )
        except InvalidInput as exc:
            plan.refresh_from_db()
            return _detail(request, user, plan, list(exc.errors.values()), 400)
    return HttpResponseRedirect(reverse("maintenance:plan", args=[plan.pk]))
