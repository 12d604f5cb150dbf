"""The engine runs a case through every step kind, to the end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jaga.audit.services import verify
from jaga.org.models import ActingAssignment, Employee, Position
from jaga.sop.services import load_definition
from jaga.workflow.errors import CannotStart, InvalidInput, NotEligible, StepNotOpen
from jaga.workflow.models import ActingAs, Case, CaseSource, CaseStatus, StepInstance
from jaga.workflow.services import (
    accept,
    complete_step,
    decide,
    open_step,
    return_step,
    start_case,
)
from tests.workflow.conftest import MINI_SOP, World

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def report(world: World, at: dt.datetime = MONDAY_9) -> Case:
    return start_case(
        world.definition,
        source=CaseSource.REPORT,
        title="Internet mati di ruang pelayanan",
        reporter=world.reporter,
        description="Sejak pagi tidak ada koneksi",
        at=at,
    )


def waiting(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None
    return step


def later(minutes: int) -> dt.datetime:
    return MONDAY_9 + dt.timedelta(minutes=minutes)


def run_to_step_5(world: World, case: Case) -> StepInstance:
    complete_step(
        waiting(case),
        world.kadis,
        named=[world.kabid],
        instructions=["Tindak lanjuti"],
        at=later(10),
    )
    complete_step(waiting(case), world.kabid, named=[world.kasi], at=later(20))
    complete_step(waiting(case), world.kasi, named=[world.tech1, world.tech2], at=later(30))
    return waiting(case)


def test_it_makes_the_report_the_first_step_and_waits_on_the_kadis(world: World) -> None:
    case = report(world)
    first = StepInstance.objects.get(case=case, step_no="1")
    assert first.actor == world.reporter
    assert first.acting_as == ActingAs.REPORTER
    step = waiting(case)
    assert step.step_no == "2"
    assert step.lane == "kadis"
    assert step.due_at == MONDAY_9 + dt.timedelta(minutes=30)


def test_it_runs_the_repair_branch_to_the_end(world: World) -> None:
    case = report(world)
    step5 = run_to_step_5(world, case)
    assert step5.step_no == "5"
    assert step5.due_at == later(30) + dt.timedelta(hours=1)
    decide(
        step5,
        world.tech2,
        "perbaiki",
        data={"lokasi": "Ruang server", "tingkat": "ringan"},
        at=later(60),
    )
    step7 = waiting(case)
    assert step7.step_no == "7"
    complete_step(step7, world.tech1, note="Kabel UTP diganti", at=later(90))
    complete_step(waiting(case), world.reporter, at=later(120))
    accept(waiting(case), world.kasi, at=later(130))
    last = waiting(case)
    assert last.step_no == "10"
    assert last.due_at == later(130) + dt.timedelta(hours=48)  # 2x24 jam is clock time
    complete_step(last, world.kadis, output="Review", at=later(140))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at == later(140)
    path = list(StepInstance.objects.filter(case=case).values_list("step_no", "outcome"))
    assert path == [
        ("1", "done"),
        ("2", "done"),
        ("3", "done"),
        ("4", "done"),
        ("5", "perbaiki"),
        ("7", "done"),
        ("8", "done"),
        ("9", "accepted"),
        ("10", "done"),
    ]
    assert verify(case.agency).ok


def test_it_runs_the_replacement_branch_with_its_form(world: World) -> None:
    case = report(world)
    decide(
        run_to_step_5(world, case),
        world.tech1,
        "ganti",
        data={"lokasi": "Lt 2", "tingkat": "berat"},
        at=later(60),
    )
    form = waiting(case)
    assert form.step_no == "6"
    with pytest.raises(InvalidInput) as caught:
        complete_step(
            form, world.tech1, data={"nama_barang": "Switch 24 port", "jumlah": "dua"}, at=later(70)
        )
    assert "jumlah" in caught.value.errors
    complete_step(
        form, world.tech1, data={"nama_barang": "Switch 24 port", "jumlah": "2"}, at=later(70)
    )
    form.refresh_from_db()
    assert form.data == {"nama_barang": "Switch 24 port", "jumlah": 2}
    assert waiting(case).step_no == "7"


def test_it_returns_a_check_for_revision_and_loops(world: World) -> None:
    case = report(world)
    decide(
        run_to_step_5(world, case),
        world.tech1,
        "perbaiki",
        data={"lokasi": "A", "tingkat": "ringan"},
        at=later(60),
    )
    complete_step(waiting(case), world.tech1, at=later(70))
    complete_step(waiting(case), world.reporter, at=later(80))
    check = waiting(case)
    with pytest.raises(InvalidInput):
        return_step(check, world.kasi, "7", "  ", at=later(90))
    with pytest.raises(InvalidInput):
        return_step(check, world.kasi, "5", "salah langkah", at=later(90))
    return_step(check, world.kasi, "7", "Foto belum dilampirkan", at=later(90))
    again = waiting(case)
    assert (again.step_no, again.visit) == ("7", 2)
    complete_step(again, world.tech2, at=later(100))
    complete_step(waiting(case), world.reporter, at=later(110))
    accept(waiting(case), world.kasi, at=later(120))
    assert waiting(case).step_no == "10"
    check.refresh_from_db()
    assert (check.outcome, check.note, check.next_step_no) == (
        "returned",
        "Foto belum dilampirkan",
        "7",
    )


def test_it_lets_only_eligible_people_act(world: World) -> None:
    case = report(world)
    step2 = waiting(case)
    for intruder in (world.kabid, world.tech1, world.reporter, world.outsider):
        with pytest.raises(NotEligible):
            complete_step(step2, intruder, named=[world.kabid], at=later(5))
    complete_step(step2, world.kadis, named=[world.kabid], at=later(10))
    step3 = waiting(case)
    with pytest.raises(NotEligible):
        complete_step(step3, world.kadis, named=[world.kasi], at=later(15))


def test_it_gives_the_named_technicians_their_steps_and_nobody_else(world: World) -> None:
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid], at=later(10))
    complete_step(waiting(case), world.kabid, named=[world.kasi], at=later(20))
    complete_step(waiting(case), world.kasi, named=[world.tech1], at=later(30))
    step5 = waiting(case)
    with pytest.raises(NotEligible):
        decide(
            step5, world.tech2, "perbaiki", data={"lokasi": "A", "tingkat": "ringan"}, at=later(40)
        )
    decide(step5, world.tech1, "perbaiki", data={"lokasi": "A", "tingkat": "ringan"}, at=later(40))


def test_it_lets_a_plh_act_for_the_kadis_only_inside_the_range(world: World) -> None:
    case = report(world)
    kadis = Position.objects.get(agency=world.agency, code="kadis")
    ActingAssignment.objects.create(
        agency=world.agency,
        position=kadis,
        employee=Employee.objects.get(user=world.kabid),
        kind="plh",
        start_date=dt.date(2026, 11, 24),
        end_date=dt.date(2026, 11, 25),
    )
    step2 = waiting(case)
    with pytest.raises(NotEligible):  # Monday 23rd: not yet Plh
        complete_step(step2, world.kabid, named=[world.kabid], at=later(10))
    tuesday = dt.datetime(2026, 11, 24, 8, 0, tzinfo=WIB)
    done = complete_step(step2, world.kabid, named=[world.kabid], at=tuesday)
    assert done.acting_as == ActingAs.PLH
    assert done.on_behalf_of == kadis


def test_it_records_an_admin_acting_on_behalf(world: World) -> None:
    case = report(world)
    done = complete_step(waiting(case), world.admin, named=[world.kabid], at=later(10))
    assert done.acting_as == ActingAs.ADMIN
    assert done.actor == world.admin


def test_it_refuses_a_second_completion_of_the_same_step(world: World) -> None:
    case = report(world)
    step2 = waiting(case)
    stale = StepInstance.objects.get(pk=step2.pk)
    complete_step(step2, world.kadis, named=[world.kabid], at=later(10))
    with pytest.raises(StepNotOpen):
        complete_step(stale, world.admin, named=[world.kabid], at=later(11))
    assert StepInstance.objects.filter(case=case, step_no="3").count() == 1


def test_it_checks_who_a_disposition_names(world: World) -> None:
    step2 = waiting(report(world))
    with pytest.raises(InvalidInput, match="not a holder"):
        complete_step(step2, world.kadis, named=[world.kasi], at=later(10))
    with pytest.raises(InvalidInput, match="exactly one"):
        complete_step(step2, world.kadis, at=later(10))
    with pytest.raises(InvalidInput, match="checklist"):
        complete_step(step2, world.kadis, named=[world.kabid], instructions=["Buang"], at=later(10))


def test_it_computes_due_times_on_the_working_calendar(world: World) -> None:
    friday = dt.datetime(2026, 11, 20, 16, 15, tzinfo=WIB)
    case = report(world, at=friday)
    assert waiting(case).due_at == dt.datetime(2026, 11, 23, 7, 45, tzinfo=WIB)


def test_it_keeps_the_version_a_case_started_with(world: World) -> None:
    case = report(world)
    v2 = MINI_SOP.replace("waktu: 15 menit", "waktu: 20 menit")
    upgraded = load_definition(world.agency, v2, path="v2")
    assert upgraded.created
    assert upgraded.definition.version == 2
    case.refresh_from_db()
    assert case.definition.version == 1
    assert waiting(case).case.definition.spec.step("3").waktu == "15 menit"
    reformatted = load_definition(world.agency, v2 + "\n# only a comment\n", path="v2")
    assert not reformatted.created
    assert reformatted.definition == upgraded.definition


def test_it_refuses_a_start_mode_the_sop_does_not_have(world: World) -> None:
    with pytest.raises(CannotStart):
        start_case(world.definition, source=CaseSource.SCHEDULE, title="Rutin", by=world.admin)


def test_it_needs_the_opd_when_the_sop_has_steps_for_it(world: World) -> None:
    with pytest.raises(CannotStart, match="name the OPD"):
        start_case(world.definition, source=CaseSource.MANUAL, title="Rutin", by=world.admin)
    case = start_case(
        world.definition, source=CaseSource.MANUAL, title="Rutin", by=world.admin, opd=world.opd
    )
    assert waiting(case).step_no == "1"  # by hand, the OPD's first step still waits for it


def test_it_writes_an_audit_event_for_every_action(world: World) -> None:
    from jaga.audit.models import Event

    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid], at=later(10))
    actions = list(
        Event.objects.filter(agency=world.agency).order_by("seq").values_list("action", flat=True)
    )
    # The SOP's load is the chain's first event (issue 13 point 5), with the service it
    # registers in the catalogue (issue 17). The disposition's Lembar Disposisi is issued
    # (numbered) in the step's transaction.
    assert actions == [
        "sop.sopdefinition.loaded",
        "catalogue.service.registered",
        "case.started",
        "step.completed",
        "step.completed",
        "document.issued",
    ]
    assert verify(world.agency).ok
