"""Two worlds for the maintenance tests.

- ``world``: an agency with a disruption SOP, an OPD site with a router, a router checklist
  (pass/fail, temperature 0-45 °C, download at least 10 Mbps, a rack photo, a note), a
  Kasi and a technician; MEDIA_ROOT in a temporary directory.
- ``plant``: an agency with a Kasi, a technician, an OPD with two sites (a router at each)
  and a small periodic SOP that starts on a schedule; ``make_plan`` saves plans over it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from pytest_django.fixtures import Settings

from jaga.inventory.models import Device, DeviceKind, Site
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, ItemKind, MaintenancePlan
from jaga.maintenance.services import save_plan
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD, make_agency
from tests.incidents.conftest import image_bytes, load_report_sop, upload
from tests.workflow.conftest import add_holder

__all__ = ["PASSWORD", "image_bytes", "upload"]

#: A fixed moment: tests never depend on today's date.
AT = dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def make_world(agency: Agency) -> None:
    """Sites, a router, a Kasi (``<slug>.kasi``), a technician (``<slug>.teknisi``) and the
    router checklist of ``agency``."""
    slug = agency.slug
    opd = Opd.objects.get(agency=agency, abbreviation="Dinkes")
    site = Site.objects.create(agency=agency, code="dinkes-pusat", name="Dinkes Pusat", opd=opd)
    Site.objects.create(agency=agency, code="dc", name="Data Center")
    Device.objects.create(agency=agency, name="RTR-DINKES", kind=DeviceKind.ROUTER, site=site)
    unit = OrgUnit.objects.create(agency=agency, name="Seksi Infrastruktur", kind="seksi")
    kasi = Position.objects.create(
        agency=agency, code="kasi", title="Kepala Seksi", unit=unit, is_head=True
    )
    teknisi = Position.objects.create(agency=agency, code="teknisi", title="Teknisi", unit=unit)
    for username, position in ((f"{slug}.kasi", kasi), (f"{slug}.teknisi", teknisi)):
        user = User.objects.create_user(username, password=PASSWORD, agency=agency)
        employee = Employee.objects.create(agency=agency, name=username, nip="", user=user)
        employee.positions.add(position)
    template = ChecklistTemplate.objects.create(
        agency=agency, name="Router", device_kind=DeviceKind.ROUTER
    )
    rows = [
        (ItemKind.PASS_FAIL, "Lampu indikator normal", "", None, None, True),
        (ItemKind.MEASURE, "Suhu perangkat", "°C", Decimal(0), Decimal(45), True),
        (ItemKind.MEASURE, "Kecepatan unduh", "Mbps", Decimal(10), None, True),
        (ItemKind.PHOTO, "Foto rak perangkat", "", None, None, True),
        (ItemKind.TEXT, "Catatan kondisi", "", None, None, False),
    ]
    for number, (kind, label, unit_name, low, high, required) in enumerate(rows, start=1):
        ChecklistItem.objects.create(
            agency=agency,
            template=template,
            position=number,
            kind=kind,
            label=label,
            unit=unit_name,
            minimum=low,
            maximum=high,
            required=required,
        )


@pytest.fixture
def world(agency_a: Agency) -> Agency:
    make_world(agency_a)
    load_report_sop(agency_a)
    return agency_a


@pytest.fixture
def world_b(agency_b: Agency) -> Agency:
    make_world(agency_b)
    return agency_b


@pytest.fixture
def sop(world: Agency) -> SopDefinition:
    return SopDefinition.objects.get(agency=world, code="gangguan")


@pytest.fixture
def router(world: Agency) -> Device:
    return Device.objects.get(agency=world, name="RTR-DINKES")


@pytest.fixture
def template(world: Agency) -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(agency=world, name="Router")


@pytest.fixture
def technician(world: Agency) -> User:
    return User.objects.get(username="alpha.teknisi")


def items(template: ChecklistTemplate) -> dict[str, ChecklistItem]:
    """The template's items by label."""
    return {item.label: item for item in template.items.all()}


def good_answers(
    template: ChecklistTemplate, **overrides: dict[str, object]
) -> dict[int, dict[str, object]]:
    """Answers that pass every item; ``overrides`` by label with spaces as underscores."""
    by_label = items(template)
    answers: dict[int, dict[str, object]] = {
        by_label["Lampu indikator normal"].pk: {"passed": "pass"},
        by_label["Suhu perangkat"].pk: {"value": "38,5"},
        by_label["Kecepatan unduh"].pk: {"value": "55"},
        by_label["Catatan kondisi"].pk: {"text": "Rak bersih"},
    }
    for key, answer in overrides.items():
        answers[by_label[key.replace("_", " ")].pk] = answer
    return answers


def photo_for(template: ChecklistTemplate) -> dict[int, File[bytes]]:
    """A valid photo for the rack photo item."""
    return {items(template)["Foto rak perangkat"].pk: upload("rak.jpg")}


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
