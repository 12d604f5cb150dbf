"""What the Telegram bot does in Jaga, synchronously (the bot's handlers call these through
``sync_to_async``): file a report exactly as the web form does, and say where a user's
reports stand (issue 15 point 2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.incidents.models import Incident
from jaga.incidents.services import report_disruption
from jaga.org.models import User
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import Case, CaseStatus, StepInstance, StepStatus
from jaga.workflow.permissions import cases_for

STATUS_LIMIT = 5


class ReportRefused(Exception):
    """The report could not be filed; the message says why, for the chat."""


def file_report(
    user: User,
    *,
    location: str,
    problem: str,
    phone: str,
    photos: Iterable[bytes],
    at: dt.datetime | None = None,
) -> Incident:
    """File a disruption report for ``user`` (an OPD user) from the bot's answers, through
    ``jaga.incidents.services.report_disruption`` like the web form: the case starts in the
    agency's disruption SOP. The disruption started when it was reported (``at``); the
    contact is the user. ``photos`` are the image bytes Telegram delivered (JPEG), checked
    as the form checks uploads. Raises ``ReportRefused`` with the reasons."""
    at = at or timezone.now()
    uploads = [
        ContentFile(data, name=f"telegram-{number}.jpg") for number, data in enumerate(photos, 1)
    ]
    try:
        return report_disruption(
            user,
            location=location,
            problem=problem,
            since=at,
            contact_name=user.get_full_name() or user.username,
            contact_phone=phone,
            photos=uploads,
            at=at,
        )
    except InvalidInput as exc:
        raise ReportRefused("\n".join(str(m) for m in exc.errors.values())) from exc
    except CannotStart as exc:
        raise ReportRefused(str(exc)) from exc


def known_phone(user: User) -> str:
    """The user's phone number (their account's, else their employee record's), or ""."""
    if user.phone:
        return user.phone
    employee = getattr(user, "employee", None)
    return employee.phone if employee is not None else ""


def status_text(user: User, now: dt.datetime | None = None) -> str:
    """Where the user's open cases stand (their OPD's for an OPD user), at most
    ``STATUS_LIMIT``, newest first: number, title, the step it waits on and when that is
    due, in the agency's zone. In the active language."""
    now = now or timezone.now()
    cases = list(
        cases_for(user)
        .filter(status=CaseStatus.OPEN)
        .select_related("definition", "agency")
        .order_by("-started_at")[:STATUS_LIMIT]
    )
    if not cases:
        return _("You have no open reports.")
    lines = [_("Your open reports:")]
    for case in cases:
        lines.append(_case_line(case, now))
    return "\n".join(lines)


def _case_line(case: Case, now: dt.datetime) -> str:
    zone = ZoneInfo(case.agency.timezone)
    waiting: StepInstance | None = (
        case.steps.filter(status=StepStatus.OPEN).order_by("due_at", "pk").first()
    )
    line = f"#{case.number} {case.title}"
    if waiting is None:
        return line
    spec_step = case.definition.spec.step(waiting.step_no)
    line += "\n  " + _("waits on: %(step)s") % {"step": spec_step.kegiatan}
    if waiting.due_at is not None:
        due = waiting.due_at.astimezone(zone)
        line += " · " + _("due %(due)s") % {"due": f"{due:%d-%m-%Y %H:%M} {due.tzname()}"}
        if waiting.due_at < now:
            line += " · " + _("late")
    return line
