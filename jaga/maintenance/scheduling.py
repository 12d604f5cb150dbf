"""Starting the rounds of maintenance plans on time (issue 14 point 2; architecture.md,
"periodic work").

A plan's ``next_due_at`` (UTC) is when its next round must start and ``next_nominal_date``
which occurrence that is. ``start_due_round`` claims one occurrence by compare-and-set on
those two columns and starts its case **in the same transaction**, so:

- two schedulers that see the same due plan produce one round: the second UPDATE matches
  no row (PostgreSQL re-reads the row after the first commits; SQLite serialises writers);
- a scheduler killed with SIGKILL mid-claim leaves nothing: its transaction rolls back and
  the occurrence is still due, so the restarted scheduler starts it once, late;
- an occurrence missed while no scheduler ran starts once, late (``is_late``), and the plan
  moves on to the next occurrence by the rule, which may be due at once too.

A round that cannot start (no current version of the SOP, the SOP does not start on a
schedule, no site in scope) pauses the plan with ``last_error`` and an audit event; the
occurrence stays due and starts, late, once the plan is fixed and resumed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.documents.indonesian import tanggal
from jaga.inventory.models import Device, DeviceStatus, Site
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound, WorkPlanVisit
from jaga.maintenance.models.workplans import DEFAULT_ACTIVITIES
from jaga.maintenance.recurrence import (
    Occurrence,
    RecurrenceError,
    occurrence_on,
    plan_occurrences,
    search_after,
)
from jaga.maintenance.signals import round_started
from jaga.sop.models import SopDefinition
from jaga.tenancy.services import working_calendar
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import Case, CaseSource
from jaga.workflow.services import start_case

log = logging.getLogger(__name__)


class RoundNotStarted(Exception):
    """Why a due round could not start; the message is shown on the plan's page."""


def next_after(plan: MaintenancePlan, after: dt.date | None) -> Occurrence | None:
    """The plan's first occurrence with a nominal date after ``after`` (the first of all
    when None), or None when its rule has ended. Raises ``RecurrenceError`` for a rule that
    no longer parses."""
    found = plan_occurrences(plan, working_calendar(plan.agency), after)
    return next(found, None)


def _from_now(plan: MaintenancePlan, now: dt.datetime) -> Iterator[Occurrence]:
    """The plan's occurrences from about ``now`` (``search_after``), in order.
    Raises ``RecurrenceError`` for a rule that does not parse."""
    return plan_occurrences(plan, working_calendar(plan.agency), search_after(None, now))


def upcoming(plan: MaintenancePlan, count: int, now: dt.datetime) -> list[Occurrence]:
    """The next ``count`` occurrences whose visits begin at or after ``now`` (for the plan
    list and the calendar); [] for a rule that does not parse."""
    found: list[Occurrence] = []
    try:
        for occurrence in _from_now(plan, now):
            if occurrence.visit_at >= now:
                found.append(occurrence)
                if len(found) == count:
                    break
    except RecurrenceError:
        return []
    return found


def reschedule(plan: MaintenancePlan, now: dt.datetime) -> None:
    """Set the plan's next occurrence after it was created, edited or resumed (not saved).

    The next occurrence is the first one after the last round's nominal date whose visits
    begin at or after ``now`` (an edit does not start rounds whose visits are past); when
    its start time has already passed it is due at ``now``. A paused plan or an ended rule
    has no next occurrence. Raises ``RecurrenceError`` for a rule that does not parse."""
    last = plan.rounds.order_by("-nominal_date").values_list("nominal_date", flat=True).first()
    plan.next_occurrence = plan.next_nominal_date = plan.next_due_at = None
    if not plan.is_active:
        return
    for found in _from_now(plan, now):
        if found.visit_at >= now and (last is None or found.nominal_date > last):
            plan.next_nominal_date = found.nominal_date
            plan.next_occurrence = found.visit_at
            plan.next_due_at = max(found.due_at, now)
            return


def scope_sites(plan: MaintenancePlan) -> QuerySet[Site]:
    """The sites a round of ``plan`` visits: every site of its OPDs and its named sites
    (never the spare store), narrowed to sites with an in-service device of its device
    kinds when it names kinds; ordered by name."""
    sites = Site.objects.filter(agency_id=plan.agency_id, is_store=False).filter(
        Q(opd__in=plan.opds.all()) | Q(pk__in=plan.sites.all())
    )
    if plan.device_kinds:
        sites = sites.filter(
            devices__kind__in=plan.device_kinds, devices__status=DeviceStatus.IN_SERVICE
        )
    return sites.distinct().order_by("name", "pk")


