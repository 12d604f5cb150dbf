"""The agents' protocol (``jaga.monitoring.api``), their tokens (``jaga.monitoring.services``)
and the ``jaga agents``/``jaga agent`` commands: tokens authenticate, an agent sees only its
own checks, results are validated all or nothing and applied in time order (issue 7 item 5).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from jaga.audit.models import Event
from jaga.inventory.models import Device, DeviceAddress, Site
from jaga.monitoring.agent import api_base, assignments_from_json
from jaga.monitoring.api import MAX_BODY_BYTES, MAX_RESULTS
from jaga.monitoring.models import (
    Agent,
    Check,
    CheckKind,
    CheckState,
    Outage,
    ResultHour,
    ResultMinute,
)
from jaga.monitoring.services import (
    MAX_TOKEN_LENGTH,
    agent_for_token,
    create_agent,
    hash_token,
    rotate_token,
)
from jaga.monitoring.spool import Spool
from jaga.tenancy.models import Agency
from tests.conftest import make_agency

pytestmark = pytest.mark.django_db

ASSIGNMENTS = reverse("monitoring_api:assignments")
RESULTS = reverse("monitoring_api:results")
#: A minute boundary ten minutes ago (UNIX seconds): results of the tests fall after it.
T0 = (int(time.time()) // 60 - 10) * 60.0


@dataclass
class Fleet:
    """An agency with a device and four checks: two of ``agent`` (ICMP and TCP), one of it
    but disabled, one of ``other`` agent, one of the server; and ``token`` of ``agent``."""

    agency: Agency
    agent: Agent
    token: str
    other: Agent
    other_token: str
    ping: Check
    tcp: Check
    disabled: Check
    foreign: Check
    server: Check


@pytest.fixture
def fleet() -> Fleet:
    agency = make_agency("alpha")
    site = Site.objects.create(agency=agency, code="kantor", name="Kantor")
    device = Device.objects.create(agency=agency, site=site, name="Router", kind="router")
    DeviceAddress.objects.create(agency=agency, device=device, address="192.0.2.1")
    agent, token = create_agent(agency, "kecamatan-utara", by=None)
    other, other_token = create_agent(agency, "kecamatan-selatan", by=None)

    def check(name: str, kind: str, **fields: Any) -> Check:
        values: dict[str, Any] = {"interval_s": 30, "timeout_s": 2.0, "retries": 2}
        return Check.objects.create(
            agency=agency, name=name, kind=kind, device=device, **(values | fields)
        )

    return Fleet(
        agency=agency,
        agent=agent,
        token=token,
        other=other,
        other_token=other_token,
        ping=check("Ping router", CheckKind.ICMP, agent=agent),
        tcp=check("SSH router", CheckKind.TCP, agent=agent, target="192.0.2.9", port=22),
        disabled=check("Mati", CheckKind.ICMP, agent=agent, enabled=False),
        foreign=check("Ping lain", CheckKind.ICMP, agent=other),
        server=check("Ping server", CheckKind.ICMP),
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_results(token: str, results: Any) -> Any:
    return Client().post(
        RESULTS,
        data=json.dumps({"results": results}),
        content_type="application/json",
        headers=auth(token),
    )


def result(check: Check, at: float, ok: bool = True, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "check": check.pk,
        "at": at,
        "ok": ok,
        "rtt_ms": 1.5 if ok else None,
        "reason": None if ok else "timeout",
    }
    return values | fields


def counted(check: Check) -> int:
    """Every run of ``check`` counted in its minutes."""
    return sum(
        r.n_up + r.n_down + r.n_unreachable + r.n_maintenance
        for r in ResultMinute.objects.filter(monitor_check=check)
    )


# -- tokens --------------------------------------------------------------------------------


def test_it_stores_only_the_hash_of_the_token_and_audits_the_creation(fleet: Fleet) -> None:
    assert fleet.agent.token_sha256 == hash_token(fleet.token)
    assert len(fleet.token) >= 43
    assert fleet.token not in json.dumps(list(Agent.objects.values()), default=str)
    event = Event.objects.get(action="monitor.agent_created", object_id=str(fleet.agent.pk))
    assert event.after == {"name": "kecamatan-utara", "is_active": True}
    assert fleet.token not in json.dumps(event.after)


def test_it_refuses_a_second_agent_of_the_same_name(fleet: Fleet) -> None:
    with pytest.raises(ValidationError):
        create_agent(fleet.agency, " kecamatan-utara ", by=None)
    with pytest.raises(ValidationError):
        create_agent(fleet.agency, "   ", by=None)


@pytest.mark.parametrize("token", ["", "x" * (MAX_TOKEN_LENGTH + 1), "not-a-token"])
def test_it_finds_no_agent_for_an_empty_long_or_unknown_token(fleet: Fleet, token: str) -> None:
    assert agent_for_token(token) is None


def test_it_finds_no_agent_for_the_token_of_an_inactive_one(fleet: Fleet) -> None:
    assert agent_for_token(fleet.token) == fleet.agent
    Agent.objects.filter(pk=fleet.agent.pk).update(is_active=False)
    assert agent_for_token(fleet.token) is None


def test_a_rotated_token_replaces_the_old_one(fleet: Fleet) -> None:
    new = rotate_token(fleet.agent, None)
    assert agent_for_token(fleet.token) is None
    assert agent_for_token(new) == fleet.agent
    assert Event.objects.filter(action="monitor.agent_token_rotated").count() == 1


# -- authentication and methods ------------------------------------------------------------


@pytest.mark.parametrize("url", [ASSIGNMENTS, RESULTS])
@pytest.mark.parametrize("header", [None, "Bearer", "Bearer wrong", "Basic dXNlcjpwYXNz"])
def test_it_answers_401_without_a_valid_token(fleet: Fleet, url: str, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    client = Client()
    if url == RESULTS:
        response = client.post(url, data="{}", content_type="application/json", headers=headers)
    else:
        response = client.get(url, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"error": "missing or invalid agent token"}


def test_it_answers_401_to_a_signed_in_user_without_a_token(fleet: Fleet) -> None:
    client = Client()
    assert client.login(username="alpha.admin", password="rahasia-sekali-123")
    assert client.get(ASSIGNMENTS).status_code == 401


def test_it_answers_405_for_another_method(fleet: Fleet) -> None:
    client = Client()
    assert client.post(ASSIGNMENTS, headers=auth(fleet.token)).status_code == 405
    response = client.get(RESULTS, headers=auth(fleet.token))
    assert response.status_code == 405
    assert response["Allow"] == "POST"


# -- assignments ---------------------------------------------------------------------------


def test_it_assigns_the_agent_its_enabled_checks_only(fleet: Fleet) -> None:
    response = Client().get(ASSIGNMENTS, headers=auth(fleet.token))
    assert response.status_code == 200
    assert response.json() == {
        "agent": "kecamatan-utara",
        "checks": [
            {
                "id": fleet.ping.pk,
                "name": "Ping router",
                "kind": "icmp",
                "address": "192.0.2.1",
                "port": None,
                "params": {},
                "interval_s": 30.0,
                "timeout_s": 2.0,
            },
            {
                "id": fleet.tcp.pk,
                "name": "SSH router",
                "kind": "tcp",
                "address": "192.0.2.9",
                "port": 22,
                "params": {},
                "interval_s": 30.0,
                "timeout_s": 2.0,
            },
        ],
        "reload_s": 60,
    }
    other = Client().get(ASSIGNMENTS, headers=auth(fleet.other_token)).json()
    assert [c["id"] for c in other["checks"]] == [fleet.foreign.pk]


def test_it_records_when_the_agent_was_last_seen(fleet: Fleet) -> None:
    assert fleet.agent.last_seen_at is None
    Client().get(ASSIGNMENTS, headers=auth(fleet.token))
    fleet.agent.refresh_from_db()
    assert fleet.agent.last_seen_at is not None


# -- results -------------------------------------------------------------------------------


def test_it_applies_results_to_the_states_and_the_rollups(fleet: Fleet) -> None:
    batch = [
        result(fleet.ping, T0 + 1, rtt_ms=2.0),
        result(fleet.ping, T0 + 31, rtt_ms=4.0),
        result(fleet.tcp, T0 + 2, ok=False, reason="connection refused"),
    ]
    response = post_results(fleet.token, batch)
    assert response.status_code == 200
    assert response.json() == {"accepted": 3}
    ping = CheckState.objects.get(monitor_check=fleet.ping)
    assert (ping.status, ping.last_ok, ping.last_rtt_ms) == ("up", True, 4.0)
    assert ping.last_at is not None
    assert ping.last_at.timestamp() == T0 + 31
    tcp = CheckState.objects.get(monitor_check=fleet.tcp)
    assert (tcp.fails, tcp.last_ok, tcp.last_reason) == (1, False, "connection refused")
    minute = ResultMinute.objects.get(monitor_check=fleet.ping)
    assert (minute.n_up, minute.rtt_count, minute.rtt_min_ms, minute.rtt_max_ms) == (2, 2, 2, 4)
    assert minute.start.timestamp() == T0
    assert ResultMinute.objects.get(monitor_check=fleet.tcp).n_down == 1
    assert ResultHour.objects.filter(monitor_check=fleet.ping).exists()


def test_it_applies_a_batch_in_time_order(fleet: Fleet) -> None:
    batch = [
        result(fleet.tcp, T0 + 10, ok=False),
        result(fleet.tcp, T0 + 40, ok=False),
        result(fleet.tcp, T0 + 5, ok=True),
    ]
    assert post_results(fleet.token, batch).status_code == 200
    state = CheckState.objects.get(monitor_check=fleet.tcp)
    assert (state.status, state.fails) == ("down", 2)  # up at +5, then two failures
    assert Outage.objects.filter(monitor_check=fleet.tcp, ended_at__isnull=True).count() == 1


def test_a_late_result_counts_in_the_rollups_but_leaves_the_state_alone(fleet: Fleet) -> None:
    assert post_results(fleet.token, [result(fleet.ping, T0 + 120)]).status_code == 200
    late = result(fleet.ping, T0 + 60, ok=False)
    assert post_results(fleet.token, [late]).status_code == 200
    state = CheckState.objects.get(monitor_check=fleet.ping)
    assert (state.last_ok, state.fails) == (True, 0)
    assert state.last_at is not None
    assert state.last_at.timestamp() == T0 + 120
    assert counted(fleet.ping) == 2
    assert ResultMinute.objects.get(monitor_check=fleet.ping, n_down=1).start.timestamp() == T0 + 60


def test_results_of_two_batches_in_one_minute_add_up(fleet: Fleet) -> None:
    for offset in (1, 2, 3):
        assert post_results(fleet.token, [result(fleet.ping, T0 + offset)]).status_code == 200
    assert ResultMinute.objects.get(monitor_check=fleet.ping).n_up == 3


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"check": "1"}, "check"),
        ({"check": True}, "check"),
        ({"at": "now"}, "at"),
        ({"at": None}, "at"),
        ({"at": time.time() + 3600}, "at"),
        ({"at": time.time() - 8 * 86_400}, "at"),
        ({"ok": 1}, "ok"),
        ({"rtt_ms": -1}, "rtt_ms"),
        ({"rtt_ms": "fast"}, "rtt_ms"),
        ({"reason": 5}, "reason"),
        ({"reason": "x" * 301}, "reason"),
        ({"extra": 1}, "extra"),
    ],
)
def test_it_refuses_a_bad_result_and_applies_none(
    fleet: Fleet, bad: dict[str, Any], field: str
) -> None:
    batch = [result(fleet.ping, T0 + 1), result(fleet.ping, T0 + 2) | bad]
    response = post_results(fleet.token, batch)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(1, field)]
    assert not CheckState.objects.exists()
    assert not ResultMinute.objects.exists()


def test_it_refuses_a_result_without_its_required_fields(fleet: Fleet) -> None:
    response = post_results(fleet.token, [{"rtt_ms": 1.0}, "up"])
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {
        (0, "check"),
        (0, "at"),
        (0, "ok"),
        (1, ""),
    }


@pytest.mark.parametrize("which", ["foreign", "server", "disabled"])
def test_it_refuses_results_of_a_check_not_assigned_to_the_agent(fleet: Fleet, which: str) -> None:
    batch = [result(fleet.ping, T0 + 1), result(getattr(fleet, which), T0 + 2)]
    response = post_results(fleet.token, batch)
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 1
    assert not ResultMinute.objects.exists()


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"results": {}}', b'{"other": []}', b"\xff\xfe"]
)
def test_it_refuses_a_body_that_is_not_a_results_object(fleet: Fleet, body: bytes) -> None:
    response = Client().post(
        RESULTS, data=body, content_type="application/json", headers=auth(fleet.token)
    )
    assert response.status_code == 400
    assert "error" in response.json()


def test_it_refuses_more_results_than_a_request_may_carry(fleet: Fleet) -> None:
    batch = [result(fleet.ping, T0 + 1)] * (MAX_RESULTS + 1)
    response = post_results(fleet.token, batch)
    assert response.status_code == 400
    assert not ResultMinute.objects.exists()


def test_it_takes_as_many_results_as_a_request_may_carry(fleet: Fleet) -> None:
    batch = [result(fleet.ping, T0 + i * 0.01) for i in range(MAX_RESULTS)]
    assert post_results(fleet.token, batch).json() == {"accepted": MAX_RESULTS}
    assert counted(fleet.ping) == MAX_RESULTS


def test_it_answers_413_for_a_body_over_the_limit(fleet: Fleet) -> None:
    body = b'{"results": [], "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = Client().post(
        RESULTS, data=body, content_type="application/json", headers=auth(fleet.token)
    )
    assert response.status_code == 413
    assert not ResultMinute.objects.exists()


# -- commands ------------------------------------------------------------------------------


def test_the_agents_command_adds_an_agent_and_prints_its_token_once(fleet: Fleet) -> None:
    out = io.StringIO()
    call_command("agents", "add", "--agency", "alpha", "desa-timur", stdout=out)
    token = out.getvalue().splitlines()[1]
    agent = agent_for_token(token)
    assert agent is not None
    assert agent.name == "desa-timur"
    out = io.StringIO()
    call_command("agents", "rotate", "--agency", "alpha", "desa-timur", stdout=out)
    assert agent_for_token(token) is None
    assert agent_for_token(out.getvalue().splitlines()[1]) == agent
    out = io.StringIO()
    call_command("agents", "list", "--agency", "alpha", stdout=out)
    listed = out.getvalue()
    assert "desa-timur\tactive\tlast seen never\t0 checks" in listed
    assert "kecamatan-utara\tactive\tlast seen never\t3 checks" in listed
    assert token not in listed


def test_the_agents_command_refuses_a_taken_name_and_an_unknown_agent(fleet: Fleet) -> None:
    with pytest.raises(CommandError, match="already has an agent"):
        call_command("agents", "add", "--agency", "alpha", "kecamatan-utara")
    with pytest.raises(CommandError, match="no agent 'nope'"):
        call_command("agents", "rotate", "--agency", "alpha", "nope")
    with pytest.raises(CommandError, match="no agency"):
        call_command("agents", "list", "--agency", "nope")


@pytest.mark.parametrize(
    "server", ["ftp://jaga.example", "jaga.example", "http://", "https://x/?a=1"]
)
def test_the_agent_command_refuses_a_bad_server_url(server: str) -> None:
    with pytest.raises(CommandError, match="--server"):
        call_command("agent", "--server", server, "--token", "t")


def test_the_agent_command_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAGA_AGENT_TOKEN", raising=False)
    with pytest.raises(CommandError, match="token"):
        call_command("agent", "--server", "http://127.0.0.1:9")


# -- the agent's side, without a server ------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "base"),
    [
        ("https://jaga.example.go.id", "https://jaga.example.go.id/api/monitor/v1/"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/monitor/v1/"),
        ("https://pemda.go.id/jaga/", "https://pemda.go.id/jaga/api/monitor/v1/"),
    ],
)
def test_the_agent_finds_the_protocol_under_the_server_url(server: str, base: str) -> None:
    assert api_base(server) == base


def test_the_agent_leaves_out_malformed_checks_and_bounds_the_reload() -> None:
    good = {
        "id": 7,
        "name": "Ping",
        "kind": "icmp",
        "address": "127.0.0.1",
        "port": None,
        "params": {},
        "interval_s": 5,
        "timeout_s": 1,
    }
    bad = [
        good | {"id": "7"},
        good | {"kind": "telnet"},
        good | {"port": 70000},
        good | {"timeout_s": 6},
        good | {"params": []},
        "check",
    ]
    specs, reload_s = assignments_from_json({"checks": [*bad, good], "reload_s": 1})
    assert [(s.id, s.kind, s.interval_s, s.timeout_s) for s in specs] == [(7, "icmp", 5.0, 1.0)]
    assert reload_s == 5.0
    with pytest.raises(ValueError, match="checks"):
        assignments_from_json({"agent": "x"})


def test_the_spool_keeps_the_order_of_its_batches_across_restarts(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    assert spool.append([{"check": 1, "n": i} for i in range(MAX_RESULTS + 1)]) == 2
    (tmp_path / "spool" / "000000000009.jsonl.tmp").write_text("cut short")
    again = Spool(tmp_path / "spool")  # a restart
    again.append([{"check": 1, "n": "last"}])
    names = [path.name for path in again.files()]
    assert names == ["000000000001.jsonl", "000000000002.jsonl", "000000000003.jsonl"]
    assert len(again.read(again.files()[0])) == MAX_RESULTS
    assert again.read(again.files()[2]) == [{"check": 1, "n": "last"}]
    assert not list((tmp_path / "spool").glob("*.tmp"))
    assert (tmp_path / "spool").stat().st_mode & 0o077 == 0
