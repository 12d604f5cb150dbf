"""Visibility and inboxes agree with who may act."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jaga.org.models import ActingAssignment, Employee, Position, User
from jaga.workflow.actors import eligibility
from jaga.workflow.models import ActingAs, Case, CaseSource, StepInstance
from jaga.workflow.permissions import cases_for, inbox
from jaga.workflow.services import accept, complete_step, decide, open_step, start_case
from tests.workflow.conftest import World

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def everyone(world: World) -> list[User]:
    return [
        world.reporter,
        world.kadis,
        world.kabid,
        world.kasi,
        world.tech1,
        world.tech2,
        world.admin,
        world.outsider,
    ]


def assert_inboxes_match_eligibility(world: World, case: Case, at: dt.datetime) -> StepInstance:
    step = open_step(case)
    assert step is not None
    spec = case.definition.spec
    lanes = [spec.lane(key) for key in spec.step(step.step_no).all_lanes]
    for user in everyone(world):
        grounds = eligibility(user, case, lanes, at)
        expected = grounds is not None and grounds.acting_as != ActingAs.ADMIN
        assert (step in inbox(user, now=at)) == expected, (step.step_no, user.username)
    return step


def test_it_puts_each_step_in_the_inbox_of_exactly_those_who_may_act(world: World) -> None:
    case = start_case(
        world.definition, source=CaseSource.REPORT, title="Mati", reporter=world.reporter, at=T0
    )
    at = T0
    step = assert_inboxes_match_eligibility(world, case, at)
    complete_step(step, world.kadis, named=[world.kabid], at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    complete_step(step, world.kabid, named=[world.kasi], at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    complete_step(step, world.kasi, named=[world.tech2], at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    assert step in inbox(world.tech2, now=at)
    assert step not in inbox(world.tech1, now=at)  # not named
    decide(step, world.tech2, "perbaiki", data={"lokasi": "A", "tingkat": "ringan"}, at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    complete_step(step, world.tech2, at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    assert step in inbox(world.reporter, now=at)  # the OPD acknowledges
    complete_step(step, world.reporter, at=at)
    step = assert_inboxes_match_eligibility(world, case, at)
    accept(step, world.kasi, at=at)
    assert_inboxes_match_eligibility(world, case, at)


def test_it_puts_the_kadis_steps_in_a_plhs_inbox_only_while_the_plh_lasts(world: World) -> None:
    start_case(
        world.definition, source=CaseSource.REPORT, title="Mati", reporter=world.reporter, at=T0
    )
    ActingAssignment.objects.create(
        agency=world.agency,
        position=Position.objects.get(agency=world.agency, code="kadis"),
        employee=Employee.objects.get(user=world.kasi),
        kind="plh",
        start_date=dt.date(2026, 11, 24),
        end_date=dt.date(2026, 11, 24),
    )
    assert not inbox(world.kasi, now=T0).exists()
    assert inbox(world.kasi, now=T0 + dt.timedelta(days=1)).count() == 1
    assert not inbox(world.kasi, now=T0 + dt.timedelta(days=2)).exists()


def test_it_orders_the_inbox_by_due_time_with_kondisional_last(world: World) -> None:
    early = start_case(
        world.definition, source=CaseSource.REPORT, title="A", reporter=world.reporter, at=T0
    )
    late = start_case(
        world.definition,
        source=CaseSource.REPORT,
        title="B",
        reporter=world.reporter,
        at=T0 - dt.timedelta(hours=1),
    )
    titles = [step.case.title for step in inbox(world.kadis, now=T0)]
    assert titles == ["B", "A"]
    assert early.pk != late.pk


def test_it_shows_an_opd_user_only_their_opds_cases(world: World) -> None:
    from jaga.org.models import Opd

    other_opd = Opd.objects.create(
        agency=world.agency, name="Dinas Pendidikan", abbreviation="Disdik"
    )
    other_reporter = User.objects.create_user(
        "gamma.disdik", password="x", agency=world.agency, opd=other_opd
    )
    mine = start_case(
        world.definition, source=CaseSource.REPORT, title="Mine", reporter=world.reporter, at=T0
    )
    theirs = start_case(
        world.definition, source=CaseSource.REPORT, title="Theirs", reporter=other_reporter, at=T0
    )
    assert list(cases_for(world.reporter)) == [mine]
    assert list(cases_for(other_reporter)) == [theirs]
    assert set(cases_for(world.kasi)) == {mine, theirs}
    assert not cases_for(world.outsider).exists()
