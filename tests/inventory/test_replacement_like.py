"""Replacement takes a like device (issue 13 point 13): the step form offers only spares of
the broken device's kind, warns about another model until the technician confirms (a PoE
switch replaced by one without PoE), and the spare takes the broken device's name and place.
Also the device history it leaves (issue 13 point 12): no raw internal entries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jaga.audit.services import record
from jaga.inventory.history import object_history
from jaga.inventory.models import Device, DeviceStatus
from jaga.inventory.replacement import ReplacementChoice
from jaga.monitoring.models import Check
from jaga.org.models import Opd
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, CaseSource, StepStatus
from jaga.workflow.services import complete_step, open_step, start_case
from tests.inventory.test_pages import Net, make_net

pytestmark = pytest.mark.django_db

SOP = """
format: jaga-sop/1
code: ganti-switch
identity: {nama: Penggantian switch (uji), instansi: [DINAS UJI]}
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Ganti perangkat rusak, lane: kadis, waktu: 1 Jam, replacement: required}
"""


@dataclass
class Store:
    """A case about the Dinkes PoE switch, and the spares in the store."""

    net: Net
    case: Case
    broken: Device
    same_model: Device
    other_model: Device
    access_point: Device


def spare(net: Net, name: str, kind: str, model: str, serial: str) -> Device:
    return Device.objects.create(
        agency=net.agency,
        name=name,
        kind=kind,
        vendor="TP-Link",
        model=model,
        serial_number=serial,
        status=DeviceStatus.SPARE,
        site=net.store,
    )


@pytest.fixture
def store(agency_a: Agency) -> Store:
    net = make_net(agency_a)
    Device.objects.filter(pk=net.switch.pk).update(vendor="TP-Link", model="TL-SG1008P")
    broken = Device.objects.get(pk=net.switch.pk)
    definition = load_definition(net.agency, SOP, path="ganti.yaml").definition
    case = start_case(
        definition,
        source=CaseSource.MANUAL,
        title="Switch Dinkes mati",
        by=net.kadis,
        opd=Opd.objects.get(agency=net.agency, abbreviation="Dinkes"),
    )
    case.devices.add(broken)
    return Store(
        net=net,
        case=case,
        broken=broken,
        same_model=spare(net, "cadangan-poe", "switch", "tl-sg1008p ", "SP-1"),
        other_model=spare(net, "cadangan-biasa", "switch", "TL-SG1008D", "SP-2"),
        access_point=spare(net, "cadangan-ap", "access_point", "EAP110", "SP-3"),
    )


def client(store: Store) -> Client:
    signed_in = Client()
    signed_in.force_login(store.net.kadis)
    return signed_in


def act_url(store: Store) -> str:
    step = open_step(store.case)
    assert step is not None
    return reverse("workflow:act", args=[store.case.pk, step.pk])


def chosen(store: Store, installed: Device, **extra: str) -> dict[str, object]:
    return {
        "removed": store.broken.pk,
        "installed": installed.pk,
        "removed_status": "in_repair",
        **extra,
    }


def test_it_offers_only_spares_of_the_broken_devices_kind(store: Store) -> None:
    response = client(store).get(reverse("workflow:case", args=[store.case.pk]))
    form = response.context["form"]
    assert form.fields["removed"].initial == store.broken.pk
    offered = {device.pk for device in form.fields["installed"].queryset}
    assert offered == {store.same_model.pk, store.other_model.pk}
    html = response.content.decode()
    assert f'value="{store.access_point.pk}"' not in html
    assert "TP-Link TL-SG1008D" in html  # the spares are labelled with their model


def test_it_refuses_a_spare_of_another_kind_in_the_form_and_the_engine(store: Store) -> None:
    response = client(store).post(act_url(store), chosen(store, store.access_point))
    assert response.status_code == 200
    assert response.context["form"].errors["installed"]
    step = open_step(store.case)
    assert step is not None
    choice = ReplacementChoice(store.broken, store.access_point, DeviceStatus.IN_REPAIR)
    with pytest.raises(InvalidInput) as refused:
        complete_step(step, store.net.kadis, replacement=choice)
    assert "installed" in refused.value.errors
    store.access_point.refresh_from_db()
    assert store.access_point.status == DeviceStatus.SPARE


def test_it_warns_about_another_model_until_it_is_confirmed(store: Store) -> None:
    signed_in = client(store)
    url = act_url(store)
    warned = signed_in.post(url, chosen(store, store.other_model))
    assert warned.status_code == 200
    warning = " ".join(warned.context["form"].errors["confirm_model"])
    assert "TL-SG1008D" in warning
    assert "TL-SG1008P" in warning
    assert 'name="confirm_model"' in warned.content.decode()
    assert open_step(store.case) is not None  # nothing happened yet

    confirmed = signed_in.post(url, chosen(store, store.other_model, confirm_model="on"))
    assert confirmed.status_code == 302
    store.other_model.refresh_from_db()
    assert store.other_model.status == DeviceStatus.IN_SERVICE


def test_it_does_not_warn_about_the_same_model(store: Store) -> None:
    response = client(store).post(act_url(store), chosen(store, store.same_model))
    assert response.status_code == 302
    assert not store.case.steps.filter(status=StepStatus.OPEN).exists()


def test_the_spare_takes_the_broken_devices_name_and_place(store: Store) -> None:
    client(store).post(act_url(store), chosen(store, store.same_model))
    spare_now = Device.objects.get(pk=store.same_model.pk)
    broken_now = Device.objects.get(pk=store.broken.pk)
    assert spare_now.name == "sw-dinkes"
    assert spare_now.site_id == store.net.dinkes.pk
    assert spare_now.uplink_id == store.net.core.pk
    assert spare_now.serial_number == "SP-1"  # the physical device keeps its own identity
    assert broken_now.site_id == store.net.store.pk
    assert broken_now.status == DeviceStatus.IN_REPAIR


def test_the_history_shows_no_raw_internal_entries(store: Store) -> None:
    Check.objects.create(agency=store.net.agency, name="ping sw", kind="icmp", device=store.broken)
    record(
        agency=store.net.agency,
        actor=None,
        action="inventory.device.changed",
        obj=store.broken,
        before={"rollup_counter": None},
        after={"rollup_counter": 30},
    )
    client(store).post(act_url(store), chosen(store, store.same_model))

    # The request above left its language active in this thread: read the history in English.
    with translation.override("en"):
        history = object_history(Device.objects.select_related("agency").get(pk=store.broken.pk))
    shown = [change for entry in history.entries for change in entry.changes]
    assert [c.key for c in shown if c.key in ("checks", "rollup_counter")] == ["checks"]
    assert all(change.label != change.key for change in shown)
    replaced = next(entry for entry in history.entries if entry.verb == "replaced")
    changes = {change.key: change for change in replaced.changes}
    assert changes["checks"].after == "1 check moved to the replacement"
    assert changes["case"].after == f"#{store.case.number}"
    assert "30" not in {change.after for change in shown}
