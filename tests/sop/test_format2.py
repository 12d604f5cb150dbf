"""SOP format 2 (issue 17 point 3): what it adds, what the validator says about it, and
its messages naming printed step numbers, in the user's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from jaga.sop.schema import Requester, ServiceCategory, StepKind
from jaga.sop.services import load_definition
from jaga.sop.validate import SopInvalid, check_text
from jaga.tenancy.models import Agency
from jaga.tenancy.timestandard import Bound

HEAD = """format: jaga-sop/2
code: uji
identity: {nama: Uji, instansi: [DINAS UJI]}
start: [report]
"""
LANES = """lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Teknis, positions: [teknisi]}
  - {key: jaringan, label: Jaringan, positions: [staf]}
"""
CLASSIFY = """steps:
  - {no: 1, kegiatan: Laporan, lane: opd, kind: report, waktu: 1 jam}
  - no: 2
    kegiatan: Klasifikasi
    lane: teknis
    kind: decision
    waktu: 30 menit
    branches:
      - {key: ringan, label: Ringan, next: 3}
      - {key: sedang, label: Sedang, next: 3}
      - {key: berat, label: Berat, next: 3}
  - no: 3
    kegiatan: Perbaikan
    lane: teknis
    waktu: 1-7 hari
    waktu_by:
      decision: 2
      branches: {ringan: 1 hari, sedang: 3 hari, berat: 7 hari}
