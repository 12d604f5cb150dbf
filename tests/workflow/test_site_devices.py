"""Devices in the same form as their site (issue 20 point 4): choosing a site in a
replacement step's form, or among a case's affected sites, offers that site's devices
without saving first; the htmx request gets only the device choices, the form submitted
without JavaScript is redrawn keeping what was typed, and a site of another agency (or an
id that is none) is a message, never an error page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jaga.inventory.models import Device, DeviceStatus, Replacement, Site
from jaga.org.models import Opd
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.services import open_step
from tests.workflow.seeds_support import prepare_inventory, run_until, user
from tests.workflow.test_affected import reported
from tests.workflow.test_seeds import BOLMUT_REPLACED, BROKEN_SWITCH, SPARE_SWITCH

pytestmark = pytest.mark.django_db

TECHNICIAN = "bolmut.teknisi1"  # named for seed 003 step 10


@pytest.fixture
def bolmut(demo_data: None, db: None) -> None:
    """The demo agencies, and seed 003's test devices at a site of Dinkes Bolmut."""
    prepare_inventory(BOLMUT_REPLACED)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def other_site() -> tuple[Site, list[Device]]:
    """A site of Disdikbud Bolmut, not linked to the case, with two switches in service
    (one like the broken one) and one retired."""
    opd = Opd.objects.get(agency__slug="bolmut", abbreviation="Disdikbud")
    site = Site.objects.create(agency=opd.agency, code="uji-sekolah", name="Sekolah", opd=opd)
    devices = [
        Device.objects.create(
            agency=opd.agency,
            name=name,
            kind="switch",
            vendor="TP-Link",
            model="TL-SG1008D",
            site=site,
            status=status,
        )
        for name, status in (
            ("Switch lab", DeviceStatus.IN_SERVICE),
            ("Switch guru", DeviceStatus.IN_SERVICE),
            ("Switch lama", DeviceStatus.RETIRED),
        )
    ]
    return site, devices


def foreign_site() -> Site:
    """A site of Batam (another agency) with a switch in service."""
    opd = Opd.objects.get(agency__slug="batam", abbreviation="Dinkes")
    site = Site.objects.create(agency=opd.agency, code="batam-uji", name="Batam", opd=opd)
    Device.objects.create(agency=opd.agency, name="Switch Batam", kind="switch", site=site)
    return site


def replacement_step() -> tuple[Case, StepInstance]:
    """Seed 003 waiting on step 10, the replacement."""
    case = run_until(BOLMUT_REPLACED, "10")
    step = open_step(case)
    assert step is not None
    return case, step


def devices_url(case: Case, step: StepInstance) -> str:
    return reverse("workflow:step_devices", args=[case.pk, step.pk])


def offered(html: str, name: str) -> set[int]:
    """The ids a ``<select name=name>`` of ``html`` offers (its empty choice left out)."""
    start = html.index(f'name="{name}"')
    select = html[start : html.index("</select>", start)]
    values = [part.split('"', 1)[0] for part in select.split('value="')[1:]]
    return {int(value) for value in values if value}


