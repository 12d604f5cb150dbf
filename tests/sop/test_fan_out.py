"""Fan-outs (``fan_out``: steps run once per site of the case) are validated: each rule of
docs/sop-format.md, "Fan-outs", has a valid and an invalid definition here, and every
problem names its line."""

from __future__ import annotations

import pytest

from jaga.sop.schema import END
from jaga.sop.validate import check_text, load_spec

HEAD = """\
format: jaga-sop/1
code: ronde
identity:
  nama: Pemeliharaan (uji)
  instansi: [DINAS UJI]
start: [schedule]
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim, positions: [teknisi]}
"""

#: A round: 1 plan, 2-4 per site (work, decision, acknowledgment), 5 check, 6 report.
STEPS = """\
steps:
  - {no: 1, kegiatan: Rencana, lane: kasi, waktu: 1 hari}
  - {no: 2, kegiatan: Pemeliharaan, lane: teknis, waktu: 1 hari}
  - no: 3
    kegiatan: Ada kerusakan?
    lane: teknis
    kind: decision
    waktu: kondisional
    branches:
      - {key: ya, label: Ya, next: 3a}
      - {key: tidak, label: Tidak, next: 4}
  - {no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam}
  - {no: 4, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, waktu: kondisional}
  - {no: 5, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [2], waktu: 1 jam}
  - {no: 6, kegiatan: Laporan, lane: kasi, kind: report, waktu: 1 jam}
"""


def definition(fan_out: str, steps: str = STEPS) -> str:
    return HEAD + steps + fan_out


def problems(text: str) -> list[tuple[int, str]]:
    _, found = check_text(text, "ronde.yaml")
    return [(problem.line, problem.message) for problem in found]


def line_of(text: str, needle: str) -> int:
    lines = text.splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


VALID = """\
fan_out:
  - key: kunjungan
    label: Kunjungan per lokasi
    over: sites
    steps: [2, 3, 3a, 4]
"""


def test_it_accepts_a_fan_out_that_joins_at_one_step_with_a_return_into_it() -> None:
    spec = load_spec(definition(VALID))
    (fan,) = spec.fan_out
    assert (fan.key, fan.label, fan.over, fan.steps) == (
        "kunjungan",
        "Kunjungan per lokasi",
        "sites",
        ["2", "3", "3a", "4"],
    )
    assert spec.fan_out_of("3a") is fan
    assert spec.fan_out_of("5") is None
    assert spec.fan_out_entered_at("2") is fan
    assert spec.join_of(fan) == "5"


def test_it_lets_a_fan_out_leave_the_reporter_lane_out_of_the_case_opd() -> None:
    spec = load_spec(definition(VALID))
    assert spec.reporter_steps_outside_fan_outs() == []
    assert [s.no for s in load_spec(definition("")).reporter_steps_outside_fan_outs()] == ["4"]


def test_it_keeps_definitions_without_fan_out_valid() -> None:
    assert problems(definition("")) == []
    assert load_spec(definition("")).fan_out == []


def test_it_refuses_a_step_that_does_not_exist() -> None:
    text = definition(VALID.replace("[2, 3, 3a, 4]", "[2, 3, 3a, 4, 9]"))
    assert problems(text) == [
        (line_of(text, "steps: [2, 3"), 'fan-out "kunjungan": step 9 does not exist')
    ]


def test_it_refuses_steps_that_are_not_consecutive_rows() -> None:
    text = definition(VALID.replace("[2, 3, 3a, 4]", "[2, 3a, 4]"))
    assert problems(text) == [
        (
            line_of(text, "steps: [2, 3a"),
            'fan-out "kunjungan": its steps must be consecutive rows of the table, in table '
            "order (not 2, 3a, 4)",
        )
    ]


def test_it_refuses_steps_listed_out_of_table_order() -> None:
    text = definition(VALID.replace("[2, 3, 3a, 4]", "[3, 2, 3a, 4]"))
    assert [message for _, message in problems(text)] == [
        'fan-out "kunjungan": its steps must be consecutive rows of the table, in table '
        "order (not 3, 2, 3a, 4)"
    ]


