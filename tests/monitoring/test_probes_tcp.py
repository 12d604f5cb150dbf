"""The TCP service probe, against loopback servers only."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from jaga.monitoring.probes import ServiceOutcome, check_tcp
from tests.monitoring.helpers import run
from tests.monitoring.probe_servers import closed_port, full_tcp_server, tcp_server


def test_it_reports_an_accepted_connection_with_its_time() -> None:
    async def scenario() -> tuple[ServiceOutcome, list[str]]:
        async with tcp_server() as (port, peers):
            return await check_tcp("127.0.0.1", port, 2.0), peers

    outcome, peers = run(scenario())

    assert outcome.ok
    assert outcome.reason is None
    assert outcome.rtt_ms is not None
    assert 0 < outcome.rtt_ms < 1000
    assert outcome.values == {"address": "127.0.0.1"}
    assert peers == ["127.0.0.1"]  # the server really saw the connection


def test_it_tries_every_address_of_a_host_name() -> None:
    # "localhost" may resolve to ::1 first, where nothing listens: 127.0.0.1 then accepts.
    async def scenario() -> ServiceOutcome:
        async with tcp_server() as (port, _peers):
            return await check_tcp("localhost", port, 2.0)

    outcome = run(scenario())

    assert outcome.ok
    assert outcome.values["address"] == "127.0.0.1"


def test_it_reports_refused_connection() -> None:
    outcome = run(check_tcp("127.0.0.1", closed_port(), 2.0))

    assert outcome == ServiceOutcome(False, None, "connection refused")


def test_it_reports_a_timeout_when_the_handshake_never_ends() -> None:
    async def scenario() -> tuple[ServiceOutcome, float]:
        async with full_tcp_server() as port:
            started = time.perf_counter()
            outcome = await check_tcp("127.0.0.1", port, 0.3)
            return outcome, time.perf_counter() - started

    outcome, elapsed = run(scenario())

    assert outcome == ServiceOutcome(False, None, "timeout after 0.3 s")
    assert 0.25 < elapsed < 1.0


def test_it_reports_a_name_that_does_not_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    # No resolver is asked: the lookup fails as the system's would for an unknown name.
    def unknown(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)

    outcome = run(check_tcp("server.invalid", 80, 1.0))

    assert not outcome.ok
    assert outcome.rtt_ms is None
    assert outcome.reason == "cannot resolve host: Name or service not known"


@pytest.mark.parametrize(
    ("port", "timeout"), [(0, 1.0), (65536, 1.0), (-1, 1.0), (80, 0.0), (80, -2.0)]
)
def test_it_rejects_invalid_arguments(port: int, timeout: float) -> None:
    with pytest.raises(ValueError, match=r"port|timeout"):
        run(check_tcp("127.0.0.1", port, timeout))
