"""The ICMP engine and the check scheduler.

Packet code and the engine's error paths (timeouts, back-pressure, send errors, ICMP errors,
foreign replies) run on a fake socket. Real pings go to loopback addresses only (all of
127.0.0.0/8 answers on Linux, and ::1); they need CAP_NET_RAW and skip with the reason
without it, except under CI=true, where a missing prerequisite fails.
"""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from jaga.monitoring.icmp import (
    IcmpChannel,
    IcmpEngine,
    PingResult,
    ProbeOutcome,
    open_icmp_socket,
)
from jaga.monitoring.packets import (
    HEADER,
    ICMP_DEST_UNREACH,
    IcmpMessage,
    build_echo,
    internet_checksum,
    ipv4_header,
    parse_message,
)
from jaga.monitoring.scheduler import Check, CheckResult, Scheduler, totals
from jaga.monitoring.sockets import SO_RXQ_OVFL
from tests.monitoring.helpers import missing, run

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


def require_raw_icmp(family: int = socket.AF_INET) -> None:
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    try:
        socket.socket(family, socket.SOCK_RAW, proto).close()
    except PermissionError:
        missing("real pings need a raw ICMP socket: run as root or with CAP_NET_RAW")
    except OSError as error:
        missing(f"no ICMP socket for this address family: {error}")


def require_ipv6_loopback() -> None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError as error:
        missing(f"this machine has no IPv6 loopback (::1): {error}")


# -- the fake socket ------------------------------------------------------------------------

Responder = Callable[[bytes, str], list[tuple[bytes, str]]]


class FakeSocket:
    """Stands in for an ICMP socket. A socketpair end gives the event loop a real file
    descriptor: readable while datagrams wait in ``inbox``, always writable. ``responder``
    turns each sent datagram into datagrams to receive; ``send_errors`` are raised by the
    next sends, one each; ``drops``, when set, is the cumulative drop count that ``recvmsg``
    reports with each datagram (as Linux's ``SO_RXQ_OVFL``)."""

    def __init__(self, responder: Responder | None = None) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self.responder = responder
        self.inbox: deque[tuple[bytes, tuple[str, int]]] = deque()
        self.sent: list[tuple[bytes, str]] = []
        self.send_errors: deque[OSError] = deque()
        self.drops: int | None = None

    def fileno(self) -> int:
        return self._reader.fileno()

    def sendto(self, data: bytes, address: tuple[str, int], /) -> int:
        if self.send_errors:
            raise self.send_errors.popleft()
        self.sent.append((data, address[0]))
        for packet, source in self.responder(data, address[0]) if self.responder else []:
            self.deliver(packet, source)
        return len(data)

    def deliver(self, packet: bytes, source: str) -> None:
        self.inbox.append((packet, (source, 0)))
        self._writer.send(b".")

    def recvfrom(self, bufsize: int, /) -> tuple[bytes, Any]:
        if not self.inbox:
            raise BlockingIOError(errno.EAGAIN, "empty")
        self._reader.recv(1)
        return self.inbox.popleft()

    def recvmsg(
        self, bufsize: int, ancbufsize: int, /
    ) -> tuple[bytes, list[tuple[int, int, bytes]], int, Any]:
        data, source = self.recvfrom(bufsize)
        ancillary = []
        if self.drops is not None:
            ancillary.append((socket.SOL_SOCKET, SO_RXQ_OVFL, struct.pack("=I", self.drops)))
        return data, ancillary, 0, source

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


def icmp_error(kind: int, code: int, quoted: bytes) -> bytes:
    """An ICMP error message (its checksum left 0: parsers do not check it) quoting
    ``quoted``, the offending datagram's IP header and first bytes."""
    return bytes([kind, code]) + bytes(6) + quoted


def echo_v4(data: bytes, destination: str) -> list[tuple[bytes, str]]:
    """What a raw IPv4 socket receives when ``destination`` answers: IP header + reply."""
    _kind, _code, _sum, identifier, sequence = HEADER.unpack_from(data)
    reply = build_echo(identifier, sequence, data[HEADER.size :], reply=True)
    return [(ipv4_header(destination, "127.0.0.1", len(reply)) + reply, destination)]


