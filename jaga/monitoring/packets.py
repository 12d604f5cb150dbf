"""ICMP and ICMPv6 echo packets: the internet checksum, building echo messages and parsing
what an ICMP socket receives (echo replies, and errors that quote one of our requests).

Pure functions on ``bytes``; no sockets here (the engine is ``jaga.monitoring.icmp``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

ICMP_ECHO_REPLY = 0
ICMP_DEST_UNREACH = 3
ICMP_ECHO_REQUEST = 8
ICMP_TIME_EXCEEDED = 11
ICMPV6_DEST_UNREACH = 1
ICMPV6_TIME_EXCEEDED = 3
ICMPV6_ECHO_REQUEST = 128
ICMPV6_ECHO_REPLY = 129

IPPROTO_ICMP = 1
IPPROTO_ICMPV6 = 58

HEADER = struct.Struct("!BBHHH")  # type, code, checksum, identifier, sequence
"""The 8-byte ICMP echo header, network byte order."""

_ERRORS_V4 = {ICMP_DEST_UNREACH: "destination unreachable", ICMP_TIME_EXCEEDED: "time exceeded"}
_ERRORS_V6 = {ICMPV6_DEST_UNREACH: "destination unreachable", ICMPV6_TIME_EXCEEDED: "time exceeded"}


def ones_complement_sum(data: bytes) -> int:
    """The RFC 1071 one's complement sum of ``data`` as big-endian 16-bit words, folded to
    16 bits (0..0xFFFF), not complemented. An odd length is padded with one zero byte."""
    if len(data) % 2:
        data += b"\x00"
    return fold(sum(struct.unpack(f"!{len(data) // 2}H", data)))


def fold(total: int) -> int:
    """Fold the carries of a one's complement sum into 16 bits (0..0xFFFF)."""
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def internet_checksum(data: bytes) -> int:
    """The internet checksum (RFC 1071) of ``data``: the complement of its one's complement
    sum, 0..0xFFFF. A packet whose checksum field is filled in sums to a checksum of 0."""
    return ~ones_complement_sum(data) & 0xFFFF


def build_echo(
    identifier: int, sequence: int, payload: bytes, *, ipv6: bool = False, reply: bool = False
) -> bytes:
    """An ICMP echo request (or, with ``reply=True``, an echo reply): the 8-byte header then
    ``payload``. ``identifier`` and ``sequence`` are 0..65535 (else ``struct.error``).

    IPv4 messages carry their checksum. ICMPv6 ones carry 0 in the checksum field: the
    checksum covers the IPv6 pseudo-header, and Linux always computes it for ICMPv6 sockets.
    """
    if ipv6:
        kind = ICMPV6_ECHO_REPLY if reply else ICMPV6_ECHO_REQUEST
        return HEADER.pack(kind, 0, 0, identifier, sequence) + payload
    kind = ICMP_ECHO_REPLY if reply else ICMP_ECHO_REQUEST
    checksum = internet_checksum(HEADER.pack(kind, 0, 0, identifier, sequence) + payload)
    return HEADER.pack(kind, 0, checksum, identifier, sequence) + payload


def ipv4_header(source: str, destination: str, payload_length: int, *, ttl: int = 64) -> bytes:
    """A minimal 20-byte IPv4 header of an ICMP datagram (protocol 1), as a raw IPv4
    socket delivers it in front of the ICMP message. Used to build received packets in tests
    and error quotations; the header checksum is computed."""
    header = struct.pack(
        "!BBHHHBBH4s4s",
        0x45,
        0,
        20 + payload_length,
        0,
        0,
        ttl,
        IPPROTO_ICMP,
        0,
        socket.inet_aton(source),
        socket.inet_aton(destination),
    )
    checksum = internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:]


@dataclass(frozen=True, slots=True)
class IcmpMessage:
    """What an ICMP socket received that may answer one of our echo requests.

    - ``address``: the probed address: the sender of an echo reply, or the destination of
      the echo request that an error message quotes (textual IP address).
    - ``identifier``, ``sequence``: the echo's identifier and sequence number (0..65535).
    - ``payload``: the echo reply's data (``b""`` for errors).
    - ``error``: ``None`` for an echo reply, else a reason such as
      ``"destination unreachable (code 1) from 192.0.2.1"``.
    """

    address: str
    identifier: int
    sequence: int
    payload: bytes
    error: str | None = None


def parse_message(
    packet: bytes, *, source: str, ipv6: bool = False, ip_header: bool = False
) -> IcmpMessage | None:
    """Parse what one ``recvmsg`` (or ``recvfrom``) returned on an ICMP socket.

    ``source`` is the sender's address it returned. ``ip_header`` is True when the
    packet starts with the IPv4 header (IPv4 raw sockets); IPv6 raw sockets and datagram
    ("ping") sockets deliver the ICMP message alone. Returns an ``IcmpMessage`` for an echo
    reply (IPv4: only if its checksum is right) or for a destination-unreachable or
    time-exceeded error quoting an echo request; ``None`` for anything else or anything
    truncated. Never raises on malformed input.
    """
    offset = 0
    if ip_header:
        if len(packet) < 20 or packet[0] >> 4 != 4:
            return None
        offset = (packet[0] & 0x0F) * 4
    if len(packet) < offset + HEADER.size:
        return None
    kind, code, _checksum, identifier, sequence = HEADER.unpack_from(packet, offset)
    if kind == (ICMPV6_ECHO_REPLY if ipv6 else ICMP_ECHO_REPLY):
        if code != 0:
            return None
        message = packet[offset:] if offset else packet
        if not ipv6 and ones_complement_sum(message) != 0xFFFF:
            return None
        return IcmpMessage(source, identifier, sequence, message[HEADER.size :])
    names = _ERRORS_V6 if ipv6 else _ERRORS_V4
    if kind not in names:
        return None
    quoted = offset + HEADER.size
    reason = f"{names[kind]} (code {code}) from {source}"
    return (
        _parse_quoted_v6(packet, quoted, reason)
        if ipv6
        else _parse_quoted_v4(packet, quoted, reason)
    )


def _parse_quoted_v4(packet: bytes, at: int, reason: str) -> IcmpMessage | None:
    """The echo request that an ICMPv4 error quotes: its IPv4 header, then >= 8 bytes."""
    if len(packet) < at + 20 or packet[at] >> 4 != 4 or packet[at + 9] != IPPROTO_ICMP:
        return None
    inner = at + (packet[at] & 0x0F) * 4
    if len(packet) < inner + HEADER.size or packet[inner] != ICMP_ECHO_REQUEST:
        return None
    _kind, _code, _checksum, identifier, sequence = HEADER.unpack_from(packet, inner)
    destination = socket.inet_ntop(socket.AF_INET, packet[at + 16 : at + 20])
    return IcmpMessage(destination, identifier, sequence, b"", reason)


def _parse_quoted_v6(packet: bytes, at: int, reason: str) -> IcmpMessage | None:
    """The echo request that an ICMPv6 error quotes: its 40-byte IPv6 header (extension
    headers are not followed), then >= 8 bytes."""
    inner = at + 40
    if len(packet) < inner + HEADER.size or packet[at] >> 4 != 6:
        return None
    if packet[at + 6] != IPPROTO_ICMPV6 or packet[inner] != ICMPV6_ECHO_REQUEST:
        return None
    _kind, _code, _checksum, identifier, sequence = HEADER.unpack_from(packet, inner)
    destination = socket.inet_ntop(socket.AF_INET6, packet[at + 24 : at + 40])
    return IcmpMessage(destination, identifier, sequence, b"", reason)
