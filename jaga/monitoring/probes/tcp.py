"""TCP check: does ``host:port`` accept a connection?"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time

from jaga.monitoring.probes import (
    ServiceOutcome,
    _check_port,
    _check_timeout,
    _elapsed_ms,
    _timeout_reason,
)

_CLOSE_WAIT = 0.5  # seconds granted to a polite close (FIN) before giving up on it

_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNRESET: "connection reset",
    errno.ETIMEDOUT: "connection timed out",
    errno.EADDRNOTAVAIL: "address not available",
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted (firewall?)",
}


def os_error_reason(error: OSError) -> str:
    """A short English reason for a socket error: ``"connection refused"``,
    ``"host unreachable"``, ``"cannot resolve host: Name or service not known"``..."""
    if isinstance(error, socket.gaierror):
        return f"cannot resolve host: {error.strerror or error}"
    if error.errno in _ERRNO_REASONS:
        return _ERRNO_REASONS[error.errno]
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return error.strerror or str(error) or type(error).__name__


async def check_tcp(host: str, port: int, timeout: float) -> ServiceOutcome:
    """Open a TCP connection to ``host:port`` and close it at once.

    ``host`` is an IP literal or a host name (resolved with the system resolver; every
    address it has is tried in order until one accepts); ``port`` is 1..65535; ``timeout`` in
    seconds bounds the whole check, name resolution included.

    Returns ``ok=True`` when a connection was accepted, with ``rtt_ms`` the milliseconds the
    TCP handshake of the accepting address took (resolution excluded) and
    ``values={"address": "<IP connected to>"}``. Otherwise ``ok=False``, ``rtt_ms=None`` and a
    ``reason``: ``"connection refused"``, ``"timeout after 2 s"``, ``"host unreachable"``,
    ``"network unreachable"``, ``"cannot resolve host: ..."`` (when several addresses all
    fail, the first address's reason). Raises ``ValueError`` for a bad port or timeout.
    """
    _check_port(port)
    _check_timeout(timeout)
    loop = asyncio.get_running_loop()
    first_error: OSError | None = None
    connected: tuple[str, float, asyncio.StreamWriter] | None = None
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            for _family, _type, _proto, _name, sockaddr in infos:
                address = str(sockaddr[0])
                started = time.perf_counter()
                try:
                    _reader, writer = await asyncio.open_connection(address, port)
                except OSError as error:
                    first_error = first_error or error
                    continue
                connected = address, _elapsed_ms(started, time.perf_counter()), writer
                break
    except TimeoutError:
        return ServiceOutcome(False, None, _timeout_reason(timeout))
    except OSError as error:  # name resolution
        return ServiceOutcome(False, None, os_error_reason(error))
    if connected is not None:
        address, rtt_ms, writer = connected
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(_CLOSE_WAIT):
                await writer.wait_closed()
        return ServiceOutcome(True, rtt_ms, values={"address": address})
    if first_error is None:
        return ServiceOutcome(False, None, f"cannot resolve host: no address for {host}")
    return ServiceOutcome(False, None, os_error_reason(first_error))
