"""Who may act on a step: actor resolution (issue 3).

A step goes to the holders of its lane's positions, or to the people a disposition or an
assignment named for that lane in this case; acting officials (Plt/Plh) covering a position
on the day count as holders; the reporting OPD's lane goes to that OPD's users; an agency
administrator may act on behalf of anyone (recorded as such). In a fan-out visit (a
maintenance round's site), the reporting OPD's lane is the site's OPD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Subquery

from jaga.org.models import ActingAssignment, ActingKind, Position, User
from jaga.sop.schema import Lane
from jaga.workflow.models import ActingAs, Case, CaseBranch, IntakeChannel, LaneAssignee
from jaga.workflow.permissions import is_help_desk


@dataclass(frozen=True)
class Eligibility:
    """Why a user may act: ``acting_as`` and, when it is a position, which."""

    acting_as: ActingAs
    position: Position | None = None


def local_date(case: Case, at: dt.datetime) -> dt.date:
    """The date of instant ``at`` in the case's agency zone."""
    return at.astimezone(ZoneInfo(case.agency.timezone)).date()


def named_for(case: Case, lane: str) -> list[int]:
    """User ids the latest disposition or assignment named for ``lane`` in ``case`` (empty
    when nobody was named), in one query: the naming step is the latest (highest id) of
    the lane's ``named_by``."""
    in_lane = LaneAssignee.objects.filter(case=case, lane=lane)
    latest = in_lane.order_by("-named_by_id").values("named_by_id")[:1]
    return list(in_lane.filter(named_by_id=Subquery(latest)).values_list("user_id", flat=True))


def lane_positions(case: Case, lane: Lane) -> QuerySet[Position]:
    """The agency's positions that fill ``lane``."""
    return Position.objects.filter(agency_id=case.agency_id, code__in=lane.positions)


def reporting_opd_id(case: Case, branch: CaseBranch | None = None) -> int | None:
    """The OPD whose users fill the reporting OPD's lane: in a fan-out visit, the OPD of
    the visit's site (each OPD acknowledges its own Berita Acara); else the case's."""
    if branch is not None:
        site = branch.site
        return site.opd_id if site is not None else None
    return case.opd_id


def lane_holders(
    case: Case, lane: Lane, on: dt.date, branch: CaseBranch | None = None
) -> QuerySet[User]:
    """Active users who hold (or act for, on local date ``on``) a position of ``lane``; for
    the reporting OPD's lane, the active users of the reporting OPD (``reporting_opd_id``:
    the site's OPD in fan-out visit ``branch``)."""
    users = User.objects.filter(agency_id=case.agency_id, is_active=True)
    if lane.requester is not None:  # the requesting employee (format 2)
        return users.filter(pk=case.reporter_id) if case.reporter_id else users.none()
    if lane.reporter:
        opd_id = reporting_opd_id(case, branch)
        return users.filter(opd_id=opd_id) if opd_id else users.none()
    positions = lane_positions(case, lane)
    return (
        users.filter(
            Q(employee__positions__in=positions, employee__is_active=True)
            | Q(
                employee__acting__position__in=positions,
                employee__acting__start_date__lte=on,
                employee__acting__end_date__gte=on,
                employee__is_active=True,
            )
        )
        .distinct()
        .order_by("username")
    )


def _help_desk_for(user: User, case: Case) -> bool:
    """Whether ``user`` is help-desk staff of the case's agency (permission
    ``workflow.record_request``) and the case was recorded by staff (its channel is not
    Jaga itself): then they may act in the requester's lanes for a caller who has no
    account or no access (issue 17 point 2), recorded as ``ActingAs.HELPDESK``."""
    return (
        case.channel != IntakeChannel.WEB
        and user.agency_id == case.agency_id
        and is_help_desk(user)
    )


def eligibility(
    user: User,
    case: Case,
    lanes: list[Lane],
    at: dt.datetime,
    branch: CaseBranch | None = None,
) -> Eligibility | None:
    """On what ground ``user`` may act in one of ``lanes`` of ``case`` at ``at``; None if not.

    Order: named for the lane (when someone was named, only they and administrators may
    act), help-desk staff in the requester's lanes of a case they recorded
    (``_help_desk_for``), the requesting employee (a ``requester: employee`` lane, format
    2), reporting OPD user (of the site's OPD in fan-out visit ``branch``), position
    holder, Plt/Plh covering the position that day, agency administrator (or platform
    administrator) on behalf.
    """
    if not user.is_active:
        return None
    if user.agency_id not in (case.agency_id, None) or (
        user.agency_id is None and not user.is_superuser
    ):
        return None
    on = local_date(case, at)
    same_agency = user.agency_id == case.agency_id
    for lane in lanes:
        named = named_for(case, lane.key)
        if named:
            if user.pk in named:
                return Eligibility(ActingAs.NAMED, lane_positions(case, lane).first())
            continue
        if lane.requesting and _help_desk_for(user, case):
            return Eligibility(ActingAs.HELPDESK)
        if lane.requester is not None:
            if case.reporter_id is not None and user.pk == case.reporter_id:
                return Eligibility(ActingAs.REPORTER)
            continue
        if lane.reporter:
            opd_id = reporting_opd_id(case, branch)
            if opd_id is not None and user.opd_id == opd_id:
                return Eligibility(ActingAs.REPORTER)
            continue
        if not same_agency:
            continue
        # Through the user's active employee record, without loading it: a named person
        # or an OPD user never reads it, a holder reads the position in one query.
        positions = lane_positions(case, lane)
        held = positions.filter(employees__user=user, employees__is_active=True).first()
        if held is not None:
            return Eligibility(ActingAs.HOLDER, held)
        acting = (
            ActingAssignment.objects.filter(
                employee__user=user,
                employee__is_active=True,
                position__in=positions,
                start_date__lte=on,
                end_date__gte=on,
            )
            .select_related("position")
            .first()
        )
        if acting is not None:
            kind = ActingAs.PLT if acting.kind == ActingKind.PLT else ActingAs.PLH
            return Eligibility(kind, acting.position)
    if user.is_superuser or (user.is_staff and user.agency_id == case.agency_id):
        first = next((lane for lane in lanes if not lane.requesting), None)
        return Eligibility(ActingAs.ADMIN, lane_positions(case, first).first() if first else None)
    return None
