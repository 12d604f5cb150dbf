"""Background jobs of the notifications (django-tasks; ``jaga run``'s worker runs them)."""

from __future__ import annotations

from django_tasks import task

from jaga.notifications.delivery import deliver


@task()
def deliver_notification(delivery_id: int) -> str:
    """Send outbox row ``delivery_id`` once (``jaga.notifications.delivery.deliver``);
    returns its status afterwards."""
    return deliver(delivery_id)
