"""The SNMP service probe, against a pysnmp command responder on loopback (v2c and v3)."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from jaga.monitoring.probes import (
    ServiceOutcome,
    check_snmp,
    close_snmp_engine,
    snmp_engine,
)
from tests.monitoring.helpers import run
from tests.monitoring.probe_servers import (
    COMMUNITY,
    AgentState,
    closed_port,
    snmp_agent,
)

SHA_AES: dict[str, Any] = {
    "version": "3",
    "user": "jaga-sha-aes",
    "auth_protocol": "sha",
    "auth_key": "kunci-auth-1",
    "priv_protocol": "aes",
    "priv_key": "kunci-priv-1",
}


def against_agent(
    probe: Callable[[int], Coroutine[Any, Any, ServiceOutcome]],
    prepare: Callable[[AgentState], None] = lambda state: None,
) -> tuple[ServiceOutcome, AgentState]:
    """Start the agent, let ``prepare`` change what it serves, run ``probe(port)``."""

    async def scenario() -> tuple[ServiceOutcome, AgentState]:
        async with snmp_agent() as (port, state):
            prepare(state)
            return await probe(port), state

    return run(scenario())


def test_it_reads_uptime_and_interfaces_over_v2c() -> None:
    outcome, state = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[1])
    )

    assert outcome.ok
    assert outcome.reason is None
    assert outcome.rtt_ms is not None
    assert outcome.rtt_ms > 0
    assert outcome.values == {"sysuptime_s": 1234.56, "if_1_oper": "up"}
    assert state.requests == 1  # one GET for every OID, no retry


def test_it_reports_a_down_interface() -> None:
    outcome, _ = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[1, 2])
    )

    assert not outcome.ok
    assert outcome.reason == "interface 2 is down"
    assert outcome.values == {"sysuptime_s": 1234.56, "if_1_oper": "up", "if_2_oper": "down"}
    assert outcome.rtt_ms is not None


def test_it_names_other_oper_statuses() -> None:
    def lower_layer_down(state: AgentState) -> None:
        state.if_status[3] = 7

    outcome, _ = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[3]),
        lower_layer_down,
    )

    assert outcome.reason == "interface 3 is lowerLayerDown"
    assert outcome.values["if_3_oper"] == "lowerLayerDown"


def test_it_reports_a_missing_interface() -> None:
    outcome, _ = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[9])
    )

    assert outcome.reason == "interface 9 not found"
    assert outcome.values == {"sysuptime_s": 1234.56, "if_9_oper": "absent"}


def test_it_splits_many_interfaces_over_several_requests() -> None:
    interfaces = list(range(1, 51))  # 51 OIDs with sysUpTime: two GETs of up to 40

    outcome, state = against_agent(
        lambda port: check_snmp(
            "127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=interfaces
        )
    )

    assert state.requests == 2
    assert outcome.values["if_1_oper"] == "up"
    assert outcome.values["if_50_oper"] == "absent"
    assert str(outcome.reason).startswith("interface 2 is down; interface 3 not found; ")


def test_a_wrong_community_times_out() -> None:
    # Agents do not answer a community they do not know.
    outcome, state = against_agent(
        lambda port: check_snmp("127.0.0.1", 0.4, port=port, community="tebakan")
    )

    assert outcome == ServiceOutcome(False, None, "timeout after 0.4 s")
    assert state.requests == 0


def test_it_times_out_without_an_agent() -> None:
    async def scenario() -> ServiceOutcome:
        try:
            return await check_snmp("127.0.0.1", 0.4, port=closed_port())
        finally:
            close_snmp_engine()

    assert run(scenario()) == ServiceOutcome(False, None, "timeout after 0.4 s")


def test_it_reports_a_name_that_does_not_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    # No resolver is asked: the lookup fails as the system's would for an unknown name.
    def unknown(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)

    async def scenario() -> ServiceOutcome:
        try:
            return await check_snmp("switch.invalid", 1, community=COMMUNITY)
        finally:
            close_snmp_engine()

    outcome = run(scenario())

    assert outcome == ServiceOutcome(False, None, "cannot resolve host: Name or service not known")


def test_it_reports_an_snmp_error_status() -> None:
    def failing(state: AgentState) -> None:
        state.gen_err = True

    outcome, _ = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[1]),
        failing,
    )

    assert not outcome.ok
    assert outcome.reason == "SNMP error genErr at 1.3.6.1.2.1.1.3.0"
    assert outcome.rtt_ms is not None


def test_it_reads_over_v3_auth_priv_with_sha_and_aes() -> None:
    outcome, state = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, interfaces=[1], **SHA_AES)
    )

    assert outcome.ok
    assert outcome.values == {"sysuptime_s": 1234.56, "if_1_oper": "up"}
    assert state.requests == 1  # engine discovery is answered by USM, not by the MIB


@pytest.mark.parametrize(
    "credentials",
    [
        {"user": "jaga-sha256", "auth_protocol": "sha256", "auth_key": "kunci-auth-2"},
        {
            "user": "jaga-md5-des",
            "auth_protocol": "md5",
            "auth_key": "kunci-auth-3",
            "priv_protocol": "des",
            "priv_key": "kunci-priv-3",
        },
    ],
    ids=["authNoPriv-sha256", "authPriv-md5-des"],
)
def test_it_reads_over_v3_with_other_protocols(credentials: dict[str, Any]) -> None:
    outcome, _ = against_agent(
        lambda port: check_snmp("127.0.0.1", 2, port=port, version="3", **credentials)
    )

    assert outcome.ok
    assert outcome.values == {"sysuptime_s": 1234.56}


def test_it_reports_a_wrong_v3_key() -> None:
    wrong = {**SHA_AES, "auth_key": "kunci-salah"}

    outcome, state = against_agent(lambda port: check_snmp("127.0.0.1", 2, port=port, **wrong))

    assert not outcome.ok
    assert outcome.reason == "authentication failed (wrong auth key or protocol)"
    assert outcome.rtt_ms is not None  # the agent answered with a report
    assert state.requests == 0


def test_it_reports_an_unknown_v3_user() -> None:
    stranger = {**SHA_AES, "user": "penyusup"}

    outcome, _ = against_agent(lambda port: check_snmp("127.0.0.1", 2, port=port, **stranger))

    assert outcome.reason == "unknown SNMPv3 user"


def test_it_says_when_privacy_lacks_its_crypto_library(monkeypatch: pytest.MonkeyPatch) -> None:
    # pysnmp encrypts with the cryptography package and reports its absence this way.
    from pysnmp.proto.secmod.rfc3826.priv import aes  # type: ignore[import-untyped]

    monkeypatch.setattr(aes, "PysnmpCryptoError", True)

    outcome, state = against_agent(lambda port: check_snmp("127.0.0.1", 2, port=port, **SHA_AES))

    assert not outcome.ok
    assert outcome.reason == "encryption failed (is the cryptography package installed?)"
    assert state.requests == 0


def test_v3_checks_with_other_keys_for_one_user_do_not_spoil_each_other() -> None:
    # pysnmp keeps one entry per user name: checks with other keys must not overlap.
    async def scenario() -> list[ServiceOutcome]:
        async with snmp_agent() as (port, _state):
            keys = ["kunci-auth-1" if turn % 2 == 0 else "kunci-salah" for turn in range(8)]
            return await asyncio.gather(
                *(
                    check_snmp("127.0.0.1", 2, port=port, **{**SHA_AES, "auth_key": key})
                    for key in keys
                )
            )

    outcomes = run(scenario())

    assert [outcome.ok for outcome in outcomes] == [True, False] * 4
    assert {outcome.reason for outcome in outcomes[1::2]} == {
        "authentication failed (wrong auth key or protocol)"
    }


def test_one_engine_serves_each_event_loop() -> None:
    async def engines() -> tuple[Any, Any, Any]:
        first, again = snmp_engine(), snmp_engine()
        close_snmp_engine()
        after_close = snmp_engine()
        close_snmp_engine()
        return first, again, after_close

    first, again, after_close = run(engines())
    other_loop, _, _ = run(engines())

    assert first is again
    assert after_close is not first
    assert other_loop is not first


def test_it_needs_no_mib_compiler() -> None:
    # Numeric OIDs and no MIB lookup of answers: nothing to compile, nothing to download.
    async def scenario() -> Any:
        async with snmp_agent() as (port, _state):
            engine = snmp_engine()
            await check_snmp("127.0.0.1", 2, port=port, community=COMMUNITY, interfaces=[1])
            return engine

    engine = run(scenario())

    builder = engine.cache["mibViewController"].mibBuilder
    assert builder.get_mib_compiler() is None
    assert "IF-MIB" not in builder.mibSymbols
    assert "pysmi" not in sys.modules


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 0}, "port"),
        ({"version": "1"}, "version"),
        ({"community": ""}, "community"),
        ({"interfaces": [0]}, "interface index"),
        ({"interfaces": [True]}, "interface index"),
        ({"version": "3"}, "user name"),
        ({"version": "3", "user": "u", "auth_key": "kunci-auth-1"}, "go together"),
        ({"version": "3", "user": "u", "auth_protocol": "sha"}, "go together"),
        ({"version": "3", "user": "u", "auth_protocol": "sha", "auth_key": "pendek"}, "8"),
        ({"version": "3", "user": "u", "priv_protocol": "aes", "priv_key": "kunci-priv"}, "auth"),
        ({"version": "3", "user": "u", "auth_protocol": "sha1", "auth_key": "x" * 8}, "unknown"),
    ],
)
def test_it_rejects_invalid_arguments(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(check_snmp("127.0.0.1", 2, **options))
