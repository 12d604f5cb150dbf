"""What a user may see and what waits for them: the one place that decides visibility
(architecture.md, "for_user querysets"). Actions are decided by ``jaga.workflow.actors``.

- Platform administrators see every case; everyone else only their agency's.
- An OPD user (a reporter) sees only the cases of their OPD, and the rounds that visit
  one of its sites (a fan-out visit it acknowledges); of such a round only its own part
  (``visiting_branches``): the visits to its sites, their steps and documents.
- Diskominfo employees, agency administrators and the help desk (permission
  ``workflow.record_request``) see all cases of their agency.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Permission
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact, IsNull
from django.utils import timezone

from jaga.org.models import ActingAssignment, User
from jaga.workflow.models import Case, CaseBranch, IntakeChannel, StepInstance, StepStatus


def cases_for(user: User) -> QuerySet[Case]:
    """The cases ``user`` may see (none for anonymous or inactive users)."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    if user.is_superuser:
        return Case.objects.all()
    if user.agency_id is None:
        return Case.objects.none()
    cases = Case.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        visited = Case.objects.filter(branches__site__opd_id=user.opd_id).values("pk")
        return cases.filter(Q(opd_id=user.opd_id) | Q(pk__in=visited))
    if user.is_staff or hasattr(user, "employee") or is_help_desk(user):
        return cases  # the Diskominfo side, the help desk included
    return Case.objects.none()


def visiting_branches(user: User, case: Case) -> set[int] | None:
    """The part of ``case`` that ``user`` sees: None for all of it (the Diskominfo side,
    a platform administrator, an OPD user of the case's own OPD); for an OPD user who sees
    the case because it visits their OPD's sites (a round), the ids of those visits
    (``CaseBranch``). The other OPDs' visits, their steps, Berita Acara, devices and the
    round's documents covering every site are not theirs to see (an OPD sees its own part
    of the agency, as in the inventory). One query for such a user, none otherwise."""
    if user.opd_id is None or user.is_superuser or case.opd_id == user.opd_id:
        return None
    return set(
        CaseBranch.objects.filter(case=case, site__opd_id=user.opd_id).values_list("pk", flat=True)
    )


def position_ids_of(user: User, on: dt.date) -> set[int]:
    """Positions ``user`` holds, or acts for as Plt/Plh on local date ``on``."""
    employee = getattr(user, "employee", None)
    if employee is None or not employee.is_active:
        return set()
    held = set(employee.positions.values_list("pk", flat=True))
    acting = ActingAssignment.objects.filter(
        employee=employee, start_date__lte=on, end_date__gte=on
    ).values_list("position_id", flat=True)
    return held | set(acting)


def is_help_desk(user: User) -> bool:
    """Help-desk staff of an agency (issue 17 point 2): the permission
    ``workflow.record_request`` (group "Meja Layanan" in the demo), not an OPD user."""
    return (
        user.is_authenticated
        and user.agency_id is not None
        and user.opd_id is None
        and user.has_perm("workflow.record_request")
    )


def _found(rows: QuerySet[Any]) -> Q:
    """True when ``rows`` (a "waits for" table filtered on ``OuterRef("pk")``, the step)
    has a row: a scalar subquery's index lookup made for each step tested. An EXISTS here
    would let PostgreSQL hash the whole subquery first, which grows with the backlog."""
    return Q(IsNull(Subquery(rows.order_by().values("stepinstance_id")[:1]), False))


def help_desk_condition(user: User) -> Q:
    """SQL that is true when ``user`` has the help desk's permission
    ``workflow.record_request`` of their own or through a group: an uncorrelated EXISTS the
    database answers once per query (what ``user.has_perm`` says, without its two queries)."""
    granted = Permission.objects.filter(
        codename="record_request", content_type__app_label="workflow"
    ).values("pk")
    direct = User.user_permissions.through.objects.filter(
        user_id=user.pk, permission_id__in=granted
    )
    grouped = User.groups.through.objects.filter(user_id=user.pk, group__permissions__in=granted)
    return Exists(direct) | Exists(grouped)