def silent(data: bytes, destination: str) -> list[tuple[bytes, str]]:
    return []


def fake_engine(
    responder: Responder | None, *, kind: str = "raw", identifier: int | None = None
) -> tuple[IcmpEngine, FakeSocket]:
    fake = FakeSocket(responder)

    def opener(family: int) -> IcmpChannel:
        if family == socket.AF_INET6:
            raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
        return IcmpChannel(fake, family, "raw" if kind == "raw" else "datagram", identifier)

    return IcmpEngine(opener=opener), fake


# -- packets --------------------------------------------------------------------------------


def test_it_computes_the_rfc_1071_checksum_example() -> None:
    assert internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0x220D


def test_it_computes_a_known_ipv4_header_checksum() -> None:
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert internet_checksum(header) == 0xB861


def test_it_pads_an_odd_length_with_a_zero_byte() -> None:
    assert internet_checksum(b"\x12\x34\x56") == internet_checksum(b"\x12\x34\x56\x00")
    assert internet_checksum(b"") == 0xFFFF


def test_it_builds_an_echo_request_whose_checksum_verifies() -> None:
    packet = build_echo(0x1234, 7, b"abcdefgh")
    assert packet[:2] == b"\x08\x00"
    assert packet[4:8] == b"\x12\x34\x00\x07"
    assert internet_checksum(packet) == 0


def test_it_leaves_the_icmpv6_checksum_to_the_kernel() -> None:
    packet = build_echo(1, 2, b"x" * 8, ipv6=True)
    assert packet[0] == 128
    assert packet[2:4] == b"\x00\x00"


def test_it_parses_an_ipv4_reply_after_its_ip_header() -> None:
    reply = build_echo(4321, 65535, b"payload!", reply=True)
    packet = ipv4_header("127.9.8.7", "127.0.0.1", len(reply)) + reply
    parsed = parse_message(packet, source="127.9.8.7", ip_header=True)
    assert parsed == IcmpMessage("127.9.8.7", 4321, 65535, b"payload!")


def test_it_parses_an_icmpv6_reply_without_ip_header() -> None:
    reply = build_echo(9, 10, b"12345678", ipv6=True, reply=True)
    assert parse_message(reply, source="::1", ipv6=True) == IcmpMessage("::1", 9, 10, b"12345678")


def test_it_rejects_a_reply_with_a_wrong_checksum() -> None:
    reply = bytearray(build_echo(1, 1, b"abcdefgh", reply=True))
    reply[-1] ^= 0xFF
    assert parse_message(bytes(reply), source="127.0.0.1") is None


def test_it_ignores_requests_truncated_and_other_packets() -> None:
    assert parse_message(build_echo(1, 1, b"abcdefgh"), source="127.0.0.1") is None
    assert parse_message(build_echo(1, 1, b"", reply=True)[:6], source="127.0.0.1") is None
    assert parse_message(b"\x45" + bytes(30), source="127.0.0.1", ip_header=True) is None
    assert parse_message(b"", source="::1", ipv6=True) is None


def test_it_matches_a_destination_unreachable_to_the_quoted_request() -> None:
    request = build_echo(77, 5, b"abcdefgh")
    quoted = ipv4_header("127.0.0.1", "127.44.0.1", len(request)) + request
    error = icmp_error(ICMP_DEST_UNREACH, 1, quoted)
    packet = ipv4_header("127.0.0.9", "127.0.0.1", len(error)) + error
    parsed = parse_message(packet, source="127.0.0.9", ip_header=True)
    assert parsed is not None
    assert (parsed.address, parsed.identifier, parsed.sequence) == ("127.44.0.1", 77, 5)
    assert parsed.error == "destination unreachable (code 1) from 127.0.0.9"


# -- the engine on a fake socket ------------------------------------------------------------


def test_it_reports_rtt_from_a_fake_reply() -> None:
    async def scenario() -> PingResult:
        engine, _fake = fake_engine(echo_v4)
        async with engine:
            return await engine.ping("127.0.0.5", timeout=1.0, count=2, interval=0.0)

    result = run(scenario())
    assert (result.sent, result.received, result.loss) == (2, 2, 0.0)
    assert result.min_ms is not None
    assert result.min_ms > 0


