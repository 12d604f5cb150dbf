from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    """Preventive maintenance: plans, their recurrences, rounds and visits, checklists, and
    ``jaga scheduler`` (architecture.md, "periodic work")."""

    name = "jaga.maintenance"
    label = "maintenance"
    verbose_name = _("Preventive maintenance")

    def ready(self) -> None:
        """Connect the app's reactions to what a case does (architecture.md, "Step
        effects"): a failed inspection opens corrective work; a round's documents get their
        parts (``jaga.maintenance.documents``); and its cards on the case page
        (``jaga.workflow.panels``): the "Putaran pemeliharaan" card (``panels``), the
        checklists of a visit (``visits``), the Berita Acara an OPD acknowledges
        (``opdpanels``)."""
        from jaga.documents.content import add_content_hook
        from jaga.maintenance.documents import add_round_parts
        from jaga.maintenance.opdpanels import acknowledge_panel
        from jaga.maintenance.panels import round_panel
        from jaga.maintenance.receivers import open_corrective_work
        from jaga.maintenance.signals import inspection_recorded
        from jaga.maintenance.visits import visit_panel
        from jaga.workflow.panels import register_case_panel

        inspection_recorded.connect(
            open_corrective_work, dispatch_uid="maintenance.open_corrective_work"
        )
        add_content_hook(add_round_parts)
        register_case_panel(round_panel)
        register_case_panel(visit_panel)
        register_case_panel(acknowledge_panel)
