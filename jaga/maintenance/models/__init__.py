"""Models of preventive maintenance: plans and the rounds they start (``plans``), checklist
templates (``checklists``), the inspections made with them (``inspections``), the
technicians' calendar feeds (``feeds``) and the rounds' Rencana Kerja (``workplans``)."""

from jaga.maintenance.models.checklists import (
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
    PlanChecklist,
)
from jaga.maintenance.models.feeds import CalendarFeed
from jaga.maintenance.models.inspections import Inspection, InspectionAnswer, InspectionResult
from jaga.maintenance.models.plans import (
    HolidayPolicy,
    MaintenancePlan,
    MaintenanceRound,
    RecurrencePreset,
)
from jaga.maintenance.models.workplans import WorkPlanVisit

__all__ = [
    "CalendarFeed",
    "ChecklistItem",
    "ChecklistTemplate",
    "HolidayPolicy",
    "Inspection",
    "InspectionAnswer",
    "InspectionResult",
    "ItemKind",
    "MaintenancePlan",
    "MaintenanceRound",
    "PlanChecklist",
    "RecurrencePreset",
    "WorkPlanVisit",
]
