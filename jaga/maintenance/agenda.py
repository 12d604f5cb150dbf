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
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from jaga.audit.services import record
from jaga.maintenance.models import CalendarFeed, MaintenancePlan, MaintenanceRound
from jaga.maintenance.models.feeds import new_feed_token
from jaga.maintenance.recurrence import RecurrenceError, occurrences, parse_rule
from jaga.org.models import User
from jaga.tenancy.calendar import WorkingCalendar
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import LaneAssignee

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
    try:
        rule = parse_rule(plan.rrule, plan.start_date)
    except RecurrenceError:
        return []
    calendar = calendars.setdefault(plan.agency_id, working_calendar(plan.agency))
    last = plan.rounds.order_by("-nominal_date").values_list("nominal_date", flat=True).first()
    found = []
    sites = tuple(plan.sites.order_by("name").values_list("name", flat=True))
    for count, occurrence in enumerate(
        occurrences(
            rule,
            visit_time=plan.visit_time,
            lead_days=plan.lead_days,
            policy=plan.holiday_policy,
            calendar=calendar,
            after=last,
        )
    ):
        if occurrence.visit_at >= end or count >= MAX_PLANNED_PER_PLAN:
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
    """The active user of an active agency whose feed has ``token``, or None."""
    feed = (
        CalendarFeed.objects.filter(token=token, user__is_active=True, user__agency__is_active=True)
        .select_related("user", "user__agency")
        .first()
    )
    return None if feed is None else feed.user
