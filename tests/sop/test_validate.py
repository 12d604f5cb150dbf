"""Checking definition files: each broken fixture yields its own message on its own line,
and ``jaga sop validate`` prints them and exits 1 (no database)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

import jaga.sop
from jaga.sop.validate import SopInvalid, check_file, load_spec

LIBRARY = Path(jaga.sop.__file__).resolve().parent / "library"
BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken"

#: file -> the problems it yields: (line, the text on that line, message).
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "unknown-lane.yaml": [(20, "lane: tekniss", 'step 2: unknown lane "tekniss"')],
    "missing-step.yaml": [(18, "next: 9", "jumps to step 9, which does not exist")],
    "bad-waktu.yaml": [
        (
            21,
            "waktu: sebentar",
            'step 2, waktu: Cannot read the time standard "sebentar": write a whole number and'
            ' a unit (menit, jam, hari, minggu, bulan), "N x 24 jam", or "kondisional".',
        )
    ],
    "unreachable.yaml": [(19, "- no: 2", "step 2 can never be reached")],
    "no-exit.yaml": [
        (20, "- no: 2", "there is no path to the end from step 2"),
        (24, "- no: 3", "there is no path to the end from step 3"),
    ],
    "duplicate-step.yaml": [(22, "- no: 2", "step 2 is numbered twice")],
    "one-branch.yaml": [
        (18, "- no: 2", "step 2 is a decision and needs at least two branches"),
    ],
    "return-later.yaml": [
        (20, "return_to: [3]", "step 2 can only return to an earlier step, not 3"),
    ],
    "duplicate-key.yaml": [(22, "waktu: 2 jam", 'key "waktu" appears twice')],
    "not-yaml.yaml": [
        (
            1,
            "No.\tKegiatan\tWaktu\tOutput",
            "not valid YAML: found character '\\t' that cannot start any token",
        )
    ],
    "replacement-on-decision.yaml": [
        (
            23,
            "replacement: required",
            "step 2: only an activity or a report replaces a device",
        )
    ],
    "unknown-key.yaml": [
        (
            22,
            "keteranagn: Bawa toolkit jaringan",
            "step 2, keteranagn: Extra inputs are not permitted",
        )
    ],
}


def expected_lines(name: str) -> list[str]:
    path = BROKEN / name
    return [f"{path}:{line}: {message}" for line, _text, message in EXPECTED[name]]


def assert_problems(name: str) -> None:
    """The file yields exactly the expected problems, each on the line that holds it."""
    path = BROKEN / name
    assert [str(problem) for problem in check_file(path)] == expected_lines(name)
    lines = path.read_text(encoding="utf-8").splitlines()
    for line, text, _message in EXPECTED[name]:
        assert lines[line - 1].strip() == text


def test_it_has_an_expectation_for_every_broken_fixture() -> None:
    assert sorted(path.name for path in BROKEN.iterdir()) == sorted(EXPECTED)


def test_it_reports_an_unknown_lane() -> None:
    assert_problems("unknown-lane.yaml")


def test_it_reports_a_jump_to_a_missing_step() -> None:
    assert_problems("missing-step.yaml")


def test_it_reports_an_unreadable_waktu() -> None:
    assert_problems("bad-waktu.yaml")


def test_it_reports_an_unreachable_step() -> None:
    assert_problems("unreachable.yaml")


def test_it_reports_a_loop_with_no_exit() -> None:
    assert_problems("no-exit.yaml")


def test_it_reports_a_step_number_used_twice() -> None:
    assert_problems("duplicate-step.yaml")


def test_it_reports_a_decision_with_one_branch() -> None:
    assert_problems("one-branch.yaml")


def test_it_reports_a_return_to_a_later_step() -> None:
    assert_problems("return-later.yaml")


def test_it_reports_a_duplicate_yaml_key() -> None:
    assert_problems("duplicate-key.yaml")


def test_it_reports_a_file_that_is_not_yaml() -> None:
    assert_problems("not-yaml.yaml")


def test_it_reports_a_replacement_on_a_decision() -> None:
    assert_problems("replacement-on-decision.yaml")


def test_it_reports_an_unknown_key() -> None:
    assert_problems("unknown-key.yaml")


def test_it_makes_the_command_print_every_problem_and_exit_1() -> None:
    names = sorted(EXPECTED)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "sop", "validate", *[str(BROKEN / name) for name in names], stdout=out, stderr=err
        )
    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == [line for name in names for line in expected_lines(name)]
    assert out.getvalue() == ""


def test_it_makes_the_command_exit_1_when_one_file_of_several_is_broken() -> None:
    paths = [*sorted(LIBRARY.glob("*.yaml")), BROKEN / "unknown-lane.yaml"]
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("sop", "validate", *map(str, paths), stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert err.getvalue().splitlines() == expected_lines("unknown-lane.yaml")


def test_it_makes_the_command_accept_the_library() -> None:
    paths = sorted(LIBRARY.glob("*.yaml"))
    assert len(paths) == 5
    out, err = io.StringIO(), io.StringIO()
    call_command("sop", "validate", *map(str, paths), stdout=out, stderr=err)
    assert out.getvalue() == "ok: 5 definition(s) valid\n"
    assert err.getvalue() == ""


def test_it_reuses_a_clean_definition_and_checks_a_broken_one_afresh_in_the_language() -> None:
    text = (LIBRARY / "000-bogor-pemeliharaan-jaringan.yaml").read_text(encoding="utf-8")
    first = load_spec(text, "a.yaml")
    assert load_spec(text, "b.yaml") is first  # parsed once
    assert load_spec(text + "\n# a comment\n", "c.yaml") is not first

    broken = (BROKEN / "unreachable.yaml").read_text(encoding="utf-8")
    messages = []
    for language in ("en", "id", "en"):
        with translation.override(language), pytest.raises(SopInvalid) as refused:
            load_spec(broken, "u.yaml")
        messages.append(str(refused.value))
    assert messages[0] == messages[2]
    assert "step 2 can never be reached" in messages[0]
    assert messages[1] != messages[0]
