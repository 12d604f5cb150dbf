from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who is told what, when and how (issue 15): the outbox, its channels, reminders and
    escalation, preferences (architecture.md, "notifications")."""

    name = "jaga.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        """Subscribe to the engine's events (``jaga.workflow.events``) the monitor's
        (``jaga.monitoring.signals``) and the maintenance rounds' (``round_started``)."""
        from jaga.maintenance import signals as maintenance
        from jaga.monitoring import signals as monitor
        from jaga.notifications import outages, receivers, visits
        from jaga.workflow import events

        events.step_opened.connect(receivers.on_step_opened, dispatch_uid="notifications.opened")
        events.case_closed.connect(receivers.on_case_closed, dispatch_uid="notifications.closed")
        events.step_completed.connect(
            receivers.on_step_completed, dispatch_uid="notifications.completed"
        )
        monitor.outage_opened.connect(outages.on_outage_opened, dispatch_uid="notifications.down")
        monitor.outage_ended.connect(outages.on_outage_ended, dispatch_uid="notifications.up")
        maintenance.round_started.connect(
            visits.on_round_started, dispatch_uid="notifications.visit"
        )
