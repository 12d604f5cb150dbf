"""The ``jaga monitor`` process's heartbeat (issue 19): its last sign of life, the figures
of its ICMP engine and scheduler and the CPU of its two processes, for the monitor page
(``models.MonitorHeartbeat``)."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass

from django.utils import timezone

from jaga.monitoring.models import MonitorHeartbeat
from jaga.monitoring.results import EngineCounters
from jaga.tenancy.models import Agency

#: Seconds between two heartbeats of a running monitor.
HEARTBEAT_S = 30.0
#: Most heartbeats the monitor page lists.
SHOWN = 10
#: Longest monitor name (``MonitorHeartbeat.name``).
NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Beat:
    """One heartbeat's figures, taken in the monitor's event loop: ``checks`` run, the ICMP
    engine's totals since it started (``None`` without an engine), the scheduler's
    ``missed_intervals`` since it started, and the CPU seconds (user + system) used since
    they started by the probing process (``probe_cpu_s``) and by the bookkeeping process
    (``bookkeeping_cpu_s``, filled in by that process, ``jaga.monitoring.bookkeeper``)."""

    checks: int
    icmp: EngineCounters | None
    missed_intervals: int = 0
    probe_cpu_s: float = 0.0
    bookkeeping_cpu_s: float = 0.0


def monitor_name(agencies: list[int] | None) -> str:
    """The name of this host's monitor: its host name, and the slugs of the agencies it is
    limited to (``agencies``: their ids; None: every agency), at most 200 characters."""
    name = socket.gethostname()
    if agencies:
        slugs = Agency.objects.filter(pk__in=agencies).order_by("slug").values_list("slug")
        name += " (" + ", ".join(slug for (slug,) in slugs) + ")"
    return name[:NAME_LENGTH]


def write_heartbeat(
    name: str, agencies: list[int] | None, started_at: dt.datetime, beat: Beat
) -> MonitorHeartbeat:
    """Create or update monitor ``name``'s heartbeat (``started_at`` UTC) with ``beat``,
    seen now. Returns the row."""
    counters = beat.icmp or EngineCounters()
    row, _created = MonitorHeartbeat.objects.update_or_create(
        name=name,
        defaults={
            "agency_ids": sorted(agencies or []),
            "started_at": started_at,
            "seen_at": timezone.now(),
            "checks": beat.checks,
            "icmp_sent": counters.sent,
            "icmp_replies": counters.replies,
            "icmp_timeouts": counters.timeouts,
            "icmp_dropped": counters.dropped,
            "missed_intervals": beat.missed_intervals,
            "probe_cpu_s": beat.probe_cpu_s,
            "bookkeeping_cpu_s": beat.bookkeeping_cpu_s,
        },
    )
    return row


def heartbeats_for(agency_id: int) -> list[MonitorHeartbeat]:
    """The heartbeats of the monitors that serve agency ``agency_id`` (limited to it, or
    to no agency), newest first, at most ``SHOWN``."""
    rows = MonitorHeartbeat.objects.order_by("-seen_at", "name")[:100]
    return [row for row in rows if not row.agency_ids or agency_id in row.agency_ids][:SHOWN]