def inbox(user: User, now: dt.datetime | None = None) -> QuerySet[StepInstance]:
    """Open steps waiting for ``user`` ("Tugas Saya"), soonest due first (kondisional
    last): those naming them, those of their positions (held or acting, today in the
    agency's zone) in lanes that name nobody, and, for an OPD user, their OPD's steps (in
    a fan-out visit, those of the visits to their OPD's sites), and for the help desk the
    requesters' steps of the cases it recorded (issue 17). It
    matches ``jaga.workflow.actors.eligibility`` except for administrators, who may act on
    any step but find in their inbox only their own positions' steps. An OPD user holds
    no Diskominfo position, so theirs costs no lookup of positions: one query."""
    agency_id = user.agency_id if user.is_authenticated else None
    if agency_id is None or not user.is_active:
        return StepInstance.objects.none()
    # The page walks the partial index step_open_by_due (the agency's open steps in due
    # order) and stops after its rows; the capped counts stop after their cap. What grows
    # with the cases is the backlog, so no part may be a set computed whole (a hashed IN
    # of the 33,000 steps of the Kadis's position at a million cases, or a join of the
    # OPD's 111,000 cases): each row is tested by an index lookup (``_found``), at a cost
    # per row that does not grow. An OPD user's few named steps are the exception (a
    # hashed IN, as a lookup for each of the many rows tested would cost more).
    positions: set[int] = set()
    agency = user.agency if user.opd_id is None else None
    if agency is not None:
        today = (now or timezone.now()).astimezone(ZoneInfo(agency.timezone)).date()
        positions = position_ids_of(user, today)
    named = StepInstance.assignees.through.objects.filter(user_id=user.pk)
    if user.opd_id is not None:
        waiting = Q(pk__in=named.values("stepinstance_id"))
        # Their OPD's acknowledgments: on the trunk of its cases, and in a fan-out the
        # visits to its sites; for_reporter and branch come from the index, the OPD from
        # the case or the visit's site, looked up for those rows only.
        case_opd = Case.objects.filter(pk=OuterRef("case_id")).order_by().values("opd_id")
        site_opd = (
            CaseBranch.objects.filter(pk=OuterRef("branch_id")).order_by().values("site__opd_id")
        )
        waiting |= Q(for_reporter=True, branch__isnull=True) & Q(
            Exact(Subquery(case_opd), user.opd_id)
        )
        waiting |= Q(for_reporter=True, branch__isnull=False) & Q(
            Exact(Subquery(site_opd), user.opd_id)
        )
    else:
        waiting = _found(named.filter(stepinstance_id=OuterRef("pk")))
        if positions:
            held = StepInstance.positions.through.objects.filter(
                stepinstance_id=OuterRef("pk"), position_id__in=positions
            )
            waiting |= _found(held)
        # The help desk: the requesters' steps of the cases it recorded for them (issue 17
        # point 2), which it may complete on their behalf (jaga.workflow.actors). Whether
        # the user is the help desk is asked inside the query (``help_desk_condition``), so
        # no page of the Diskominfo side pays a round trip for the permission.
        recorded = (
            StepInstance.objects.filter(agency_id=agency_id, status=StepStatus.OPEN)
            .exclude(case__channel=IntakeChannel.WEB)
            .filter(help_desk_condition(user))
        )
        theirs = recorded.filter(Q(for_reporter=True) | Q(assignees=F("case__reporter")))
        waiting |= Q(pk__in=theirs.values("pk"))
    return (
        StepInstance.objects.filter(agency_id=agency_id, status=StepStatus.OPEN)
        .filter(waiting)
        .select_related("case", "case__opd", "case__definition", "branch__site__opd")
        .order_by(F("due_at").asc(nulls_last=True), "started_at")
    )
