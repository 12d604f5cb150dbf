"""``jaga scheduler``'s claims: each occurrence starts one round, on time or late (issue 14
point 2). The clock is injected (and time-machine holds the process clock at the same
moment), so nothing depends on the day the tests run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jaga.audit.models import Event
from jaga.maintenance import scheduling
from jaga.maintenance.models import MaintenancePlan, MaintenanceRound
from jaga.maintenance.scheduling import next_after, run_once, start_due_round, start_round_now
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, CaseSource, StepInstance
from tests.maintenance.conftest import PlanFactory, Plant

WIB = ZoneInfo("Asia/Jakarta")
#: Monday 11 January 2027, 08:01 WIB (a minute after the visits are due): a working day
#: with no holiday near it.
T0 = dt.datetime(2027, 1, 11, 8, 1, tzinfo=WIB)
#: When the plans are made: a week earlier.
CREATED = T0 - dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield


def test_it_starts_a_due_round_once_and_moves_the_plan_to_its_next_occurrence(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    assert plan.next_due_at == dt.datetime(2027, 1, 11, 8, 0, tzinfo=WIB)
    assert run_once(lambda: T0) == 1
    assert run_once(lambda: T0) == 0
    started = MaintenanceRound.objects.get()
    assert started.nominal_date == dt.date(2027, 1, 11)
    assert started.case.source == CaseSource.SCHEDULE
    assert started.case.definition == plant.definition
    assert not started.is_late
    plan.refresh_from_db()
    assert plan.next_nominal_date == dt.date(2027, 1, 18)
    assert plan.next_due_at == dt.datetime(2027, 1, 18, 8, 0, tzinfo=WIB)


def test_it_does_not_start_a_round_before_it_is_due(plant: Plant, make_plan: PlanFactory) -> None:
    make_plan(
        CREATED, rrule="FREQ=MONTHLY;BYMONTHDAY=20", start_date=dt.date(2027, 1, 1), lead_days=2
    )
    assert run_once(lambda: T0) == 0
    # Wednesday 20 January's visits with two working days of lead: the round starts Monday
    # 18 January at the start of the working day.
    assert run_once(lambda: dt.datetime(2027, 1, 18, 7, 29, tzinfo=WIB)) == 0
    assert run_once(lambda: dt.datetime(2027, 1, 18, 7, 30, tzinfo=WIB)) == 1
    started = MaintenanceRound.objects.get()
    assert started.visit_at == dt.datetime(2027, 1, 20, 8, 0, tzinfo=WIB)


def test_it_starts_each_missed_occurrence_once_and_marks_it_late(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    # No scheduler ran for two weeks: the rounds of 11, 18 and 25 January are missed.
    later = dt.datetime(2027, 1, 25, 10, 0, tzinfo=WIB)
    assert run_once(lambda: later) == 3
    rounds = list(MaintenanceRound.objects.order_by("nominal_date"))
    assert [r.nominal_date.day for r in rounds] == [11, 18, 25]
    assert [r.is_late for r in rounds] == [True, True, True]
    assert {r.started_at for r in rounds} == {later}
    plan.refresh_from_db()
    assert plan.next_nominal_date == dt.date(2027, 2, 1)


def test_a_round_started_within_the_grace_time_is_not_late(
    plant: Plant, make_plan: PlanFactory
) -> None:
    make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 18))
    assert run_once(lambda: dt.datetime(2027, 1, 18, 8, 4, tzinfo=WIB)) == 1
    assert not MaintenanceRound.objects.get().is_late


def test_a_second_claim_of_the_same_occurrence_starts_nothing(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    assert start_due_round(plan.pk, T0) is not None
    assert start_due_round(plan.pk, T0) is None
    assert MaintenanceRound.objects.count() == 1


def test_a_claim_that_loses_the_race_starts_nothing(
    plant: Plant, make_plan: PlanFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    real = scheduling.next_after

    def racing(claimed: MaintenancePlan, after: dt.date | None) -> object:
        # Another scheduler claims the occurrence between this one's read and its
        # compare-and-set: the plan has moved on to the next Monday.
        MaintenancePlan.objects.filter(pk=claimed.pk).update(next_nominal_date=dt.date(2027, 1, 18))
        return real(claimed, after)

    monkeypatch.setattr(scheduling, "next_after", racing)
    assert start_due_round(plan.pk, T0) is None
    assert not MaintenanceRound.objects.exists()
    assert not Case.objects.exists()
    plan.refresh_from_db()
    assert plan.is_active  # losing a race is not an error


def test_it_gives_the_round_the_sites_and_devices_in_scope(
    plant: Plant, make_plan: PlanFactory
) -> None:
    make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    run_once(lambda: T0)
    case = MaintenanceRound.objects.get().case
    assert sorted(case.sites.values_list("code", flat=True)) == ["s1", "s2"]
    assert case.devices.count() == 2
    assert case.opd == plant.opd
    assert case.data["team"] == [plant.tech.pk]
    first = StepInstance.objects.get(case=case)
    assert first.step_no == "1"
    assert first.started_at == T0


def test_it_narrows_the_scope_to_the_plans_device_kinds(
    plant: Plant, make_plan: PlanFactory
) -> None:
    make_plan(
        CREATED,
        rrule="FREQ=WEEKLY;BYDAY=MO",
        start_date=dt.date(2027, 1, 11),
        device_kinds=["switch"],
    )
    run_once(lambda: T0)
    # No site has a switch: nothing to visit, so the plan is paused with the reason.
    assert MaintenanceRound.objects.count() == 0
    plan = MaintenancePlan.objects.get()
    assert not plan.is_active
    assert "no site" in plan.last_error


def test_it_pauses_a_plan_whose_sop_no_longer_starts_on_a_schedule(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    MaintenancePlan.objects.filter(pk=plan.pk).update(sop_code="hilang")
    assert run_once(lambda: T0) == 0
    plan.refresh_from_db()
    assert not plan.is_active
    assert "hilang" in plan.last_error
    # The occurrence is kept: once the plan is fixed and resumed it starts, late.
    assert plan.next_nominal_date == dt.date(2027, 1, 11)
    assert Event.objects.filter(action="maintenance.plan_paused").count() == 1
    assert Case.objects.count() == 0


def test_a_plan_whose_round_fails_unexpectedly_is_paused_and_the_others_start(
    plant: Plant, make_plan: PlanFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    sound = make_plan(
        CREATED, name="Lain", rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11)
    )
    real = scheduling._start_case

    def failing(plan: MaintenancePlan, *args: object, **kwargs: object) -> MaintenanceRound:
        if plan.pk == broken.pk:
            raise ZeroDivisionError("a bug of the round's own")
        return real(plan, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scheduling, "_start_case", failing)
    assert run_once(lambda: T0) == 1
    broken.refresh_from_db()
    assert not broken.is_active
    assert "a bug of the round's own" in broken.last_error
    assert MaintenanceRound.objects.get().plan_id == sound.pk
    assert Case.objects.count() == 1


def test_it_finds_the_next_occurrence_of_a_daily_plan_started_years_ago(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(T0, start_date=dt.date(2000, 1, 3))  # daily, 08:00
    # Today's visits began a minute ago: the next are tomorrow's.
    assert plan.next_nominal_date == dt.date(2027, 1, 12)
    assert plan.next_occurrence == dt.datetime(2027, 1, 12, 8, 0, tzinfo=WIB)


def test_it_refuses_a_start_date_outside_the_century_and_a_lead_time_over_60_days(
    plant: Plant, make_plan: PlanFactory
) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_plan(T0, start_date=dt.date(1, 1, 1), lead_days=61)
    assert set(refused.value.errors) == {"start_date", "lead_days"}
    with pytest.raises(InvalidInput) as refused:
        make_plan(T0, start_date=dt.date(9999, 12, 31))
    assert set(refused.value.errors) == {"start_date"}
    assert not MaintenancePlan.objects.exists()


def test_it_records_each_start_in_the_audit_log(plant: Plant, make_plan: PlanFactory) -> None:
    make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    run_once(lambda: T0)
    after = Event.objects.get(action="maintenance.round_started").after
    assert after is not None
    assert after["nominal_date"] == "2027-01-11"
    assert after["late"] is False


def test_a_plan_whose_rule_ended_has_nothing_due(plant: Plant, make_plan: PlanFactory) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;COUNT=1", start_date=dt.date(2027, 1, 11))
    assert run_once(lambda: T0) == 1
    plan.refresh_from_db()
    assert plan.next_due_at is None
    assert run_once(lambda: T0 + dt.timedelta(days=60)) == 0


def test_an_occurrence_started_by_hand_is_not_started_again(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(CREATED, rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11))
    occurrence = next_after(plan, None)
    assert occurrence is not None
    start_round_now(plan, occurrence, CREATED)
    assert run_once(lambda: T0) == 0
    assert MaintenanceRound.objects.count() == 1
    plan.refresh_from_db()
    assert plan.next_nominal_date == dt.date(2027, 1, 18)
