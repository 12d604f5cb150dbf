"""Models of preventive maintenance: plans and the rounds they start (``plans``), the
technicians' calendar feeds (``feeds``)."""

from jaga.maintenance.models.feeds import CalendarFeed
from jaga.maintenance.models.plans import (
    HolidayPolicy,
    MaintenancePlan,
    MaintenanceRound,
    RecurrencePreset,
)

__all__ = [
    "CalendarFeed",
    "HolidayPolicy",
    "MaintenancePlan",
    "MaintenanceRound",
    "RecurrencePreset",
]
