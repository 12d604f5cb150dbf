"""An agency with a disruption SOP, an OPD site with a router, a router checklist
(pass/fail, temperature 0-45 °C, download at least 10 Mbps, a rack photo, a note), a Kasi
and a technician; MEDIA_ROOT in a temporary directory."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from pytest_django.fixtures import Settings

from jaga.inventory.models import Device, DeviceKind, Site
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, ItemKind
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD
from tests.incidents.conftest import image_bytes, load_report_sop, upload

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