def scope_devices(plan: MaintenancePlan, sites: QuerySet[Site]) -> QuerySet[Device]:
    """The in-service devices a round checks at ``sites``: those of the plan's kinds (all
    kinds when it names none)."""
    devices = Device.objects.filter(site__in=sites, status=DeviceStatus.IN_SERVICE)
    if plan.device_kinds:
        devices = devices.filter(kind__in=plan.device_kinds)
    return devices.order_by("site__name", "name", "pk")


def _definition(plan: MaintenancePlan) -> SopDefinition:
    definition = SopDefinition.objects.filter(
        agency_id=plan.agency_id, code=plan.sop_code, is_current=True
    ).first()
    if definition is None:
        raise RoundNotStarted(
            _("The agency has no SOP with code %(code)s.") % {"code": plan.sop_code}
        )
    if not definition.starts_by_schedule:
        raise RoundNotStarted(
            _("SOP %(code)s does not start on a schedule.") % {"code": plan.sop_code}
        )
    return definition


def _set_devices(case: Case, devices: list[Device]) -> None:
    """Write the devices in scope as the new case's affected ones (one bulk INSERT; the
    case is new, so there is nothing to compare; ``start_case`` wrote its sites)."""
    rows = Case.devices.through
    rows.objects.bulk_create(rows(case_id=case.pk, device_id=device.pk) for device in devices)


def _draft_work_plan(
    started: MaintenanceRound, sites: list[Site], team: list[int], day: dt.date
) -> None:
    """The round's Rencana Kerja as drafted from the plan: every site on the visit day,
    with the plan's team and the default activities (the Kasi edits it, seed 004 step 1)."""
    rows = WorkPlanVisit.objects.bulk_create(
        WorkPlanVisit(
            agency_id=started.agency_id,
            round=started,
            site=site,
            position=number,
            planned_on=day,
            activities=DEFAULT_ACTIVITIES,
        )
        for number, site in enumerate(sites, start=1)
    )
    if team:
        through = WorkPlanVisit.team.through
        through.objects.bulk_create(
            through(workplanvisit_id=row.pk, user_id=member) for row in rows for member in team
        )


def _start_case(
    plan: MaintenancePlan, occurrence: Occurrence, now: dt.datetime, due: dt.datetime
) -> MaintenanceRound:
    """Start the round's case and record the round; raises ``RoundNotStarted``."""
    definition = _definition(plan)
    sites = scope_sites(plan)
    site_list = list(sites.select_related("opd"))
    if not site_list:
        raise RoundNotStarted(_("The plan's scope has no site."))
    opds = {site.opd_id for site in site_list}
    # One OPD: the case is that OPD's (its lane outside a fan-out is that OPD); several: a
    # fan-out gives each visit its site's OPD (docs/sop-format.md, "Fan-outs").
    opd = site_list[0].opd if len(opds) == 1 else None
    zone = working_calendar(plan.agency).timezone
    visit_day = occurrence.visit_at.astimezone(zone).date()
    title = _("%(plan)s, %(date)s") % {"plan": plan.name, "date": tanggal(visit_day)}
    team = list(plan.team.values_list("pk", flat=True))
    data = {
        "maintenance_plan": plan.pk,
        "nominal_date": occurrence.nominal_date.isoformat(),
        "visit_at": occurrence.visit_at.isoformat(),
        "team": team,
    }
    try:
        case = start_case(
            definition,
            source=CaseSource.SCHEDULE,
            title=title,
            opd=opd,
            data=data,
            sites=site_list,
            at=now,
        )
    except (CannotStart, InvalidInput) as exc:
        raise RoundNotStarted(str(exc)) from exc
    _set_devices(case, list(scope_devices(plan, sites)))
    grace = dt.timedelta(seconds=settings.JAGA_SCHEDULER_GRACE_SECONDS)
    started = MaintenanceRound.objects.create(
        agency_id=plan.agency_id,
        plan=plan,
        nominal_date=occurrence.nominal_date,
        visit_at=occurrence.visit_at,
        due_at=due,
        started_at=now,
        is_late=now - due > grace,
        case=case,
    )
    _draft_work_plan(started, site_list, team, visit_day)
    round_started.send(MaintenanceRound, round=started, at=now)
    return started


