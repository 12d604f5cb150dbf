"""Loopback servers for the service-probe tests: TCP, HTTP(S), DNS and an SNMP agent.

Every server listens on 127.0.0.1 on an ephemeral port and runs in the event loop of the
test that starts it (an async context manager yielding what the test needs). Tests run
their coroutines with ``run()``: in a thread of its own, as the browser tests' Playwright
keeps an event loop running in the main thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import ssl
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import trustme
from pysnmp.carrier.asyncio.dgram import udp  # type: ignore[import-untyped]
from pysnmp.entity import config, engine  # type: ignore[import-untyped]
from pysnmp.entity.rfc3413 import cmdrsp, context  # type: ignore[import-untyped]
from pysnmp.proto import rfc1902, rfc1905  # type: ignore[import-untyped]
from pysnmp.smi import error as smi_error  # type: ignore[import-untyped]
from pysnmp.smi import instrum

from jaga.monitoring.probes import close_snmp_engine

T = TypeVar("T")
LOOPBACK = "127.0.0.1"


def closed_port() -> int:
    """A loopback TCP port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port


# --- TCP ---------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def tcp_server() -> AsyncIterator[tuple[int, list[str]]]:
    """A TCP server that accepts and closes; yields its port and a log of the peers seen."""
    peers: list[str] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(str(writer.get_extra_info("peername")[0]))
        writer.close()

    server = await asyncio.start_server(accept, LOOPBACK, 0)
    try:
        yield server.sockets[0].getsockname()[1], peers
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def full_tcp_server() -> AsyncIterator[int]:
    """A TCP port that never completes a handshake: its listener (backlog 0) is never
    accepted from and its queue is filled first, so the kernel drops further SYNs and a
    connect hangs until the caller gives up. Yields the port."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        listener.bind((LOOPBACK, 0))
        listener.listen(0)
        port: int = listener.getsockname()[1]
        for _filler in range(2):
            filler = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            filler.settimeout(0.2)
            with contextlib.suppress(OSError):
                filler.connect((LOOPBACK, port))
        yield port


# --- HTTP(S) -----------------------------------------------------------------------------

KEYWORD = "Selamat datang"
PAGE = f"<html><body><h1>{KEYWORD} di Diskominfo</h1></body></html>"


@dataclass
class Certificates:
    """A throw-away CA (its PEM at ``ca_file``) and server certificates from it."""

    ca: trustme.CA
    ca_file: str

    def issue(self, days: float, *identities: str) -> trustme.LeafCert:
        """A certificate for ``identities`` (default 127.0.0.1 and localhost) valid from
        ten days ago to ``days`` from now (negative: expired)."""
        now = dt.datetime.now(dt.UTC)
        return self.ca.issue_cert(
            *(identities or (LOOPBACK, "localhost")),
            not_before=now - dt.timedelta(days=10),
            not_after=now + dt.timedelta(days=days),
        )


def certificates(directory: Path) -> Certificates:
    """A new CA whose certificate is written to ``directory``/ca.pem."""
    ca = trustme.CA()
    path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return Certificates(ca, str(path))


async def _http_handler(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, closing: asyncio.Event
) -> None:
    """Answer one HTTP/1.1 request by its path, then close."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    path = head.split(b" ", 2)[1].decode("ascii", errors="replace")
    headers: dict[str, str] = {"Content-Type": "text/html; charset=utf-8"}
    status, body = "200 OK", PAGE.encode()
    if path == "/hang":  # until the server shuts down
        await closing.wait()
        writer.close()
        return
    if path == "/down":
        status, body = "503 Service Unavailable", b"<html>Sedang pemeliharaan</html>"
    elif path == "/moved":
        status, body = "301 Moved Permanently", b""
        headers["Location"] = "https://portal.example.go.id/"
    elif path == "/big":  # the keyword only after the first MiB
        body = b"x" * (1024 * 1024) + PAGE.encode()
    elif path == "/latin1":
        headers["Content-Type"] = "text/html; charset=iso-8859-1"
        body = "<p>Kafé Dinas</p>".encode("iso-8859-1")
    headers["Content-Length"] = str(len(body))
    headers["Connection"] = "close"
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def http_server(certificate: trustme.LeafCert | None = None) -> AsyncIterator[int]:
    """An HTTP server (HTTPS with ``certificate``) on loopback; yields its port.

    Paths: ``/`` 200 with ``KEYWORD``, ``/down`` 503, ``/moved`` 301, ``/big`` the keyword
    after 1 MiB of filler, ``/latin1`` an ISO-8859-1 page, ``/hang`` never answers."""
    tls = None
    if certificate is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(tls)
    closing = asyncio.Event()
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            await _http_handler(reader, writer, closing)
        finally:
            handlers.discard(task)

    server = await asyncio.start_server(handle, LOOPBACK, 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        closing.set()
        server.close()
        if handlers:
            await asyncio.wait(list(handlers), timeout=1)
        await server.wait_closed()


# --- DNS ---------------------------------------------------------------------------------

PORTAL = "portal.example.go.id."
PORTAL_ADDRESSES = ("10.1.2.3", "10.1.2.4")


@dataclass
class DnsResponder(asyncio.DatagramProtocol):
    """A tiny authoritative-looking DNS server: A records of ``PORTAL``; ``alias.`` a CNAME
    without addresses; ``broken.`` SERVFAIL; ``big.`` truncated over UDP, whole over TCP;
    anything else NXDOMAIN. ``silent`` makes it drop every query (for timeouts)."""

    silent: bool = False
    queries: list[str] = field(default_factory=list)
    transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Python 3.11's selector datagram transport does not subclass DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = self.answer(data, over_tcp=False)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def answer(self, data: bytes, *, over_tcp: bool) -> bytes | None:
        """The wire reply to the wire query ``data`` (None: stay silent)."""
        if self.silent:
            return None
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().lower()
        self.queries.append(f"{'tcp' if over_tcp else 'udp'} {name}")
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name == PORTAL and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(PORTAL, 300, "IN", "A", *PORTAL_ADDRESSES))
        elif name == PORTAL:
            pass  # NOERROR, no records of that type (NODATA)
        elif name == "alias.example.go.id.":
            response.answer.append(
                dns.rrset.from_text(name, 60, "IN", "CNAME", "nowhere.example.go.id.")
            )
        elif name == "broken.example.go.id.":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name == "big.example.go.id." and not over_tcp:
            response.flags |= dns.flags.TC
        elif name == "big.example.go.id.":
            texts = [f'"record {index:02d} {"x" * 40}"' for index in range(20)]
            response.answer.append(dns.rrset.from_text(name, 120, "IN", "TXT", *texts))
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()


