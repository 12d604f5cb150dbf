"""Who a step waits for, and who is above them (issue 15 points 1 and 3).

``waiting_for`` mirrors the inbox (``jaga.workflow.permissions.inbox``) from the step's
side: the people named for it, else the holders of its positions and those acting for
them (Plt/Plh) on the day, and the reporting OPD's users for a step in the OPD's lane.
``superiors_of`` goes one level up the organisation for the escalation at the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jaga.org.models import ActingAssignment, ActingKind, Position, User
from jaga.workflow.actors import reporting_opd_id
from jaga.workflow.models import StepInstance


@dataclass(frozen=True)
class Recipient:
    """A user to tell, and the acting ground when they act for a position they do not
    hold (``"Plt Kepala Bidang …"``; empty for a holder, a named person or an OPD user)."""

    user: User
    acting_as: str = ""


def local_day(step: StepInstance, at: dt.datetime) -> dt.date:
    """The date of ``at`` in the zone of ``step``'s agency."""
    return at.astimezone(ZoneInfo(step.agency.timezone)).date()


def position_people(position_ids: set[int], on: dt.date) -> dict[int, Recipient]:
    """Active users holding ``position_ids``, then those acting for them on ``on``."""
    found: dict[int, Recipient] = {}
    holders = User.objects.filter(
        is_active=True,
        employee__is_active=True,
        employee__positions__in=position_ids,
    ).distinct()
    for user in holders:
        found[user.pk] = Recipient(user)
    acting = ActingAssignment.objects.filter(
        position_id__in=position_ids,
        start_date__lte=on,
        end_date__gte=on,
        employee__is_active=True,
        employee__user__is_active=True,
    ).select_related("employee__user", "position")
    for row in acting:
        acting_user = row.employee.user
        if acting_user is not None and acting_user.pk not in found:
            kind = "Plt" if row.kind == ActingKind.PLT else "Plh"
            found[acting_user.pk] = Recipient(acting_user, f"{kind} {row.position.title}")
    return found


def waiting_for(
    step: StepInstance, at: dt.datetime, named: list[User] | None = None
) -> list[Recipient]:
    """The people ``step`` (open) waits for at ``at``, by username: its named people if
    any (``named`` when the caller knows them: its ``assignees``, else they are read),
    else its positions' holders and acting officials (Plt/Plh) that day; plus, for a
    step in the reporting OPD's lane, the active users of that OPD (of the visited site's
    OPD in a fan-out visit)."""
    if named is None:
        named = list(step.assignees.filter(is_active=True))
    else:
        named = [user for user in named if user.is_active]
    found: dict[int, Recipient] = {user.pk: Recipient(user) for user in named}
    if not named:
        positions = set(step.positions.values_list("pk", flat=True))
        if positions:
            found.update(position_people(positions, local_day(step, at)))
    if step.for_reporter:
        opd_id = reporting_opd_id(step.case, step.branch)
        if opd_id is not None:
            for user in User.objects.filter(opd_id=opd_id, is_active=True):
                found.setdefault(user.pk, Recipient(user))
    return sorted(found.values(), key=lambda r: r.user.username)


def superiors_of(step: StepInstance, at: dt.datetime) -> list[Recipient]:
    """Who is told when ``step`` is late (issue 15 point 3): the head of the unit above
    the unit of each of the step's positions (the head of the position's own unit when the
    position is not its head), or, on the day, the Plt/Plh acting for that head. For a
    step named to people, their positions' superiors. Empty at the top of the chart."""
    positions = list(step.positions.select_related("unit"))
    if not positions:
        people = step.assignees.values_list("employee__positions", flat=True)
        positions = list(Position.objects.filter(pk__in=list(people)).select_related("unit"))
    heads: set[int] = set()
    for position in positions:
        unit = position.unit
        target = unit.parent if position.is_head else unit
        while target is not None:
            head = (
                Position.objects.filter(unit=target, is_head=True)
                .exclude(pk=position.pk)
                .values_list("pk", flat=True)
                .first()
            )
            if head is not None:
                heads.add(head)
                break
            target = target.parent
    if not heads:
        return []
    day = local_day(step, at)
    found = position_people(heads, day)
    # A head replaced that day by a Plt/Plh (issue 15 point 3): the acting official takes
    # the escalation; the holder keeps it only where nobody acts for them.
    covered = set(
        ActingAssignment.objects.filter(
            position_id__in=heads, start_date__lte=day, end_date__gte=day
        ).values_list("position_id", flat=True)
    )
    if covered:
        absent = set(
            User.objects.filter(employee__positions__in=covered)
            .exclude(employee__positions__in=heads - covered)
            .values_list("pk", flat=True)
        )
        found = {pk: r for pk, r in found.items() if pk not in absent or r.acting_as}
    return sorted(found.values(), key=lambda r: r.user.username)


def reporters_of(step: StepInstance) -> list[User]:
    """The reporter of ``step``'s case, when it has one and they are active."""
    reporter = step.case.reporter
    return [reporter] if reporter is not None and reporter.is_active else []


def opd_users(opd_id: int | None) -> list[User]:
    """The active users of OPD ``opd_id`` (none for None)."""
    if opd_id is None:
        return []
    return list(User.objects.filter(opd_id=opd_id, is_active=True).order_by("username"))
