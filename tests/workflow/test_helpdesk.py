"""An SOP that is not one of the seeds, written from docs/sop-format.md alone, runs: a
three-way classification, an assignment, forms of every field type, a check that returns
the case, an acknowledgment on a 24x7 clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jaga.audit.services import verify
from jaga.org.models import OrgUnit, User
from jaga.sop.services import load_file
from jaga.workflow.models import Case, CaseSource, CaseStatus, StepInstance
from jaga.workflow.services import accept, complete_step, decide, open_step, return_step, start_case
from tests.conftest import make_agency
from tests.workflow.conftest import add_holder

pytestmark = pytest.mark.django_db

HELPDESK = Path(__file__).resolve().parents[1] / "sop" / "fixtures" / "helpdesk.yaml"
WIB = ZoneInfo("Asia/Jakarta")
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)  # Monday


def at(minutes: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


@pytest.fixture
def desk() -> dict[str, User]:
    agency = make_agency("helpdesk")
    unit = OrgUnit.objects.get(agency=agency, kind="dinas")
    people = {
        "operator": add_holder(
            agency, "operator_helpdesk", "Operator", unit, "hd.operator", "199203152018031001"
        ),
        "kasi": add_holder(agency, "kasi", "Kepala Seksi", unit, "hd.kasi", "198004042006041002"),
        "tek": add_holder(agency, "teknisi", "Teknisi", unit, "hd.tek", "199506062020061003"),
        "reporter": User.objects.get(username="helpdesk.dinkes"),
    }
    load_file(agency, HELPDESK)
    return people


def new_ticket(people: dict[str, User]) -> Case:
    from jaga.sop.models import SopDefinition

    definition = SopDefinition.objects.get(code="layanan-helpdesk-tik", is_current=True)
    case = start_case(
        definition,
        source=CaseSource.REPORT,
        title="Tidak bisa login email",
        reporter=people["reporter"],
        at=START,
    )
    step = open_step(case)
    assert step is not None
    complete_step(
        step,
        people["operator"],
        at=at(10),
        data={"judul": "Login email gagal", "uraian": "Sejak pagi", "kanal": "WhatsApp"},
    )
    return case


def waiting(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None
    return step


def finish(case: Case, people: dict[str, User], minutes: int) -> None:
    ack = waiting(case)
    assert ack.step_no == "9"
    assert ack.due_at == ack.started_at + dt.timedelta(hours=24)  # calendar: 24x7
    complete_step(ack, people["reporter"], at=at(minutes))
    complete_step(waiting(case), people["operator"], output="Rekap", at=at(minutes + 5))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def path(case: Case) -> list[tuple[str, str]]:
    return list(StepInstance.objects.filter(case=case).values_list("step_no", "outcome"))


def test_it_runs_a_disruption_through_assignment_and_a_return(desk: dict[str, User]) -> None:
    case = new_ticket(desk)
    decide(waiting(case), desk["operator"], "gangguan", at=at(20))
    complete_step(waiting(case), desk["kasi"], named=[desk["tek"]], at=at(30))
    complete_step(
        waiting(case),
        desk["tek"],
        data={"penyebab": "Kata sandi kedaluwarsa", "tindakan": "Reset"},
        at=at(60),
    )
    return_step(waiting(case), desk["kasi"], "5", "Tindakan belum dijelaskan", at=at(70))
    complete_step(
        waiting(case),
        desk["tek"],
        data={"penyebab": "Kata sandi kedaluwarsa", "tindakan": "Reset dan uji login"},
        at=at(80),
    )
    accept(waiting(case), desk["kasi"], at=at(90))
    finish(case, desk, 100)
    assert path(case) == [
        ("1", "done"),
        ("2", "done"),
        ("3", "gangguan"),
        ("4", "done"),
        ("5", "done"),
        ("7", "returned"),
        ("5", "done"),
        ("7", "accepted"),
        ("9", "done"),
        ("10", "done"),
    ]
    assert verify(case.agency).ok


def test_it_runs_a_service_request_with_typed_fields(desk: dict[str, User]) -> None:
    case = new_ticket(desk)
    decide(waiting(case), desk["operator"], "permintaan", at=at(20))
    form = waiting(case)
    assert form.step_no == "6"
    complete_step(
        form,
        desk["tek"],
        at=at(40),
        data={
            "jenis_permintaan": "Akses VPN",
            "jumlah": "3",
            "selesai_pada": "2026-11-23",
            "perlu_tindak_lanjut": "tidak",
        },
    )
    form.refresh_from_db()
    assert form.data == {
        "jenis_permintaan": "Akses VPN",
        "jumlah": 3,
        "selesai_pada": "2026-11-23",
        "perlu_tindak_lanjut": False,
    }
    accept(waiting(case), desk["kasi"], at=at(50))
    finish(case, desk, 60)


def test_it_answers_a_request_for_information_directly(desk: dict[str, User]) -> None:
    case = new_ticket(desk)
    decide(waiting(case), desk["operator"], "informasi", at=at(20))
    info = waiting(case)
    assert info.step_no == "8"
    assert info.due_at == at(80)
    complete_step(info, desk["operator"], note="Panduan dikirim", at=at(30))
    finish(case, desk, 40)
    assert [no for no, _ in path(case)] == ["1", "2", "3", "8", "9", "10"]
