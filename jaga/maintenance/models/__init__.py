"""Models of preventive maintenance: plans and the rounds they start (``plans``), checklist
templates (``checklists``) and the inspections made with them (``inspections``)."""

from jaga.maintenance.models.checklists import (
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
    PlanChecklist,
)
from jaga.maintenance.models.inspections import Inspection, InspectionAnswer, InspectionResult
from jaga.maintenance.models.plans import (
    HolidayPolicy,
    MaintenancePlan,
    MaintenanceRound,
    RecurrencePreset,
)

__all__ = [
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
]
