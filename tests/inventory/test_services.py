"""Models and services: uplink loops, serials per agency, ISP links, audit events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from jaga.audit.models import Event
from jaga.audit.services import history
from jaga.inventory.models import Device, Link, Site
from jaga.inventory.services import delete_device, save_device, save_link, save_site
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.conftest import make_sites

pytestmark = pytest.mark.django_db


def device(agency: Agency, name: str, serial: str = "", uplink: Device | None = None) -> Device:
    return Device.objects.create(
        agency=agency,
        name=name,
        kind="switch",
        serial_number=serial,
        site=Site.objects.get(agency=agency, code="dinkes-pusat"),
        uplink=uplink,
    )


def test_it_refuses_an_uplink_loop(sites: Agency, admin_a: User) -> None:
    top = device(sites, "top")
    middle = device(sites, "middle", uplink=top)
    bottom = device(sites, "bottom", uplink=middle)
    top.uplink = bottom
    with pytest.raises(ValidationError) as raised:
        save_device(top, admin_a)
    assert "uplink" in raised.value.message_dict
    top.uplink = top
    with pytest.raises(ValidationError):
        save_device(top, admin_a)
    top.refresh_from_db()
    assert top.uplink is None


def test_it_keeps_serials_unique_per_agency_only(
    sites: Agency, agency_b: Agency, admin_a: User
) -> None:
    make_sites(agency_b)
    device(sites, "one", serial="SN-1")
    device(agency_b, "other agency", serial="SN-1")
    duplicate = Device(
        agency=sites,
        name="two",
        kind="router",
        serial_number="SN-1",
        site=Site.objects.get(agency=sites, code="gudang"),
    )
    with pytest.raises(ValidationError):
        save_device(duplicate, admin_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    device(sites, "no serial 1")
    device(sites, "no serial 2")  # empty serials never clash


def test_it_requires_a_provider_for_a_link_to_an_isp(sites: Agency, admin_a: User) -> None:
    router = device(sites, "router", serial="R1")
    link = Link(agency=sites, a_device=router, medium="fibre", bandwidth_mbps=100)
    with pytest.raises(ValidationError) as raised:
        save_link(link, admin_a)
    assert "provider" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()
    link.provider = "Telkom"
    save_link(link, admin_a)
    assert str(link) == "router (R1) ↔ Telkom"


def test_it_keeps_a_site_without_an_opd_as_the_diskominfos_own(
    agency_a: Agency, admin_a: User
) -> None:
    site = save_site(Site(agency=agency_a, code="pusat-data", name="Pusat data"), admin_a)
    assert site.opd is None
    assert not site.is_store


def test_it_audits_create_change_and_delete_with_before_and_after(
    sites: Agency, admin_a: User
) -> None:
    router = Device(
        agency=sites,
        name="Router Dinkes",
        kind="router",
        serial_number="SN-9",
        site=Site.objects.get(agency=sites, code="dinkes-pusat"),
    )
    save_device(router, admin_a, addresses=["10.0.0.1", "2001:db8::1"])
    router.status = "in_repair"
    save_device(router, admin_a, addresses=["10.0.0.2"])
    save_device(router, admin_a)  # nothing changed: no event
    events = list(history(router))
    assert [e.action for e in events] == [
        "inventory.device.created",
        "inventory.device.changed",
    ]
    created, changed = events
    assert created.actor_label == "alpha.admin"
    assert created.before is None
    assert created.after is not None
    assert created.after["serial_number"] == "SN-9"
    assert created.after["management_ips"] == ["10.0.0.1", "2001:db8::1"]
    assert changed.before == {"status": "in_service", "management_ips": ["10.0.0.1", "2001:db8::1"]}
    assert changed.after == {"status": "in_repair", "management_ips": ["10.0.0.2"]}
    pk = router.pk
    delete_device(router, admin_a)
    deleted = Event.objects.get(action="inventory.device.deleted", object_id=str(pk))
    assert deleted.before is not None
    assert deleted.before["name"] == "Router Dinkes"
    assert deleted.after is None


def test_it_refuses_a_malformed_address(sites: Agency, admin_a: User) -> None:
    router = Device(
        agency=sites,
        name="Router",
        kind="router",
        site=Site.objects.get(agency=sites, code="gudang"),
    )
    with pytest.raises(ValidationError):
        save_device(router, admin_a, addresses=["10.0.0.300"])
    assert not Device.objects.exists()


def test_it_audits_the_downlinks_a_deleted_device_leaves_without_uplink(
    sites: Agency, admin_a: User
) -> None:
    site = Site.objects.get(agency=sites, code="dinkes-pusat")
    parent = save_device(Device(agency=sites, name="Switch", kind="switch", site=site), admin_a)
    child = save_device(
        Device(agency=sites, name="AP", kind="access_point", site=site, uplink=parent), admin_a
    )
    parent_pk = parent.pk
    delete_device(parent, admin_a)
    child.refresh_from_db()
    assert child.uplink_id is None
    event = Event.objects.get(action="inventory.device.changed", object_id=str(child.pk))
    assert event.before == {"uplink_id": parent_pk}
    assert event.after == {"uplink_id": None}


def test_it_keeps_the_downlinks_when_the_deletion_is_refused(sites: Agency, admin_a: User) -> None:
    site = Site.objects.get(agency=sites, code="dinkes-pusat")
    parent = save_device(Device(agency=sites, name="Switch", kind="switch", site=site), admin_a)
    child = save_device(
        Device(agency=sites, name="AP", kind="access_point", site=site, uplink=parent), admin_a
    )
    save_link(
        Link(agency=sites, a_device=parent, medium="fibre", bandwidth_mbps=10, provider="ISP"),
        admin_a,
    )
    with pytest.raises(ProtectedError):
        delete_device(parent, admin_a)
    child.refresh_from_db()
    assert child.uplink_id == parent.pk
