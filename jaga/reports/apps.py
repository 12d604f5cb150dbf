from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """What the Kepala Dinas sees (issue 16): home pages per role, Mutu Baku compliance,
    operational figures, report documents and the SPBE evidence (architecture.md,
    "reports")."""

    name = "jaga.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        """Subscribe to the engine's events (``jaga.workflow.events``): every completed
        step becomes a ``StepRecord`` and counts in its ``CaseRecord``, in the step's
        transaction; and to the monitor's ``outage_ended`` (a case's restoration)."""
        from jaga.monitoring import signals as monitor
        from jaga.reports import receivers
        from jaga.workflow import events

        events.step_completed.connect(receivers.on_step_completed, dispatch_uid="reports.completed")
        monitor.outage_ended.connect(receivers.on_outage_ended, dispatch_uid="reports.recovered")