def test_it_refuses_overlapping_or_nested_blocks() -> None:
    text = definition(
        VALID
        + "  - {key: dalam, label: Dalam, over: sites, steps: [3a, 4]}\n"
        + "  - {key: kunjungan, label: Lagi, over: sites, steps: [6]}\n"
    )
    assert problems(text) == [
        (
            line_of(text, "steps: [3a, 4]}"),
            'fan-out "dalam": step 3a is already in fan-out "kunjungan"; fan-outs neither '
            "overlap nor nest",
        ),
        (
            line_of(text, "steps: [3a, 4]}"),
            'fan-out "dalam": step 4 is already in fan-out "kunjungan"; fan-outs neither '
            "overlap nor nest",
        ),
        (line_of(text, "key: kunjungan, label: Lagi"), 'fan-out "kunjungan" is defined twice'),
    ]


def test_it_refuses_a_jump_into_the_block_past_its_first_step() -> None:
    steps = STEPS.replace(
        "{no: 1, kegiatan: Rencana, lane: kasi,", "{no: 1, next: 3, kegiatan: Rencana, lane: kasi,"
    )
    text = definition(VALID, steps)
    found = problems(text)
    assert (
        line_of(text, "{no: 1,"),
        'step 1 jumps into fan-out "kunjungan" at step 3; a fan-out is entered only at its '
        "first step, 2",
    ) in found


def test_it_refuses_a_block_at_the_first_step() -> None:
    text = definition(VALID.replace("[2, 3, 3a, 4]", "[1, 2, 3, 3a, 4]"))
    assert problems(text) == [
        (
            line_of(text, "steps: [1, 2"),
            'fan-out "kunjungan" cannot begin at the first step: a case starts on its trunk, '
            "before any fan-out",
        )
    ]


def test_it_refuses_a_decision_that_leaves_to_a_second_step() -> None:
    steps = STEPS.replace("{key: ya, label: Ya, next: 3a}", "{key: ya, label: Ya, next: 6}")
    steps = steps.replace("{no: 3a, kegiatan: Perbaikan,", "{no: 3a, next: 4, kegiatan: Perbaikan,")
    text = definition(VALID, steps)
    found = problems(text)
    assert (
        line_of(text, "steps: [2, 3"),
        'fan-out "kunjungan" leaves to several steps (step 3 to 6, step 4 to 5); the visits '
        "of a fan-out join at one step",
    ) in found


def test_it_lets_a_decision_branch_within_the_block_or_to_the_join() -> None:
    steps = STEPS.replace(
        "{key: tidak, label: Tidak, next: 4}", "{key: tidak, label: Tidak, next: 5}"
    )
    text = definition(
        VALID.replace("[2, 3, 3a, 4]", "[2, 3, 3a]"),
        steps.replace(
            "{no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam}",
            "{no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam, next: 5}",
        ).replace(
            "  - {no: 4, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, "
            "waktu: kondisional}\n",
            "",
        ),
    )
    assert problems(text) == []
    assert load_spec(text).join_of(load_spec(text).fan_out[0]) == "5"


def test_it_refuses_a_step_that_ends_the_case_inside_the_block() -> None:
    steps = STEPS.replace(
        "{key: tidak, label: Tidak, next: 4}", "{key: tidak, label: Tidak, next: end}"
    )
    text = definition(VALID, steps)
    assert (
        line_of(text, "- no: 3"),
        'step 3 ends the case inside fan-out "kunjungan"; its steps lead to one join step after it',
    ) in problems(text)


def test_it_refuses_a_join_before_the_block() -> None:
    steps = STEPS.replace(
        "{no: 4, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, waktu: kondisional}",
        "{no: 4, next: 1, kegiatan: OPD mengetahui, lane: opd, kind: acknowledgment, "
        "waktu: kondisional}",
    )
    text = definition(VALID, steps)
    found = problems(text)
    assert (
        line_of(text, "steps: [2, 3"),
        'fan-out "kunjungan" joins at step 1, which comes before it; the join is a later step',
    ) in found


def test_it_refuses_a_check_in_the_block_returning_outside_it() -> None:
    steps = STEPS.replace(
        "{no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam}",
        "{no: 3a, kegiatan: Periksa, lane: teknis, kind: check, return_to: [1], waktu: 1 jam}",
    )
    text = definition(VALID, steps)
    assert problems(text) == [
        (
            line_of(text, "return_to: [1]"),
            'step 3a returns to step 1, outside its fan-out "kunjungan"; a check in a fan-out '
            "returns only within it",
        )
    ]


