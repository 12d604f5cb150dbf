"""Who sees and who edits maintenance plans (issue 14 point 1): the one place that decides.

- The Diskominfo side of an agency (its employees with a login, its administrators) sees
  the agency's plans and rounds; OPD users and users of another agency see none.
- The agency's administrator and the holders of its ``kasi`` position (the Kepala Seksi
  who drafts the rencana kerja, seed 004 step 1) create and edit plans.
"""

from __future__ import annotations

from django.db.models import QuerySet

from jaga.maintenance.models import MaintenancePlan
from jaga.org.models import User

#: The position code whose holders edit plans besides the administrator.
PLANNER_POSITION = "kasi"


def may_see_plans(user: User) -> bool:
    """Whether ``user`` is on the Diskominfo side of an agency (an employee with a login
    or an administrator, not an OPD user), who sees its plans and rounds."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.agency_id is not None
        and user.opd_id is None
        and (user.is_staff or hasattr(user, "employee"))
    )


def plans_for(user: User) -> QuerySet[MaintenancePlan]:
    """The plans ``user`` may see: their agency's, for its Diskominfo side; else none."""
    if not may_see_plans(user) or user.agency_id is None:
        return MaintenancePlan.objects.none()
    return MaintenancePlan.objects.filter(agency_id=user.agency_id)


def may_edit_plans(user: User) -> bool:
    """Whether ``user`` creates and edits their agency's plans: its administrator or a
    holder of the ``kasi`` position."""
    if not may_see_plans(user):
        return False
    if user.is_agency_admin:
        return True
    employee = getattr(user, "employee", None)
    return bool(
        employee is not None
        and employee.is_active
        and employee.positions.filter(code=PLANNER_POSITION).exists()
    )