def start_due_round(plan_id: int, now: dt.datetime) -> MaintenanceRound | None:
    """Claim the due occurrence of plan ``plan_id`` and start its round, in one transaction.

    Returns the round, or None when the plan is not due at ``now`` (UTC) or another
    scheduler claimed it first. A round that cannot start, for any reason but the database
    (which raises ``DatabaseError``), pauses the plan (``last_error``, audit event
    ``maintenance.plan_paused``) and returns None."""
    plan = (
        MaintenancePlan.objects.select_related("agency")
        .filter(pk=plan_id, is_active=True, next_due_at__lte=now)
        .first()
    )
    if plan is None or plan.next_nominal_date is None or plan.next_due_at is None:
        return None
    nominal, due = plan.next_nominal_date, plan.next_due_at
    try:
        with transaction.atomic():
            following = next_after(plan, nominal)
            claimed = MaintenancePlan.objects.filter(
                pk=plan.pk, is_active=True, next_nominal_date=nominal, next_due_at=due
            ).update(
                next_nominal_date=following.nominal_date if following else None,
                next_occurrence=following.visit_at if following else None,
                next_due_at=following.due_at if following else None,
            )
            if claimed != 1:
                return None
            occurrence = occurrence_on(
                nominal,
                visit_time=plan.visit_time,
                lead_days=plan.lead_days,
                policy=plan.holiday_policy,
                calendar=working_calendar(plan.agency),
            )
            if occurrence is None:  # the calendar changed: the day is now skipped
                return None
            if MaintenanceRound.objects.filter(plan=plan, nominal_date=nominal).exists():
                # Started already by hand (``start_round_now``): the claim only moves on.
                return None
            started = _start_case(plan, occurrence, now, due)
            _record_start(plan, started, now)
            return started
    except (RoundNotStarted, RecurrenceError) as exc:
        _pause(plan, str(exc), now)
        return None
    except DatabaseError:
        raise  # the database is away: the scheduler's loop waits, no plan is to blame
    except Exception as exc:  # one broken plan must not stop the rounds of every agency
        log.exception("maintenance plan %s: its round could not start", plan.pk)
        _pause(plan, _("The round could not start: %(error)s") % {"error": exc}, now)
        return None


def _record_start(plan: MaintenancePlan, started: MaintenanceRound, now: dt.datetime) -> None:
    """The audit event ``maintenance.round_started`` of ``started``."""
    record(
        agency=plan.agency,
        actor=None,
        action="maintenance.round_started",
        obj=started,
        after={
            "plan": plan.pk,
            "nominal_date": started.nominal_date.isoformat(),
            "case": started.case.number,
            "late": started.is_late,
            "sites": sorted(started.case.sites.values_list("code", flat=True)),
        },
        at=now,
    )


def start_round_now(
    plan: MaintenancePlan, occurrence: Occurrence, at: dt.datetime
) -> MaintenanceRound:
    """Start the round of ``occurrence`` at ``at`` (aware) without the scheduler's claim:
    the demo's rounds, and any later "start now". The plan's next occurrence is left as it
    is. One transaction; raises ``RoundNotStarted`` (nothing written) when the round cannot
    start, and ``IntegrityError`` when the occurrence already has its round."""
    with transaction.atomic():
        started = _start_case(plan, occurrence, at, occurrence.due_at)
        _record_start(plan, started, at)
    return started


def _pause(plan: MaintenancePlan, reason: str, now: dt.datetime) -> None:
    with transaction.atomic():
        paused = MaintenancePlan.objects.filter(pk=plan.pk, is_active=True).update(
            is_active=False, last_error=reason
        )
        if paused:
            record(
                agency=plan.agency,
                actor=None,
                action="maintenance.plan_paused",
                obj=plan,
                after={"reason": reason},
                at=now,
            )
    log.warning("maintenance plan %s paused: %s", plan.pk, reason)


def due_plan_ids(now: dt.datetime, limit: int) -> list[int]:
    """Up to ``limit`` active plans due at ``now``, the longest overdue first."""
    return list(
        MaintenancePlan.objects.filter(is_active=True, next_due_at__lte=now)
        .order_by("next_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def run_once(clock: Callable[[], dt.datetime] = timezone.now, batch: int = 500) -> int:
    """Start every round due now (one pass of ``jaga scheduler``); returns how many
    started. Plans are taken ``batch`` at a time until none is due; each claim is its own
    transaction."""
    started = 0
    while True:
        ids = due_plan_ids(clock(), batch)
        if not ids:
            return started
        progressed = False
        for plan_id in ids:
            if start_due_round(plan_id, clock()) is not None:
                started += 1
                progressed = True
        if not progressed:
            # Every due plan was claimed by another scheduler, paused or skipped; the next
            # pass looks again.
            return started
