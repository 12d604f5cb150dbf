"""Notices of the network monitor's outages (issue 15 point 1: "an outage opened or
recovered at your sites"), receivers of ``jaga.monitoring.signals``.

Who is told: the Diskominfo people the outage's case waits for (the holders of its open
steps' lanes, as the e-mail of issue 7 did), the users of the OPD whose site the device
stands at, and, when that is nobody, the agency's administrators. An outage is urgent:
it goes out at once, at any hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jaga.monitoring.models import Outage
from jaga.notifications.models import NotificationKind
from jaga.notifications.recipients import Recipient, opd_users, waiting_for
from jaga.notifications.services import Notice, notify
from jaga.notifications.steps import case_url
from jaga.org.models import User
from jaga.workflow.models import StepStatus


def outage_recipients(outage: Outage, at: dt.datetime) -> list[Recipient]:
    """The people told about ``outage`` (see the module docstring), by username."""
    found: dict[int, Recipient] = {}
    case = outage.case
    if case is not None:
        for step in case.steps.filter(status=StepStatus.OPEN).select_related("case__agency"):
            for person in waiting_for(step, at):
                if person.user.opd_id is None:
                    found.setdefault(person.user.pk, person)
    device = outage.monitor_check.subject_device
    site = device.site if device is not None else None
    opd_id = site.opd_id if site is not None else (case.opd_id if case is not None else None)
    for user in opd_users(opd_id):
        found.setdefault(user.pk, Recipient(user))
    if not found:
        admins = User.objects.filter(agency_id=outage.agency_id, is_active=True, is_staff=True)
        found = {user.pk: Recipient(user) for user in admins}
    return sorted(found.values(), key=lambda r: r.user.username)


def _tell(outage: Outage, event: str, at: dt.datetime) -> None:
    params: dict[str, Any] = {
        "check": outage.monitor_check.name,
        "since": outage.started_at.isoformat(),
        "until": outage.ended_at.isoformat() if outage.ended_at is not None else "",
        "reason": outage.reason,
        "case": outage.case.number if outage.case is not None else "",
        "event": event,
    }
    url = case_url(outage.case_id)
    notify(
        outage.agency,
        outage_recipients(outage, at),
        Notice(
            NotificationKind.OUTAGE,
            f"outage:{outage.pk}:{event}",
            params,
            url=url,
            case_id=outage.case_id,
            urgent=True,
        ),
        at,
    )


def on_outage_opened(sender: Any, *, outage: Outage, at: dt.datetime, **_: Any) -> None:
    """Tell the people of a confirmed outage (in its transaction)."""
    _tell(outage, "opened", at)


def on_outage_ended(sender: Any, *, outage: Outage, at: dt.datetime, **_: Any) -> None:
    """Tell the same people that the outage has ended."""
    _tell(outage, "ended", at)