def test_it_times_out_and_leaves_no_in_flight_entry() -> None:
    async def scenario() -> tuple[PingResult, int]:
        engine, _fake = fake_engine(silent)
        async with engine:
            result = await engine.ping("127.0.0.5", timeout=0.05, count=2, interval=0.0)
            return result, engine.in_flight

    result, in_flight = run(scenario())
    assert (result.sent, result.received, result.loss) == (2, 0, 1.0)
    assert result.reasons == ("timeout", "timeout")
    assert result.avg_ms is None
    assert in_flight == 0


def test_it_counts_the_drops_the_kernel_reports_with_a_datagram() -> None:
    async def scenario() -> tuple[int, int, int]:
        engine, fake = fake_engine(echo_v4)
        async with engine:
            assert (await engine.probe("127.0.0.1", 1.0)).ok
            before = engine.dropped
            fake.drops = 5  # five datagrams were dropped before the next reply was queued
            assert (await engine.probe("127.0.0.1", 1.0)).ok
            after_first = engine.dropped
            fake.drops = 7
            assert (await engine.probe("127.0.0.1", 1.0)).ok
            assert (await engine.probe("127.0.0.1", 1.0)).ok  # the same count again
            return before, after_first, engine.dropped

    assert run(scenario()) == (0, 5, 7)


def test_it_ignores_a_reply_to_another_engines_identifier() -> None:
    def foreign(data: bytes, destination: str) -> list[tuple[bytes, str]]:
        _k, _c, _s, identifier, sequence = HEADER.unpack_from(data)
        reply = build_echo((identifier + 1) & 0xFFFF, sequence, data[8:], reply=True)
        return [(ipv4_header(destination, "127.0.0.1", len(reply)) + reply, destination)]

    async def scenario() -> tuple[ProbeOutcome, int]:
        engine, _fake = fake_engine(foreign)
        async with engine:
            outcome = await engine.probe("127.0.0.5", 0.05)
            return outcome, engine.counters.ignored

    outcome, ignored = run(scenario())
    assert outcome.reason == "timeout"
    assert ignored == 1


def test_it_ignores_a_reply_without_its_cookie() -> None:
    def stranger(data: bytes, destination: str) -> list[tuple[bytes, str]]:
        _k, _c, _s, identifier, sequence = HEADER.unpack_from(data)
        reply = build_echo(identifier, sequence, b"someone else's data", reply=True)
        return [(ipv4_header(destination, "127.0.0.1", len(reply)) + reply, destination)]

    async def scenario() -> ProbeOutcome:
        engine, _fake = fake_engine(stranger)
        async with engine:
            return await engine.probe("127.0.0.5", 0.05)

    assert not run(scenario()).ok


def test_it_ignores_a_reply_from_another_address() -> None:
    def elsewhere(data: bytes, destination: str) -> list[tuple[bytes, str]]:
        return echo_v4(data, "127.0.0.6")

    async def scenario() -> ProbeOutcome:
        engine, _fake = fake_engine(elsewhere)
        async with engine:
            return await engine.probe("127.0.0.5", 0.05)

    assert run(scenario()).reason == "timeout"


def test_it_waits_for_writability_on_eagain_and_keeps_order() -> None:
    async def scenario() -> tuple[list[ProbeOutcome], FakeSocket, int]:
        engine, fake = fake_engine(echo_v4)
        async with engine:
            fake.send_errors.extend(BlockingIOError(errno.EAGAIN, "busy") for _ in range(3))
            futures = [engine.probe(f"127.0.1.{n}", 1.0) for n in range(1, 6)]
            outcomes = list(await asyncio.gather(*futures))
            return outcomes, fake, engine.counters.deferred

    outcomes, fake, deferred = run(scenario())
    assert all(outcome.ok for outcome in outcomes)
    assert [address for _data, address in fake.sent] == [f"127.0.1.{n}" for n in range(1, 6)]
    assert deferred == 3


def test_it_paces_sends_after_enobufs() -> None:
    async def scenario() -> ProbeOutcome:
        engine, fake = fake_engine(echo_v4)
        async with engine:
            fake.send_errors.extend(OSError(errno.ENOBUFS, "No buffer space") for _ in range(2))
            return await engine.probe("127.0.0.5", 1.0)

    assert run(scenario()).ok


