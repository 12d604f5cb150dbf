"""A case links to the sites and devices it is about: chosen in the report by the OPD, on the
case page by the Diskominfo, and in the replacement step's form (issue 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jaga.audit.models import Event
from jaga.incidents.services import report_disruption
from jaga.inventory.models import Device, Replacement, Site
from jaga.org.models import Opd
from jaga.workflow.affected import may_set_affected, set_affected
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, StepStatus
from jaga.workflow.services import open_step
from tests.workflow.seeds_support import prepare_inventory, run_until, user
from tests.workflow.test_seeds import BOLMUT_REPLACED, BROKEN_SWITCH, SPARE_SWITCH

pytestmark = pytest.mark.django_db


@pytest.fixture
def bolmut(demo_data: None, db: None) -> None:
    """The demo agencies (loaded once for the module), and seed 003's test devices at a
    site of Dinkes Bolmut."""
    prepare_inventory(BOLMUT_REPLACED)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def reported(**extra: object) -> Case:
    """A disruption Dinkes Bolmut reported an hour ago, with ``extra`` fields of
    ``report_disruption`` (the sites and devices chosen in the report)."""
    incident = report_disruption(
        user("bolmut.dinkes"),
        location="Ruang server",
        problem="Internet mati",
        since=timezone.now() - dt.timedelta(hours=1),
        contact_name="Budi",
        contact_phone="0812 3456 7890",
        **extra,  # type: ignore[arg-type]
    )
    return incident.case


def test_it_links_the_sites_and_devices_chosen_in_the_report(bolmut: None) -> None:
    site = Site.objects.get(code="uji-lokasi")
    device = Device.objects.get(serial_number=BROKEN_SWITCH)
    case = reported(sites=[site], devices=[device])
    assert list(case.sites.all()) == [site]
    assert list(case.devices.all()) == [device]
    event = Event.objects.get(action="case.affected_changed", object_id=str(case.pk))
    assert event.actor_label == "bolmut.dinkes"
    assert event.after == {"sites": ["uji-lokasi"], "devices": [f"{device.pk}:{device.name}"]}


def test_it_refuses_another_offices_site_in_a_report(bolmut: None) -> None:
    other = Site.objects.create(
        agency=Site.objects.get(code="uji-lokasi").agency,
        code="uji-lain",
        name="Kantor lain",
        opd=Opd.objects.get(agency__slug="bolmut", abbreviation="Disdikbud"),
    )
    before = Case.objects.count()  # the demo's rounds are cases too
    with pytest.raises(InvalidInput) as refused:
        reported(sites=[other])
    assert set(refused.value.errors) == {"sites"}
    assert Case.objects.count() == before


def test_it_offers_the_offices_sites_in_the_report_form(bolmut: None) -> None:
    page = client_for("bolmut.dinkes").get(reverse("incidents:report"))
    form = page.context["form"]
    sites = list(form.fields["sites"].queryset.select_related("opd"))
    assert "uji-lokasi" in [site.code for site in sites]
    assert {site.opd.abbreviation for site in sites} == {"Dinkes"}  # its own office only
    offered = {d.serial_number for d in form.fields["devices"].queryset}
    assert BROKEN_SWITCH in offered
    # A spare in the store is not offered: it is nobody's office device.
    assert SPARE_SWITCH not in offered


def test_it_lets_the_diskominfo_choose_the_affected_devices_on_the_case_page(
    bolmut: None,
) -> None:
    case = reported()
    device = Device.objects.get(serial_number=BROKEN_SWITCH)
    site = Site.objects.get(code="uji-lokasi")
    url = reverse("workflow:affected", args=[case.pk])
    response = client_for("bolmut.teknisi1").post(url, {"sites": [site.pk], "devices": [device.pk]})
    assert response.status_code == 302
    assert list(case.devices.all()) == [device]
    page = client_for("bolmut.kadis").get(reverse("workflow:case", args=[case.pk]))
    html = page.content.decode()
    assert f'data-affected-device="{device.pk}"' in html
    assert f'data-affected-site="{site.pk}"' in html
    # The reporting OPD sees the links but does not change them here.
    assert client_for("bolmut.dinkes").post(url, {"sites": [site.pk]}).status_code == 403
    assert client_for("batam.admin").post(url, {"sites": [site.pk]}).status_code == 404


def test_it_answers_a_foreign_device_with_a_form_error_not_a_500(bolmut: None) -> None:
    case = reported()
    foreign = Site.objects.create(
        agency=Opd.objects.get(agency__slug="batam", abbreviation="Dinkes").agency,
        code="batam-x",
        name="Batam",
        is_store=True,
    )
    response = client_for("bolmut.teknisi1").post(
        reverse("workflow:affected", args=[case.pk]), {"sites": [foreign.pk]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sites"]
    assert not case.sites.exists()


def test_it_refuses_a_site_of_another_agency_in_the_service(bolmut: None) -> None:
    case = reported()
    foreign = Site.objects.create(
        agency=Opd.objects.get(agency__slug="batam", abbreviation="Dinkes").agency,
        code="batam-y",
        name="Batam",
        is_store=True,
    )
    with pytest.raises(InvalidInput):
        set_affected(case, None, sites=[foreign], devices=[])
    assert set_affected(case, None, sites=[], devices=[]) is False  # nothing changed


def test_it_lets_only_the_diskominfo_of_the_agency_choose_while_the_case_is_open(
    bolmut: None,
) -> None:
    case = reported()
    assert may_set_affected(user("bolmut.teknisi1"), case)
    assert may_set_affected(user("bolmut.admin"), case)
    assert not may_set_affected(user("bolmut.dinkes"), case)
    assert not may_set_affected(user("batam.admin"), case)
    case.status = "closed"
    assert not may_set_affected(user("bolmut.teknisi1"), case)


def test_it_replaces_the_device_through_the_step_form(bolmut: None) -> None:
    case = run_until(BOLMUT_REPLACED, "10")
    step = open_step(case)
    assert step is not None
    url = reverse("workflow:case", args=[case.pk])
    technician = client_for("bolmut.teknisi1")
    form = technician.get(url).context["form"]
    assert BROKEN_SWITCH in {d.serial_number for d in form.fields["removed"].queryset}
    spares = list(form.fields["installed"].queryset)
    assert SPARE_SWITCH in {d.serial_number for d in spares}
    assert {(d.status, d.site.is_store) for d in spares} == {("spare", True)}
    act = reverse("workflow:act", args=[case.pk, step.pk])
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    spare = Device.objects.get(serial_number=SPARE_SWITCH)
    missing = technician.post(act, {"removed": broken.pk})
    assert missing.status_code == 200
    assert missing.context["form"].errors["installed"]
    chosen = {"removed": broken.pk, "installed": spare.pk, "removed_status": "retired"}
    # The spare is another model (TL-SG108 for a TL-SG1008D): confirmed first (issue 13).
    warned = technician.post(act, chosen)
    assert warned.status_code == 200
    assert warned.context["form"].errors["confirm_model"]
    done = technician.post(act, {**chosen, "confirm_model": "on"})
    assert done.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    broken.refresh_from_db()
    assert broken.status == "retired"
    replacement = Replacement.objects.get(case=case)
    html = technician.get(url).content.decode()
    assert f'data-replacement="{replacement.pk}"' in html


def test_it_prefills_the_replacement_request_with_the_linked_device(bolmut: None) -> None:
    case = run_until(BOLMUT_REPLACED, "9a")
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)
    set_affected(case, None, sites=[broken.site], devices=[broken])
    page = client_for("bolmut.dinkes").get(reverse("workflow:case", args=[case.pk]))
    form = page.context["form"]
    assert form.fields["f_nama_barang"].initial == "Switch 8 port"
    assert form.fields["f_merk_tipe"].initial == "TP-Link TL-SG1008D"
    assert form.fields["f_no_seri"].initial == BROKEN_SWITCH