def test_it_answers_the_htmx_request_with_exactly_the_sites_devices_in_service(
    bolmut: None,
) -> None:
    case, step = replacement_step()
    site, (lab, guru, _retired) = other_site()
    response = client_for(TECHNICIAN).get(
        devices_url(case, step), {"site": site.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert offered(html, "removed") == {lab.pk, guru.pk}
    # Only the device choices: no page, no site list, small enough for a weak signal.
    assert html.lstrip().startswith('<div id="replacement-devices">')
    assert 'name="site"' not in html
    assert "<html" not in html
    assert len(response.content) < 4000
    assert not case.sites.filter(pk=site.pk).exists()  # nothing saved


def test_it_offers_the_spares_of_the_chosen_broken_devices_kind(bolmut: None) -> None:
    case, step = replacement_step()
    site, (lab, _guru, _retired) = other_site()
    Device.objects.create(
        agency=site.agency,
        name="AP cadangan",
        kind="access_point",
        status=DeviceStatus.SPARE,
        site=Site.objects.get(code="uji-gudang"),
    )
    html = (
        client_for(TECHNICIAN)
        .get(devices_url(case, step), {"site": site.pk, "removed": lab.pk})
        .content.decode()
    )
    spares = Device.objects.filter(pk__in=offered(html, "installed"))
    assert {spare.kind for spare in spares} == {"switch"}
    assert SPARE_SWITCH in {spare.serial_number for spare in spares}
    assert f'value="{lab.pk}" selected' in html


@pytest.mark.parametrize("bad", ["foreign", "store", "abc", "99999999999999999999", "-1"])
def test_it_refuses_another_agencys_site_or_a_bad_id_with_a_message(bolmut: None, bad: str) -> None:
    case, step = replacement_step()
    site = {
        "foreign": lambda: str(foreign_site().pk),
        "store": lambda: str(Site.objects.get(code="uji-gudang").pk),
    }.get(bad, lambda: bad)()
    response = client_for(TECHNICIAN).get(devices_url(case, step), {"site": site})
    assert response.status_code == 200
    html = response.content.decode()
    assert "bukan salah satu lokasi instansi ini" in html or "not one of this agency" in html
    batam = set(Device.objects.filter(agency__slug="batam").values_list("pk", flat=True))
    assert not offered(html, "removed") & batam


def test_it_gives_the_device_lists_only_to_who_may_act_on_the_step(bolmut: None) -> None:
    case, step = replacement_step()
    url = devices_url(case, step)
    assert client_for("bolmut.teknisi3").get(url).status_code == 403  # not named
    assert client_for("bolmut.dinkes").get(url).status_code == 403  # the reporting OPD
    assert client_for("batam.admin").get(url).status_code == 404  # another agency


def test_it_replaces_a_device_of_a_site_chosen_in_the_same_form(bolmut: None) -> None:
    case, step = replacement_step()
    site, (lab, _guru, _retired) = other_site()
    spare = Device.objects.get(serial_number=SPARE_SWITCH)
    act = reverse("workflow:act", args=[case.pk, step.pk])
    chosen = {
        "site": site.pk,
        "removed": lab.pk,
        "installed": spare.pk,
        "removed_status": "in_repair",
        "confirm_model": "on",  # TL-SG108 for a TL-SG1008D
    }
    response = client_for(TECHNICIAN).post(act, chosen)
    assert response.status_code == 302
    replacement = Replacement.objects.get(case=case)
    assert (replacement.removed_id, replacement.site_id) == (lab.pk, site.pk)
    assert case.sites.filter(pk=site.pk).exists()


def test_it_refuses_a_broken_device_of_another_site_than_the_chosen_one(bolmut: None) -> None:
    case, step = replacement_step()
    site, _devices = other_site()
    broken = Device.objects.get(serial_number=BROKEN_SWITCH)  # at uji-lokasi
    spare = Device.objects.get(serial_number=SPARE_SWITCH)
    act = reverse("workflow:act", args=[case.pk, step.pk])
    chosen = {"site": site.pk, "removed": broken.pk, "installed": spare.pk}
    response = client_for(TECHNICIAN).post(act, {**chosen, "removed_status": "in_repair"})
    assert response.status_code == 200
    assert response.context["form"].errors["removed"]
    foreign = client_for(TECHNICIAN).post(act, {"site": foreign_site().pk, "removed": broken.pk})
    assert foreign.status_code == 200
    assert foreign.context["form"].errors["site"]
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN


def test_it_redraws_the_form_for_the_site_without_javascript(bolmut: None) -> None:
    case, step = replacement_step()
    site, (lab, guru, _retired) = other_site()
    response = client_for(TECHNICIAN).post(
        devices_url(case, step), {"site": site.pk, "note": "Dicek di ruang lab"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.is_bound  # no errors shown: nothing was submitted for good
    assert {device.pk for device in form.fields["removed"].queryset} == {lab.pk, guru.pk}
    html = response.content.decode()
    assert "Dicek di ruang lab</textarea>" in html
    assert f'<option value="{site.pk}" selected>' in html
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN


def test_it_starts_a_visits_form_at_the_visits_site(bolmut: None) -> None:
    """The replacement field of a fan-out visit (seed 000 step 3b) starts on the visit's site;
    covered in the browser by tests/browser/test_site_devices.py. Here: a trunk step starts
    on the case's office and affected sites."""
    case, _step = replacement_step()
    form = client_for(TECHNICIAN).get(reverse("workflow:case", args=[case.pk])).context["form"]
    assert form["site"].value() is None
    serials = {device.serial_number for device in form.fields["removed"].queryset}
    assert BROKEN_SWITCH in serials


# --- The affected sites and devices ---------------------------------------------------------


def test_it_offers_the_chosen_sites_devices_among_the_affected_ones(bolmut: None) -> None:
    case = reported()
    site, devices = other_site()
    dinkes = set(
        Device.objects.filter(site__opd__abbreviation="Dinkes", agency__slug="bolmut").values_list(
            "pk", flat=True
        )
    )
    url = reverse("workflow:affected_devices", args=[case.pk])
    technician = client_for(TECHNICIAN)
    before = offered(technician.get(url).content.decode(), "devices")
    assert before == dinkes  # the case's office only
    chosen = technician.get(url, {"sites": [site.pk], "devices": [devices[0].pk]})
    html = chosen.content.decode()
    assert html.lstrip().startswith('<div id="affected-devices">')
    assert offered(html, "devices") == dinkes | {device.pk for device in devices}
    assert f'value="{devices[0].pk}" selected' in html
    assert not case.sites.exists()  # nothing saved
    refused = technician.get(url, {"sites": [str(foreign_site().pk), "x"]})
    assert refused.status_code == 200
    assert offered(refused.content.decode(), "devices") == dinkes
    assert "alert-danger" in refused.content.decode()
    assert client_for("bolmut.dinkes").get(url).status_code == 403


def test_it_saves_a_device_of_a_site_chosen_in_the_same_form(bolmut: None) -> None:
    case = reported()
    site, devices = other_site()
    url = reverse("workflow:affected", args=[case.pk])
    response = client_for(TECHNICIAN).post(url, {"sites": [site.pk], "devices": [devices[1].pk]})
    assert response.status_code == 302
    assert list(case.devices.all()) == [devices[1]]
    # Without JavaScript: the page redrawn for the chosen sites, nothing saved.
    other = reported()
    redraw = client_for(TECHNICIAN).post(
        reverse("workflow:affected_devices", args=[other.pk]), {"sites": [site.pk]}
    )
    assert redraw.status_code == 200
    redrawn = {device.pk for device in redraw.context["form"].fields["devices"].queryset}
    assert redrawn >= {device.pk for device in devices}
    assert 'id="affected-form"' in redraw.content.decode()
    assert not other.sites.exists()
