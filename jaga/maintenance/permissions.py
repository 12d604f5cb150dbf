"""Who may see and edit maintenance plans and checklists and inspect devices, and what each
user may list: the one place that decides for the maintenance app (architecture.md,
"for_user querysets").

- Maintenance plans and their rounds are seen by the Diskominfo side of an agency (its
  employees with a login, its administrator) and edited by its administrator and the
  holders of the ``kasi`` position (the Kepala Seksi who drafts the rencana kerja, seed 004
  step 1), a Plt/Plh covering it that day included (issue 14 point 1).

- Checklist templates are edited by the agency's administrator and by holders of the
  ``kasi`` position (Kepala Seksi, who draws up the rencana kerja of seed 000 and 004),
  including a Plt/Plh covering it that day; they list their own agency's only.
- Devices are inspected by the Diskominfo staff of the device's agency (employees with a
  login: technicians, the Kasi…) and its administrator; never by an OPD user.
- The OPD's side (issue 14 point 6): an OPD user sees the visits of rounds to its own
  OPD's sites on its own page (``may_see_opd_rounds``) and the Berita Acara its OPD is to
  acknowledge (``acknowledgments_for``); the plans themselves stay the Diskominfo's.
- Inspections are seen by whoever may see the device's site at the time
  (``jaga.inventory.permissions``): the whole agency for its staff, an OPD user those made
  at their OPD's sites.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from jaga.inventory.models import Device
from jaga.maintenance.models import ChecklistTemplate, Inspection, MaintenancePlan
from jaga.org.models import Position, User
from jaga.workflow.models import CaseStatus, StepInstance, StepStatus

#: The position code whose holders edit checklists (as in the demo agencies and seeds).
EDITOR_POSITION = "kasi"


def _agency_staff(user: User) -> bool:
    """An active Diskominfo user of an agency: not an OPD user, an administrator or an
    active employee."""
    if not user.is_authenticated or not user.is_active or user.agency_id is None:
        return False
    if user.opd_id is not None or user.is_superuser:
        return False
    if user.is_agency_admin:
        return True
    employee = getattr(user, "employee", None)
    return employee is not None and employee.is_active


def holds_editor_position(user: User) -> bool:
    """Whether ``user``'s active employee holds ``EDITOR_POSITION`` of their agency or
    acts for it (Plt/Plh) on the agency's local date today. One query."""
    if user.agency_id is None or user.agency is None:
        return False
    today = timezone.localdate(timezone=ZoneInfo(user.agency.timezone))
    return (
        Position.objects.filter(agency_id=user.agency_id, code=EDITOR_POSITION)
        .filter(
            Q(employees__user=user, employees__is_active=True)
            | Q(
                acting__employee__user=user,
                acting__employee__is_active=True,
                acting__start_date__lte=today,
                acting__end_date__gte=today,
            )
        )
        .exists()
    )


def may_edit_checklists(user: User) -> bool:
    """Whether ``user`` lists, creates and edits their agency's checklist templates: its
    administrator or a holder of the Kasi position (issue 14 point 4)."""
    if not user.is_authenticated or not user.is_active or user.agency_id is None:
        return False
    if user.opd_id is not None or user.is_superuser:
        return False
    return bool(user.is_agency_admin or holds_editor_position(user))


def templates_for(user: User) -> QuerySet[ChecklistTemplate]:
    """The templates ``user`` may edit: their agency's when ``may_edit_checklists``."""
    if not may_edit_checklists(user):
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.filter(agency_id=user.agency_id or 0)


def may_inspect(user: User, device: Device | None = None) -> bool:
    """Whether ``user`` fills in inspections (of ``device``, when given): Diskominfo staff
    and the administrator of the device's agency; never an OPD user."""
    if not _agency_staff(user):
        return False
    return device is None or device.agency_id == user.agency_id


def inspections_for(user: User) -> QuerySet[Inspection]:
    """The inspections ``user`` may see: their agency's for its staff (an active employee)
    and administrator;
    for an OPD user, those made at a site of their OPD; none otherwise."""
    if not user.is_authenticated or not user.is_active:
        return Inspection.objects.none()
    if user.is_superuser:
        return Inspection.objects.all()
    if user.agency_id is None:
        return Inspection.objects.none()
    inspections = Inspection.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        return inspections.filter(Q(site__opd_id=user.opd_id))
    if _agency_staff(user):
        return inspections
    return Inspection.objects.none()


def may_see_plans(user: User) -> bool:
    """Whether ``user`` is on the Diskominfo side of an agency (an active employee with a
    login or the administrator, not an OPD user), who sees its plans and rounds."""
    return _agency_staff(user)


def plans_for(user: User) -> QuerySet[MaintenancePlan]:
    """The plans ``user`` may see: their agency's, for its Diskominfo side; else none."""
    if not may_see_plans(user) or user.agency_id is None:
        return MaintenancePlan.objects.none()
    return MaintenancePlan.objects.filter(agency_id=user.agency_id)


def may_edit_plans(user: User) -> bool:
    """Whether ``user`` creates, edits, pauses and resumes their agency's plans: its
    administrator or a holder of the Kasi position (the same people as the checklists)."""
    return may_edit_checklists(user)


def may_see_opd_rounds(user: User) -> bool:
    """Whether ``user`` has the OPD's page of rounds ("Pemeliharaan di OPD Anda"): an
    active OPD user of an agency. The Diskominfo side has the calendar instead; a platform
    administrator belongs to no OPD (issue 14 point 6)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.opd_id is not None
        and user.agency_id is not None
    )


def acknowledgments_for(user: User) -> QuerySet[StepInstance]:
    """The open steps of fan-out visits in the reporting OPD's lane whose visit site
    belongs to ``user``'s OPD, in open cases of their agency: the Berita Acara their OPD is
    to acknowledge (seed 004 step 7a, "OPD lokasi pemeliharaan mengetahui Berita Acara
    Pekerjaan"; the lane's rule: ``jaga.workflow.actors.reporting_opd_id``). None for
    anyone but an OPD user. Oldest first; ``.count()`` is one COUNT query (the
    navigation badge)."""
    if not may_see_opd_rounds(user) or user.agency_id is None or user.opd_id is None:
        return StepInstance.objects.none()
    return StepInstance.objects.filter(
        agency_id=user.agency_id,
        status=StepStatus.OPEN,
        for_reporter=True,
        branch__site__opd_id=user.opd_id,
        case__status=CaseStatus.OPEN,
    ).order_by("started_at", "pk")
