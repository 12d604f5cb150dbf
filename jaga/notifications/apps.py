from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who is told what, when and how (issue 15): the outbox, its channels, reminders and
    escalation, preferences (architecture.md, "notifications")."""

    name = "jaga.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        """Subscribe to the engine's events (``jaga.workflow.events``)."""
        from jaga.notifications import receivers
        from jaga.workflow import events

        events.step_opened.connect(receivers.on_step_opened, dispatch_uid="notifications.opened")
        events.case_closed.connect(receivers.on_case_closed, dispatch_uid="notifications.closed")
        events.step_completed.connect(
            receivers.on_step_completed, dispatch_uid="notifications.completed"
        )