async def _dns_tcp(responder: DnsResponder, port: int) -> asyncio.Server:
    """DNS over TCP for ``responder`` on ``port`` (2-byte length prefix framing)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            (length,) = struct.unpack("!H", await reader.readexactly(2))
            reply = responder.answer(await reader.readexactly(length), over_tcp=True)
            if reply is not None:
                writer.write(struct.pack("!H", len(reply)) + reply)
                await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, LOOPBACK, port)


@contextlib.asynccontextmanager
async def dns_server() -> AsyncIterator[tuple[int, DnsResponder]]:
    """A ``DnsResponder`` on loopback UDP and TCP (same port); yields port and responder."""
    loop = asyncio.get_running_loop()
    for _attempt in range(20):  # the UDP port's TCP twin may be taken: try another
        transport, responder = await loop.create_datagram_endpoint(
            DnsResponder, local_addr=(LOOPBACK, 0)
        )
        port: int = transport.get_extra_info("sockname")[1]
        try:
            tcp = await _dns_tcp(responder, port)
        except OSError:
            transport.close()
            continue
        try:
            yield port, responder
        finally:
            transport.close()
            tcp.close()
            await tcp.wait_closed()
        return
    raise RuntimeError("no loopback port free for both UDP and TCP")


# --- SNMP --------------------------------------------------------------------------------

COMMUNITY = "jaga-ro"
UPTIME_TICKS = 123456  # sysUpTime of the agent: 1234.56 s
IF_STATUS = {1: 1, 2: 2}  # ifIndex -> ifOperStatus: 1 up, 2 down
V3_USERS = {  # user -> (auth protocol, auth key, privacy protocol, privacy key)
    "jaga-sha-aes": ("sha", "kunci-auth-1", "aes", "kunci-priv-1"),
    "jaga-sha256": ("sha256", "kunci-auth-2", None, ""),
    "jaga-md5-des": ("md5", "kunci-auth-3", "des", "kunci-priv-3"),
}

_AUTH = {"sha": config.USM_AUTH_HMAC96_SHA, "sha256": config.USM_AUTH_HMAC192_SHA256}
_AUTH["md5"] = config.USM_AUTH_HMAC96_MD5
_PRIV = {"aes": config.USM_PRIV_CFB128_AES, "des": config.USM_PRIV_CBC56_DES}


@dataclass
class AgentState:
    """What the agent serves; tests change it while it runs."""

    uptime_ticks: int = UPTIME_TICKS
    if_status: dict[int, int] = field(default_factory=lambda: dict(IF_STATUS))
    gen_err: bool = False  # answer every GET with errorStatus genErr
    requests: int = 0


class _Instrumentation(instrum.AbstractMibInstrumController):  # type: ignore[misc]
    """Serves sysUpTime.0 and ifOperStatus.N from an ``AgentState``, nothing else."""

    def __init__(self, state: AgentState) -> None:
        self.state = state

    def read_variables(self, *var_binds: Any, **context: Any) -> list[tuple[Any, Any]]:
        self.state.requests += 1
        answer: list[tuple[Any, Any]] = []
        for index, (name, _value) in enumerate(var_binds):
            oid = tuple(name)
            if self.state.gen_err:
                raise smi_error.GenError(name=name, idx=index)
            if oid == (1, 3, 6, 1, 2, 1, 1, 3, 0):
                answer.append((name, rfc1902.TimeTicks(self.state.uptime_ticks)))
            elif oid[:-1] == (1, 3, 6, 1, 2, 1, 2, 2, 1, 8) and oid[-1] in self.state.if_status:
                answer.append((name, rfc1902.Integer(self.state.if_status[oid[-1]])))
            else:
                answer.append((name, rfc1905.noSuchInstance))
        return answer


@contextlib.asynccontextmanager
async def snmp_agent() -> AsyncIterator[tuple[int, AgentState]]:
    """A pysnmp command responder on loopback UDP answering GETs for v2c (``COMMUNITY``) and
    v3 (``V3_USERS``); yields its port and its ``AgentState``."""
    agent = engine.SnmpEngine()
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind((LOOPBACK, 0))
    port: int = listener.getsockname()[1]
    config.add_transport(agent, udp.DOMAIN_NAME, udp.UdpTransport().open_server_mode(sock=listener))
    config.add_v1_system(agent, "jaga-area", COMMUNITY)
    for user, (auth, auth_key, priv, priv_key) in V3_USERS.items():
        config.add_v3_user(
            agent,
            user,
            _AUTH[auth],
            auth_key,
            _PRIV[priv] if priv else config.USM_PRIV_NONE,
            priv_key or None,
        )
    state = AgentState()
    snmp_context = context.SnmpContext(agent)
    snmp_context.unregister_context_name(b"")
    snmp_context.register_context_name(b"", _Instrumentation(state))
    cmdrsp.GetCommandResponder(agent, snmp_context)
    try:
        yield port, state
    finally:
        close_snmp_engine()  # the client engine the checks made on this loop
        agent.close_dispatcher()
        listener.close()