def test_it_counts_a_send_error_as_loss_with_its_reason() -> None:
    async def scenario() -> tuple[PingResult, int]:
        engine, fake = fake_engine(echo_v4)
        async with engine:
            fake.send_errors.append(OSError(errno.EHOSTUNREACH, "No route to host"))
            result = await engine.ping("127.0.0.5", timeout=1.0)
            return result, engine.in_flight

    result, in_flight = run(scenario())
    assert result.loss == 1.0
    assert result.reasons == ("EHOSTUNREACH: No route to host",)
    assert in_flight == 0


def test_it_ends_a_probe_on_an_icmp_error_quoting_it() -> None:
    def unreachable(data: bytes, destination: str) -> list[tuple[bytes, str]]:
        quoted = ipv4_header("127.0.0.1", destination, len(data)) + data
        error = icmp_error(ICMP_DEST_UNREACH, 1, quoted)
        return [(ipv4_header("127.0.0.9", "127.0.0.1", len(error)) + error, "127.0.0.9")]

    async def scenario() -> ProbeOutcome:
        engine, _fake = fake_engine(unreachable)
        async with engine:
            return await engine.probe("127.0.0.5", 1.0)

    outcome = run(scenario())
    assert outcome.rtt_ms is None
    assert outcome.reason == "destination unreachable (code 1) from 127.0.0.9"


def test_it_uses_the_kernel_identifier_of_a_datagram_socket() -> None:
    def ping_socket(data: bytes, destination: str) -> list[tuple[bytes, str]]:
        _k, _c, _s, identifier, sequence = HEADER.unpack_from(data)
        return [(build_echo(identifier, sequence, data[8:], reply=True), destination)]

    async def scenario() -> tuple[ProbeOutcome, FakeSocket]:
        engine, fake = fake_engine(ping_socket, kind="datagram", identifier=40000)
        async with engine:
            return await engine.probe("127.0.0.5", 1.0), fake

    outcome, fake = run(scenario())
    assert outcome.ok
    assert HEADER.unpack_from(fake.sent[0][0])[3] == 40000


def test_it_reports_ipv6_unavailable_instead_of_raising() -> None:
    async def scenario() -> ProbeOutcome:
        engine, _fake = fake_engine(echo_v4)
        async with engine:
            return await engine.probe("::1", 1.0)

    outcome = run(scenario())
    assert outcome.reason is not None
    assert outcome.reason.startswith("IPv6 ICMP unavailable")


def test_it_rejects_a_host_name() -> None:
    async def scenario() -> None:
        engine, _fake = fake_engine(echo_v4)
        async with engine:
            engine.probe("localhost", 1.0)

    with pytest.raises(ValueError, match="localhost"):
        run(scenario())


def test_it_ends_pending_probes_when_closed() -> None:
    async def scenario() -> ProbeOutcome:
        engine, _fake = fake_engine(silent)
        await engine.start()
        future = engine.probe("127.0.0.5", 60.0)
        await engine.close()
        return await future

    assert run(scenario()).reason == "engine closed"


def test_it_refuses_to_probe_before_start() -> None:
    engine, _fake = fake_engine(echo_v4)
    with pytest.raises(RuntimeError, match="not started"):
        engine.probe("127.0.0.1", 1.0)


# -- real pings on loopback -----------------------------------------------------------------

LOOPBACKS = ["127.0.0.1", "127.0.0.2", "127.1.2.3", "127.200.100.50"]


def test_it_pings_loopback_addresses() -> None:
    require_raw_icmp()

    async def scenario() -> dict[str, PingResult]:
        async with IcmpEngine(mode="raw") as engine:
            return await engine.ping_many(LOOPBACKS, timeout=2.0, count=3, interval=0.05)

    results = run(scenario())
    for address in LOOPBACKS:
        result = results[address]
        assert (result.sent, result.received, result.loss) == (3, 3, 0.0)
        assert result.min_ms is not None
        assert result.min_ms > 0


