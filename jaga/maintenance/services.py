"""Writing maintenance plans (issue 14 point 1): every create, edit, pause and resume goes
through ``save_plan``, which validates the plan, sets its next occurrence
(``scheduling.reschedule``) and records an audit event, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.inventory.models import DeviceKind, Site
from jaga.maintenance.models import (
    ChecklistTemplate,
    MaintenancePlan,
    PlanChecklist,
    RecurrencePreset,
)
from jaga.maintenance.recurrence import RecurrenceError, parse_rule, preset_rule
from jaga.maintenance.scheduling import reschedule
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.workflow.errors import InvalidInput


def schedulable_sops(agency_id: int) -> list[SopDefinition]:
    """The agency's current SOPs that start on a schedule, by code."""
    return list(
        SopDefinition.objects.filter(
            agency_id=agency_id, is_current=True, starts_by_schedule=True
        ).order_by("code")
    )


#: The years a plan's start date may fall in: rounds are planned in this century, and a
#: date near year 1 or 9999 has no working calendar to move it by.
FIRST_YEAR, LAST_YEAR = 2000, 2099
#: The longest lead time, in working days (three months of working days).
MAX_LEAD_DAYS = 60


def _validate(
    plan: MaintenancePlan,
    opds: list[Opd],
    sites: list[Site],
    team: list[User],
    checklists: list[ChecklistTemplate],
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not plan.name.strip():
        errors["name"] = _("A plan needs a name.")
    if plan.sop_code not in {d.code for d in schedulable_sops(plan.agency_id)}:
        errors["sop_code"] = _("Choose an SOP of the agency that starts on a schedule.")
    if not FIRST_YEAR <= plan.start_date.year <= LAST_YEAR:
        errors["start_date"] = _("Give a start date between %(first)d and %(last)d.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    elif plan.preset != RecurrencePreset.CUSTOM:
        plan.rrule = preset_rule(plan.preset, plan.start_date)
    if "start_date" not in errors:
        try:
            parse_rule(plan.rrule, plan.start_date)
        except RecurrenceError as exc:
            errors["rrule"] = str(exc)
    if plan.lead_days > MAX_LEAD_DAYS:
        errors["lead_days"] = _("A round starts at most %(days)d working days early.") % {
            "days": MAX_LEAD_DAYS
        }
    unknown = set(plan.device_kinds) - set(DeviceKind.values)
    if unknown:
        errors["device_kinds"] = _("Unknown device kind: %(kinds)s.") % {
            "kinds": ", ".join(sorted(unknown))
        }
    if not opds and not sites:
        errors["opds"] = _("Name at least one OPD or site the rounds visit.")
    agencies: set[int | None] = {row.agency_id for row in (*opds, *sites)}
    agencies |= {member.agency_id for member in team}
    if agencies - {plan.agency_id}:
        errors["opds"] = _("An OPD, site or team member belongs to another agency.")
    if any(site.is_store for site in sites):
        errors["sites"] = _("The spare store is not a site to maintain.")
    if any(member.opd_id is not None for member in team):
        errors["team"] = _("The team is Diskominfo staff, not OPD users.")
    kinds = [template.device_kind for template in checklists]
    if any(template.agency_id != plan.agency_id for template in checklists):
        errors["checklists"] = _("A checklist belongs to another agency.")
    elif len(set(kinds)) != len(kinds):
        errors["checklists"] = _("Choose at most one checklist per device kind.")
    elif any(not template.is_active for template in checklists):
        errors["checklists"] = _("A checklist chosen is no longer in use.")
    return errors


def _snapshot(plan: MaintenancePlan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "sop": plan.sop_code,
        "rrule": plan.rrule,
        "start_date": plan.start_date.isoformat(),
        "visit_time": plan.visit_time.isoformat(),
        "lead_days": plan.lead_days,
        "holiday_policy": plan.holiday_policy,
        "device_kinds": list(plan.device_kinds),
        "active": plan.is_active,
        "opds": sorted(plan.opds.values_list("abbreviation", flat=True)) if plan.pk else [],
        "sites": sorted(plan.sites.values_list("code", flat=True)) if plan.pk else [],
        "team": sorted(plan.team.values_list("username", flat=True)) if plan.pk else [],
        "checklists": sorted(
            f"{row.device_kind}:{row.template_id}" for row in plan.checklists.all()
        )
        if plan.pk
        else [],
    }


def save_plan(
    plan: MaintenancePlan,
    *,
    by: User | None,
    opds: Iterable[Opd],
    sites: Iterable[Site],
    team: Iterable[User],
    checklists: Iterable[ChecklistTemplate] | None = None,
    now: dt.datetime | None = None,
) -> MaintenancePlan:
    """Validate and save ``plan`` (new or changed, its agency set) with its scope and team,
    set its next occurrence from ``now`` (UTC; default the clock) and clear ``last_error``.
    ``checklists`` (at most one template per device kind) become the plan's checklists
    (``PlanChecklist``; a kind without one uses the agency's default); None keeps them.

    A preset recurrence writes its RRULE from the start date; ``custom`` keeps the typed
    one. Raises ``InvalidInput`` with errors per field (``name``, ``sop_code``,
    ``start_date``, ``rrule``, ``lead_days``, ``device_kinds``, ``opds``, ``sites``,
    ``team``, ``checklists``) and writes nothing."""
    now = now or timezone.now()
    opd_list, site_list, team_list = list(opds), list(sites), list(team)
    checklist_list = None if checklists is None else list(checklists)
    errors = _validate(plan, opd_list, site_list, team_list, checklist_list or [])
    if errors:
        raise InvalidInput(errors)
    created = plan.pk is None
    before = None if created else _snapshot(MaintenancePlan.objects.get(pk=plan.pk))
    with transaction.atomic():
        plan.name = plan.name.strip()
        plan.last_error = ""
        if created:
            plan.save()
        reschedule(plan, now)
        plan.save()
        plan.opds.set(opd_list)
        plan.sites.set(site_list)
        plan.team.set(team_list)
        if checklist_list is not None:
            PlanChecklist.objects.filter(plan=plan).delete()
            PlanChecklist.objects.bulk_create(
                PlanChecklist(
                    agency_id=plan.agency_id,
                    plan=plan,
                    device_kind=template.device_kind,
                    template=template,
                )
                for template in checklist_list
            )
        record(
            agency=plan.agency,
            actor=by,
            action="maintenance.plan_created" if created else "maintenance.plan_changed",
            obj=plan,
            before=before,
            after=_snapshot(plan),
            at=now,
        )
    return plan


def pause_plan(plan: MaintenancePlan, *, by: User | None, now: dt.datetime | None = None) -> bool:
    """Pause ``plan``: no more rounds start and its next occurrence is cleared; rounds
    under way go on. Nothing is validated, so a plan that no longer validates (its SOP
    withdrawn, a team member moved to an OPD) can still be stopped. One transaction;
    returns False (nothing written) when the plan was already paused. Audit event
    ``maintenance.plan_paused`` with the actor. Resuming is ``save_plan`` with
    ``is_active`` set, which validates."""
    now = now or timezone.now()
    with transaction.atomic():
        paused = MaintenancePlan.objects.filter(pk=plan.pk, is_active=True).update(
            is_active=False, next_nominal_date=None, next_occurrence=None, next_due_at=None
        )
        if paused:
            plan.refresh_from_db()
            record(
                agency=plan.agency,
                actor=by,
                action="maintenance.plan_paused",
                obj=plan,
                after={"reason": "paused by hand"},
                at=now,
            )
    return bool(paused)
