from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Preventive maintenance: plans, their recurrences, rounds and visits, checklists, and
    ``jaga scheduler`` (architecture.md, "periodic work")."""

    name = "jaga.maintenance"
    label = "maintenance"
    verbose_name = _("Preventive maintenance")

    def ready(self) -> None:
        """Connect the subscribers of the app's signals (architecture.md, "Step
        effects"): a failed inspection opens corrective work; and the app's cards on the
        case page (``jaga.workflow.panels``): the Berita Acara an OPD acknowledges."""
        from jaga.maintenance.opdpanels import acknowledge_panel
        from jaga.maintenance.receivers import open_corrective_work
        from jaga.maintenance.signals import inspection_recorded
        from jaga.workflow.panels import register_case_panel

        inspection_recorded.connect(
            open_corrective_work, dispatch_uid="maintenance.open_corrective_work"
        )
        register_case_panel(acknowledge_panel)
