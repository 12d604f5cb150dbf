"""The maintenance calendar (issue 14 point 7): the agenda, the month view's events, and
each technician's iCalendar feed behind a secret, resettable URL. The clock stands at
``T0``, so counts are exact whatever the day the tests run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from jaga.maintenance.agenda import agenda, feed_for
from jaga.maintenance.models import MaintenancePlan
from jaga.maintenance.scheduling import run_once
from jaga.org.models import User
from tests.maintenance.conftest import PlanFactory, Plant

WIB = ZoneInfo("Asia/Jakarta")
#: Monday 11 January 2027, 08:01 WIB; the weekly plans below visit on Tuesdays from the
#: 12th, with no holiday on one for the next six weeks.
T0 = dt.datetime(2027, 1, 11, 8, 1, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield


def weekly_plan(make_plan: PlanFactory, now: dt.datetime, **fields: object) -> MaintenancePlan:
    start = timezone.localdate(now) + dt.timedelta(days=1)
    values: dict[str, object] = {"rrule": "FREQ=WEEKLY", "start_date": start}
    values.update(fields)
    return make_plan(now, **values)


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_the_planned_visits_of_a_team_member_only(
    plant: Plant, make_plan: PlanFactory
) -> None:
    now = timezone.now()
    plan = weekly_plan(make_plan, now)
    found = agenda(plant.agency.pk, now, now + dt.timedelta(days=28), plant.tech, now=now)
    assert [event.start.astimezone(WIB).date().isoformat() for event in found] == [
        "2027-01-12",
        "2027-01-19",
        "2027-01-26",
        "2027-02-02",
    ]
    assert {event.plan_id for event in found} == {plan.pk}
    assert {event.state for event in found} == {"planned"}
    assert all(event.start < event.end for event in found)
    assert agenda(plant.agency.pk, now, now + dt.timedelta(days=28), plant.kasi, now=now) == []


def test_a_started_round_keeps_the_uid_of_its_occurrence(
    plant: Plant, make_plan: PlanFactory
) -> None:
    now = timezone.now()
    plan = weekly_plan(make_plan, now)
    window = (now, now + dt.timedelta(days=60))
    planned = agenda(plant.agency.pk, *window, plant.tech, now=now)[0]
    assert plan.next_due_at is not None
    run_once(lambda: plan.next_due_at or now)
    after = agenda(plant.agency.pk, *window, plant.tech, now=now)
    assert after[0].uid == planned.uid
    assert after[0].case_number is not None
    assert after[0].state == "open"
    assert [event.uid for event in after].count(planned.uid) == 1


def test_the_events_endpoint_answers_fullcalendar_and_refuses_bad_periods(
    plant: Plant, make_plan: PlanFactory
) -> None:
    now = timezone.now()
    weekly_plan(make_plan, now)
    client = logged_in(plant.kasi)
    url = reverse("maintenance:calendar_events")
    start = timezone.localdate(now).isoformat()
    end = (timezone.localdate(now) + dt.timedelta(days=42)).isoformat()
    response = client.get(url, {"start": start, "end": end})
    assert response.status_code == 200
    events = response.json()
    assert len(events) == 6  # the Tuesdays from 12 January to 16 February
    assert events[0]["start"] == "2027-01-12T08:00:00"  # the agency's wall-clock time
    assert {"id", "title", "start", "end", "url", "color"} <= set(events[0])
    only_tech = client.get(url, {"start": start, "end": end, "member": str(plant.tech.pk)}).json()
    assert len(only_tech) == len(events)
    assert client.get(url, {"start": start, "end": end, "member": str(plant.kasi.pk)}).json() == []
    assert client.get(url, {"start": "kemarin", "end": end}).status_code == 400
    assert client.get(url, {"start": end, "end": start}).status_code == 400
    assert client.get(url, {"start": "2020-01-01", "end": "2021-01-01"}).status_code == 400
    assert client.get(url, {"start": start, "end": end, "member": "99999"}).status_code == 400
    # Years no calendar covers (at the ends of datetime they overflowed: a 500).
    assert client.get(url, {"start": "9999-12-30", "end": "9999-12-31"}).status_code == 400
    assert client.get(url, {"start": "0001-01-01", "end": "0001-01-02"}).status_code == 400


def test_a_daily_plan_started_years_ago_still_shows_its_coming_visits(
    plant: Plant, make_plan: PlanFactory
) -> None:
    now = timezone.now()
    make_plan(now, start_date=dt.date(2000, 1, 3))  # daily at 08:00
    found = agenda(plant.agency.pk, now, now + dt.timedelta(days=7), plant.tech, now=now)
    # Today's visits began a minute ago; the weekend's move to Monday (the next working day).
    assert [event.start.astimezone(WIB).date().isoformat() for event in found] == [
        "2027-01-12",
        "2027-01-13",
        "2027-01-14",
        "2027-01-15",
        "2027-01-18",
        "2027-01-18",
        "2027-01-18",
    ]


def test_the_month_view_is_for_the_diskominfo_side(plant: Plant) -> None:
    assert logged_in(plant.tech).get(reverse("maintenance:calendar")).status_code == 200
    reporter = User.objects.get(username="epsilon.dinkes")
    assert logged_in(reporter).get(reverse("maintenance:calendar")).status_code == 403


def test_the_feed_is_an_icalendar_of_the_members_visits(
    plant: Plant, make_plan: PlanFactory
) -> None:
    now = timezone.now()
    weekly_plan(make_plan, now, name="Cek jaringan mingguan")
    token = feed_for(plant.tech).token
    response = Client().get(reverse("maintenance:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert 50 <= len(events) <= 53  # a year of weekly visits, a holiday's moved
    first = events[0]
    assert str(first["SUMMARY"]) == "Cek jaringan mingguan"
    assert str(first["STATUS"]) == "TENTATIVE"
    assert str(first["UID"]).startswith("jaga-plan-")
    assert first.decoded("DTSTART").tzinfo is not None
    assert first.decoded("DTSTART") >= now - dt.timedelta(days=1)


def test_resetting_the_feed_retires_the_old_address(plant: Plant) -> None:
    old = feed_for(plant.tech).token
    client = logged_in(plant.tech)
    assert client.post(reverse("maintenance:feed_reset")).status_code == 302
    new = feed_for(plant.tech).token
    assert new != old
    assert Client().get(reverse("maintenance:feed", args=[old])).status_code == 404
    assert Client().get(reverse("maintenance:feed", args=[new])).status_code == 200


def test_the_feed_of_a_member_moved_to_an_opd_is_gone(plant: Plant) -> None:
    token = feed_for(plant.tech).token
    reporter = User.objects.get(username="epsilon.dinkes")
    User.objects.filter(pk=plant.tech.pk).update(opd_id=reporter.opd_id)
    assert Client().get(reverse("maintenance:feed", args=[token])).status_code == 404


def test_the_feed_of_a_deactivated_user_is_gone(plant: Plant) -> None:
    token = feed_for(plant.tech).token
    User.objects.filter(pk=plant.tech.pk).update(is_active=False)
    assert Client().get(reverse("maintenance:feed", args=[token])).status_code == 404
    assert Client().get(reverse("maintenance:feed", args=["bukan-token"])).status_code == 404
