"""The checklist pages: permissions and isolation, the inspection form, the device page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries

from jaga.inventory.models import Device
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, Inspection
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from tests.incidents.conftest import client_for
from tests.maintenance.conftest import AT, good_answers, items, photo_for, upload

pytestmark = pytest.mark.django_db


def _inspect_url(device: Device) -> str:
    return f"/pemeliharaan/perangkat/{device.pk}/periksa/"


def _post_data(template: ChecklistTemplate, **overrides: str) -> dict[str, Any]:
    by_label = items(template)
    data: dict[str, Any] = {
        f"item-{by_label['Lampu indikator normal'].pk}-passed": "pass",
        f"item-{by_label['Suhu perangkat'].pk}-value": "38,5",
        f"item-{by_label['Kecepatan unduh'].pk}-value": "55",
        f"item-{by_label['Catatan kondisi'].pk}-text": "Rak berdebu",
        f"item-{by_label['Foto rak perangkat'].pk}-photo": upload("rak.jpg"),
        "note": "Kunjungan Maret",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("username", ["alpha.admin", "alpha.kasi"])
def test_editors_list_and_open_their_agencys_templates(
    world: Agency, world_b: Agency, username: str
) -> None:
    client = client_for(username)
    page = client.get("/pemeliharaan/daftar-periksa/")
    assert page.status_code == 200
    mine = ChecklistTemplate.objects.get(agency=world)
    theirs = ChecklistTemplate.objects.get(agency=world_b)
    assert f'data-template="{mine.pk}"' in page.content.decode()
    assert f'data-template="{theirs.pk}"' not in page.content.decode()
    assert client.get(f"/pemeliharaan/daftar-periksa/{theirs.pk}/").status_code == 404
    # The maintenance pages show the checklists' tab to editors.
    assert "/pemeliharaan/daftar-periksa/" in client.get("/pemeliharaan/rencana/").content.decode()


@pytest.mark.parametrize("username", ["alpha.teknisi", "alpha.dinkes", "alpha.kadis"])
def test_others_may_not_edit_templates_nor_see_the_entry(world: Agency, username: str) -> None:
    client = client_for(username)
    assert client.get("/pemeliharaan/daftar-periksa/").status_code == 403
    assert client.get("/pemeliharaan/daftar-periksa/baru/").status_code == 403
    assert (
        "/pemeliharaan/daftar-periksa/" not in client.get("/pemeliharaan/rencana/").content.decode()
    )


def test_the_kasi_creates_a_template_with_items_in_position_order(world: Agency) -> None:
    client = client_for("alpha.kasi")
    data = {
        "name": "Switch",
        "device_kind": "switch",
        "is_active": "on",
        "description": "",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "2",
        "items-0-kind": "measure",
        "items-0-label": "Suhu",
        "items-0-unit": "°C",
        "items-0-minimum": "0",
        "items-0-maximum": "45,5",
        "items-0-required": "on",
        "items-1-position": "1",
        "items-1-kind": "pass_fail",
        "items-1-label": "Port normal",
        "items-1-required": "on",
    }
    response = client.post("/pemeliharaan/daftar-periksa/baru/", data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["formset"].errors,
        response.context["formset"].non_form_errors(),
    )
    template = ChecklistTemplate.objects.get(agency=world, name="Switch")
    labels = list(template.items.order_by("position").values_list("label", flat=True))
    assert labels == ["Port normal", "Suhu"]
    assert str(template.items.get(label="Suhu").maximum) == "45.500"
    page = client.get(response["Location"]).content.decode()
    assert page.index("Port normal") < page.index("Suhu")


def test_the_editor_refuses_a_range_upside_down(world: Agency) -> None:
    template = ChecklistTemplate.objects.get(agency=world)
    client = client_for("alpha.admin")
    page = client.get(f"/pemeliharaan/daftar-periksa/{template.pk}/")
    assert page.status_code == 200
    forms = page.context["formset"].forms
    data: dict[str, Any] = {
        "name": template.name,
        "device_kind": template.device_kind,
        "is_active": "on",
        "items-TOTAL_FORMS": str(len(forms)),
        "items-INITIAL_FORMS": str(len(template.items.all())),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, form in enumerate(forms):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value in (None, False):
                continue
            data[f"items-{index}-{name}"] = "on" if value is True else str(value)
    temperature = next(
        index for index, form in enumerate(forms) if form.initial.get("label") == "Suhu perangkat"
    )
    data[f"items-{temperature}-minimum"] = "50"
    response = client.post(f"/pemeliharaan/daftar-periksa/{template.pk}/", data)
    assert response.status_code == 200
    assert "The minimum is above the maximum." in response.content.decode()
    assert ChecklistItem.objects.get(template=template, label="Suhu perangkat").minimum == 0


def test_a_technician_inspects_from_the_device_page(
    router: Device, template: ChecklistTemplate, sop: SopDefinition
) -> None:
    client = client_for("alpha.teknisi")
    device_page = client.get(f"/inventaris/perangkat/{router.pk}/").content.decode()
    assert _inspect_url(router) in device_page
    form = client.get(_inspect_url(router))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'inputmode="decimal"' in html
    assert 'accept="image/*" capture="environment"' in html
    assert "°C" in html
    assert "Acceptable: 0 to 45 °C" in html
    response = client.post(_inspect_url(router), _post_data(template))
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert response["Location"] == f"/pemeliharaan/pemeriksaan/{inspection.pk}/"
    detail = client.get(response["Location"]).content.decode()
    photo = inspection.answers.get(label="Foto rak perangkat")
    assert f"/pemeliharaan/pemeriksaan/foto/{photo.pk}/" in detail
    assert client.get(f"/pemeliharaan/pemeriksaan/foto/{photo.pk}/")["Content-Type"] == "image/jpeg"


def test_the_form_rerenders_what_was_typed_with_errors_next_to_the_items(
    router: Device, template: ChecklistTemplate
) -> None:
    by_label = items(template)
    data = _post_data(
        template,
        **{
            f"item-{by_label['Suhu perangkat'].pk}-value": "tiga puluh",
            f"item-{by_label['Lampu indikator normal'].pk}-passed": "",
        },
    )
    response = client_for("alpha.teknisi").post(_inspect_url(router), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="tiga puluh"' in html
    assert 'value="55"' in html
    assert "Rak berdebu" in html
    assert "Kunjungan Maret" in html
    temperature = re.search(
        rf'data-item="{by_label["Suhu perangkat"].pk}".*?</div>\s*</div>', html, re.S
    )
    assert "Enter a number, such as 12,5." in html
    assert "Choose pass or fail." in html
    assert temperature is not None
    assert Inspection.objects.count() == 0


def test_an_opd_user_cannot_inspect(router: Device) -> None:
    client = client_for("alpha.dinkes")
    assert client.get(_inspect_url(router)).status_code == 403
    assert (
        _inspect_url(router)
        not in client.get(f"/inventaris/perangkat/{router.pk}/").content.decode()
    )


def test_another_agency_gets_404_for_devices_inspections_and_photos(
    router: Device, template: ChecklistTemplate, technician: User, world_b: Agency
) -> None:
    inspection = record_inspection(
        router, template, good_answers(template), technician, at=AT, photos=photo_for(template)
    )
    photo = inspection.answers.get(label="Foto rak perangkat")
    client = client_for("beta.teknisi")
    assert client.get(_inspect_url(router)).status_code == 404
    assert client.get(f"/pemeliharaan/pemeriksaan/{inspection.pk}/").status_code == 404
    assert client.get(f"/pemeliharaan/pemeriksaan/foto/{photo.pk}/").status_code == 404


def test_a_step_of_another_agency_is_a_404(router: Device, world_b: Agency) -> None:
    assert client_for("alpha.teknisi").get(_inspect_url(router) + "?step=abc").status_code == 404
    assert client_for("alpha.teknisi").get(_inspect_url(router) + "?step=99999").status_code == 404


def test_the_device_page_shows_the_last_inspection(
    router: Device, template: ChecklistTemplate, technician: User, sop: SopDefinition
) -> None:
    record_inspection(
        router, template, good_answers(template), technician, at=AT, photos=photo_for(template)
    )
    later = AT.replace(day=11)
    failing = good_answers(template, Suhu_perangkat={"value": "60"})
    last = record_inspection(
        router, template, failing, technician, at=later, photos=photo_for(template)
    )
    html = client_for("alpha.kasi").get(f"/inventaris/perangkat/{router.pk}/").content.decode()
    assert f'id="last-inspection" data-inspection="{last.pk}" data-result="fail"' in html
    assert "11 Mar 2026 09:30" in html  # Asia/Jakarta
    assert "Suhu perangkat: 60 °C" in html
    assert html.count("data-inspection=") == 3  # the last one and two history rows


def test_the_device_page_and_the_history_have_bounded_queries(
    router: Device,
    template: ChecklistTemplate,
    technician: User,
    sop: SopDefinition,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    client = client_for("alpha.teknisi")
    url = f"/inventaris/perangkat/{router.pk}/"
    failing = good_answers(template, Suhu_perangkat={"value": "50"})
    record_inspection(router, template, failing, technician, at=AT, photos=photo_for(template))
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    for day in range(11, 25):
        answers = good_answers(template, Suhu_perangkat={"value": str(40 + day)})
        record_inspection(
            router,
            template,
            answers,
            technician,
            at=AT.replace(day=day),
            photos=photo_for(template),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.context["inspections"].page.paginator.count == 15
    # a later page reads the last inspection once more
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        assert client.get(url + "?pemeriksaan=2").status_code == 200
    inspection = Inspection.objects.first()
    assert inspection is not None
    with django_assert_max_num_queries(12):
        assert client.get(f"/pemeliharaan/pemeriksaan/{inspection.pk}/").status_code == 200
    admin = client_for("alpha.admin")
    with django_assert_max_num_queries(12):
        assert admin.get("/pemeliharaan/daftar-periksa/").status_code == 200
