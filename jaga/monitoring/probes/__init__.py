"""Service probes: check one target once over TCP, HTTP(S), DNS or SNMP and say how it went.

Each probe is a coroutine that returns a ``ServiceOutcome`` and never raises for network
problems (refused, timed out, unreachable, bad answer: they become ``ok=False`` with a
``reason``); it raises ``ValueError`` only for invalid arguments (a port out of range, an
unknown URL scheme or record type, a non-positive timeout). No Django here: the monitor
process calls these from its event loop.

- ``check_tcp(host, port, timeout)``: a TCP connection is accepted.
- ``check_http(url, timeout, ...)``: status, keyword in the body, TLS certificate lifetime.
- ``check_dns(server, name, timeout, ...)``: a DNS server answers a query as expected.
- ``check_snmp(host, timeout, ...)``: an SNMP v2c/v3 agent answers; interfaces are up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ServiceOutcome:
    """The result of one service check.

    ``ok`` is True when the service answered as expected. ``rtt_ms`` is the response time in
    milliseconds (``time.perf_counter`` around the exchange; each probe's docstring says
    exactly what it covers), or ``None`` when nothing answered. ``reason`` says why the check
    failed, in short English (``"connection refused"``, ``"HTTP 503 (expected 200)"``,
    ``"timeout after 2 s"``); it is ``None`` when ``ok``. ``values`` holds the facts measured,
    by name, e.g. ``{"status": 200, "cert_days": 87.4}`` or
    ``{"sysuptime_s": 1234.5, "if_2_oper": "down"}``; a failed check keeps what it measured
    before failing.
    """

    ok: bool
    rtt_ms: float | None
    reason: str | None = None
    values: Mapping[str, float | int | str] = field(default_factory=dict)


def _elapsed_ms(started: float, ended: float) -> float:
    """Milliseconds between two ``time.perf_counter()`` readings, to the microsecond."""
    return round((ended - started) * 1000.0, 3)


def _timeout_reason(timeout: float) -> str:
    """The reason of a check that ran out of time: ``"timeout after 2 s"``."""
    return f"timeout after {timeout:g} s"


def _check_timeout(timeout: float) -> None:
    """Raise ``ValueError`` unless ``timeout`` (seconds) is a positive finite number."""
    if not (0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


def _check_port(port: int) -> None:
    """Raise ``ValueError`` unless ``port`` is a TCP/UDP port number, 1..65535."""
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"port must be an integer in 1..65535, not {port!r}")


from jaga.monitoring.probes.dns import check_dns  # noqa: E402 (needs ServiceOutcome above)
from jaga.monitoring.probes.http import check_http  # noqa: E402
from jaga.monitoring.probes.snmp import check_snmp, close_snmp_engine, snmp_engine  # noqa: E402
from jaga.monitoring.probes.tcp import check_tcp  # noqa: E402

__all__ = [
    "ServiceOutcome",
    "check_dns",
    "check_http",
    "check_snmp",
    "check_tcp",
    "close_snmp_engine",
    "snmp_engine",
]
