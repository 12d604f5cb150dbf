"""Background work of the monitor (django-tasks, run by ``jaga run``'s worker): e-mail about
outages (issue 7: "Notifications go through the task queue (e-mail now)")."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jaga.monitoring.models import Outage
from jaga.org.models import User
from jaga.workflow.actors import lane_holders, local_date
from jaga.workflow.models import StepStatus


def recipients(outage: Outage) -> list[str]:
    """The e-mail addresses told about ``outage``: the people who hold the lanes of its
    case's open steps (the Diskominfo side, not the reporting OPD), else the agency's
    administrators. Sorted, without duplicates or empty addresses."""
    users: set[User] = set()
    case = outage.case
    if case is not None:
        spec = case.definition.spec
        on = local_date(case, timezone.now())
        for step in case.steps.filter(status=StepStatus.OPEN):
            lane = spec.lane(step.lane)
            if not lane.reporter:
                users.update(lane_holders(case, lane, on))
    if not users:
        users.update(User.objects.filter(agency_id=outage.agency_id, is_active=True, is_staff=True))
    return sorted({user.email for user in users if user.email})


@task()
def notify_outage(outage_id: int, event: str) -> int:
    """E-mail the ``recipients`` that outage ``outage_id`` was ``"opened"`` or has
    ``"ended"``, in the default language (Indonesian). Returns the number of addresses
    written to (0 when nobody has one). Raises ``Outage.DoesNotExist`` for a missing id."""
    outage = Outage.objects.select_related("monitor_check", "case__definition", "agency").get(
        pk=outage_id
    )
    to = recipients(outage)
    if not to:
        return 0
    with translation.override(settings.LANGUAGE_CODE), timezone.override(outage.agency.timezone):
        values = {
            "check": outage.monitor_check.name,
            "since": timezone.localtime(outage.started_at).strftime("%d-%m-%Y %H:%M:%S %Z"),
            "case": f"#{outage.case.number}" if outage.case is not None else "-",
            "reason": outage.reason or "-",
        }
        if event == "ended" and outage.ended_at is not None:
            values["until"] = timezone.localtime(outage.ended_at).strftime("%d-%m-%Y %H:%M:%S %Z")
            subject = _("[Jaga] Recovered: %(check)s") % values
            body = (
                _(
                    "%(check)s answers again since %(until)s (outage from %(since)s, case "
                    "%(case)s). Close the case as the SOP says."
                )
                % values
            )
        else:
            subject = _("[Jaga] Outage: %(check)s") % values
            body = (
                _(
                    "The network monitor confirmed an outage of %(check)s since %(since)s: "
                    "%(reason)s. Case %(case)s was opened."
                )
                % values
            )
    send_mail(subject, body, None, to)
    return len(to)
