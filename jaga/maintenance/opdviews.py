"""The OPD's side of preventive maintenance (issue 14 point 6): "Pemeliharaan di OPD
Anda", the page where an OPD user finds

- the visits waiting for their OPD's acknowledgment (seed 004 step 7a, "OPD lokasi
  pemeliharaan mengetahui Berita Acara Pekerjaan"), each with its site, its round, the
  Berita Acara Pekerjaan the visit issued and a button to the step on the case page;
- the visits still to come at their OPD's sites: rounds under way and the planned
  occurrences of the plans whose scope covers those sites (``jaga.maintenance.agenda``);
- the visits finished in the last ``RECENT_DAYS`` days, with their Berita Acara.

Only the OPD's own sites; everyone but an OPD user gets 403 (the Diskominfo side has the
calendar). A bounded number of queries whatever the number of rounds and plans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jaga.documents.models import Document
from jaga.maintenance.agenda import AgendaEvent, opd_agenda
from jaga.maintenance.models import MaintenanceRound
from jaga.maintenance.opdpanels import berita_acara_by_visit
from jaga.maintenance.permissions import acknowledgments_for, may_see_opd_rounds
from jaga.org.models import User
from jaga.workflow.models import BranchStatus, Case, CaseBranch, StepInstance

#: How far ahead planned visits are listed.
HORIZON = dt.timedelta(days=365)
#: Finished visits listed: those of the last RECENT_DAYS days, RECENT_LIMIT at most.
RECENT_DAYS = 90
RECENT_LIMIT = 50
#: Visits waiting for the acknowledgment listed at most (an OPD has a handful).
WAITING_LIMIT = 100


@dataclass(frozen=True)
class VisitRow:
    """One visit to a site of the OPD: its case, its round (None for a fan-out case that
    no plan started), the step waiting for the OPD (None once done) and the Berita Acara
    Pekerjaan it issued (None before step 7)."""

    branch: CaseBranch
    case: Case
    round: MaintenanceRound | None
    step: StepInstance | None
    document: Document | None


def _round_of(case: Case) -> MaintenanceRound | None:
    try:
        return case.maintenance_round
    except MaintenanceRound.DoesNotExist:
        return None


def _opd_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not may_see_opd_rounds(user):
        raise PermissionDenied(_("This page is for the users of a regional office (OPD)."))
    return user


@login_required
@require_GET
def opd_rounds(request: HttpRequest) -> HttpResponse:
    """ "Pemeliharaan di OPD Anda": waiting acknowledgments, upcoming and recent visits of
    the signed-in OPD user's sites (module docstring). 403 for anyone but an OPD user."""
    user = _opd_user(request)
    agency, opd_id = user.agency, user.opd_id
    assert agency is not None  # may_see_opd_rounds
    assert opd_id is not None
    now = timezone.now()
    waiting_steps = list(
        acknowledgments_for(user).select_related(
            "case", "branch", "branch__site", "case__maintenance_round__plan"
        )[:WAITING_LIMIT]
    )
    request.acknowledgment_count = len(waiting_steps)  # type: ignore[attr-defined]  # nav badge
    recent_visits = list(
        CaseBranch.objects.filter(
            agency_id=agency.pk,
            site__opd_id=opd_id,
            status=BranchStatus.DONE,
            completed_at__gte=now - dt.timedelta(days=RECENT_DAYS),
        )
        .select_related("case", "site", "case__maintenance_round__plan")
        .order_by("-completed_at", "-pk")[:RECENT_LIMIT]
    )
    documents = berita_acara_by_visit(
        [step.branch_id for step in waiting_steps if step.branch_id is not None]
        + [branch.pk for branch in recent_visits]
    )
    waiting = []
    for step in waiting_steps:
        assert step.branch is not None  # acknowledgments_for: visit steps only
        waiting.append(
            VisitRow(
                step.branch, step.case, _round_of(step.case), step, documents.get(step.branch.pk)
            )
        )
    recent = [
        VisitRow(branch, branch.case, _round_of(branch.case), None, documents.get(branch.pk))
        for branch in recent_visits
    ]
    upcoming: list[AgendaEvent] = opd_agenda(agency.pk, opd_id, now + HORIZON, now)
    return render(
        request,
        "maintenance/opd_rounds.html",
        {
            "opd": user.opd,
            "waiting": waiting,
            "upcoming": upcoming,
            "recent": recent,
            "recent_days": RECENT_DAYS,
            "zone": ZoneInfo(agency.timezone),
            "now": now,
        },
    )