def test_it_lets_a_check_in_the_block_return_within_it() -> None:
    steps = STEPS.replace(
        "{no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam}",
        "{no: 3a, kegiatan: Periksa, lane: teknis, kind: check, return_to: [2], waktu: 1 jam}",
    )
    assert problems(definition(VALID, steps)) == []


def test_it_refuses_an_unknown_over() -> None:
    text = definition(VALID.replace("over: sites", "over: devices"))
    assert problems(text) == [
        (line_of(text, "over: devices"), "fan_out.0.over: Input should be 'sites'")
    ]


@pytest.mark.parametrize("missing", ["key", "label", "over", "steps"])
def test_it_requires_each_key_of_a_fan_out(missing: str) -> None:
    lines = [
        line
        for line in VALID.splitlines()
        if not line.strip().lstrip("- ").startswith(missing + ":")
    ]
    if missing == "key":
        lines[1] = "  - " + lines[1].strip()
    text = definition("\n".join(lines) + "\n")
    assert [message for _, message in problems(text)] == [f"fan_out.0.{missing}: Field required"]


def test_it_names_the_end_as_the_join_of_a_block_that_only_ends_the_case() -> None:
    steps = STEPS.replace(
        "{key: tidak, label: Tidak, next: 4}", "{key: tidak, label: Tidak, next: end}"
    )
    spec, _ = check_text(definition(VALID.replace("[2, 3, 3a, 4]", "[2, 3]"), steps))
    assert spec is not None
    assert spec.join_of(spec.fan_out[0]) == "3a"
    spec, _ = check_text(definition(VALID.replace("[2, 3, 3a, 4]", "[3]"), steps))
    assert spec is not None
    assert spec.join_of(spec.fan_out[0]) == "3a"
    assert END == "end"


def test_it_refuses_a_join_that_is_the_entry_of_another_fan_out() -> None:
    two = """\
fan_out:
  - key: kerja
    label: Pekerjaan per lokasi
    over: sites
    steps: [2, 3, 3a]
  - key: tanda
    label: Pengakuan per lokasi
    over: sites
    steps: [4]
"""
    text = definition(two)
    assert (
        line_of(text, "steps: [2, 3, 3a]"),
        'fan-out "kerja" joins at step 4, inside fan-out "tanda"; put a step of the trunk '
        "between two fan-outs (the visits join there before the next fan-out begins)",
    ) in problems(text)


def test_it_refuses_a_step_after_the_block_returning_before_it() -> None:
    steps = STEPS.replace("return_to: [2]", "return_to: [1]")
    text = definition(VALID, steps)
    assert (
        line_of(text, "return_to: [1]"),
        'step 5 returns to step 1, before fan-out "kunjungan"; the visits would run a second '
        "time beside the first (return into the block to send one visit back)",
    ) in problems(text)


def test_it_refuses_a_decision_after_the_block_leading_back_to_its_entry() -> None:
    steps = STEPS.replace(
        "  - {no: 6, kegiatan: Laporan, lane: kasi, kind: report, waktu: 1 jam}\n",
        """\
  - no: 6
    kegiatan: Ulangi?
    lane: kasi
    kind: decision
    waktu: kondisional
    branches:
      - {key: ya, label: Ya, next: 2}
      - {key: tidak, label: Tidak, next: end}
""",
    )
    text = definition(VALID, steps)
    assert (
        line_of(text, "- no: 6"),
        'step 6 leads back to step 2, before fan-out "kunjungan"; the visits would run a '
        "second time beside the first",
    ) in problems(text)


def test_it_refuses_an_assignment_inside_the_block() -> None:
    steps = STEPS.replace(
        "{no: 3a, kegiatan: Perbaikan, lane: teknis, waktu: 1 jam}",
        "{no: 3a, kegiatan: Tunjuk teknisi, lane: teknis, kind: assignment, waktu: 1 jam}",
    )
    text = definition(VALID, steps)
    assert (
        line_of(text, "Tunjuk teknisi"),
        'step 3a (assignment) names people inside fan-out "kunjungan"; they would act at '
        "every site: name them on the trunk, before the block",
    ) in problems(text)
