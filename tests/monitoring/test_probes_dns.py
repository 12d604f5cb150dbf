"""The DNS service probe, against a tiny DNS server on loopback (UDP and TCP)."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import pytest

from jaga.monitoring.probes import ServiceOutcome, check_dns
from tests.monitoring.helpers import run
from tests.monitoring.probe_servers import PORTAL, DnsResponder, dns_server


def ask(
    name: str, rdtype: str = "A", expect: Collection[str] = (), timeout: float = 2.0
) -> tuple[ServiceOutcome, DnsResponder]:
    """Query the loopback DNS server once; the outcome and the server (its query log)."""

    async def scenario() -> tuple[ServiceOutcome, DnsResponder]:
        async with dns_server() as (port, responder):
            outcome = await check_dns(
                "127.0.0.1", name, timeout, rdtype=rdtype, port=port, expect=expect
            )
            return outcome, responder

    return run(scenario())


def test_it_reports_the_answers_of_a_name() -> None:
    outcome, responder = ask("portal.example.go.id")

    assert outcome.ok
    assert outcome.reason is None
    assert outcome.rtt_ms is not None
    assert outcome.rtt_ms > 0
    assert outcome.values == {
        "rcode": "NOERROR",
        "transport": "udp",
        "answers": "10.1.2.3,10.1.2.4",
        "ttl": 300,
    }
    assert responder.queries == [f"udp {PORTAL}"]


def test_it_reports_nxdomain() -> None:
    outcome, _ = ask("tidak-ada.example.go.id")

    assert not outcome.ok
    assert outcome.reason == "NXDOMAIN"
    assert outcome.values == {"rcode": "NXDOMAIN", "transport": "udp"}
    assert outcome.rtt_ms is not None  # the server did answer


def test_it_reports_servfail() -> None:
    outcome, _ = ask("broken.example.go.id")

    assert outcome.reason == "SERVFAIL"


def test_it_fails_an_answer_without_records_of_the_type() -> None:
    nodata, _ = ask("portal.example.go.id", "AAAA")
    dangling, _ = ask("alias.example.go.id")  # a CNAME whose target has no address

    assert nodata.reason == "empty answer (no AAAA records)"
    assert dangling.reason == "empty answer (no A records)"
    assert not nodata.ok
    assert not dangling.ok


def test_it_accepts_an_answer_holding_an_expected_value() -> None:
    outcome, _ = ask("portal.example.go.id", "a", expect=["10.9.9.9", "10.1.2.4"])

    assert outcome.ok


def test_it_fails_an_answer_without_the_expected_values() -> None:
    outcome, _ = ask("portal.example.go.id", expect=["10.9.9.9", "10.1.2.5"])

    assert not outcome.ok
    assert outcome.reason == "none of 10.9.9.9, 10.1.2.5 in the answer"
    assert outcome.values["answers"] == "10.1.2.3,10.1.2.4"  # what it got instead


def test_it_falls_back_to_tcp_when_the_udp_answer_is_truncated() -> None:
    wanted = "record 07 " + "x" * 40
    outcome, responder = ask("big.example.go.id", "TXT", expect=[wanted])

    assert outcome.ok
    assert outcome.values["transport"] == "tcp"
    assert str(outcome.values["answers"]).count('"record ') == 20
    assert responder.queries == ["udp big.example.go.id.", "tcp big.example.go.id."]


def test_it_reports_a_timeout_when_the_server_is_silent() -> None:
    async def scenario() -> tuple[ServiceOutcome, float]:
        async with dns_server() as (port, responder):
            responder.silent = True
            started = time.perf_counter()
            outcome = await check_dns("127.0.0.1", "portal.example.go.id", 0.4, port=port)
            return outcome, time.perf_counter() - started

    outcome, elapsed = run(scenario())

    assert outcome == ServiceOutcome(False, None, "timeout after 0.4 s")
    assert 0.35 < elapsed < 1.2


@pytest.mark.parametrize(
    ("server", "name", "options", "message"),
    [
        ("dns.example.go.id", "portal.example.go.id", {}, "IP address"),
        ("127.0.0.1", "portal.example.go.id", {"rdtype": "BOGUS"}, "unknown DNS record type"),
        ("127.0.0.1", "portal.example.go.id", {"rdtype": "AXFR"}, "cannot be checked"),
        ("127.0.0.1", "portal.example.go.id", {"port": 0}, "port"),
        ("127.0.0.1", "a" * 64 + ".example.go.id", {}, "bad DNS name"),
    ],
)
def test_it_rejects_invalid_arguments(
    server: str, name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        run(check_dns(server, name, 2.0, **options))
