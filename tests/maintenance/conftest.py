"""An agency with a Kasi, two technicians, an OPD with two sites (a router at each), and a
small periodic SOP that starts on a schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from jaga.inventory.models import Device, Site
from jaga.maintenance.models import MaintenancePlan
from jaga.maintenance.services import save_plan
from jaga.org.models import Opd, OrgUnit, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from tests.conftest import make_agency
from tests.workflow.conftest import add_holder

ROUND_SOP = """
format: jaga-sop/1
code: rutin
identity:
  nama: Pemeliharaan Rutin (uji)
  instansi: [DINAS UJI]
start: [schedule, manual]
lanes:
  - {key: kasi, label: Kasi, positions: [kasi]}
  - {key: teknis, label: Tim, positions: [teknisi]}
steps:
  - {no: 1, kegiatan: Kasi menyusun rencana kerja, lane: kasi, kind: report, waktu: 3 Hari}
  - {no: 2, kegiatan: Tim melakukan pemeliharaan, lane: teknis, waktu: 1 hari}
  - {no: 3, kegiatan: Kasi memeriksa, lane: kasi, kind: check, return_to: [2], waktu: 1 hari}
"""


@dataclass
class Plant:
    agency: Agency
    definition: SopDefinition
    opd: Opd
    sites: list[Site]
    kasi: User
    tech: User
    admin: User


@pytest.fixture
def plant(db: None) -> Plant:
    agency = make_agency("epsilon")
    unit = OrgUnit.objects.get(agency=agency, kind="dinas")
    kasi = add_holder(agency, "kasi", "Kepala Seksi", unit, "epsilon.kasi", "198001012005031002")
    tech = add_holder(agency, "teknisi", "Teknisi", unit, "epsilon.tek", "199001012015031003")
    opd = Opd.objects.get(agency=agency)
    sites = [
        Site.objects.create(agency=agency, code=f"s{i}", name=f"Gedung {i}", opd=opd)
        for i in (1, 2)
    ]
    for site in sites:
        Device.objects.create(agency=agency, name=f"Router {site.code}", kind="router", site=site)
    definition = load_definition(agency, ROUND_SOP, path="rutin.yaml").definition
    return Plant(
        agency=agency,
        definition=definition,
        opd=opd,
        sites=sites,
        kasi=kasi,
        tech=tech,
        admin=User.objects.get(username="epsilon.admin"),
    )


PlanFactory = Callable[..., MaintenancePlan]


@pytest.fixture
def make_plan(plant: Plant) -> PlanFactory:
    """``make_plan(now=..., **fields)``: a saved monthly plan over the plant's OPD."""

    def build(now: dt.datetime, **fields: object) -> MaintenancePlan:
        values: dict[str, object] = {
            "agency": plant.agency,
            "name": "Pemeliharaan bulanan",
            "sop_code": "rutin",
            "preset": "custom",
            "rrule": "FREQ=DAILY",
            "start_date": now.date() - dt.timedelta(days=30),
            "visit_time": dt.time(8, 0),
            "lead_days": 0,
        }
        values.update(fields)
        plan = MaintenancePlan(**values)
        return save_plan(
            plan, by=plant.admin, opds=[plant.opd], sites=[], team=[plant.tech], now=now
        )

    return build
