"""DNS check: does a DNS server answer a query for a name, with the expected records?"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Collection

import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from jaga.monitoring.probes import (
    ServiceOutcome,
    _check_port,
    _check_timeout,
    _elapsed_ms,
    _timeout_reason,
)
from jaga.monitoring.probes.tcp import os_error_reason


async def check_dns(
    server: str,
    name: str,
    timeout: float,
    *,
    rdtype: str = "A",
    port: int = 53,
    expect: Collection[str] = (),
) -> ServiceOutcome:
    """Ask the DNS server ``server`` (an IPv4 or IPv6 literal, ``port`` 1..65535) for the
    ``rdtype`` records (``"A"``, ``"AAAA"``, ``"MX"``, ``"TXT"``... any type dnspython knows,
    case-insensitive) of ``name``, once over UDP, again over TCP if the answer was truncated.
    ``timeout`` in seconds bounds the whole check.

    Fails on a timeout, a transport error, an rcode other than NOERROR (the reason is its
    name: ``"NXDOMAIN"``, ``"SERVFAIL"``, ``"REFUSED"``), an answer without ``rdtype``
    records (``"empty answer (no A records)"``), or, when ``expect`` is given, an answer
    holding none of the expected values (``"none of 10.0.0.9 in the answer"``). Values are
    compared in presentation form, case-insensitively and without a trailing dot; addresses
    are compared as addresses (``2001:DB8::1`` equals ``2001:db8:0::1``) and TXT records by
    their text without quotes.

    Returns ``rtt_ms``: milliseconds from sending the query to the last answer (both legs
    when TCP was needed), ``None`` without one. ``values``: ``"rcode"`` (e.g.
    ``"NOERROR"``), ``"transport"`` (``"udp"`` or ``"tcp"``), and when records came,
    ``"answers"`` (the records of ``rdtype`` in presentation form, sorted, comma-joined: an
    RRset has no order, so equal answers give equal text) and ``"ttl"``
    (their smallest TTL, seconds).

    Raises ``ValueError`` for a server that is not an IP literal, a bad port or timeout, an
    unknown or query-only record type (AXFR, IXFR, OPT...) or a malformed name.
    """
    _check_timeout(timeout)
    _check_port(port)
    try:
        ipaddress.ip_address(server)
    except ValueError:
        raise ValueError(f"DNS server must be an IP address, not {server!r}") from None
    wanted = _parse_rdtype(rdtype)
    try:
        query = dns.message.make_query(dns.name.from_text(name), wanted)
    except dns.exception.DNSException as error:
        raise ValueError(f"bad DNS name {name!r}: {error}") from error
    wanted_text = dns.rdatatype.to_text(wanted)

    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            response, used_tcp = await dns.asyncquery.udp_with_fallback(
                query, server, timeout=timeout, port=port, ignore_unexpected=True
            )
    except (TimeoutError, dns.exception.Timeout):
        return ServiceOutcome(False, None, _timeout_reason(timeout))
    except OSError as error:
        return ServiceOutcome(False, None, os_error_reason(error))
    except dns.exception.DNSException as error:
        return ServiceOutcome(False, None, f"bad DNS response: {error}")
    rtt_ms = _elapsed_ms(started, time.perf_counter())

    rcode = dns.rcode.to_text(response.rcode())
    values: dict[str, float | int | str] = {
        "rcode": rcode,
        "transport": "tcp" if used_tcp else "udp",
    }
    if response.rcode() != dns.rcode.NOERROR:
        return ServiceOutcome(False, rtt_ms, rcode, values)

    records: list[dns.rdata.Rdata] = []
    ttls: list[int] = []
    for rrset in response.answer:
        if rrset.rdtype == wanted or wanted == dns.rdatatype.ANY:
            records.extend(rrset)
            ttls.append(rrset.ttl)
    if not records:
        return ServiceOutcome(False, rtt_ms, f"empty answer (no {wanted_text} records)", values)
    values["answers"] = ",".join(sorted(record.to_text() for record in records))
    values["ttl"] = min(ttls)

    if expect:
        found = {_canonical(record.rdtype, _text(record)) for record in records}
        if not any(_canonical(wanted, value) in found for value in expect):
            listed = ", ".join(expect)
            return ServiceOutcome(False, rtt_ms, f"none of {listed} in the answer", values)
    return ServiceOutcome(True, rtt_ms, None, values)


def _parse_rdtype(rdtype: str) -> dns.rdatatype.RdataType:
    """The record type named ``rdtype``, or ``ValueError`` if unknown or not queryable."""
    try:
        wanted = dns.rdatatype.from_text(rdtype.strip().upper())
    except dns.exception.DNSException as error:
        raise ValueError(f"unknown DNS record type {rdtype!r}") from error
    if dns.rdatatype.is_metatype(wanted) and wanted != dns.rdatatype.ANY:
        raise ValueError(f"DNS record type {rdtype!r} cannot be checked with a query")
    return wanted


def _text(record: dns.rdata.Rdata) -> str:
    """A record's text: TXT strings joined without quotes, else its presentation form."""
    if isinstance(record, dns.rdtypes.ANY.TXT.TXT):
        return b"".join(record.strings).decode("utf-8", errors="replace")
    return record.to_text()


def _canonical(rdtype: dns.rdatatype.RdataType, text: str) -> str:
    """``text`` made comparable: addresses normalised, else lower case without a final
    dot (TXT keeps its case)."""
    text = text.strip()
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            return text.lower()
    if rdtype == dns.rdatatype.TXT:
        return text.removeprefix('"').removesuffix('"')
    return text.lower().removesuffix(".")
