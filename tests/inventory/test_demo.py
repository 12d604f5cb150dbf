"""The demo inventory (``jaga.inventory.demo``): a store with spares, a data centre with
the core router, a site per OPD, written with history, and nothing new when run again."""

from __future__ import annotations

import pytest
from django.db.models import Count

from jaga.audit.models import Event
from jaga.inventory.demo import DATA_CENTRE_CODE, STORE_CODE, load_demo_inventory
from jaga.inventory.models import Device, DeviceAddress, DeviceStatus, Link, Site
from jaga.inventory.tree import site_forest
from jaga.org.demo.agencies import AGENCIES
from jaga.org.models import Opd, User

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "devices": Device.objects.count(),
        "addresses": DeviceAddress.objects.count(),
        "links": Link.objects.count(),
        "events": Event.objects.filter(action__startswith="inventory.").count(),
    }


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module)."""


def test_it_loads_once_and_changes_nothing_when_run_again(demo: None) -> None:
    before = counts()
    assert before["devices"] > 0
    devices = sorted(Device.objects.values_list("serial_number", "status", "site_id", "uplink_id"))
    assert load_demo_inventory(AGENCIES) == 0
    assert counts() == before
    assert (
        sorted(Device.objects.values_list("serial_number", "status", "site_id", "uplink_id"))
        == devices
    )
    # every row was written through the services, by the system
    created = Event.objects.filter(action__endswith=".created", action__startswith="inventory.")
    assert created.count() == before["sites"] + before["devices"] + before["links"]
    assert set(created.values_list("actor_label", flat=True)) == {""}


def test_it_gives_every_demo_opd_a_site_with_a_switch_off_the_core(demo: None) -> None:
    for opd in Opd.objects.filter(agency__slug__in=[a.slug for a in AGENCIES]):
        (site,) = Site.objects.filter(opd=opd)
        switch = Device.objects.get(site=site, kind="switch")
        assert switch.uplink is not None
        assert switch.uplink.site.code == DATA_CENTRE_CODE
        assert Device.objects.filter(site=site, kind="access_point", uplink=switch).exists()
        assert Link.objects.filter(a_device=switch, b_device=switch.uplink).exists()


def test_it_stocks_each_store_with_spares_and_gives_the_core_an_isp(demo: None) -> None:
    stores = Site.objects.filter(code=STORE_CODE, is_store=True)
    assert stores.count() == len(AGENCIES)
    for store in stores:
        spares = Device.objects.filter(site=store, status=DeviceStatus.SPARE)
        kinds = dict(spares.values_list("kind").annotate(n=Count("pk")))
        assert kinds == {"switch": 2, "access_point": 1, "router": 1}
        assert all(spares.values_list("serial_number", flat=True))
        core = Device.objects.get(agency=store.agency, site__code=DATA_CENTRE_CODE)
        address = core.addresses.get().address
        assert address.startswith("10.")
        assert Link.objects.filter(a_device=core, b_device=None).exclude(provider="").exists()


def test_its_trees_hang_off_the_core_router(demo: None) -> None:
    admin = User.objects.get(username="bogor.admin")
    opd = Opd.objects.get(agency=admin.agency, abbreviation="Dinkes")
    (tree,) = site_forest(admin, list(Site.objects.filter(opd=opd)))
    (group,) = tree.groups
    assert group.upstream is not None
    assert group.upstream.name == "core-router"
    (switch,) = group.roots
    assert switch.kind == "switch"
    assert [child.kind for child in switch.children] == ["access_point", "access_point"]
    assert any(child.in_repair for child in switch.children)
