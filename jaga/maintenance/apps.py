from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Preventive maintenance: plans, their recurrences, rounds and visits, checklists, and
    ``jaga scheduler`` (architecture.md, "periodic work")."""

    name = "jaga.maintenance"
    label = "maintenance"
    verbose_name = _("Preventive maintenance")
