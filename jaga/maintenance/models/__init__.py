"""Models of preventive maintenance: plans and the rounds they start (``plans``)."""

from jaga.maintenance.models.plans import (
    HolidayPolicy,
    MaintenancePlan,
    MaintenanceRound,
    RecurrencePreset,
)

__all__ = ["HolidayPolicy", "MaintenancePlan", "MaintenanceRound", "RecurrencePreset"]