def test_it_pings_127_0_0_1_alone() -> None:
    require_raw_icmp()

    async def scenario() -> tuple[PingResult, int]:
        async with IcmpEngine() as engine:
            result = await engine.ping("127.0.0.1", timeout=2.0, count=2, interval=0.05)
            return result, engine.in_flight

    result, in_flight = run(scenario())
    assert result.loss == 0.0
    assert len(result.rtts_ms) == 2
    assert in_flight == 0


def test_it_pings_ipv6_loopback() -> None:
    require_raw_icmp(socket.AF_INET6)
    require_ipv6_loopback()

    async def scenario() -> PingResult:
        async with IcmpEngine() as engine:
            return await engine.ping("::1", timeout=2.0, count=2, interval=0.05)

    result = run(scenario())
    assert (result.received, result.loss) == (2, 0.0)
    assert result.max_ms is not None
    assert result.max_ms > 0


def test_it_gives_two_engines_only_their_own_replies() -> None:
    require_raw_icmp()

    async def scenario() -> list[tuple[PingResult, int, int]]:
        async with IcmpEngine() as first, IcmpEngine() as second:
            assert first.identifier != second.identifier
            both = await asyncio.gather(
                first.ping("127.0.0.1", timeout=2.0, count=5, interval=0.01),
                second.ping("127.0.0.1", timeout=2.0, count=5, interval=0.01),
            )
            return [
                (result, engine.counters.replies, engine.counters.ignored)
                for result, engine in zip(both, (first, second), strict=True)
            ]

    for result, replies, ignored in run(scenario()):
        assert result.received == 5
        assert replies == 5
        assert ignored >= 5  # the other engine's replies reached this socket and were dropped


DATAGRAM_SCRIPT = textwrap.dedent(
    """
    import asyncio, socket
    from jaga.monitoring.icmp import IcmpEngine

    async def main():
        async with IcmpEngine() as engine:
            v4 = await engine.ping("127.0.0.1", timeout=2.0, count=2, interval=0.05)
            v6 = await engine.ping("::1", timeout=2.0, count=2, interval=0.05)
            channel = engine.channel(socket.AF_INET)
        print(channel.kind, channel.identifier is not None, v4.received, v6.received)

    asyncio.run(main())
    """
)


