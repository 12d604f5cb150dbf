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
SO_RXQ_OVFL = 40  # <asm-generic/socket.h>: recvmsg reports the socket's dropped datagrams
#: Bytes asked for an ICMP socket's receive buffer (issue 19: a burst of replies to
#: thousands of probes overflowed 4 MiB, and a dropped reply is an answered probe reported
#: lost). The kernel doubles it for its bookkeeping; without root it is capped at
#: ``net.core.rmem_max``.
RECEIVE_BUFFER = 8 * 1024 * 1024
#: Ancillary bytes to ask ``recvmsg`` for: room for the ``SO_RXQ_OVFL`` counter (a uint32).
DROPS_SPACE = socket.CMSG_SPACE(4)


class IcmpSocket(Protocol):
    """The part of ``socket.socket`` the engine uses (tests pass fakes)."""

    def fileno(self) -> int: ...

    def sendto(self, data: bytes, address: tuple[str, int], /) -> int: ...

    def recvfrom(self, bufsize: int, /) -> tuple[bytes, Any]: ...

    def recvmsg(
        self, bufsize: int, ancbufsize: int, /
    ) -> tuple[bytes, list[tuple[int, int, bytes]], int, Any]: ...

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
    raised to ``receive_buffer`` bytes (beyond ``net.core.rmem_max`` when root; a refusal
    is not an error) and the socket reports its drops to ``recvmsg`` (``report_drops``;
    ``SO_RXQ_OVFL`` where the system has it). Raw sockets
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


def size_receive_buffer(sock: socket.socket, size: int) -> int:
    """Ask for a receive buffer of ``size`` bytes on ``sock``: ``SO_RCVBUFFORCE`` (root or
    CAP_NET_ADMIN may pass ``net.core.rmem_max``), else ``SO_RCVBUF`` (capped by the
    kernel); a refusal of both is not an error. Returns the size the kernel reports (bytes,
    twice what it grants, as Linux counts its overhead)."""
    for option in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, size)
            break
        except OSError:
            continue
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)


def report_drops(sock: socket.socket) -> bool:
    """Enable ``SO_RXQ_OVFL`` on ``sock``: from then on each datagram ``recvmsg`` returns
    after the kernel dropped some for a full receive buffer carries the socket's
    cumulative count of drops (``read_drops``). Returns False where the system refuses it
    (not Linux), which is not an error."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
    except OSError:
        return False
    return True


def read_drops(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    """The socket's cumulative number of datagrams dropped for a full receive buffer, from
    the ancillary data of one ``recvmsg`` (``report_drops``), or None when it carries none
    (the kernel adds it only once something was dropped)."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(data) >= 4:
            return int(struct.unpack_from("=I", data)[0])
    return None


def _configure(
    sock: socket.socket, family: int, kind: Literal["raw", "datagram"], receive_buffer: int
) -> IcmpChannel:
    sock.setblocking(False)
    size_receive_buffer(sock, receive_buffer)
    report_drops(sock)
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
