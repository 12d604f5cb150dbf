"""What the maintenance calendar shows (issue 14 point 7): the rounds that started and the
occurrences still to come, for an agency or one team member, as ``AgendaEvent`` rows that
the month view (JSON for FullCalendar) and the iCalendar feed (``jaga.maintenance.ical``)
both draw.

An occurrence keeps its ``uid`` (plan and nominal date) when its round starts, so a phone
subscribed to the feed updates the event rather than adding a second one. Visits last
from their start to the end of that day's working hours (docs/calendar.md). All times UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from jaga.audit.services import record
from jaga.inventory.models import Device, DeviceStatus, Site
from jaga.maintenance.models import CalendarFeed, MaintenancePlan, MaintenanceRound
from jaga.maintenance.models.feeds import new_feed_token
from jaga.maintenance.permissions import may_see_plans
from jaga.maintenance.recurrence import RecurrenceError, plan_occurrences, search_after
from jaga.org.models import User
from jaga.tenancy.calendar import WorkingCalendar
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import (
    BranchStatus,
    Case,
    CaseBranch,
    CaseStatus,
    LaneAssignee,
    StepInstance,
    StepStatus,
)

#: Planned occurrences listed per plan at most (a daily plan over a year stops here).
MAX_PLANNED_PER_PLAN = 120


@dataclass(frozen=True)
class AgendaEvent:
    """One visit on the calendar: a started round (``case_id`` set) or a planned occurrence.

    ``start``/``end`` are UTC; ``path`` is the page it opens (the case, else the plan);
    ``state`` is ``planned``, ``open``, ``closed`` or ``cancelled``; ``late`` when the
    round started after its due time."""

    uid: str
    title: str
    start: dt.datetime
    end: dt.datetime
    plan_id: int
    plan_name: str
    state: str
    path: str
    case_id: int | None = None
    case_number: int | None = None
    late: bool = False
    sites: tuple[str, ...] = field(default_factory=tuple)
    team: tuple[str, ...] = field(default_factory=tuple)


def _uid(plan_id: int, nominal: dt.date) -> str:
    return f"jaga-plan-{plan_id}-{nominal.isoformat()}"


def _visit_end(start: dt.datetime, calendar: WorkingCalendar) -> dt.datetime:
    """The end of the working day the visits begin on (start + 1 hour when it has none)."""
    office = dataclasses.replace(calendar, always_working=False)
    day = start.astimezone(office.timezone).date()
    spans = [end for _begin, end in office.working_intervals(day) if end > start]
    return max(spans) if spans else start + dt.timedelta(hours=1)


def _member_plans(agency_id: int, member: User | None) -> Q:
    if member is None:
        return Q(agency_id=agency_id)
    return Q(agency_id=agency_id, team=member)


def agenda(
    agency_id: int,
    start: dt.datetime,
    end: dt.datetime,
    member: User | None = None,
    now: dt.datetime | None = None,
) -> list[AgendaEvent]:
    """The visits of agency ``agency_id`` beginning in ``[start, end)`` (aware), by start.

    With ``member``: only the plans whose default team includes them and the rounds whose
    case named them (a disposition or an assignment). Planned occurrences are those still
    to start: active plans, visits at or after ``now`` (default the clock), after the
    plan's last round."""
    now = now or timezone.now()
    events: list[AgendaEvent] = []
    rounds = MaintenanceRound.objects.filter(
        agency_id=agency_id, visit_at__gte=start, visit_at__lt=end
    ).select_related("plan", "case", "agency")
    if member is not None:
        named = LaneAssignee.objects.filter(user=member).values("case_id")
        rounds = rounds.filter(Q(plan__team=member) | Q(case_id__in=named)).distinct()
    calendars: dict[int, WorkingCalendar] = {}
    for found in rounds:
        calendar = calendars.setdefault(found.agency_id, working_calendar(found.agency))
        case = found.case
        events.append(
            AgendaEvent(
                uid=_uid(found.plan_id, found.nominal_date),
                title=f"{found.plan.name} (#{case.number})",
                start=found.visit_at,
                end=_visit_end(found.visit_at, calendar),
                plan_id=found.plan_id,
                plan_name=found.plan.name,
                state=case.status,
                path=reverse("workflow:case", args=[case.pk]),
                case_id=case.pk,
                case_number=case.number,
                late=found.is_late,
                sites=tuple(case.sites.order_by("name").values_list("name", flat=True)),
            )
        )
    plans = (
        MaintenancePlan.objects.filter(_member_plans(agency_id, member), is_active=True)
        .select_related("agency")
        .distinct()
    )
    for plan in plans:
        events += _planned(plan, max(start, now), end, calendars)
    return sorted(events, key=lambda event: (event.start, event.plan_name))


