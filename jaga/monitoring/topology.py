"""What the monitor reads of the inventory: each check's ``CheckSpec`` (target, timing,
thresholds) and the uplink tree that decides whose failure explains whose (issue 7:
"unreachable when its uplink is down"), plus the maintenance windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from jaga.inventory.models import Device, DeviceAddress
from jaga.monitoring.models import Check, CheckKind, MaintenanceWindow
from jaga.monitoring.state import Policy

#: ``load_specs(agent=ANY_AGENT)`` loads the checks of every runner.
ANY_AGENT = -1


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One enabled check as the monitor runs it. ``address``: the host to probe (the
    check's target, else the management address of its device, or of a link's far end;
    empty when there is none: such a check cannot run). ``interval_s``/``timeout_s`` in
    seconds. ``device_id``: the device whose outage it reports (a link's near end);
    ``parent_device_id``: the device whose failure explains this check's (the device's
    uplink; for a link, its near end); ``site_id`` the device's site."""

    id: int
    agency_id: int
    name: str
    kind: str
    address: str
    port: int | None
    params: Mapping[str, Any]
    interval_s: float
    timeout_s: float
    policy: Policy
    device_id: int | None
    site_id: int | None
    parent_device_id: int | None
    agent_id: int | None


def load_specs(
    *,
    agent: int | None = None,
    agencies: Iterable[int] | None = None,
    flap_threshold: int = 6,
    flap_window_s: float = 600.0,
) -> list[CheckSpec]:
    """The enabled checks run by ``agent`` (None: the server's own monitor; ``ANY_AGENT``:
    all), of ``agencies`` when given, with their targets resolved from the inventory."""
    checks = Check.objects.filter(enabled=True)
    if agent is None:
        checks = checks.filter(agent__isnull=True)
    elif agent != ANY_AGENT:
        checks = checks.filter(agent_id=agent)
    if agencies is not None:
        checks = checks.filter(agency_id__in=list(agencies))
    # Plain rows, not model instances: a reload of 100,000 checks every 15 s (issue 19).
    rows = list(checks.values_list(*_COLUMNS))
    device_ids = {d for row in rows for d in (row[12], row[15], row[16]) if d is not None}
    first_address: dict[int | None, str] = {}
    for device_id, address in (
        DeviceAddress.objects.filter(agency_id__in={row[1] for row in rows})
        .order_by("pk")
        .values_list("device_id", "address")
    ):
        if device_id in device_ids:
            first_address.setdefault(device_id, address)
    specs = []
    for (
        pk,
        agency_id,
        name,
        kind,
        target,
        port,
        params,
        interval_s,
        timeout_s,
        retries,
        recoveries,
        agent_id,
        device_id,
        uplink_id,
        device_site_id,
        a_device_id,
        b_device_id,
        a_site_id,
    ) in rows:
        default_target: int | None
        parent: int | None
        subject: int | None
        if device_id is not None:
            default_target, parent = device_id, uplink_id
            subject, site = device_id, device_site_id
        else:
            default_target, parent = b_device_id or a_device_id, a_device_id
            subject, site = a_device_id, a_site_id
        specs.append(
            CheckSpec(
                id=pk,
                agency_id=agency_id,
                name=name,
                kind=kind,
                address=target or first_address.get(default_target, ""),
                port=port,
                params=params if isinstance(params, dict) else {},
                interval_s=float(interval_s),
                timeout_s=min(float(timeout_s), float(interval_s)),
                policy=Policy(retries, recoveries, flap_threshold, flap_window_s),
                device_id=subject,
                site_id=site if subject is not None else None,
                parent_device_id=parent,
                agent_id=agent_id,
            )
        )
    return specs


#: What ``load_specs`` reads of each check, in this order.
_COLUMNS = (
    "pk",
    "agency_id",
    "name",
    "kind",
    "target",
    "port",
    "params",
    "interval_s",
    "timeout_s",
    "retries",
    "recoveries",
    "agent_id",
    "device_id",
    "device__uplink_id",
    "device__site_id",
    "link__a_device_id",
    "link__b_device_id",
    "link__a_device__site_id",
)


@dataclass(slots=True)
class Tree:
    """The uplink tree of the monitored agencies: ``uplink`` maps a device id to its
    uplink's (or None); ``watchers`` maps a device id to the checks that say whether it
    answers (its ICMP checks, else all its checks)."""

    uplink: dict[int, int | None] = field(default_factory=dict)
    watchers: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, agencies: Iterable[int], specs: Iterable[CheckSpec]) -> Tree:
        """Read the uplinks of ``agencies``' devices; ``specs``: every check that may
        speak for a device (the server's and the agents')."""
        tree = cls()
        for pk, uplink in Device.objects.filter(agency_id__in=list(agencies)).values_list(
            "pk", "uplink_id"
        ):
            tree.uplink[pk] = uplink
        by_device: dict[int, list[CheckSpec]] = {}
        for spec in specs:
            if spec.device_id is not None and spec.kind != CheckKind.DNS:
                by_device.setdefault(spec.device_id, []).append(spec)
        for device, checks in by_device.items():
            icmp = [s.id for s in checks if s.kind == CheckKind.ICMP]
            tree.watchers[device] = icmp or [s.id for s in checks]
        return tree

    def ancestors(self, device: int | None) -> Iterable[int]:
        """``device`` and the devices above it, nearest first; stops at a loop."""
        seen: set[int] = set()
        while device is not None and device not in seen:
            seen.add(device)
            yield device
            device = self.uplink.get(device)


@dataclass(frozen=True, slots=True)
class Window:
    """A maintenance window in UNIX seconds on a site or a device."""

    starts: float
    ends: float
    site_id: int | None
    device_id: int | None

    def covers(self, spec: CheckSpec, at: float) -> bool:
        """Whether ``spec``'s device or site is under this window at ``at``."""
        if not self.starts <= at < self.ends:
            return False
        return (self.device_id is not None and self.device_id == spec.device_id) or (
            self.site_id is not None and self.site_id == spec.site_id
        )


def load_windows(agencies: Iterable[int], now: dt.datetime) -> list[Window]:
    """The maintenance windows of ``agencies`` that have not ended by ``now``."""
    rows = MaintenanceWindow.objects.filter(
        Q(agency_id__in=list(agencies)), ends_at__gt=now
    ).values_list("starts_at", "ends_at", "site_id", "device_id")
    return [Window(s.timestamp(), e.timestamp(), site, device) for s, e, site, device in rows]