def test_it_falls_back_to_an_unprivileged_ping_socket() -> None:
    """Without CAP_NET_RAW (dropped with setpriv), in a network namespace of its own whose
    net.ipv4.ping_group_range admits the process's group: the engine uses ping sockets."""
    tools = ("unshare", "setpriv", "ip")
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in tools):
        missing("needs root, unshare and setpriv (util-linux) and ip (iproute2)")
    shell = (
        "ip link set lo up && echo '0 2147483647' > /proc/sys/net/ipv4/ping_group_range"
        " && exec setpriv --bounding-set=-net_raw --inh-caps=-net_raw"
        f' {sys.executable} -c "$0"'
    )
    done = subprocess.run(
        ["unshare", "--net", "sh", "-c", shell, DATAGRAM_SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 and "unshare failed" in done.stderr:
        missing(f"cannot create a network namespace: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["datagram", "True", "2", "2"]


# -- the scheduler --------------------------------------------------------------------------


class StubEngine:
    """Answers probes after ``delays[address]`` seconds (``None``: lost at once)."""

    def __init__(self, answers: Callable[[str, int], float | None]) -> None:
        self.answers = answers
        self.probes: list[str] = []

    def probe(self, address: str, timeout: float) -> asyncio.Future[ProbeOutcome]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ProbeOutcome] = loop.create_future()
        self.probes.append(address)
        delay = self.answers(address, len(self.probes))
        if delay is None:
            future.set_result(ProbeOutcome(address, 0, None, "timeout"))
        else:
            loop.call_later(delay, future.set_result, ProbeOutcome(address, 0, delay * 1000))
        return future


def test_it_rejects_a_check_that_cannot_fit_its_interval() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        Check("127.0.0.1", interval=5.0, timeout=2.0, retries=2)
    with pytest.raises(ValueError, match="> 0"):
        Check("127.0.0.1", interval=0.0, timeout=1.0)


def test_it_retries_a_lost_probe_within_the_run() -> None:
    stub = StubEngine(lambda address, number: None if number == 1 else 0.001)
    check = Check("127.0.0.1", interval=0.3, timeout=0.1, retries=2)
    results: list[CheckResult] = []

    async def scenario() -> None:
        scheduler = Scheduler(stub, [check], on_result=results.append)
        runner = asyncio.ensure_future(scheduler.run())
        while not results:
            await asyncio.sleep(0.01)
        scheduler.stop()
        await runner

    run(scenario())
    assert [(r.up, r.attempts) for r in results] == [(True, 2)]


def test_it_counts_a_skipped_interval_when_a_run_overruns() -> None:
    # The first run hangs for three intervals (an engine stuck under back-pressure).
    stub = StubEngine(lambda address, number: 0.3 if number == 1 else 0.0)
    check = Check("127.0.0.1", interval=0.1, timeout=0.05)

    async def scenario() -> Scheduler:
        scheduler = Scheduler(stub, [check])
        await scheduler.run(duration=0.5)
        return scheduler

    stats = run(scenario()).stats(check)
    assert stats.missed_intervals >= 1
    assert stats.runs >= 2


def test_it_starts_a_run_due_during_the_previous_one_when_that_ends() -> None:
    # The first run outlasts its interval (0.26 s for 0.2 s): the next one waits
    # for it instead of overlapping, and is late but not missed.
    stub = StubEngine(lambda address, number: 0.26 if number == 1 else 0.0)
    check = Check("127.0.0.1", interval=0.2, timeout=0.1)
    finished: list[tuple[CheckResult, float]] = []

    async def scenario() -> Scheduler:
        loop = asyncio.get_running_loop()
        scheduler = Scheduler(
            stub, [check], on_result=lambda result: finished.append((result, loop.time()))
        )
        await scheduler.run(duration=0.7)
        return scheduler

    stats = run(scenario()).stats(check)
    (_first, first_end), (second, _end) = finished[:2]
    assert second.started >= first_end
    assert second.lateness > 0
    assert stats.missed_intervals == 0


def test_it_stops_scheduling_a_removed_check() -> None:
    stub = StubEngine(lambda address, number: 0.0)
    kept = Check("127.0.0.1", interval=0.05, timeout=0.01)
    dropped = Check("127.0.0.2", interval=0.05, timeout=0.01)

    async def scenario() -> Scheduler:
        scheduler = Scheduler(stub, [kept, dropped])
        assert scheduler.remove(dropped)
        assert not scheduler.remove(dropped)
        await scheduler.run(duration=0.2)
        return scheduler

    scheduler = run(scenario())
    assert scheduler.checks == [kept]
    assert set(stub.probes) == {"127.0.0.1"}


def test_it_starts_afresh_when_run_again_after_a_pause() -> None:
    stub = StubEngine(lambda address, number: 0.0)
    check = Check("127.0.0.1", interval=0.2, timeout=0.1)

    async def scenario() -> Scheduler:
        scheduler = Scheduler(stub, [check])
        await scheduler.run(duration=0.45)
        await asyncio.sleep(0.6)  # three intervals with no run: not missed, the run had ended
        await scheduler.run(duration=0.45)
        return scheduler

    stats = run(scenario()).stats(check)
    assert stats.missed_intervals == 0
    assert stats.runs >= 4


def test_it_runs_200_loopback_checks_without_missing_an_interval() -> None:
    require_raw_icmp()
    checks = [
        Check(f"127.{10 + n // 100}.{n % 100}.{1 + n % 7}", interval=1.0, timeout=0.5)
        for n in range(200)
    ]

    async def scenario() -> Scheduler:
        async with IcmpEngine() as engine:
            scheduler = Scheduler(engine, checks)
            await scheduler.run(duration=3.0)
            return scheduler

    scheduler = run(scenario())
    every = [scheduler.stats(check) for check in checks]
    total = totals(every)
    assert total.missed_intervals == 0
    assert total.down == 0
    assert all(stats.runs >= 2 for stats in every)
    assert all(stats.last_rtt_ms is not None for stats in every)


def test_it_opens_a_raw_socket_with_a_filter() -> None:
    require_raw_icmp()
    channel = open_icmp_socket(socket.AF_INET, mode="raw")
    try:
        assert channel.kind == "raw"
        assert channel.ip_header
        assert channel.identifier is None
    finally:
        channel.sock.close()
