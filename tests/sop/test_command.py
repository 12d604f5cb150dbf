"""`jaga sop list|show|load|simulate` on the demo agencies."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jaga.sop.models import SopDefinition
from jaga.sop.services import LIBRARY

pytestmark = pytest.mark.django_db

BOLMUT = LIBRARY / "003-bolmut-maintenance-gangguan-jaringan.yaml"


def sop(*args: str) -> str:
    out = StringIO()
    call_command("sop", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module)."""


def test_it_lists_the_library_templates() -> None:
    output = sop("list")
    for code in (
        "pemeliharaan-jaringan",
        "pemeliharaan-jaringan-internet",
        "pemeliharaan-komponen-jaringan",
        "maintenance-gangguan-jaringan",
        "pemeliharaan-jaringan-berkala",
    ):
        assert code in output


def test_it_shows_the_table_with_lanes_as_columns() -> None:
    lines = sop("show", "maintenance-gangguan-jaringan").splitlines()
    header = lines[1]
    for label in ("Kadis Kom", "Kabid Apt", "OPD Pelap", "Waktu", "Output"):
        assert label in header
    row6 = next(line for line in lines if line.startswith("6 "))
    assert "◇" in row6
    assert "Ya→7" in row6


def test_it_loads_a_new_version_and_leaves_the_same_content_alone(
    demo: None, tmp_path: Path
) -> None:
    assert "unchanged, current is maintenance-gangguan-jaringan v1" in sop(
        "load", str(BOLMUT), "--agency", "bolmut"
    )
    changed = tmp_path / "v2.yaml"
    changed.write_text(BOLMUT.read_text().replace("waktu: 30 Menit", "waktu: 45 Menit", 1))
    assert "loaded maintenance-gangguan-jaringan v2 for bolmut" in sop(
        "load", str(changed), "--agency", "bolmut"
    )
    versions = SopDefinition.objects.filter(agency__slug="bolmut").order_by("version")
    assert [(d.version, d.is_current) for d in versions] == [(1, False), (2, True)]
    assert "* maintenance-gangguan-jaringan      v2" in sop("list", "--agency", "bolmut")


def test_it_refuses_a_definition_naming_positions_the_agency_lacks(demo: None) -> None:
    out = StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("sop", "load", str(BOLMUT), "--agency", "lingga", stdout=out, stderr=out)
    assert caught.value.code == 1
    assert 'agency "lingga" has no position "kadis"' in out.getvalue()
    assert not SopDefinition.objects.filter(
        agency__slug="lingga", code="maintenance-gangguan-jaringan"
    ).exists()


def test_it_simulates_the_replacement_path_on_the_wita_calendar(demo: None) -> None:
    output = sop(
        "simulate",
        "maintenance-gangguan-jaringan",
        "--agency",
        "bolmut",
        "--start",
        "2026-11-20 15:45",
        "--choose",
        "8=diganti",
    )
    assert "(Asia/Makassar)" in output
    assert "   2  Kadis Kominfo" in output
    assert "Fri 20-11 16:15 → Mon 23-11 07:45" in output
    assert "  9a  OPD Pelapor" in output
    assert "   9  Tenaga Teknis Kominfo  decision" in output
    assert output.strip().endswith("13 hours of working time, 16 steps")
    assert "0:00" not in output.splitlines()[-1]


def test_it_simulates_a_return_once(demo: None) -> None:
    output = sop(
        "simulate",
        "maintenance-gangguan-jaringan",
        "--agency",
        "bolmut",
        "--start",
        "2026-11-23 08:00",
        "--choose",
        "12=return:11",
    )
    assert output.count("  11  ") == 2
    assert "return:11" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--choose", "8=dibuang"), "branches are diperbaiki, diganti"),
        (("--choose", "99=ya"), "there is no step 99"),
        (("--choose", "8"), "STEP=BRANCH"),
        (("--choose", "12=return:14"), "return:N"),
    ],
)
def test_it_rejects_bad_choices_with_a_clear_message(
    demo: None, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        sop(
            "simulate",
            "maintenance-gangguan-jaringan",
            "--agency",
            "bolmut",
            "--start",
            "2026-11-23 08:00",
            *args,
        )


def test_it_names_the_known_agencies_for_an_unknown_one(demo: None) -> None:
    with pytest.raises(CommandError, match="known: batam, bogor, bolmut, lingga, pontianak"):
        sop("list", "--agency", "nowhere")


def test_it_simulates_each_site_of_a_round_and_joins_after_the_last(demo: None) -> None:
    output = sop(
        "simulate",
        "pemeliharaan-jaringan-berkala",
        "--agency",
        "batam",
        "--start",
        "2026-11-23 08:00",
        "--sites",
        "2",
        "--choose",
        "8=return:7",
    )
    lines = output.splitlines()
    visits = [line.split()[0] for line in lines[1:-1]]
    assert visits == [
        *["1", "2", "3", "4", "5"],
        *["6/1", "7/1", "7a/1", "6/2", "7/2", "7a/2"],
        "8",
        *["7/1", "7a/1"],
        *["8", "9", "10"],
    ]
    assert lines[-1].endswith("17 steps")


def test_it_refuses_a_round_of_no_sites(demo: None) -> None:
    with pytest.raises(CommandError, match="--sites must be at least 1"):
        sop(
            "simulate",
            "pemeliharaan-jaringan",
            "--agency",
            "bogor",
            "--start",
            "2026-11-23 08:00",
            "--sites",
            "0",
        )


@pytest.mark.parametrize(("branch", "waktu"), [("ringan", "1 hari"), ("berat", "7 hari")])
def test_it_simulates_the_waktu_a_decisions_branch_chose(
    demo: None, branch: str, waktu: str
) -> None:
    output = sop(
        "simulate",
        "pemasangan-access-point",
        "--agency",
        "pontianak",
        "--start",
        "2026-11-23 08:00",
        "--choose",
        f"6={branch}",
    )
    line = next(line for line in output.splitlines() if line.lstrip().startswith("7 "))
    assert f" {waktu} " in line
