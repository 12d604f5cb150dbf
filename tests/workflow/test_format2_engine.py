"""The engine on SOP format 2 (issue 17 point 3): waktu by a decision's branch, bounds,
the whole procedure's deadline, assignments of several lanes, forwards, intake fields and
the requesting employee's lane."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from jaga.sop.services import load_definition
from jaga.tenancy.services import working_calendar
from jaga.tenancy.timestandard import parse_time_standard
from jaga.workflow.errors import InvalidInput, NotEligible
from jaga.workflow.models import (
    ActingAs,
    Case,
    CaseSource,
    IntakeChannel,
    LaneAssignee,
    StepInstance,
    StepStatus,
)
from jaga.workflow.services import complete_step, decide, open_step, start_case
from tests.workflow.conftest import World

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)

SOP = """
format: jaga-sop/2
code: perbaikan
identity: {nama: Perbaikan, instansi: [DINAS UJI]}
start: [report, manual]
deadline: 3 hari kalender
service:
  requesters: [opd, staff]
  fields:
    - {key: ruangan, label: Ruangan}
    - {key: titik, label: Jumlah titik, type: integer, required: false}
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Teknis, positions: [teknisi]}
  - {key: jaringan, label: Jaringan, positions: [kabid]}
steps:
  - {no: 1, kegiatan: Permohonan, lane: opd, kind: report, waktu: 1 jam}
  - {no: 2, kegiatan: Tunjuk, lane: kasi, kind: assignment, to_lanes: [teknis, jaringan],
     waktu: 15 menit}
  - no: 3
    kegiatan: Klasifikasi
    lane: teknis
    kind: decision
    waktu: 30 menit
    branches:
      - {key: ringan, label: Ringan, next: 4}
      - {key: sedang, label: Sedang, next: 4}
      - {key: berat, label: Berat, next: 4}
  - no: 4
    kegiatan: Perbaikan
    lane: teknis
    waktu: 1-7 hari
    waktu_by: {decision: 3, branches: {ringan: 1 hari, berat: 7 hari}}
  - {no: 5, kegiatan: Konfigurasi, lane: jaringan, waktu: 1 jam}
  - {no: 6, kegiatan: Teruskan, lane: kasi, kind: forward, to_lane: kadis, waktu: maks. 1 jam}
  - {no: 7, kegiatan: Laporan, lane: kadis, kind: report, waktu: 1 hari}
