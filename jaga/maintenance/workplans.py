"""Editing a round's Rencana Kerja (issue 14 point 5; seed 004 step 1 "Kepala Seksi menyusun
rencana kerja pemeliharaan jaringan berkala").

The scheduler drafts one ``WorkPlanVisit`` per site when the round starts
(``jaga.maintenance.scheduling``); the Kasi edits each row's date, team and activities
(``save_work_plan``) until the round's ``rencana_kerja`` document is issued (step 1
completed). From then on the document holds the plan and the rows are read-only.

What a round's sites need, shown beside the rows and printed in the document
(``devices_in_scope``): the devices in scope at each site and the checklist each gets
(``jaga.maintenance.checklists.template_for``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.documents.models import Document
from jaga.inventory.models import Device
from jaga.maintenance.checklists import template_for
from jaga.maintenance.models import ChecklistTemplate, MaintenanceRound, WorkPlanVisit
from jaga.maintenance.permissions import may_edit_plans
from jaga.org.models import User
from jaga.sop.schema import DocumentType
from jaga.tenancy.services import working_calendar
from jaga.web.bidi import has_bidi_controls
from jaga.workflow.errors import InvalidInput, NotEligible
from jaga.workflow.models import CaseStatus

#: Longest activities text of a row, in characters.
MAX_ACTIVITIES = 2000


class WorkPlanClosed(Exception):
    """The Rencana Kerja can no longer be edited: its document was issued (``number``
    names it) or the round's case is no longer open. The message is fit to show."""

    def __init__(self, message: str, number: str = "") -> None:
        super().__init__(message)
        self.number = number


class InvalidWorkPlan(InvalidInput):
    """Bad rows: ``errors`` maps ``row-<row id>-<field>`` (``planned_on``, ``team``,
    ``activities``) or ``rows`` to a message fit to show next to the field."""


@dataclass(frozen=True)
class RowInput:
    """What the Kasi entered for one row: ``visit`` (the ``WorkPlanVisit`` id),
    ``planned_on`` (a date, or its ISO text as a form sends it; "" when left empty),
    ``team`` (user ids) and ``activities`` (free text)."""

    visit: int
    planned_on: dt.date | str
    team: list[int]
    activities: str


@dataclass(frozen=True)
class ScopedDevice:
    """A device in scope at a site and the checklist it gets (None: the agency has no
    active checklist for its kind)."""

    device: Device
    checklist: ChecklistTemplate | None


def issued_document(started: MaintenanceRound) -> Document | None:
    """The round's Rencana Kerja document (the current version), or None before step 1
    issued it. One query."""
    return (
        Document.objects.filter(
            case_id=started.case_id,
            document_type=DocumentType.RENCANA_KERJA.value,
            superseded_by__isnull=True,
        )
        .order_by("-pk")
        .first()
    )


def start_day(started: MaintenanceRound) -> dt.date:
    """The agency's local date on which the round started: no visit is planned before it."""
    return started.started_at.astimezone(working_calendar(started.agency).timezone).date()


def team_choices(started: MaintenanceRound) -> list[User]:
    """Who may be in a row's team: active users of the round's agency with an active
    employee record (the Diskominfo's staff), never OPD users; by employee name."""
    return list(
        User.objects.filter(
            agency_id=started.agency_id,
            is_active=True,
            opd__isnull=True,
            employee__is_active=True,
        )
        .select_related("employee")
        .order_by("employee__name", "pk")
    )


def devices_in_scope(started: MaintenanceRound) -> dict[int, list[ScopedDevice]]:
    """Site id -> the round's devices in scope there (its case's affected devices, by
    name) with their checklist. Two queries plus at most two per device kind."""
    plan = started.plan
    devices = list(started.case.devices.order_by("name", "pk"))
    checklists = {
        kind: template_for(plan, started.agency_id, kind)
        for kind in sorted({device.kind for device in devices})
    }
    by_site: dict[int, list[ScopedDevice]] = defaultdict(list)
    for device in devices:
        if device.site_id is not None:
            by_site[device.site_id].append(ScopedDevice(device, checklists[device.kind]))
    return dict(by_site)


def _state(rows: list[WorkPlanVisit]) -> list[dict[str, Any]]:
    """The rows as stored in audit events: site, date, team (user ids), activities."""
    return [
        {
            "site": row.site_id,
            "planned_on": row.planned_on.isoformat(),
            "team": sorted(member.pk for member in row.team.all()),
            "activities": row.activities,
        }
        for row in rows
    ]