"""


def messages(text: str) -> list[str]:
    return [str(problem) for problem in check_text(text, "uji.yaml")[1]]


def test_it_reads_every_format_2_addition() -> None:
    text = (
        HEAD
        + "deadline: 14 hari kalender\n"
        + "service:\n  name: Perbaikan\n  category: disruption\n"
        + "  requesters: [opd, staff]\n  fields: [{key: ruangan, label: Ruangan}]\n"
        + LANES
        + CLASSIFY
        + "  - {no: 4, kegiatan: Tunjuk, lane: kasi, kind: assignment,"
        + " to_lanes: [teknis, jaringan], waktu: maks. 2 jam}\n"
        + "  - {no: 5, kegiatan: Teruskan, lane: kasi, kind: forward, to_lane: teknis,"
        + " waktu: min. 1 hari}\n"
    )
    spec, problems = check_text(text, "uji.yaml")
    assert problems == []
    assert spec is not None
    assert spec.deadline_standard is not None
    assert str(spec.deadline_standard) == "14 hari kalender"
    assert spec.service is not None
    assert spec.service.category is ServiceCategory.DISRUPTION
    assert spec.service.requesters == [Requester.OPD, Requester.STAFF]
    assert [field.key for field in spec.intake_fields] == ["ruangan"]
    fix = spec.step("3")
    assert str(fix.standard_for("berat")) == "7 hari"
    assert str(fix.standard_for(None)) == "1-7 hari"  # the decision not taken: its own waktu
    assert fix.standard_for(None).bound is Bound.RANGE
    assert spec.step("4").target_lanes == ["teknis", "jaringan"]
    assert spec.step("5").kind is StepKind.FORWARD


def test_it_refuses_format_2_keys_in_a_format_1_file_naming_the_format() -> None:
    text = (HEAD + LANES + CLASSIFY).replace("jaga-sop/2", "jaga-sop/1")
    assert messages(text + "deadline: 3 hari\n") == [
        'uji.yaml:24: step 3: waktu "1-7 hari" needs format: jaga-sop/2 (this file is jaga-sop/1)',
        "uji.yaml:25: step 3: waktu_by needs format: jaga-sop/2 (this file is jaga-sop/1)",
        "uji.yaml:28: deadline needs format: jaga-sop/2 (this file is jaga-sop/1)",
    ]


def test_it_checks_that_waktu_by_names_an_earlier_decision_and_its_branches() -> None:
    text = HEAD + LANES + CLASSIFY
    assert messages(text.replace("decision: 2", "decision: 9")) == [
        "uji.yaml:26: step 3: waktu_by names step 9, which does not exist"
    ]
    assert messages(text.replace("decision: 2", "decision: 1")) == [
        "uji.yaml:26: step 3: waktu_by names step 1, which is not a decision"
    ]
    assert messages(text.replace("berat: 7 hari", "parah: 7 hari")) == [
        'uji.yaml:27: step 3: step 2 has no branch "parah"'
    ]


def test_it_checks_assignments_of_several_lanes_and_forwards() -> None:
    base = HEAD + LANES + "steps:\n  - {no: 1, kegiatan: Laporan, lane: opd, waktu: 1 jam}\n"
    both = base + (
        "  - {no: 2, kegiatan: T, lane: kasi, kind: assignment, to_lane: teknis,"
        " to_lanes: [jaringan], waktu: 1 jam}\n"
    )
    assert messages(both) == ["uji.yaml:12: step 2: write to_lane or to_lanes, not both"]
    wrong_kind = base + (
        "  - {no: 2, kegiatan: T, lane: kasi, kind: disposition, to_lanes: [teknis, jaringan],"
        " waktu: 1 jam}\n"
    )
    assert (
        "step 2: only an assignment names people of several lanes (to_lanes)"
        in messages(wrong_kind)[0]
    )
    to_opd = (
        base + "  - {no: 2, kegiatan: T, lane: kasi, kind: forward, to_lane: opd, waktu: 1 jam}\n"
    )
    assert messages(to_opd) == ["uji.yaml:12: step 2: the reporting OPD's lane cannot be named"]
    bare = base + "  - {no: 2, kegiatan: T, lane: kasi, kind: forward, waktu: 1 jam}\n"
    assert messages(bare) == [
        "uji.yaml:12: step 2 (forward) needs to_lane: the lane it names people of"
    ]


def test_it_checks_the_requesting_employees_lane_and_the_service() -> None:
    text = HEAD + (
        "service: {requesters: [employee]}\n"
        "lanes:\n"
        "  - {key: pemohon, label: Pegawai Pemohon, requester: employee}\n"
        "  - {key: kasi, label: Kasi, positions: [kasi]}\n"
        "steps:\n"
        "  - {no: 1, kegiatan: Permohonan, lane: pemohon, kind: report, waktu: 1 jam}\n"
        "  - {no: 2, kegiatan: Proses, lane: kasi, waktu: 1 hari}\n"
        "  - {no: 3, kegiatan: Pemohon mengetahui, lane: pemohon, kind: acknowledgment,"
        " waktu: 1 hari}\n"
    )
    assert messages(text) == []
    with_positions = text.replace("requester: employee}", "requester: employee, positions: [x]}")
    assert messages(with_positions) == [
        'uji.yaml:7: lane "pemohon": a requester lane names no positions'
    ]
    opd_steps = HEAD + "service: {requesters: [employee]}\n" + LANES + CLASSIFY
    assert messages(opd_steps) == [
        'uji.yaml:5: service: an employee cannot request it: its steps in lane "opd" need the '
        "reporting OPD"
    ]
    scheduled = (HEAD + "service: {name: X}\n" + LANES + CLASSIFY).replace(
        "start: [report]", "start: [schedule]"
    )
    assert messages(scheduled) == [
        "uji.yaml:5: a service is requested: the SOP needs start: [report] to offer one"
    ]


def test_it_names_a_step_by_its_printed_number_in_shape_problems() -> None:
    text = HEAD + LANES + CLASSIFY.replace("kegiatan: Perbaikan", "kegiatann: Perbaikan")
    assert messages(text) == [
        "uji.yaml:21: step 3, kegiatan: Field required",
        "uji.yaml:22: step 3, kegiatann: Extra inputs are not permitted",
    ]


def test_it_gives_its_messages_in_indonesian() -> None:
    text = HEAD + LANES + CLASSIFY
    with translation.override("id"):
        missing = messages(text.replace("decision: 2", "decision: 9"))
        shape = messages(text.replace("kegiatan: Perbaikan", "kegiatann: Perbaikan"))
    assert missing == ["uji.yaml:26: langkah 3: waktu_by menyebut langkah 9, yang tidak ada"]
    assert shape[1] == "uji.yaml:22: langkah 3, kegiatann: kunci tidak dikenal"


def test_it_reports_a_missing_position_on_its_line_when_loading(agency_a: Agency) -> None:
    text = HEAD + LANES + CLASSIFY
    with pytest.raises(SopInvalid) as refused:
        load_definition(agency_a, text, path="uji.yaml")
    assert [str(problem) for problem in refused.value.problems] == [
        'uji.yaml:7: lane "kasi": agency "alpha" has no position "kasi"',
        'uji.yaml:8: lane "teknis": agency "alpha" has no position "teknisi"',
        'uji.yaml:9: lane "jaringan": agency "alpha" has no position "staf"',
    ]
