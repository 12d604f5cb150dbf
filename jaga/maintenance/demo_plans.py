"""Maintenance plans of the demo (``jaga demo``; issue 14 point 8).

Kota Bogor runs seed 000 ("Pemeliharaan Jaringan", pengecekan rutin) on the first Monday
of every month over its first three OPDs; Kota Batam runs seed 004 ("Pemeliharaan
Jaringan Berkala") every three months over its first three OPDs, starting a week of working
days before the visits so that the rencana kerja (3 hari) and its approvals (1 hari each)
fit. Each plan's team is the agency's technicians. Running it again changes nothing: a plan
is matched on its agency and name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from jaga.maintenance.models import HolidayPolicy, MaintenancePlan, RecurrencePreset
from jaga.maintenance.services import save_plan
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency


@dataclass(frozen=True)
class DemoPlan:
    """One demo plan: the agency, its name, the SOP code, the preset, lead days, the
    positions whose holders form its team, and how many OPDs (by name) it covers."""

    agency: str
    name: str
    sop_code: str
    preset: RecurrencePreset
    lead_days: int
    team_positions: tuple[str, ...]
    opds: int = 3


PLANS = (
    DemoPlan(
        "bogor",
        "Pengecekan rutin jaringan Perangkat Daerah",
        "pemeliharaan-jaringan",
        RecurrencePreset.FIRST_MONDAY,
        0,
        ("teknisi",),
    ),
    DemoPlan(
        "batam",
        "Pemeliharaan jaringan berkala triwulanan",
        "pemeliharaan-jaringan-berkala",
        RecurrencePreset.QUARTERLY,
        7,
        ("staf", "tim_dc"),
    ),
)


def load_demo_plans(now: dt.datetime | None = None) -> list[MaintenancePlan]:
    """Create the demo plans that do not exist yet (agencies missing from the database are
    passed over); returns the plans created."""
    now = now or timezone.now()
    created = []
    for demo in PLANS:
        agency = Agency.objects.filter(slug=demo.agency).first()
        if agency is None or MaintenancePlan.objects.filter(agency=agency, name=demo.name).exists():
            continue
        today = timezone.localdate(now)
        plan = MaintenancePlan(
            agency=agency,
            name=demo.name,
            sop_code=demo.sop_code,
            preset=demo.preset,
            start_date=today.replace(day=1),
            visit_time=dt.time(8, 30),
            lead_days=demo.lead_days,
            holiday_policy=HolidayPolicy.NEXT_WORKING_DAY,
        )
        team = User.objects.filter(
            agency=agency,
            is_active=True,
            employee__positions__code__in=demo.team_positions,
        ).distinct()
        opds = Opd.objects.filter(agency=agency).order_by("name")[: demo.opds]
        created.append(save_plan(plan, by=None, opds=opds, sites=[], team=team, now=now))
    return created
