"""Twenty cases of a small 24x7 SOP, walked at hand-chosen times in the month before the
current one, so that every figure of the compliance report can be counted by hand.

The SOP (``REKAP_SOP``): step 1 "Disposisi" by the Kadis, 30 menit, naming the technician;
step 2 "Perbaikan" by the technician, kondisional (the technicians' lane: MTTA ends at its
first completion, MTTR at its last); step 3 "Pemeriksaan", a check by the Kasi, 1 jam, which may
return the case to step 2. Clock time (``calendar: 24x7``), so a minute is a minute on
any date. The agency: Kadis (unit Dinas) > Kabid (Bidang) > Kasi and a technician (Seksi).

Minutes taken, case by case (``STEP1``, ``STEP2``, ``STEP3``); cases 1 and 2 are returned
once by the check after 30 minutes, then redo step 2 in 60 minutes and pass the check in
30 minutes. Cases 1-10 are Dinas Kesehatan's, 11-20 Dinas Pendidikan's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource, StepInstance, StepStatus
from jaga.workflow.services import accept, complete_step, return_step, start_case
from tests.conftest import PASSWORD, make_agency

REKAP_SOP = """
format: jaga-sop/1
code: rekap
identity: {nama: Uji Rekapitulasi, instansi: [DINAS UJI]}
calendar: 24x7
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
  - {key: teknis, label: Tim Teknis, positions: [teknisi]}
  - {key: kasi, label: Kasi, positions: [kasi]}
steps:
  - {no: 1, kegiatan: Disposisi, lane: kadis, kind: assignment, to_lane: teknis,
     max_assignees: 1, waktu: 30 menit}
  - {no: 2, kegiatan: Perbaikan, lane: teknis, waktu: kondisional}
  - {no: 3, kegiatan: Pemeriksaan, lane: kasi, kind: check, return_to: [2], waktu: 1 jam}
"""

# Minutes each case's steps take (case 1 first).
STEP1 = [5, 10, 15, 20, 25, 30, 30, 35, 40, 60, 5, 10, 15, 20, 25, 10, 10, 50, 90, 29]
STEP2 = [60] * 10 + [180] * 10
STEP3 = [30] * 16 + [90] * 4
RETURNED = {0, 1}  # cases 1 and 2: the first check returns them to step 2


@dataclass
class Rekap:
    agency: Agency
    definition: SopDefinition
    kadis: User
    kabid: User
    kasi: User
    technician: User
    bidang: OrgUnit
    seksi: OrgUnit
    month_start: dt.datetime  # the first instant of the previous month, UTC
    cases: list[Case]


def _holder(
    agency: Agency, code: str, title: str, unit: OrgUnit, username: str, nip: str, head: bool
) -> User:
    position = Position.objects.create(
        agency=agency, code=code, title=title, unit=unit, is_head=head
    )
    user = User.objects.create_user(username, password=PASSWORD, agency=agency)
    employee = Employee.objects.create(agency=agency, name=title, nip=nip, user=user)
    employee.positions.add(position)
    return user


def _open(case: Case, step_no: str) -> StepInstance:
    return case.steps.get(status=StepStatus.OPEN, step_no=step_no)


def previous_month_start() -> dt.datetime:
    """Midnight starting the month before the current one, in Jakarta, as UTC."""
    jakarta = dt.timezone(dt.timedelta(hours=7))
    today = timezone.now().astimezone(jakarta).date()
    first = today.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return dt.datetime.combine(previous, dt.time.min, tzinfo=jakarta).astimezone(dt.UTC)


def build_rekap() -> Rekap:
    agency = make_agency("rekap")
    dinas = OrgUnit.objects.get(agency=agency, kind="dinas")
    bidang = OrgUnit.objects.create(agency=agency, name="Bidang TIK", kind="bidang", parent=dinas)
    seksi = OrgUnit.objects.create(
        agency=agency, name="Seksi Jaringan", kind="seksi", parent=bidang
    )
    kabid = _holder(
        agency, "kabid", "Kepala Bidang TIK", bidang, "rekap.kabid", "197001012000031001", True
    )
    kasi = _holder(
        agency, "kasi", "Kepala Seksi Jaringan", seksi, "rekap.kasi", "198001012005031002", True
    )
    technician = _holder(
        agency, "teknisi", "Teknisi Jaringan", seksi, "rekap.teknisi", "199001012015031003", False
    )
    kadis = User.objects.get(username="rekap.kadis")
    dinkes = Opd.objects.get(agency=agency, abbreviation="Dinkes")
    disdik = Opd.objects.create(agency=agency, name="Dinas Pendidikan", abbreviation="Disdik")
    definition = load_definition(agency, REKAP_SOP, path="rekap.yaml").definition
    start = previous_month_start() + dt.timedelta(hours=2)
    cases = []
    for index in range(20):
        at = start + dt.timedelta(hours=8 * index)
        case = start_case(
            definition,
            source=CaseSource.MANUAL,
            title=f"Kasus {index + 1}",
            by=kadis,
            opd=dinkes if index < 10 else disdik,
            at=at,
        )
        at += dt.timedelta(minutes=STEP1[index])
        complete_step(_open(case, "1"), kadis, named=[technician], at=at)
        at += dt.timedelta(minutes=STEP2[index])
        complete_step(_open(case, "2"), technician, at=at)
        if index in RETURNED:
            at += dt.timedelta(minutes=30)
            return_step(_open(case, "3"), kasi, "2", "Belum tuntas", at=at)
            at += dt.timedelta(minutes=60)
            complete_step(_open(case, "2"), technician, at=at)
            at += dt.timedelta(minutes=30)
        else:
            at += dt.timedelta(minutes=STEP3[index])
        accept(_open(case, "3"), kasi, at=at)
        cases.append(case)
    return Rekap(
        agency,
        definition,
        kadis,
        kabid,
        kasi,
        technician,
        bidang,
        seksi,
        previous_month_start(),
        cases,
    )


@pytest.fixture(scope="module")
def rekap_module(django_db_setup: None, django_db_blocker: Any) -> Iterator[Rekap]:
    """The twenty cases, built once per module in a transaction rolled back at its end
    (each test runs in a savepoint of it, like ``demo_data``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_rekap()
        transaction.set_rollback(True)


@pytest.fixture
def rekap(rekap_module: Rekap, db: None) -> Rekap:
    return rekap_module
