"""The HTTP(S) service probe, against loopback servers with throw-away certificates."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from jaga.monitoring.probes import ServiceOutcome, check_http
from jaga.monitoring.probes.http import certificate_not_after
from tests.monitoring.helpers import run
from tests.monitoring.probe_servers import (
    KEYWORD,
    Certificates,
    certificates,
    closed_port,
    http_server,
)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """One throw-away CA for the module (making keys is the slow part)."""
    return certificates(tmp_path_factory.mktemp("ca"))


def served(
    certificate: trustme.LeafCert | None,
    probe: Callable[[int], Coroutine[Any, Any, ServiceOutcome]],
) -> ServiceOutcome:
    """Start a server (HTTPS with ``certificate``), run ``probe(port)`` against it."""

    async def scenario() -> ServiceOutcome:
        async with http_server(certificate) as port:
            return await probe(port)

    return run(scenario())


def test_it_accepts_a_page_with_its_keyword() -> None:
    outcome = served(None, lambda port: check_http(f"http://127.0.0.1:{port}/", 2, keyword=KEYWORD))

    assert outcome.ok
    assert outcome.reason is None
    assert outcome.rtt_ms is not None
    assert outcome.rtt_ms > 0
    assert outcome.values == {"status": 200}  # plain http: no certificate values


def test_it_reports_an_unexpected_status() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/down", 2)

    outcome = served(None, probe)

    assert not outcome.ok
    assert outcome.reason == "HTTP 503 (expected 200-399)"
    assert outcome.values["status"] == 503
    assert outcome.rtt_ms is not None  # it did answer


def test_it_names_the_expected_statuses() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/down", 2, expect_status={200, 204, 201, 301})

    assert served(None, probe).reason == "HTTP 503 (expected 200-201, 204, 301)"


def test_it_does_not_follow_redirects() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/moved", 2)

    outcome = served(None, probe)

    assert outcome.ok  # a 3xx is an answer of the monitored server
    assert outcome.values == {"status": 301, "location": "https://portal.example.go.id/"}


def test_it_fails_a_redirect_when_only_200_is_expected() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/moved", 2, expect_status=(200,))

    assert served(None, probe).reason == "HTTP 301 (expected 200)"


def test_it_reports_a_missing_keyword() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/", 2, keyword="selamat datang")

    outcome = served(None, probe)

    assert not outcome.ok
    assert outcome.reason == "keyword 'selamat datang' not found"  # the search is case-sensitive
    assert outcome.values["status"] == 200


def test_it_reports_every_failed_expectation() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/down", 2, keyword=KEYWORD)

    assert served(None, probe).reason == (
        "HTTP 503 (expected 200-399); keyword 'Selamat datang' not found"
    )


def test_it_searches_only_the_first_mebibyte_of_the_body() -> None:
    def probe(keyword: str) -> Callable[[int], Coroutine[Any, Any, ServiceOutcome]]:
        return lambda port: check_http(f"http://127.0.0.1:{port}/big", 2, keyword=keyword)

    late = served(None, probe(KEYWORD))  # it follows 1 MiB of filler
    early = served(None, probe("xxxx"))

    assert late.reason == f"keyword {KEYWORD!r} not found"
    assert early.ok


def test_it_decodes_the_body_with_its_charset() -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"http://127.0.0.1:{port}/latin1", 2, keyword="Kafé Dinas")

    assert served(None, probe).ok


def test_it_reports_a_timeout_when_the_server_never_answers() -> None:
    async def scenario() -> tuple[ServiceOutcome, float]:
        async with http_server() as port:
            started = time.perf_counter()
            outcome = await check_http(f"http://127.0.0.1:{port}/hang", 0.5)
            return outcome, time.perf_counter() - started

    outcome, elapsed = run(scenario())

    assert outcome == ServiceOutcome(False, None, "timeout after 0.5 s")
    assert 0.45 < elapsed < 1.5


def test_it_reports_refused_connection() -> None:
    outcome = run(check_http(f"http://127.0.0.1:{closed_port()}/", 2))

    assert outcome == ServiceOutcome(False, None, "connection refused")


def test_it_reads_the_certificate_lifetime(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        url = f"https://127.0.0.1:{port}/"
        return check_http(url, 2, keyword=KEYWORD, cert_min_days=14, ca_file=certs.ca_file)

    outcome = served(certs.issue(100), probe)

    assert outcome.ok
    assert outcome.values["status"] == 200
    assert outcome.values["cert_days"] == pytest.approx(100, abs=0.01)
    assert str(outcome.values["tls"]).startswith("TLSv1.")
    expires = dt.datetime.fromisoformat(str(outcome.values["cert_not_after"]))
    assert expires - dt.datetime.now(dt.UTC) == pytest.approx(
        dt.timedelta(days=100), abs=dt.timedelta(minutes=1)
    )


def test_it_verifies_the_host_name_localhost_too(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://localhost:{port}/", 2, ca_file=certs.ca_file)

    assert served(certs.issue(100), probe).ok


@pytest.mark.parametrize(
    ("days", "words"), [(3.5, "3 days"), (1.5, "1 day"), (0.5, "less than a day")]
)
def test_it_fails_a_certificate_that_expires_soon(
    certs: Certificates, days: float, words: str
) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        url = f"https://127.0.0.1:{port}/"
        return check_http(url, 2, cert_min_days=14, ca_file=certs.ca_file)

    outcome = served(certs.issue(days), probe)

    assert not outcome.ok
    assert outcome.reason == f"certificate expires in {words} (at least 14 wanted)"
    assert outcome.values["cert_days"] == pytest.approx(days, abs=0.01)
    assert outcome.values["status"] == 200


def test_it_fails_an_expired_certificate(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://127.0.0.1:{port}/", 2, ca_file=certs.ca_file)

    outcome = served(certs.issue(-2), probe)

    assert outcome == ServiceOutcome(False, None, "certificate expired")


def test_it_fails_an_expired_certificate_even_unverified(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://127.0.0.1:{port}/", 2, verify_tls=False)

    outcome = served(certs.issue(-2.5), probe)

    assert not outcome.ok
    assert outcome.reason == "certificate expired 2 days ago"
    assert outcome.values["cert_days"] == pytest.approx(-2.5, abs=0.01)


def test_it_fails_an_untrusted_certificate(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://127.0.0.1:{port}/", 2)  # the CA is not in certifi's bundle

    outcome = served(certs.issue(100), probe)

    assert not outcome.ok
    assert outcome.rtt_ms is None
    assert outcome.reason == "certificate not trusted: unable to get local issuer certificate"


def test_it_fails_a_certificate_for_another_host(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://127.0.0.1:{port}/", 2, ca_file=certs.ca_file)

    outcome = served(certs.issue(100, "intranet.example.go.id"), probe)

    assert outcome.reason == "certificate does not match the host name"


def test_it_accepts_any_certificate_without_verification(certs: Certificates) -> None:
    def probe(port: int) -> Coroutine[Any, Any, ServiceOutcome]:
        return check_http(f"https://127.0.0.1:{port}/", 2, verify_tls=False, cert_min_days=30)

    outcome = served(certs.issue(100, "intranet.example.go.id"), probe)

    assert outcome.ok
    assert outcome.values["cert_days"] == pytest.approx(100, abs=0.01)


def test_certificate_not_after_reads_both_asn1_time_forms(certs: Certificates) -> None:
    # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050 on.
    for not_after in (dt.datetime(2049, 12, 31, 23, 59, 59), dt.datetime(2051, 6, 1, 8, 30)):
        leaf = certs.ca.issue_cert("127.0.0.1", not_after=not_after.replace(tzinfo=dt.UTC))
        pem = leaf.cert_chain_pems[0].bytes()
        der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
        assert certificate_not_after(der) == not_after.replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "der", [b"", b"\x30\x03\x02\x01", b"\x04\x02ab", b"\x30\x84\xff\xff\xff\xff"]
)
def test_certificate_not_after_refuses_what_is_not_a_certificate(der: bytes) -> None:
    with pytest.raises(ValueError, match=r"truncated|tag|length"):
        certificate_not_after(der)


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("ftp://127.0.0.1/", {}, "scheme"),
        ("127.0.0.1/index.html", {}, "scheme"),
        ("http:///nohost", {}, "host|invalid URL"),
        ("http://127.0.0.1/", {"cert_min_days": 14}, "https"),
        ("http://127.0.0.1/", {"expect_status": ()}, "expect_status"),
        ("http://127.0.0.1/", {"expect_status": (200, 999)}, "expect_status"),
        ("https://127.0.0.1/", {"ca_file": "/nonexistent/ca.pem"}, "CA file"),
    ],
)
def test_it_rejects_invalid_arguments(url: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(check_http(url, 2, **options))


def test_it_rejects_a_bad_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        run(check_http("http://127.0.0.1/", 0))


def test_the_ca_file_is_read_from_disk(tmp_path: Path, certs: Certificates) -> None:
    # A CA bundle that exists but holds no certificate is an invalid argument too.
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate\n")

    with pytest.raises(ValueError, match="CA file"):
        run(check_http("https://127.0.0.1/", 2, ca_file=str(empty)))
