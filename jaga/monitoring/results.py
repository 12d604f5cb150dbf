"""What the ICMP engine reports: one probe's ``ProbeOutcome``, a ``PingResult`` summarising
several probes of one address, and the engine's running ``EngineCounters``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """The fate of one echo request.

    ``rtt_ms`` is the round-trip time in milliseconds (monotonic clock, from just before
    ``sendto`` to when the engine read the reply, so it includes event-loop latency), or
    ``None`` when lost; then ``reason`` says why: ``"timeout"``, an ICMP error such as
    ``"destination unreachable (code 1) from 192.0.2.1"``, a send error such as
    ``"EHOSTUNREACH: No route to host"``, ``"not sent: socket busy"`` or ``"engine closed"``.
    ``sequence`` is the echo sequence number used (0..65535), ``sent_ns`` the
    ``time.monotonic_ns()`` of the send (0 if it was never sent).
    """

    address: str
    sequence: int
    rtt_ms: float | None
    reason: str | None = None
    sent_ns: int = 0

    @property
    def ok(self) -> bool:
        """True when a reply arrived."""
        return self.rtt_ms is not None


@dataclass(frozen=True, slots=True)
class PingResult:
    """The summary of several probes of one address.

    ``sent`` probes were attempted and ``received`` were answered; ``rtts_ms`` holds the
    answered ones' round-trip times in milliseconds, in sending order; ``reasons`` the loss
    reasons of the others (see ``ProbeOutcome``).
    """

    address: str
    sent: int
    received: int
    rtts_ms: tuple[float, ...] = ()
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_outcomes(cls, address: str, outcomes: Iterable[ProbeOutcome]) -> PingResult:
        """Summarise the outcomes of probes of ``address``."""
        done = list(outcomes)
        rtts = tuple(o.rtt_ms for o in done if o.rtt_ms is not None)
        reasons = tuple(o.reason or "lost" for o in done if o.rtt_ms is None)
        return cls(address, len(done), len(rtts), rtts, reasons)

    @property
    def loss(self) -> float:
        """Lost probes over sent ones, 0.0..1.0 (1.0 when nothing was sent)."""
        return 1.0 - self.received / self.sent if self.sent else 1.0

    @property
    def min_ms(self) -> float | None:
        """The smallest round-trip time in milliseconds, ``None`` without replies."""
        return min(self.rtts_ms) if self.rtts_ms else None

    @property
    def avg_ms(self) -> float | None:
        """The mean round-trip time in milliseconds, ``None`` without replies."""
        return sum(self.rtts_ms) / len(self.rtts_ms) if self.rtts_ms else None

    @property
    def max_ms(self) -> float | None:
        """The largest round-trip time in milliseconds, ``None`` without replies."""
        return max(self.rtts_ms) if self.rtts_ms else None


@dataclass(slots=True)
class EngineCounters:
    """Running totals of an engine (counts of datagrams or probes since ``start``)."""

    sent: int = 0  # echo requests handed to the kernel
    replies: int = 0  # probes answered by an echo reply
    icmp_errors: int = 0  # probes ended by an ICMP error quoting them
    timeouts: int = 0  # probes ended by their timer
    send_errors: int = 0  # probes ended by a send error (EHOSTUNREACH, EPERM, ...)
    deferred: int = 0  # sends postponed by back-pressure (EAGAIN, ENOBUFS)
    ignored: int = 0  # datagrams read that answered nothing of ours (other engines', late)
    dropped: int = 0  # datagrams the kernel dropped unread: a full receive buffer
