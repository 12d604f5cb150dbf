"""The demo agencies' monitor (``jaga demo --monitor-history``, which ``make run`` uses).

Per agency, an ICMP check on each router and switch in service that has a management
address: *disabled*, because the demo addresses are invented (``jaga monitor`` never pings
them). With ``history``, each check also gets 30 days of made-up results, so the
availability card, its chart and the monitor page have something to show: one run a minute,
a few outage hours scattered at random (seeded by the check, so the same every time) and a
maintenance evening; its state is "up" as of now. Rows are written in bulk, without audit
events: it is demo data, not something anyone did.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from jaga.inventory.models import Device, DeviceKind, DeviceStatus
from jaga.monitoring.models import (
    Check,
    CheckKind,
    CheckState,
    CheckStatus,
    ResultDay,
    ResultHour,
    ResultMinute,
)
from jaga.org.demo.agencies import AGENCIES
from jaga.org.demo.schema import DemoAgency
from jaga.tenancy.models import Agency

#: Days of made-up history.
HISTORY_DAYS = 30
_RUNS_PER_HOUR = 60


def load_demo_monitor(
    agencies: tuple[DemoAgency, ...] = AGENCIES,
    *,
    history: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """Create the demo checks of ``agencies`` that have none yet (and, with ``history``,
    their made-up results up to ``now``), one transaction per agency; returns the number of
    checks created (0 when run again)."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    created = 0
    for data in agencies:
        agency = Agency.objects.get(slug=data.slug)
        if Check.objects.filter(agency=agency).exists():
            continue
        with transaction.atomic():
            checks = _checks(agency)
            if history:
                for check in checks:
                    _history(check, now)
        created += len(checks)
    return created


def _checks(agency: Agency) -> list[Check]:
    devices = (
        Device.objects.filter(
            agency=agency,
            status=DeviceStatus.IN_SERVICE,
            kind__in=[DeviceKind.ROUTER, DeviceKind.SWITCH],
            addresses__isnull=False,
        )
        .distinct()
        .order_by("pk")
    )
    return Check.objects.bulk_create(
        [
            Check(
                agency=agency,
                name=f"Ping {device.name}",
                kind=CheckKind.ICMP,
                device=device,
                interval_s=60,
                timeout_s=2,
                enabled=False,
            )
            for device in devices
        ]
    )


def _history(check: Check, now: dt.datetime) -> None:
    rng = random.Random(check.pk)
    hour_now = now.replace(minute=0)
    start = hour_now - dt.timedelta(days=HISTORY_DAYS)
    bad_hours = {rng.randrange(HISTORY_DAYS * 24) for _ in range(rng.randint(0, 4))}
    maintenance = rng.randrange(HISTORY_DAYS) * 24 + 19  # one evening of planned work
    hours, minutes = [], []
    hour = start
    index = 0
    while hour < hour_now:
        down = rng.randint(5, _RUNS_PER_HOUR) if index in bad_hours else 0
        held = _RUNS_PER_HOUR if index == maintenance else 0
        up = _RUNS_PER_HOUR - down - held
        rtt = rng.uniform(1.0, 25.0)
        hours.append(
            ResultHour(
                monitor_check=check,
                start=hour,
                n_up=up,
                n_down=down,
                n_maintenance=held,
                rtt_sum_ms=rtt * up,
                rtt_count=up,
                rtt_min_ms=rtt * 0.5 if up else None,
                rtt_max_ms=rtt * 3 if up else None,
            )
        )
        if hour >= hour_now - dt.timedelta(days=1):
            for minute in range(_RUNS_PER_HOUR):
                ok = minute >= down
                minutes.append(
                    ResultMinute(
                        monitor_check=check,
                        start=hour + dt.timedelta(minutes=minute),
                        n_up=int(ok and not held),
                        n_down=int(not ok),
                        n_maintenance=int(bool(held)),
                        rtt_sum_ms=rtt if ok and not held else 0.0,
                        rtt_count=int(ok and not held),
                    )
                )
        hour += dt.timedelta(hours=1)
        index += 1
    ResultHour.objects.bulk_create(hours, batch_size=1000)
    ResultMinute.objects.bulk_create(minutes, batch_size=1000)
    days: dict[dt.datetime, ResultDay] = {}
    for row in hours:
        day = days.setdefault(
            row.start.replace(hour=0),
            ResultDay(monitor_check=check, start=row.start.replace(hour=0)),
        )
        day.n_up += row.n_up
        day.n_down += row.n_down
        day.n_maintenance += row.n_maintenance
        day.rtt_sum_ms += row.rtt_sum_ms
        day.rtt_count += row.rtt_count
    ResultDay.objects.bulk_create(days.values(), batch_size=1000)
    CheckState.objects.create(
        monitor_check=check,
        status=CheckStatus.UP,
        fails=0,
        oks=1,
        changed_at=start,
        last_at=now,
        last_ok=True,
        last_rtt_ms=round(rng.uniform(1.0, 25.0), 1),
    )
