"""The ICMP sockets' receive buffer and the count of replies the kernel dropped (issue 19):
a large buffer is asked for, a refusal is not an error, and drops are read from recvmsg's
ancillary data (``SO_RXQ_OVFL``). Real sockets on loopback only (127.0.0.1); they need
CAP_NET_RAW and skip without it, except under CI=true."""

from __future__ import annotations

import asyncio
import socket
from typing import cast

from jaga.monitoring.icmp import IcmpEngine, open_icmp_socket
from jaga.monitoring.sockets import (
    RECEIVE_BUFFER,
    SO_RCVBUFFORCE,
    SO_RXQ_OVFL,
    read_drops,
    size_receive_buffer,
)
from tests.monitoring.helpers import missing, run
from tests.monitoring.test_icmp import require_raw_icmp

FLOOD = 400  # echo requests sent at once to a socket that holds a few replies


def test_it_gives_the_raw_socket_a_large_buffer_that_reports_drops() -> None:
    require_raw_icmp()
    channel = open_icmp_socket(socket.AF_INET, mode="raw")
    sock = cast(socket.socket, channel.sock)
    try:
        # Linux reports twice the size granted; root passes net.core.rmem_max.
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) >= RECEIVE_BUFFER
        assert sock.getsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL) == 1
    finally:
        sock.close()


class Refusing:
    """A socket that refuses every option (a system without them, or no privilege)."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.asked.append(option)
        raise PermissionError(1, "Operation not permitted")

    def getsockopt(self, level: int, option: int) -> int:
        return 212_992


def test_it_keeps_the_buffer_the_system_gives_when_both_options_are_refused() -> None:
    refusing = Refusing()
    assert size_receive_buffer(cast(socket.socket, refusing), RECEIVE_BUFFER) == 212_992
    assert refusing.asked == [SO_RCVBUFFORCE, socket.SO_RCVBUF]


def test_it_reads_no_drop_count_from_other_ancillary_data() -> None:
    assert read_drops([]) is None
    assert read_drops([(socket.SOL_SOCKET, 29, b"\x01\x00\x00\x00")]) is None  # a timestamp
    assert read_drops([(socket.SOL_SOCKET, SO_RXQ_OVFL, b"\x2a\x00\x00\x00")]) == 42


def test_it_counts_the_replies_a_full_buffer_dropped() -> None:
    require_raw_icmp()

    async def scenario() -> tuple[int, int, int, int, bool]:
        # The smallest buffer the kernel allows holds a few replies; the loop does not read
        # while the probes are sent, so most of the flood's replies are dropped.
        async with IcmpEngine(mode="raw", receive_buffer=1) as engine:
            flood = [engine.probe("127.0.0.1", 2.0) for _ in range(FLOOD)]
            await asyncio.sleep(0.2)  # the replies that fitted are read
            # A reply queued after the drops carries their count.
            last = await engine.probe("127.0.0.1", 2.0)
            outcomes = await asyncio.gather(*flood)
            answered = sum(outcome.ok for outcome in outcomes)
            return engine.dropped, answered, engine.counters.timeouts, FLOOD, last.ok

    dropped, answered, timeouts, sent, last_ok = run(scenario())
    if dropped == 0 and answered == sent:
        missing("the kernel kept every reply of the flood: no drop to count")
    assert last_ok
    assert dropped > 0
    assert answered + timeouts == sent
    # Every reply of ours that was lost was dropped (other processes' replies to their own
    # pings reach this raw socket too, and may be dropped as well).
    assert timeouts <= dropped
