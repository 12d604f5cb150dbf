"""The Rencana Kerja editor of a round (issue 14 point 5): ``/pemeliharaan/putaran/<pk>/
rencana-kerja/``.

- The Diskominfo side of the round's agency (``may_see_plans``) reads it; an OPD user gets
  403 and another agency's round is a 404.
- The agency's administrator and the Kasi (``may_edit_plans``) edit each site's date, team
  and activities until step 1 issues the Rencana Kerja; the page then says which document
  holds it and is read-only. A POST by anyone else is a 403; a POST after the issue
  answers 409 with the page and the reason, bad input 400 with an error by each field and
  what was typed kept (``jaga.maintenance.workplans.save_work_plan`` writes nothing then).
- One column on a phone: a card per site with a date input, the team as checkboxes, the
  activities, and (read-only) the devices in scope with their checklist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jaga.maintenance.models import MaintenanceRound, WorkPlanVisit
from jaga.maintenance.permissions import may_edit_plans
from jaga.maintenance.views import staff_user
from jaga.maintenance.workplans import (
    InvalidWorkPlan,
    RowInput,
    ScopedDevice,
    WorkPlanClosed,
    closed_reason,
    devices_in_scope,
    save_work_plan,
    start_day,
    team_choices,
)
from jaga.org.models import User


@dataclass
class EditorRow:
    """A row as the page shows it: the stored row, the values to show (typed or stored),
    its errors by field, and the devices in scope at its site."""

    visit: WorkPlanVisit
    planned_on: str
    team: set[int]
    activities: str
    errors: dict[str, str]
    devices: list[ScopedDevice]


def _user_ids(values: list[str]) -> list[int]:
    """The team's user ids as posted; anything not a number becomes 0 (no such user, so
    the service refuses it with its message)."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            ids.append(0)
    return ids


def _posted(request: HttpRequest, rows: list[WorkPlanVisit]) -> list[RowInput]:
    return [
        RowInput(
            visit=row.pk,
            planned_on=request.POST.get(f"row-{row.pk}-planned_on", ""),
            team=_user_ids(request.POST.getlist(f"row-{row.pk}-team")),
            activities=request.POST.get(f"row-{row.pk}-activities", ""),
        )
        for row in rows
    ]


def _page(
    request: HttpRequest,
    user: User,
    started: MaintenanceRound,
    rows: list[WorkPlanVisit],
    typed: list[RowInput] | None,
    errors: dict[str, str],
    closed: WorkPlanClosed | None,
    status: int,
) -> HttpResponse:
    scoped = devices_in_scope(started)
    by_pk = {entry.visit: entry for entry in typed or []}
    shown = []
    for row in rows:
        entry = by_pk.get(row.pk)
        prefix = f"row-{row.pk}-"
        shown.append(
            EditorRow(
                visit=row,
                planned_on=str(entry.planned_on) if entry else row.planned_on.isoformat(),
                team=set(entry.team) if entry else {member.pk for member in row.team.all()},
                activities=entry.activities if entry else row.activities,
                errors={
                    key.removeprefix(prefix): message
                    for key, message in errors.items()
                    if key.startswith(prefix)
                },
                devices=scoped.get(row.site_id, []),
            )
        )
    context: dict[str, Any] = {
        "round": started,
        "rows": shown,
        "choices": team_choices(started),
        "errors": [message for key, message in errors.items() if not key.startswith("row-")],
        "closed": closed,
        "may_edit": closed is None and may_edit_plans(user),
        "first_day": start_day(started).isoformat(),
    }
    return render(request, "maintenance/work_plan.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def work_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's Rencana Kerja: the editor, or the read-only plan (module docstring)."""
    user = staff_user(request)
    started = get_object_or_404(
        MaintenanceRound.objects.filter(agency_id=user.agency_id or 0).select_related(
            "plan", "case", "agency"
        ),
        pk=pk,
    )
    rows = list(
        WorkPlanVisit.objects.filter(round=started)
        .select_related("site", "site__opd")
        .prefetch_related("team")
        .order_by("position", "pk")
    )
    closed = closed_reason(started)
    if request.method != "POST":
        return _page(request, user, started, rows, None, {}, closed, 200)
    if not may_edit_plans(user):
        raise PermissionDenied(
            _("Only the agency's administrator and the Kepala Seksi edit the work plan.")
        )
    typed = _posted(request, rows)
    try:
        save_work_plan(started, typed, user)
    except WorkPlanClosed as exc:
        return _page(request, user, started, rows, None, {}, exc, 409)
    except InvalidWorkPlan as exc:
        return _page(request, user, started, rows, typed, exc.errors, None, 400)
    messages.success(request, _("The work plan was saved."))
    return HttpResponseRedirect(reverse("workflow:case", args=[started.case_id]))
