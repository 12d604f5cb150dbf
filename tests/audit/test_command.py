"""``jaga audit verify``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jaga.audit.models import Event
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several, tamper

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``jaga audit …``."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_says_ok_for_intact_chains(agency_b: Agency, chain: list[Event]) -> None:
    record_several(agency_b, 1)
    assert run("verify") == (0, "ok: 6 events in 2 chains verified\n", "")


def test_it_verifies_one_agency(agency_b: Agency, chain: list[Event]) -> None:
    record_several(agency_b, 1)
    assert run("verify", "--agency", "beta") == (0, "ok: 1 event in 1 chain verified\n", "")


def test_it_exits_1_naming_a_tampered_event(chain: list[Event]) -> None:
    tamper(chain[3], "actor_label", "penyusup")
    status, out, err = run("verify")
    assert (status, out) == (1, "")
    assert err == (
        f"broken: agency alpha, event #4 (id {chain[3].pk}): hash does not match its contents\n"
    )


def test_it_exits_1_on_another_agencys_broken_chain_only_when_asked(
    agency_b: Agency, chain: list[Event]
) -> None:
    tamper(record_several(agency_b, 2)[0], "after", '{"status": "closed"}')
    assert run("verify", "--agency", "alpha")[0] == 0
    status, _, err = run("verify")
    assert status == 1
    assert err.startswith("broken: agency beta, event #1 ")


def test_it_prints_the_chain_heads_when_asked(chain: list[Event]) -> None:
    status, out, _ = run("verify", "--heads")
    assert status == 0
    assert out.splitlines() == [
        f"agency alpha: #5 {chain[-1].hash}",
        "ok: 5 events in 1 chain verified",
    ]


def test_it_lists_the_known_agencies_for_an_unknown_one(agency_a: Agency, agency_b: Agency) -> None:
    with pytest.raises(CommandError, match=r"no agency 'gamma' \(known: alpha, beta\)"):
        call_command("audit", "verify", "--agency", "gamma")
