"""Who sees which figures (issue 16 point 1).

A report reader is anyone of an agency's Diskominfo side (no OPD). What they see is their
``ReportScope``:

- the agency's administrators and the holders of a top unit's head position (the Kepala
  Dinas), or whoever acts for one as Plt/Plh that day: the whole agency;
- the head of a lower unit (a Kepala Bidang, a Kepala Seksi), or their Plt/Plh: the steps
  done in that unit and the units below it;
- anyone else (a technician): the steps they did themselves.

OPD users and platform administrators read no agency's reports here (the platform
administrator uses the admin).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from jaga.org.models import OrgUnit, Position, User
from jaga.tenancy.models import Agency
from jaga.workflow.permissions import position_ids_of


@dataclass(frozen=True)
class ReportScope:
    """What ``user`` may read: ``units`` None is the whole agency, else the org unit ids
    (a subtree); ``person`` set limits it to that user's own steps. ``head_of`` is the
    unit the reader heads (None for a technician or an administrator who heads none)."""

    agency: Agency
    user: User
    units: frozenset[int] | None
    person: int | None
    head_of: OrgUnit | None

    @property
    def is_agency_wide(self) -> bool:
        """True for the Kepala Dinas and the administrators."""
        return self.units is None and self.person is None


def subtree(unit: OrgUnit) -> frozenset[int]:
    """``unit`` and every unit below it (one query for the agency's units)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in OrgUnit.objects.filter(agency_id=unit.agency_id).values_list(
        "pk", "parent_id"
    ):
        children.setdefault(parent, []).append(pk)
    found: set[int] = set()
    todo = [unit.pk]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo.extend(children.get(current, []))
    return frozenset(found)


def scope_of(user: User, on: dt.date | None = None) -> ReportScope | None:
    """The ``ReportScope`` of ``user`` on local date ``on`` (today by default), None when
    they read no reports (not signed in, an OPD user, no agency)."""
    if not user.is_authenticated or user.agency_id is None or user.opd_id is not None:
        return None
    agency = user.agency
    assert agency is not None
    day = on or timezone.localdate()
    heads = list(
        Position.objects.filter(pk__in=position_ids_of(user, day), is_head=True)
        .select_related("unit")
        .order_by("unit__parent_id", "pk")
    )
    top = next((p.unit for p in heads if p.unit.parent_id is None), None)
    if top is not None:
        return ReportScope(agency, user, None, None, top)
    if heads:
        units: set[int] = set()
        for position in heads:
            units |= subtree(position.unit)
        return ReportScope(agency, user, frozenset(units), None, heads[0].unit)
    if user.is_agency_admin:
        return ReportScope(agency, user, None, None, None)
    return ReportScope(agency, user, None, user.pk, None)
