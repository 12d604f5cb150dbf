"""A failed inspection opens one corrective case through the inspection_recorded subscriber."""

from __future__ import annotations

import pytest

from jaga.audit.models import Event
from jaga.inventory.models import Device, DeviceKind, Site
from jaga.maintenance.corrective import open_corrective_case
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import ChecklistTemplate, Inspection
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource
from jaga.workflow.services import start_case
from tests.maintenance.conftest import AT, good_answers, photo_for

pytestmark = pytest.mark.django_db

ROUND_SOP = """
format: jaga-sop/1
code: rutin
identity: {nama: Pemeliharaan Jaringan, instansi: [DINAS UJI]}
start: [schedule, manual]
lanes:
  - {key: kadis, label: Kepala Dinas, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Kunjungan, lane: kadis, waktu: 1 hari}
"""


def _failing(template: ChecklistTemplate) -> dict[int, dict[str, object]]:
    return good_answers(
        template, Suhu_perangkat={"value": "51,5"}, Lampu_indikator_normal={"passed": False}
    )


def test_it_opens_one_corrective_case_with_the_device_and_site(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    inspection = record_inspection(
        router, template, _failing(template), technician, at=AT, photos=photo_for(template)
    )
    inspection.refresh_from_db()
    case = inspection.corrective_case
    assert case is not None
    assert Case.objects.count() == 1
    assert case.definition == sop
    assert case.opd_id == router.site.opd_id
    assert case.source == CaseSource.REPORT  # the SOP starts from reports only
    assert list(case.devices.all()) == [router]
    assert list(case.sites.all()) == [router.site]
    assert "RTR-DINKES" in case.title
    assert "Suhu perangkat" in case.title
    assert "Lampu indikator normal" in case.title
    assert "51,5 °C (acceptable 0–45)" in case.description
    assert case.data["inspection"] == inspection.pk
    assert case.data["failed_items"] == ["Lampu indikator normal", "Suhu perangkat"]
    assert Event.objects.filter(action="maintenance.inspection.corrective_opened").count() == 1


def test_it_opens_no_case_when_nothing_failed(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    inspection = record_inspection(
        router, template, good_answers(template), technician, at=AT, photos=photo_for(template)
    )
    inspection.refresh_from_db()
    assert inspection.corrective_case is None
    assert Case.objects.count() == 0


def test_it_opens_no_case_when_the_sop_handles_the_failures(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    inspection = record_inspection(
        router,
        template,
        _failing(template),
        technician,
        at=AT,
        photos=photo_for(template),
        handled_by_sop=True,
    )
    inspection.refresh_from_db()
    assert inspection.failed
    assert inspection.corrective_case is None
    assert Case.objects.count() == 0


def test_opening_it_again_returns_the_same_case(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    inspection = record_inspection(
        router, template, _failing(template), technician, at=AT, photos=photo_for(template)
    )
    first = Inspection.objects.get(pk=inspection.pk).corrective_case
    assert open_corrective_case(inspection, technician) == first
    assert Case.objects.count() == 1


def test_it_names_the_round_case_when_inspected_in_a_round(
    world: Agency, router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    definition = load_definition(world, ROUND_SOP, path="rutin.yaml").definition
    round_case = start_case(
        definition, source=CaseSource.MANUAL, title="Pemeliharaan Maret", by=technician, at=AT
    )
    step = round_case.steps.get()
    inspection = record_inspection(
        router,
        template,
        _failing(template),
        technician,
        at=AT,
        photos=photo_for(template),
        step=step,
    )
    inspection.refresh_from_db()
    assert inspection.case == round_case
    assert inspection.step == step
    assert inspection.corrective_case is not None
    assert inspection.corrective_case.data["round_case"] == round_case.number


def test_it_keeps_the_inspection_and_says_why_when_no_case_can_start(
    world: Agency, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    site = Site.objects.get(agency=world, code="dc")  # the data centre: no OPD
    device = Device.objects.create(agency=world, name="CORE", kind=DeviceKind.ROUTER, site=site)
    inspection = record_inspection(
        device, template, _failing(template), technician, at=AT, photos=photo_for(template)
    )
    inspection.refresh_from_db()
    assert inspection.corrective_case is None
    assert "belongs to no OPD" in inspection.corrective_error
    assert Case.objects.count() == 0


def test_it_keeps_the_inspection_when_the_agency_has_no_disruption_sop(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    SopDefinition.objects.filter(pk=sop.pk).update(is_current=False)
    inspection = record_inspection(
        router, template, _failing(template), technician, at=AT, photos=photo_for(template)
    )
    inspection.refresh_from_db()
    assert inspection.corrective_case is None
    assert inspection.corrective_error
