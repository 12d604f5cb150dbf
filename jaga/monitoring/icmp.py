"""The asyncio ICMP echo engine: one socket per address family, shared by every probe.

``IcmpEngine`` opens one ICMP socket for IPv4 and one for ICMPv6, registers each with the
running event loop (``loop.add_reader``) and keeps an in-flight table keyed by
``(address, identifier, sequence)``. A probe is a future in that table plus a deadline; a
reply, an ICMP error or the deadline resolves it, and every path removes the entry. No task
and no timer handle is created per probe: deadlines wait in one FIFO per timeout value (a FIFO
is sorted by construction) and a single loop timer sweeps them. Sockets are opened by
``jaga.monitoring.sockets`` (re-exported here); packets are built and parsed by
``jaga.monitoring.packets``. Design notes and privileges: docs/monitoring.md.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import random
import socket
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, Self

from jaga.monitoring.packets import (
    HEADER,
    ICMP_ECHO_REQUEST,
    ICMPV6_ECHO_REQUEST,
    fold,
    ones_complement_sum,
    parse_message,
)
from jaga.monitoring.results import EngineCounters, PingResult, ProbeOutcome
from jaga.monitoring.sockets import (
    DROPS_SPACE,
    RECEIVE_BUFFER,
    IcmpChannel,
    IcmpPermissionError,
    IcmpSocket,
    Mode,
    open_icmp_socket,
    read_drops,
)

__all__ = [
    "EngineCounters",
    "IcmpChannel",
    "IcmpEngine",
    "IcmpPermissionError",
    "IcmpSocket",
    "Mode",
    "PingResult",
    "ProbeOutcome",
    "open_icmp_socket",
]

_READ_BATCH = 4096  # datagrams read per readiness callback before yielding to the loop
_ENOBUFS_PAUSE = 0.002  # seconds to wait before sending again after ENOBUFS
_CACHE_LIMIT = 200_000  # parsed addresses kept by an engine

_identifiers_in_use: set[int] = set()


Key = tuple[str, int, int]


class _Probe:
    __slots__ = ("channel", "deadline", "future", "packet", "sent_ns")

    def __init__(
        self,
        future: asyncio.Future[ProbeOutcome],
        channel: _Channel,
        packet: bytes,
        deadline: float,
    ) -> None:
        self.future = future
        self.channel = channel
        self.packet = packet
        self.deadline = deadline  # event-loop time (monotonic seconds)
        self.sent_ns = 0


@dataclass(slots=True, eq=False)
class _Channel:
    open: IcmpChannel
    identifier: int
    ipv6: bool
    base_sum: int  # one's complement sum of the request without its sequence number
    prefix: int  # the request's first header byte (its type)
    backlog: deque[tuple[str, int, int]] = field(default_factory=deque)
    waiting: Literal["", "writable", "timer"] = ""
    drops: int = 0  # the socket's cumulative drops, as its last report said (SO_RXQ_OVFL)


class IcmpEngine:
    """ICMP echo over one socket per address family, for any number of targets.

    Use ``async with IcmpEngine() as engine`` (or ``await start()`` / ``await close()``)
    inside a running event loop. Addresses are IP literals (no DNS); IPv6 is optional:
    without it, IPv6 probes end with a reason instead of raising.

    - ``mode``: ``"auto"`` (raw, else unprivileged ping sockets), ``"raw"``, ``"datagram"``.
    - ``payload_size``: echo data bytes (>= 8; 56 makes the usual 64-byte ICMP message).
    - ``opener``: opens a family's socket (tests pass fakes); default ``open_icmp_socket``.

    Identifiers: on raw sockets every engine uses one 16-bit identifier, the process id
    mixed with random bits and unique within the process; the data starts with an 8-byte
    random cookie of the engine, so a reply is only accepted if its address, identifier,
    sequence number and cookie are all ours. On ping sockets the kernel assigns the
    identifier (the socket's port) and delivers only replies that carry it.
    """

    def __init__(
        self,
        *,
        mode: Mode = "auto",
        payload_size: int = 56,
        receive_buffer: int = RECEIVE_BUFFER,
        opener: Callable[[int], IcmpChannel] | None = None,
    ) -> None:
        if payload_size < 8:
            raise ValueError("payload_size must be at least 8 bytes (the engine's cookie)")
        self.counters = EngineCounters()
        self.cookie = random.randbytes(8)
        self.payload = self.cookie + bytes(payload_size - 8)
        self.identifier = self._new_identifier()
        self.unavailable: dict[int, str] = {}  # family -> why it has no socket
        self._mode = mode
        self._receive_buffer = receive_buffer
        self._opener = opener
        self._channels: dict[int, _Channel] = {}
        self._in_flight: dict[Key, _Probe] = {}
        # timeout -> (deadline, key) in send order. Plain tuples, so that an answered probe
        # is freed at once (the FIFO outlives it by up to a timeout) and the garbage
        # collector does not track what waits here.
        self._deadlines: dict[float, deque[tuple[float, Key]]] = {}
        self._sweep_at = 0.0
        self._sweeper: asyncio.TimerHandle | None = None
        self._addresses: dict[str, tuple[str, int]] = {}
        self._sequence = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    @staticmethod
    def _new_identifier() -> int:
        while True:
            identifier = (os.getpid() ^ random.getrandbits(16)) & 0xFFFF
            if identifier not in _identifiers_in_use:
                _identifiers_in_use.add(identifier)
                return identifier

    async def start(self) -> None:
        """Open the IPv4 socket (its errors propagate: ``IcmpPermissionError``, ``OSError``)
        and, when possible, the IPv6 one (failure is recorded in ``unavailable``), and
        register them with the running loop. Raises ``RuntimeError`` if already started."""
        if self._loop is not None:
            raise RuntimeError("IcmpEngine already started")
        loop = asyncio.get_running_loop()
        opened: list[IcmpChannel] = []
        try:
            for family in (socket.AF_INET, socket.AF_INET6):
                try:
                    if self._opener is not None:
                        opened.append(self._opener(family))
                    else:
                        opened.append(
                            open_icmp_socket(
                                family, mode=self._mode, receive_buffer=self._receive_buffer
                            )
                        )
                except OSError as error:
                    if family == socket.AF_INET:
                        raise
                    self.unavailable[family] = f"IPv6 ICMP unavailable: {error}"
        except BaseException:
            for channel in opened:
                channel.sock.close()
            raise
        self._loop = loop
        for channel in opened:
            self._add_channel(channel)

    def _add_channel(self, opened: IcmpChannel) -> None:
        assert self._loop is not None
        ipv6 = opened.family == socket.AF_INET6
        identifier = self.identifier if opened.identifier is None else opened.identifier
        kind = ICMPV6_ECHO_REQUEST if ipv6 else ICMP_ECHO_REQUEST
        base = ones_complement_sum(HEADER.pack(kind, 0, 0, identifier, 0) + self.payload)
        channel = _Channel(opened, identifier, ipv6, base, kind)
        self._channels[opened.family] = channel
        self._loop.add_reader(opened.sock.fileno(), self._read, channel)

    async def close(self) -> None:
        """Unregister and close the sockets; probes still in flight end with the reason
        ``"engine closed"``. Closing twice is harmless."""
        loop, self._loop = self._loop, None
        for channel in self._channels.values():
            if loop is not None:
                loop.remove_reader(channel.open.sock.fileno())
                loop.remove_writer(channel.open.sock.fileno())
            channel.open.sock.close()
        self._channels.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        self._deadlines.clear()
        in_flight, self._in_flight = self._in_flight, {}
        for (address, _identifier, sequence), probe in in_flight.items():
            if not probe.future.done():
                probe.future.set_result(ProbeOutcome(address, sequence, None, "engine closed"))
        _identifiers_in_use.discard(self.identifier)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def in_flight(self) -> int:
        """How many probes await a reply, an error or their timeout."""
        return len(self._in_flight)

    @property
    def dropped(self) -> int:
        """How many datagrams (replies, ICMP errors) the kernel dropped before the engine
        could read them, on all its sockets since ``start``: their receive buffer was full
        (``sockets.RECEIVE_BUFFER``). A dropped reply makes an answered probe time out.
        Learnt from the next datagram read after the drops (Linux ``SO_RXQ_OVFL``); 0 where
        the system does not report drops. It is the kernel's own count (the drops column of
        ``/proc/net/raw``), which Linux 6.18 raises by two for each datagram dropped."""
        return self.counters.dropped

    def channel(self, family: int) -> IcmpChannel | None:
        """The open socket of ``family`` (``AF_INET``/``AF_INET6``), ``None`` if none."""
        channel = self._channels.get(family)
        return channel.open if channel else None

    def normalize(self, address: str) -> tuple[str, int]:
        """``(canonical address text, family)`` of an IP literal, as replies report it.
        Raises ``ValueError`` for anything that is not an IPv4 or IPv6 address."""
        known = self._addresses.get(address)
        if known is None:
            parsed = ipaddress.ip_address(address)
            known = (str(parsed), socket.AF_INET6 if parsed.version == 6 else socket.AF_INET)
            if len(self._addresses) >= _CACHE_LIMIT:
                self._addresses.clear()
            self._addresses[address] = known
        return known

    def probe(self, address: str, timeout: float) -> asyncio.Future[ProbeOutcome]:
        """Send one echo request to ``address`` now and return a future of its
        ``ProbeOutcome``, resolved by the reply, an ICMP error, a send error or after
        ``timeout`` seconds (monotonic). The future never raises. Creates no task.

        Raises ``ValueError`` for a non-IP address and ``RuntimeError`` if the engine is not
        started. Under back-pressure (EAGAIN, ENOBUFS) the request waits in a per-socket
        queue and is sent in order once the socket accepts it; the timeout runs meanwhile.
        """
        loop = self._loop
        if loop is None:
            raise RuntimeError("IcmpEngine is not started")
        canonical, family = self.normalize(address)
        future: asyncio.Future[ProbeOutcome] = loop.create_future()
        channel = self._channels.get(family)
        if channel is None:
            reason = self.unavailable.get(family, "no ICMP socket for this family")
            future.set_result(ProbeOutcome(canonical, 0, None, reason))
            return future
        sequence = self._sequence
        for _ in range(0x10000):
            if (canonical, channel.identifier, sequence) not in self._in_flight:
                break
            sequence = (sequence + 1) & 0xFFFF
        else:
            raise RuntimeError(f"65536 probes of {canonical} in flight")
        self._sequence = (sequence + 1) & 0xFFFF
        key = (canonical, channel.identifier, sequence)
        checksum = 0 if channel.ipv6 else ~fold(channel.base_sum + sequence) & 0xFFFF
        packet = HEADER.pack(channel.prefix, 0, checksum, channel.identifier, sequence)
        deadline = loop.time() + timeout
        entry = _Probe(future, channel, packet + self.payload, deadline)
        self._in_flight[key] = entry
        waiting = self._deadlines.get(timeout)
        if waiting is None:
            waiting = self._deadlines[timeout] = deque()
        waiting.append((deadline, key))
        if self._sweeper is None or deadline < self._sweep_at:
            self._arm(deadline)
        if channel.backlog:
            channel.backlog.append(key)
        else:
            self._send(key, entry)
        return future

    async def ping(
        self, address: str, *, timeout: float, count: int = 1, interval: float = 1.0
    ) -> PingResult:
        """Send ``count`` echo requests to ``address``, ``interval`` seconds apart, each
        waiting up to ``timeout`` seconds for its reply; return the summary. Raises like
        ``probe``, and ``ValueError`` if ``count`` < 1."""
        if count < 1:
            raise ValueError("count must be at least 1")
        futures = []
        for number in range(count):
            if number:
                await asyncio.sleep(interval)
            futures.append(self.probe(address, timeout))
        outcomes = await asyncio.gather(*futures)
        return PingResult.from_outcomes(address, outcomes)

    async def ping_many(
        self,
        addresses: Iterable[str],
        *,
        timeout: float,
        count: int = 1,
        interval: float = 1.0,
        batch: int = 256,
    ) -> dict[str, PingResult]:
        """Ping every address (duplicates once) concurrently: ``count`` rounds started
        ``interval`` seconds apart, each probe waiting up to ``timeout`` seconds. Yields to
        the loop after every ``batch`` sends so replies are read while sending. Returns
        ``{address as given: PingResult}``. Raises like ``ping`` before sending anything if
        an address is not an IP literal."""
        if count < 1:
            raise ValueError("count must be at least 1")
        targets = list(dict.fromkeys(addresses))
        for address in targets:
            self.normalize(address)
        futures: dict[str, list[asyncio.Future[ProbeOutcome]]] = {a: [] for a in targets}
        loop = asyncio.get_running_loop()
        for number in range(count):
            round_started = loop.time()
            for index, address in enumerate(targets):
                futures[address].append(self.probe(address, timeout))
                if (index + 1) % batch == 0:
                    await asyncio.sleep(0)
            if number + 1 < count:
                await asyncio.sleep(max(0.0, round_started + interval - loop.time()))
        results = {}
        for address, pending in futures.items():
            outcomes = await asyncio.gather(*pending)
            results[address] = PingResult.from_outcomes(address, outcomes)
        return results

    # -- sending ---------------------------------------------------------------------------

    def _send(self, key: Key, entry: _Probe) -> bool:
        """Try to send; False when back-pressure queued it (the caller stops flushing)."""
        channel = entry.channel
        entry.sent_ns = time.monotonic_ns()
        try:
            channel.open.sock.sendto(entry.packet, (key[0], 0))
        except (BlockingIOError, InterruptedError):
            self._defer(channel, key, "writable")
            return False
        except OSError as error:
            if error.errno == errno.ENOBUFS:
                self._defer(channel, key, "timer")
                return False
            self.counters.send_errors += 1
            name = errno.errorcode.get(error.errno or 0, "error")
            self._end(key, None, f"{name}: {error.strerror}")
            return True
        self.counters.sent += 1
        return True

    def _defer(self, channel: _Channel, key: Key, wait: Literal["writable", "timer"]) -> None:
        self.counters.deferred += 1
        self._in_flight[key].sent_ns = 0
        channel.backlog.appendleft(key)
        if channel.waiting or self._loop is None:
            return
        channel.waiting = wait
        if wait == "writable":
            self._loop.add_writer(channel.open.sock.fileno(), self._flush, channel)
        else:
            self._loop.call_later(_ENOBUFS_PAUSE, self._flush, channel)

    def _flush(self, channel: _Channel) -> None:
        if self._loop is None or self._channels.get(channel.open.family) is not channel:
            return
        if channel.waiting == "writable":
            self._loop.remove_writer(channel.open.sock.fileno())
        channel.waiting = ""
        backlog = channel.backlog
        while backlog:
            key = backlog.popleft()
            entry = self._in_flight.get(key)
            if entry is not None and not self._send(key, entry):
                return

    # -- receiving -------------------------------------------------------------------------

    def _read(self, channel: _Channel) -> None:
        sock = channel.open.sock
        ip_header = channel.open.ip_header
        in_flight = self._in_flight
        counters = self.counters
        cookie = self.cookie
        for _ in range(_READ_BATCH):
            try:
                data, ancillary, _flags, source = sock.recvmsg(65536, DROPS_SPACE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                counters.ignored += 1
                continue
            received_ns = time.monotonic_ns()
            if ancillary:
                drops = read_drops(ancillary)
                if drops is not None and drops > channel.drops:
                    counters.dropped += drops - channel.drops
                    channel.drops = drops
            message = parse_message(data, source=source[0], ipv6=channel.ipv6, ip_header=ip_header)
            if message is None:
                counters.ignored += 1
                continue
            key = (message.address, message.identifier, message.sequence)
            entry = in_flight.get(key)
            if entry is None or entry.sent_ns == 0 or entry.channel is not channel:
                counters.ignored += 1
            elif message.error is not None:
                counters.icmp_errors += 1
                self._end(key, None, message.error)
            elif message.payload[:8] != cookie:
                counters.ignored += 1
            else:
                counters.replies += 1
                self._end(key, (received_ns - entry.sent_ns) / 1e6, None)

    # -- deadlines -------------------------------------------------------------------------

    def _arm(self, when: float) -> None:
        assert self._loop is not None
        if self._sweeper is not None:
            self._sweeper.cancel()
        self._sweep_at = when
        self._sweeper = self._loop.call_at(when, self._sweep)

    def _sweep(self) -> None:
        """Expire due probes; drop answered ones from the FIFO heads; re-arm for the
        earliest deadline still pending."""
        self._sweeper = None
        if self._loop is None:
            return
        now = self._loop.time()
        earliest: float | None = None
        in_flight = self._in_flight
        for timeout, waiting in list(self._deadlines.items()):
            while waiting:
                deadline, key = waiting[0]
                entry = in_flight.get(key)
                if entry is None or entry.deadline != deadline:  # answered (key maybe reused)
                    waiting.popleft()
                elif deadline <= now:
                    waiting.popleft()
                    self.counters.timeouts += 1
                    reason = "timeout" if entry.sent_ns else "not sent: socket busy"
                    self._end(key, None, reason)
                else:
                    break
            if waiting:
                head = waiting[0][0]
                earliest = head if earliest is None else min(earliest, head)
            else:
                del self._deadlines[timeout]
        if earliest is not None:
            self._arm(earliest)

    def _end(self, key: Key, rtt_ms: float | None, reason: str | None) -> None:
        entry = self._in_flight.pop(key)
        entry.future.set_result(ProbeOutcome(key[0], key[2], rtt_ms, reason, entry.sent_ns))