def _planned(
    plan: MaintenancePlan,
    start: dt.datetime,
    end: dt.datetime,
    calendars: dict[int, WorkingCalendar],
) -> list[AgendaEvent]:
    calendar = calendars.setdefault(plan.agency_id, working_calendar(plan.agency))
    last = plan.rounds.order_by("-nominal_date").values_list("nominal_date", flat=True).first()
    try:
        coming = plan_occurrences(plan, calendar, search_after(last, start))
    except RecurrenceError:
        return []
    found: list[AgendaEvent] = []
    sites = tuple(plan.sites.order_by("name").values_list("name", flat=True))
    for occurrence in coming:
        if occurrence.visit_at >= end or len(found) >= MAX_PLANNED_PER_PLAN:
            break
        if occurrence.visit_at < start:
            continue
        found.append(
            AgendaEvent(
                uid=_uid(plan.pk, occurrence.nominal_date),
                title=plan.name,
                start=occurrence.visit_at,
                end=_visit_end(occurrence.visit_at, calendar),
                plan_id=plan.pk,
                plan_name=plan.name,
                state="planned",
                path=reverse("maintenance:plan", args=[plan.pk]),
                sites=sites,
            )
        )
    return found


def feed_for(user: User) -> CalendarFeed:
    """``user``'s calendar feed, created with a fresh token the first time."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def reset_feed(user: User) -> CalendarFeed:
    """Give ``user``'s feed a new token (the old URL stops working at once), with the audit
    event ``maintenance.feed_reset``."""
    with transaction.atomic():
        feed = feed_for(user)
        feed.token = new_feed_token()
        feed.save(update_fields=["token"])
        if user.agency is not None:
            record(
                agency=user.agency,
                actor=user,
                action="maintenance.feed_reset",
                obj=feed,
                after={"user": user.get_username()},
            )
    return feed


def member_of_feed(token: str) -> User | None:
    """The active user of an active agency whose feed has ``token``, or None; None too
    when the user is no longer on the Diskominfo side (moved to an OPD, their employee
    record deactivated: ``may_see_plans``)."""
    feed = (
        CalendarFeed.objects.filter(token=token, user__is_active=True, user__agency__is_active=True)
        .select_related("user", "user__agency")
        .first()
    )
    if feed is None or not may_see_plans(feed.user):
        return None
    return feed.user


# --- The OPD's side (issue 14 point 6) ---------------------------------------------------

#: Planned occurrences listed per plan on an OPD's page at most.
OPD_PLANNED_PER_PLAN = 3


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _visit_lanes(case: Case) -> set[str]:
    """The non-OPD lanes of the first step of the case's fan-outs: whose named people are
    the visit's team (seed 004: ``teknis``, named at step 5). No query (the definition is
    loaded with the case)."""
    spec = case.definition.spec
    reporter = {lane.key for lane in spec.lanes if lane.reporter}
    lanes: set[str] = set()
    for block in spec.fan_out:
        lanes |= set(spec.step(block.entry).all_lanes) - reporter
    return lanes


def _round_teams(cases: list[Case]) -> dict[int, tuple[str, ...]]:
    """For each case id, the people the latest disposition or assignment named for its
    visit lanes (``_visit_lanes``), by name; cases that named nobody are absent. One query."""
    lanes = {case.pk: _visit_lanes(case) for case in cases}
    latest: dict[tuple[int, str], int] = {}
    rows = LaneAssignee.objects.filter(case_id__in=list(lanes)).select_related("user")
    named: dict[tuple[int, str, int], list[User]] = {}
    for row in rows:
        if row.lane not in lanes[row.case_id]:
            continue
        key = (row.case_id, row.lane)
        latest[key] = max(latest.get(key, 0), row.named_by_id)
        named.setdefault((row.case_id, row.lane, row.named_by_id), []).append(row.user)
    teams: dict[int, list[str]] = {}
    for (case_id, lane), step_id in latest.items():
        teams.setdefault(case_id, []).extend(
            _person(user) for user in named[(case_id, lane, step_id)]
        )
    return {case_id: tuple(sorted(set(names))) for case_id, names in teams.items()}


def opd_agenda(
    agency_id: int,
    opd_id: int,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> list[AgendaEvent]:
    """The visits still to come at the sites of OPD ``opd_id`` (agency ``agency_id``), by
    start (UTC), each with only that OPD's sites (names) and the Diskominfo team (names):

    - rounds under way (``state="open"``, whatever their date) with a visit to one of the
      OPD's sites that is neither done nor waiting for the OPD's acknowledgment (those are
      listed apart, ``jaga.maintenance.permissions.acknowledgments_for``); the team is the
      people named for the visit's lane (seed 004 step 5), else the plan's default team;
    - planned occurrences (``state="planned"``) of active plans whose scope covers one of
      the OPD's sites (its OPDs' sites and its named sites, never the spare store, narrowed
      to the plan's device kinds as ``jaga.maintenance.scheduling.scope_sites`` does),
      visits from ``now`` (default the clock) to ``end``, after the plan's last round, at
      most ``OPD_PLANNED_PER_PLAN`` per plan; the team is the plan's default team.

    ``path`` is the case page for a round whose visits have begun (an OPD user sees a
    round's case once it visits their site: ``jaga.workflow.permissions.cases_for``), else
    empty, as for a planned occurrence (an OPD user does not see plans). A bounded number
    of queries whatever the number of plans and rounds (about ten, plus the working
    calendar's first build)."""
    now = now or timezone.now()
    events = _opd_rounds(agency_id, opd_id)
    events += _opd_planned(agency_id, opd_id, now, end)
    return sorted(events, key=lambda event: (event.start, event.plan_name))


def _opd_rounds(agency_id: int, opd_id: int) -> list[AgendaEvent]:
    rounds = list(
        MaintenanceRound.objects.filter(
            agency_id=agency_id,
            case__status=CaseStatus.OPEN,
            case_id__in=Case.sites.through.objects.filter(site__opd_id=opd_id).values("case_id"),
        )
        .select_related("plan", "case", "case__definition", "agency")
        .prefetch_related("plan__team")
    )
    if not rounds:
        return []
    case_ids = [found.case_id for found in rounds]
    sites: dict[int, list[Site]] = {}
    for row in (
        Case.sites.through.objects.filter(case_id__in=case_ids, site__opd_id=opd_id)
        .select_related("site")
        .order_by("site__name", "site_id")
    ):
        sites.setdefault(row.case_id, []).append(row.site)
    # A site's visit is past (for this list) once done or waiting for the OPD.
    acknowledging = StepInstance.objects.filter(
        branch=OuterRef("pk"), status=StepStatus.OPEN, for_reporter=True
    )
    visits = list(
        CaseBranch.objects.filter(case_id__in=case_ids, site__opd_id=opd_id)
        .annotate(acknowledging=Exists(acknowledging))
        .only("case_id", "site_id", "status")
    )
    past = {
        (branch.case_id, branch.site_id)
        for branch in visits
        if branch.status == BranchStatus.DONE or branch.acknowledging
    }
    # The OPD sees a round's case once it visits their site (jaga.workflow.permissions).
    visible = {branch.case_id for branch in visits}
    teams = _round_teams([found.case for found in rounds])
    calendar = working_calendar(rounds[0].agency)
    events = []
    for found in rounds:
        case = found.case
        names = tuple(
            site.name for site in sites.get(case.pk, []) if (case.pk, site.pk) not in past
        )
        if not names:
            continue
        team = teams.get(case.pk) or tuple(sorted(_person(u) for u in found.plan.team.all()))
        events.append(
            AgendaEvent(
                uid=_uid(found.plan_id, found.nominal_date),
                title=f"{found.plan.name} (#{case.number})",
                start=found.visit_at,
                end=_visit_end(found.visit_at, calendar),
                plan_id=found.plan_id,
                plan_name=found.plan.name,
                state=case.status,
                path=reverse("workflow:case", args=[case.pk]) if case.pk in visible else "",
                case_id=case.pk,
                case_number=case.number,
                late=found.is_late,
                sites=names,
                team=team,
            )
        )
    return events


def _opd_planned(
    agency_id: int, opd_id: int, now: dt.datetime, end: dt.datetime
) -> list[AgendaEvent]:
    opd_sites = list(
        Site.objects.filter(agency_id=agency_id, opd_id=opd_id, is_store=False).order_by(
            "name", "pk"
        )
    )
    if not opd_sites:
        return []
    through_opds = MaintenancePlan.opds.through.objects
    through_sites = MaintenancePlan.sites.through.objects
    last_round = MaintenanceRound.objects.filter(plan=OuterRef("pk")).order_by("-nominal_date")
    plans = list(
        MaintenancePlan.objects.filter(agency_id=agency_id, is_active=True)
        .filter(
            Q(pk__in=through_opds.filter(opd_id=opd_id).values("maintenanceplan_id"))
            | Q(pk__in=through_sites.filter(site__opd_id=opd_id).values("maintenanceplan_id"))
        )
        .annotate(
            covers_opd=Exists(through_opds.filter(maintenanceplan=OuterRef("pk"), opd_id=opd_id)),
            last_nominal=Subquery(last_round.values("nominal_date")[:1]),
        )
        .select_related("agency")
        .prefetch_related(
            "team",
            Prefetch("sites", queryset=Site.objects.filter(opd_id=opd_id), to_attr="opd_named"),
        )
    )
    if not plans:
        return []
    kinds_at: dict[int, set[str]] = {}
    if any(plan.device_kinds for plan in plans):
        for site_id, kind in (
            Device.objects.filter(site__in=opd_sites, status=DeviceStatus.IN_SERVICE)
            .values_list("site_id", "kind")
            .distinct()
        ):
            kinds_at.setdefault(site_id, set()).add(kind)
    calendar = working_calendar(plans[0].agency)
    events: list[AgendaEvent] = []
    for plan in plans:
        named = {site.pk for site in plan.opd_named}
        in_scope = [
            site
            for site in opd_sites
            if (plan.covers_opd or site.pk in named)
            and (not plan.device_kinds or kinds_at.get(site.pk, set()) & set(plan.device_kinds))
        ]
        if not in_scope:
            continue
        try:
            coming = plan_occurrences(plan, calendar, search_after(plan.last_nominal, now))
        except RecurrenceError:
            continue
        team = tuple(sorted(_person(user) for user in plan.team.all()))
        found = 0
        for occurrence in coming:
            if occurrence.visit_at >= end or found >= OPD_PLANNED_PER_PLAN:
                break
            if occurrence.visit_at < now:
                continue
            found += 1
            events.append(
                AgendaEvent(
                    uid=_uid(plan.pk, occurrence.nominal_date),
                    title=plan.name,
                    start=occurrence.visit_at,
                    end=_visit_end(occurrence.visit_at, calendar),
                    plan_id=plan.pk,
                    plan_name=plan.name,
                    state="planned",
                    path="",
                    sites=tuple(site.name for site in in_scope),
                    team=team,
                )
            )
    return events