"""


def later(minutes: int) -> dt.datetime:
    return MONDAY_9 + dt.timedelta(minutes=minutes)


def request(world: World, **kwargs: object) -> Case:
    definition = load_definition(world.agency, SOP, path="perbaikan.yaml").definition
    options: dict[str, object] = {"intake": {"ruangan": "Ruang rapat", "titik": "2"}}
    options.update(kwargs)
    return start_case(
        definition,
        source=CaseSource.REPORT,
        title="AP ruang rapat",
        reporter=world.reporter,
        at=MONDAY_9,
        **options,  # type: ignore[arg-type]
    )


def waiting(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None
    return step


def to_decision(world: World, case: Case) -> StepInstance:
    complete_step(waiting(case), world.kasi, named=[world.tech1, world.kabid], at=later(5))
    return waiting(case)


@pytest.mark.parametrize(
    ("branch", "standard"), [("ringan", "1 hari"), ("berat", "7 hari"), ("sedang", "1-7 hari")]
)
def test_it_gives_a_step_the_waktu_of_the_branch_its_decision_took(
    world: World, branch: str, standard: str
) -> None:
    case = request(world)
    decide(to_decision(world, case), world.tech1, branch, at=later(20))
    fix = waiting(case)
    calendar = working_calendar(world.agency)
    assert fix.step_no == "4"
    assert fix.due_at == calendar.due_at(later(20), parse_time_standard(standard))
    if branch == "sedang":  # not in waktu_by: the step's own range, due at 7 hari
        assert fix.due_at == calendar.due_at(later(20), parse_time_standard("7 hari"))
        assert fix.earliest_at == calendar.due_at(later(20), parse_time_standard("1 hari"))
    else:
        assert fix.earliest_at is None


def test_it_marks_a_step_done_before_its_minimum_without_refusing_it(world: World) -> None:
    case = request(world)
    decide(to_decision(world, case), world.tech1, "sedang", at=later(20))
    done = complete_step(waiting(case), world.tech1, at=later(60))
    assert done.status == StepStatus.DONE
    assert done.is_early
    assert not done.is_late


def test_it_sets_the_whole_procedures_deadline_in_calendar_days(world: World) -> None:
    case = request(world)
    assert case.due_at == (MONDAY_9 + dt.timedelta(days=3)).astimezone(dt.UTC)


def test_it_names_people_of_several_lanes_each_in_the_lane_they_hold(world: World) -> None:
    case = request(world)
    with pytest.raises(InvalidInput) as refused:
        complete_step(waiting(case), world.kasi, named=[world.kadis], at=later(5))
    assert "named" in refused.value.errors
    decision = to_decision(world, case)
    named = set(LaneAssignee.objects.filter(case=case).values_list("lane", "user__username"))
    assert named == {("teknis", "gamma.tek1"), ("jaringan", "gamma.kabid")}
    assert list(decision.assignees.values_list("username", flat=True)) == ["gamma.tek1"]
    with pytest.raises(NotEligible):
        decide(decision, world.tech2, "ringan", at=later(20))  # not the one named


def test_it_forwards_upward_to_one_person_or_to_every_holder(world: World) -> None:
    case = request(world)
    decide(to_decision(world, case), world.tech1, "ringan", at=later(20))
    complete_step(waiting(case), world.tech1, at=later(60))
    complete_step(waiting(case), world.kabid, at=later(70))
    forward = waiting(case)
    assert forward.step_no == "6"
    with pytest.raises(InvalidInput):
        complete_step(forward, world.kasi, named=[world.kadis, world.kabid], at=later(80))
    complete_step(forward, world.kasi, named=[world.kadis], note="di luar kewenangan", at=later(80))
    last = waiting(case)
    assert last.step_no == "7"
    assert list(last.assignees.values_list("username", flat=True)) == ["gamma.kadis"]


def test_it_checks_the_intake_fields_and_writes_nothing_when_one_is_wrong(world: World) -> None:
    before = Case.objects.count()
    with pytest.raises(InvalidInput) as refused:
        request(world, intake={"titik": "dua", "warna": "merah"})
    assert set(refused.value.errors) == {"ruangan", "titik", "warna"}
    assert Case.objects.count() == before


def test_it_keeps_the_intake_in_the_case_and_on_the_request_step(world: World) -> None:
    case = request(world)
    assert case.data["intake"] == {"ruangan": "Ruang rapat", "titik": 2}
    first = StepInstance.objects.get(case=case, step_no="1")
    assert first.status == StepStatus.DONE
    assert first.acting_as == ActingAs.REPORTER


EMPLOYEE_SOP = """
format: jaga-sop/2
code: akun
identity: {nama: Pembuatan Akun, instansi: [DINAS UJI]}
start: [report]
service: {category: request, requesters: [employee, staff]}
lanes:
  - {key: pemohon, label: Pegawai Pemohon, requester: employee}
  - {key: kasi, label: Kasi, positions: [kasi]}
steps:
  - {no: 1, kegiatan: Permohonan akun, lane: pemohon, kind: report, waktu: 1 jam}
  - {no: 2, kegiatan: Buat akun, lane: kasi, waktu: 1 hari}
  - {no: 3, kegiatan: Pemohon menerima akun, lane: pemohon, kind: acknowledgment, waktu: 1 hari}
"""


def test_it_gives_the_requesting_employees_lane_to_that_employee(world: World) -> None:
    definition = load_definition(world.agency, EMPLOYEE_SOP, path="akun.yaml").definition
    case = start_case(
        definition, source=CaseSource.REPORT, title="Akun", reporter=world.tech2, at=MONDAY_9
    )
    assert case.opd is None
    complete_step(waiting(case), world.kasi, at=later(30))
    receipt = waiting(case)
    assert list(receipt.assignees.values_list("username", flat=True)) == ["gamma.tek2"]
    with pytest.raises(NotEligible):
        complete_step(receipt, world.tech1, at=later(40))
    done = complete_step(receipt, world.tech2, at=later(40))
    assert done.acting_as == ActingAs.REPORTER


def test_it_lets_the_help_desk_act_for_a_caller_whose_request_it_recorded(world: World) -> None:
    desk = world.admin.__class__.objects.create_user("gamma.desk", agency=world.agency)
    desk.user_permissions.add(Permission.objects.get(codename="record_request"))
    definition = load_definition(world.agency, EMPLOYEE_SOP, path="akun.yaml").definition
    case = start_case(
        definition,
        source=CaseSource.REPORT,
        title="Akun",
        by=desk,
        reporter=world.tech2,
        channel=IntakeChannel.PHONE,
        at=MONDAY_9,
    )
    first = StepInstance.objects.get(case=case, step_no="1")
    assert (first.actor, first.acting_as) == (desk, ActingAs.HELPDESK)
    complete_step(waiting(case), world.kasi, at=later(30))
    done = complete_step(waiting(case), desk, at=later(40))
    assert done.acting_as == ActingAs.HELPDESK