def _date(raw: dt.date | str) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _check(
    started: MaintenanceRound, rows: list[RowInput], known: dict[int, WorkPlanVisit]
) -> dict[str, str]:
    """Every error of ``rows`` (keys as ``InvalidWorkPlan``)."""
    errors: dict[str, str] = {}
    first = start_day(started)
    allowed = {user.pk for user in team_choices(started)}
    seen: set[int] = set()
    for row in rows:
        if row.visit not in known or row.visit in seen:
            errors["rows"] = _("A row is not part of this round's work plan.")
            continue
        seen.add(row.visit)
        key = f"row-{row.visit}-"
        day = _date(row.planned_on)
        if day is None:
            errors[key + "planned_on"] = _("Enter a date, such as 2026-11-23.")
        elif day < first:
            errors[key + "planned_on"] = _(
                "The visit cannot be before the round started (%(date)s)."
            ) % {"date": first.strftime("%d-%m-%Y")}
        if not row.team:
            errors[key + "team"] = _("Choose at least one member of the team.")
        elif set(row.team) - allowed:
            errors[key + "team"] = _(
                "The team can only hold the Diskominfo's active staff of this agency."
            )
        text = row.activities.strip()
        if not text:
            errors[key + "activities"] = _("Describe the work to be done at this site.")
        elif len(text) > MAX_ACTIVITIES:
            errors[key + "activities"] = _("At most %(limit)d characters.") % {
                "limit": MAX_ACTIVITIES
            }
        elif has_bidi_controls(text):
            errors[key + "activities"] = _(
                "The text contains invisible characters that change its direction "
                "(such as U+202E); type it again without them."
            )
    return errors


def closed_reason(started: MaintenanceRound) -> WorkPlanClosed | None:
    """Why the round's Rencana Kerja cannot be edited now, or None while it can."""
    document = issued_document(started)
    if document is not None:
        return WorkPlanClosed(
            _(
                "The work plan was issued as Rencana Kerja number %(number)s; "
                "it can no longer be changed."
            )
            % {"number": document.number},
            document.number,
        )
    if started.case.status != CaseStatus.OPEN:
        return WorkPlanClosed(_("The round's case is no longer open."))
    return None


def save_work_plan(started: MaintenanceRound, rows: list[RowInput], by: User) -> int:
    """Save ``rows`` (a subset or all of ``started``'s Rencana Kerja) entered by ``by``;
    returns how many rows changed.

    Rules: ``by`` edits plans of the round's agency (``may_edit_plans``: its administrator or
    the Kasi, seed 004 step 1), else ``NotEligible``; the rencana kerja document is not
    issued yet and the case is open, else ``WorkPlanClosed``; each row belongs to the round,
    its date is not before the round's start (agency's local date), its team is one or more
    of ``team_choices`` and its activities are 1–``MAX_ACTIVITIES`` characters without
    direction controls, else ``InvalidWorkPlan`` listing every error. On any error nothing
    is written. Otherwise, in one transaction holding the round's row (so the rencana
    kerja's issue, which takes the same row in ``jaga.maintenance.documents``, sees either
    all of an edit or none): the rows and the audit event
    ``maintenance.work_plan_changed`` (before/after per row) when anything changed."""
    if by.agency_id != started.agency_id or not may_edit_plans(by):
        raise NotEligible(_("%(user)s may not edit this work plan.") % {"user": by.username})
    with transaction.atomic():
        locked = (
            MaintenanceRound.objects.select_for_update()
            .select_related("case", "agency", "plan")
            .get(pk=started.pk)
        )
        closed = closed_reason(locked)
        if closed is not None:
            raise closed
        current = list(
            WorkPlanVisit.objects.filter(round=locked).prefetch_related("team").order_by("position")
        )
        known = {row.pk: row for row in current}
        errors = _check(locked, rows, known)
        if errors:
            raise InvalidWorkPlan(errors)
        before = _state(current)
        changed = 0
        for entry in rows:
            row = known[entry.visit]
            day = _date(entry.planned_on)
            assert day is not None  # checked above
            text = entry.activities.strip()
            team = sorted(set(entry.team))
            same_team = team == sorted(member.pk for member in row.team.all())
            if row.planned_on == day and row.activities == text and same_team:
                continue
            row.planned_on, row.activities = day, text
            row.save(update_fields=["planned_on", "activities"])
            if not same_team:
                row.team.set(team)
            changed += 1
        if changed:
            after = _state(
                list(
                    WorkPlanVisit.objects.filter(round=locked)
                    .prefetch_related("team")
                    .order_by("position")
                )
            )
            record(
                agency=locked.agency,
                actor=by,
                action="maintenance.work_plan_changed",
                obj=locked,
                before={"rows": before},
                after={"rows": after},
            )
    return changed
