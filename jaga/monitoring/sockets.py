"""Opening the ICMP sockets of the engine: raw sockets (CAP_NET_RAW) with a kernel filter,
or unprivileged ping sockets (``net.ipv4.ping_group_range``) as the fallback.

``open_icmp_socket`` returns an ``IcmpChannel``: the socket and how to read what it
receives. Tests give the engine channels around fake sockets (``IcmpSocket``).
"""

from __future__ import annotations

import errno
import socket
import struct
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from jaga.monitoring.packets import (
    ICMP_DEST_UNREACH,
    ICMP_ECHO_REPLY,
    ICMP_TIME_EXCEEDED,
    ICMPV6_DEST_UNREACH,
    ICMPV6_ECHO_REPLY,
    ICMPV6_TIME_EXCEEDED,
)

Mode = Literal["auto", "raw", "datagram"]

SOL_RAW = 255  # Linux <linux/socket.h>; not exported by the socket module
ICMP_FILTER = 1  # <linux/icmp.h>, level SOL_RAW: a bit set drops that ICMP type
ICMP6_FILTER = 1  # <netinet/icmp6.h>, level IPPROTO_ICMPV6: Linux blocks the set bits
SO_RCVBUFFORCE = 33  # <asm-generic/socket.h>: root may exceed net.core.rmem_max
RECEIVE_BUFFER = 4 * 1024 * 1024


class IcmpSocket(Protocol):
    """The part of ``socket.socket`` the engine uses (tests pass fakes)."""

    def fileno(self) -> int: ...

    def sendto(self, data: bytes, address: tuple[str, int], /) -> int: ...

    def recvfrom(self, bufsize: int, /) -> tuple[bytes, Any]: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class IcmpChannel:
    """One open, non-blocking ICMP socket of one address family.

    - ``kind="raw"``: SOCK_RAW; the engine chooses the echo identifier, and IPv4 packets
      arrive with their IPv4 header. Needs CAP_NET_RAW.
    - ``kind="datagram"``: an unprivileged "ping" socket (SOCK_DGRAM, allowed by
      ``net.ipv4.ping_group_range``); the kernel rewrites every request's identifier to the
      socket's local port, given here as ``identifier``, and only delivers replies carrying
      it. ICMP errors are not delivered, so unreachable targets show as timeouts.
    """

    sock: IcmpSocket
    family: int
    kind: Literal["raw", "datagram"]
    identifier: int | None = None

    @property
    def ip_header(self) -> bool:
        """True when received packets start with their IPv4 header (raw IPv4 only)."""
        return self.kind == "raw" and self.family == socket.AF_INET


class IcmpPermissionError(PermissionError):
    """Neither a raw ICMP socket (CAP_NET_RAW) nor a ping socket (the process's group in
    ``net.ipv4.ping_group_range``) may be opened."""


def open_icmp_socket(
    family: int, *, mode: Mode = "auto", receive_buffer: int = RECEIVE_BUFFER
) -> IcmpChannel:
    """Open a non-blocking ICMP socket for ``family`` (``AF_INET`` or ``AF_INET6``).

    ``mode="auto"`` tries a raw socket, then a datagram ping socket. The receive buffer is
    raised to ``receive_buffer`` bytes (beyond ``net.core.rmem_max`` when root). Raw sockets
    get a kernel filter passing only echo replies and the errors that can quote a request.
    Raises ``IcmpPermissionError`` when no allowed kind may be opened, and ``OSError`` (for
    example ``EAFNOSUPPORT`` without IPv6) for other failures.
    """
    ipv6 = family == socket.AF_INET6
    proto = socket.IPPROTO_ICMPV6 if ipv6 else socket.IPPROTO_ICMP
    kinds: list[Literal["raw", "datagram"]] = ["raw", "datagram"] if mode == "auto" else [mode]
    denied: list[str] = []
    for kind in kinds:
        sock_type = socket.SOCK_RAW if kind == "raw" else socket.SOCK_DGRAM
        try:
            sock = socket.socket(family, sock_type, proto)
        except PermissionError as error:
            denied.append(f"{kind}: {error.strerror}")
            continue
        try:
            return _configure(sock, family, kind, receive_buffer)
        except BaseException:
            sock.close()
            raise
    raise IcmpPermissionError(
        errno.EPERM,
        f"cannot open an ICMP socket ({'; '.join(denied)}): run with CAP_NET_RAW, or add the "
        "process's group to net.ipv4.ping_group_range",
    )


def _configure(
    sock: socket.socket, family: int, kind: Literal["raw", "datagram"], receive_buffer: int
) -> IcmpChannel:
    sock.setblocking(False)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, receive_buffer)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    ipv6 = family == socket.AF_INET6
    if kind == "datagram":
        sock.bind(("::", 0) if ipv6 else ("0.0.0.0", 0))
        return IcmpChannel(sock, family, kind, identifier=sock.getsockname()[1])
    if ipv6:
        blocked = [0xFFFFFFFF] * 8
        for kind_v6 in (ICMPV6_ECHO_REPLY, ICMPV6_DEST_UNREACH, ICMPV6_TIME_EXCEEDED):
            blocked[kind_v6 >> 5] &= ~(1 << (kind_v6 & 31))
        sock.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("8I", *blocked))
    else:
        passed = (1 << ICMP_ECHO_REPLY) | (1 << ICMP_DEST_UNREACH) | (1 << ICMP_TIME_EXCEEDED)
        sock.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", ~passed & 0xFFFFFFFF))
    return IcmpChannel(sock, family, kind)
