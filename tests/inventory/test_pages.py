"""The detail pages of a device, a site and a link: what they show, to whom (404 for rows
the user may not see), their history, and their query counts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst

from jaga.inventory.models import Device, DeviceStatus, Link, Site
from jaga.inventory.replacement import ReplacementChoice, replace_device
from jaga.inventory.services import save_device, save_link, save_site
from jaga.org.models import Opd, User
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, StepInstance
from tests.inventory.conftest import make_sites

pytestmark = pytest.mark.django_db

SOP = """
format: jaga-sop/1
code: ganti
identity: {nama: Penggantian perangkat (uji), instansi: [DINAS UJI]}
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Ganti perangkat, lane: kadis, waktu: 1 Jam}
"""


@dataclass
class Net:
    """An agency with a store, a data centre (core router), the Dinkes office (a switch
    hanging off the core) and the Bappeda office; its admin, a Diskominfo employee and the
    Dinkes OPD user."""

    agency: Agency
    admin: User
    kadis: User
    dinkes_user: User
    store: Site
    dc: Site
    dinkes: Site
    bappeda: Site
    core: Device
    switch: Device


def add_device(
    net: Net,
    name: str,
    site: Site,
    *,
    uplink: Device | None = None,
    kind: str = "access_point",
    status: str = DeviceStatus.IN_SERVICE,
    serial: str = "",
    addresses: tuple[str, ...] = (),
) -> Device:
    return save_device(
        Device(
            agency=net.agency,
            name=name,
            kind=kind,
            status=status,
            serial_number=serial,
            site=site,
            uplink=uplink,
        ),
        net.admin,
        addresses=list(addresses),
    )


def add_link(
    net: Net,
    a: Device,
    b: Device | None = None,
    *,
    provider: str = "",
    circuit_id: str = "",
    medium: str = "fibre",
    bandwidth: int = 1000,
) -> Link:
    return save_link(
        Link(
            agency=net.agency,
            a_device=a,
            b_device=b,
            provider=provider,
            circuit_id=circuit_id,
            medium=medium,
            bandwidth_mbps=bandwidth,
        ),
        net.admin,
    )


def make_net(agency: Agency) -> Net:
    make_sites(agency)
    admin = User.objects.get(agency=agency, username=f"{agency.slug}.admin")
    bappeda_opd = Opd.objects.create(agency=agency, name="Bappeda", abbreviation="Bappeda")
    dc = save_site(Site(agency=agency, code="dc", name="Data Center", is_store=True), admin)
    bappeda = save_site(
        Site(agency=agency, code="bappeda", name="Kantor Bappeda", opd=bappeda_opd), admin
    )
    net = Net(
        agency=agency,
        admin=admin,
        kadis=User.objects.get(username=f"{agency.slug}.kadis"),
        dinkes_user=User.objects.get(username=f"{agency.slug}.dinkes"),
        store=Site.objects.get(agency=agency, code="gudang"),
        dc=dc,
        dinkes=Site.objects.get(agency=agency, code="dinkes-pusat"),
        bappeda=bappeda,
        core=Device(),
        switch=Device(),
    )
    net.core = add_device(
        net, "core-router", dc, kind="router", serial="CR-1", addresses=("10.0.0.1",)
    )
    net.switch = add_device(
        net,
        "sw-dinkes",
        net.dinkes,
        uplink=net.core,
        kind="switch",
        serial="SW-1",
        addresses=("10.1.1.1",),
    )
    return net


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def device_url(device: Device) -> str:
    return reverse("inventory:device", args=[device.pk])


def site_url(site: Site) -> str:
    return reverse("inventory:site", args=[site.pk])


def link_url(link: Link) -> str:
    return reverse("inventory:link", args=[link.pk])


def make_case(net: Net, title: str, opd: Opd | None) -> Case:
    definition = load_definition(net.agency, SOP, path="ganti.yaml").definition
    return Case.objects.create(
        agency=net.agency,
        definition=definition,
        title=title,
        source="manual",
        opd=opd,
        started_at=timezone.now(),
    )


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# --- Device -----------------------------------------------------------------------------


def test_it_shows_a_device_with_its_addresses_downlinks_and_links(net: Net) -> None:
    ap = add_device(net, "ap-1", net.dinkes, uplink=net.switch, addresses=("10.1.1.11",))
    save_device(net.switch, net.admin, addresses=["10.1.1.1", "fd00::1"])
    backbone = add_link(net, net.switch, net.core)
    isp = add_link(net, net.switch, provider="Biznet", circuit_id="BIZ-1", bandwidth=100)
    response = client_for(net.kadis).get(device_url(net.switch))
    assert response.status_code == 200
    context = response.context
    assert context["device"] == net.switch
    assert [address.address for address in context["addresses"]] == ["10.1.1.1", "fd00::1"]
    assert [child.pk for child in context["downlinks"]] == [ap.pk]
    assert context["downlinks"][0].first_ip == "10.1.1.11"
    rows = {row.link.pk: row for row in context["links"]}
    assert set(rows) == {backbone.pk, isp.pk}
    assert rows[backbone.pk].other == net.core
    assert rows[backbone.pk].other_visible
    assert rows[isp.pk].other is None
    assert context["uplink_visible"]
    html = response.content.decode()
    assert 'data-address="fd00::1"' in html
    assert f'href="{device_url(ap)}"' in html
    assert f'href="{device_url(net.core)}"' in html
    assert f'href="{link_url(isp)}"' in html
    assert f'href="{site_url(net.dinkes)}"' in html
    assert 'id="edit-in-admin"' not in html


def test_it_offers_the_admin_an_edit_link(net: Net) -> None:
    client = client_for(net.admin)
    link = add_link(net, net.core, provider="Telkom", bandwidth=500)
    pages = [
        (device_url(net.switch), reverse("admin:inventory_device_change", args=[net.switch.pk])),
        (site_url(net.dinkes), reverse("admin:inventory_site_change", args=[net.dinkes.pk])),
        (link_url(link), reverse("admin:inventory_link_change", args=[link.pk])),
    ]
    for url, admin_url in pages:
        response = client.get(url)
        assert response.context["may_change"]
        assert re.search(rf'id="edit-in-admin" href="{re.escape(admin_url)}"', response.text)
        assert not client_for(net.kadis).get(url).context["may_change"]


def test_it_lists_the_history_newest_first_with_names_for_ids(net: Net) -> None:
    net.switch.uplink = None
    net.switch.site = net.bappeda
    save_device(net.switch, net.admin, addresses=["10.1.1.1", "10.1.1.2"])
    response = client_for(net.kadis).get(device_url(net.switch))
    history = response.context["history"]
    assert history.total == 2
    assert not history.truncated
    assert [entry.verb for entry in history.entries] == ["changed", "created"]
    changed = {change.key: change for change in history.entries[0].changes}
    assert set(changed) == {"site_id", "uplink_id", "management_ips"}
    assert changed["site_id"].before == str(net.dinkes)
    assert changed["site_id"].after == str(net.bappeda)
    assert (changed["uplink_id"].before, changed["uplink_id"].after) == ("core-router", "")
    assert changed["management_ips"].before == "10.1.1.1"
    assert changed["management_ips"].after == "10.1.1.1, 10.1.1.2"
    with translation.override("id"):
        label = capfirst(str(Device._meta.get_field("site").verbose_name))
    assert changed["site_id"].label == label
    assert history.entries[0].actor == "alpha.admin"
    created = {change.key: change for change in history.entries[1].changes}
    assert created["name"].after == "sw-dinkes"
    assert created["serial_number"].after == "SW-1"
    assert "asset_code" not in created  # empty fields of a creation are left out
    html = response.content.decode()
    seqs = [int(seq) for seq in re.findall(r'data-event="(\d+)"', html)]
    assert seqs == sorted(seqs, reverse=True)
    assert 'data-field="management_ips"' in html


def test_it_names_a_deleted_uplink_by_its_id(net: Net) -> None:
    spare = add_device(net, "old-switch", net.dinkes, kind="switch")
    spare_pk = spare.pk
    net.switch.uplink = spare
    save_device(net.switch, net.admin)
    from jaga.inventory.services import delete_device

    delete_device(spare, net.admin)
    response = client_for(net.kadis).get(device_url(net.switch))
    entries = response.context["history"].entries
    # Newest first: the deletion left the switch without uplink, an event of its own.
    cleared = {c.key: c for c in entries[0].changes}
    assert cleared["uplink_id"].before == f"#{spare_pk}"
    changed = {c.key: c for c in entries[1].changes}
    assert changed["uplink_id"].after == f"#{spare_pk}"
    assert changed["uplink_id"].before == "core-router"


def test_it_caps_the_history_and_counts_it_all(net: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jaga.inventory.history.HISTORY_LIMIT", 3)
    for number in range(5):
        net.switch.notes = f"catatan {number}"
        save_device(net.switch, net.admin)
    response = client_for(net.kadis).get(device_url(net.switch))
    history = response.context["history"]
    assert history.total == 6
    assert len(history.entries) == 3
    assert history.truncated
    assert [change.after for change in history.entries[0].changes] == ["catatan 4"]
    assert 'id="history-truncated"' in response.text


def test_it_shows_times_in_the_agency_time_zone(agency_b: Agency) -> None:
    make_sites(agency_b)  # Asia/Makassar (WITA, UTC+8)
    admin = User.objects.get(username="beta.admin")
    device = save_device(
        Device(
            agency=agency_b,
            name="sw",
            kind="switch",
            site=Site.objects.get(agency=agency_b, code="dinkes-pusat"),
        ),
        admin,
        at=dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC),
    )
    response = client_for(User.objects.get(username="beta.kadis")).get(device_url(device))
    assert response.context["history"].timezone == "Asia/Makassar"
    row = re.search(r'<tr class="history-event".*?</tr>', response.text, re.S)
    assert row is not None
    assert "09:30" in row.group(0)
    assert "08:30" not in row.group(0)


def test_it_refuses_a_user_of_no_agency(net: Net, platform_admin: User) -> None:
    client = client_for(platform_admin)
    for url in (
        device_url(net.switch),
        site_url(net.dinkes),
        reverse("inventory:opd", args=[net.dinkes.opd_id]),
    ):
        assert client.get(url).status_code == 403


def test_it_shows_the_cases_the_user_may_see(net: Net) -> None:
    dinkes_opd = Opd.objects.get(agency=net.agency, abbreviation="Dinkes")
    bappeda_opd = Opd.objects.get(agency=net.agency, abbreviation="Bappeda")
    own = make_case(net, "Switch Dinkes mati", dinkes_opd)
    general = make_case(net, "Pemeliharaan rutin", None)
    other = make_case(net, "Gangguan Bappeda", bappeda_opd)
    for case in (own, general, other):
        case.devices.add(net.switch)
        case.sites.add(net.dinkes)
    make_case(net, "Tidak terkait", dinkes_opd)
    for url in (device_url(net.switch), site_url(net.dinkes)):
        kadis = client_for(net.kadis).get(url).context["case_list"]
        assert {case.pk for case in kadis.cases} == {own.pk, general.pk, other.pk}
        assert kadis.total == 3
        response = client_for(net.dinkes_user).get(url)
        assert [case.pk for case in response.context["case_list"].cases] == [own.pk]
        assert f'href="{reverse("workflow:case", args=[own.pk])}"' in response.text
        assert f'href="{reverse("workflow:case", args=[other.pk])}"' not in response.text


def test_it_shows_the_replacements_of_both_devices(net: Net) -> None:
    broken = add_device(net, "ap-rusak", net.dinkes, uplink=net.switch, serial="AP-1")
    spare = add_device(net, "ap-cadangan", net.store, status=DeviceStatus.SPARE, serial="AP-2")
    case = make_case(net, "AP mati", Opd.objects.get(agency=net.agency, abbreviation="Dinkes"))
    step = StepInstance.objects.create(
        agency=net.agency,
        case=case,
        step_no="1",
        lane="kadis",
        kind="process",
        started_at=timezone.now(),
    )
    replacement = replace_device(
        case,
        step,
        ReplacementChoice(removed=broken, installed=spare, removed_status=DeviceStatus.IN_REPAIR),
        net.admin,
        at=timezone.now(),
    )
    client = client_for(net.kadis)
    removed_page = client.get(device_url(broken))
    rows = removed_page.context["replacements"]
    assert [(row.role, row.other.pk, row.case_visible) for row in rows] == [
        ("removed", spare.pk, True)
    ]
    assert f'data-replacement="{replacement.pk}" data-role="removed"' in removed_page.text
    assert f'href="{device_url(spare)}"' in removed_page.text
    replaced = removed_page.context["history"].entries[0]
    assert replaced.verb == "replaced"
    changes = {change.key: change for change in replaced.changes}
    assert changes["installed"].after == "ap-rusak"  # the spare took the broken name
    assert changes["case"].after == f"#{case.number}"
    installed_page = client.get(device_url(spare))
    assert [(row.role, row.other.pk) for row in installed_page.context["replacements"]] == [
        ("installed", broken.pk)
    ]
    assert f'href="{reverse("workflow:case", args=[case.pk])}"' in installed_page.text


# --- Site and link ----------------------------------------------------------------------


def test_it_shows_a_site_with_its_devices_by_status_and_its_tree(net: Net) -> None:
    net.dinkes.latitude, net.dinkes.longitude = Decimal("-6.595038"), Decimal("106.816635")
    net.dinkes.contact_phone = "0812-1111-2222"
    save_site(net.dinkes, net.admin)
    ap = add_device(net, "ap-1", net.dinkes, uplink=net.switch)
    broken = add_device(net, "ap-2", net.dinkes, uplink=net.switch, status="in_repair")
    retired = add_device(net, "ap-lama", net.dinkes, status="retired")
    response = client_for(net.kadis).get(site_url(net.dinkes))
    assert response.status_code == 200
    context = response.context
    groups = {group.status: [d.pk for d in group.devices] for group in context["status_groups"]}
    assert groups == {
        "in_service": [ap.pk, net.switch.pk],
        "in_repair": [broken.pk],
        "retired": [retired.pk],
    }
    assert context["device_count"] == 4
    (group,) = context["tree"].groups
    assert group.upstream.device_id == net.core.pk
    assert [(row.node.device_id, row.parent_id) for row in group.rows()] == [
        (net.switch.pk, None),
        (ap.pk, net.switch.pk),
        (broken.pk, net.switch.pk),
    ]
    assert "openstreetmap.org/?mlat=-6.595038&mlon=106.816635" in context["osm_url"]
    html = response.content.decode()
    assert 'id="site-map"' in html
    assert f'href="{reverse("inventory:opd", args=[net.dinkes.opd_id])}"' in html
    assert f'data-device="{retired.pk}"' in html
    # make_sites creates the site without the services: its one event is the change
    (entry,) = context["history"].entries
    assert {change.key for change in entry.changes} == {"latitude", "longitude", "contact_phone"}


def test_it_shows_a_link_and_its_history(net: Net) -> None:
    link = add_link(net, net.switch, net.core, circuit_id="FO-1")
    link.bandwidth_mbps = 10000
    save_link(link, net.admin)
    response = client_for(net.kadis).get(link_url(link))
    assert response.status_code == 200
    assert response.context["a_visible"]
    assert response.context["b_visible"]
    changed = {c.key: c for c in response.context["history"].entries[0].changes}
    assert (changed["bandwidth_mbps"].before, changed["bandwidth_mbps"].after) == (
        "1000",
        "10000",
    )
    created = {c.key: c for c in response.context["history"].entries[1].changes}
    assert created["a_device_id"].after == "sw-dinkes"
    assert created["b_device_id"].after == "core-router"
    # the OPD user sees the link (one end is theirs) but not the core router's page
    opd_page = client_for(net.dinkes_user).get(link_url(link))
    assert opd_page.status_code == 200
    assert opd_page.context["a_visible"]
    assert not opd_page.context["b_visible"]
    assert f'href="{device_url(net.core)}"' not in opd_page.text


# --- Who sees what ----------------------------------------------------------------------


def test_it_answers_404_for_rows_the_user_may_not_see(net: Net, agency_b: Agency) -> None:
    own = add_device(net, "ap-dinkes", net.dinkes, uplink=net.switch)
    elsewhere = add_device(net, "ap-bappeda", net.bappeda)
    backbone = add_link(net, net.core, elsewhere, medium="utp", bandwidth=100)
    opd_user = client_for(net.dinkes_user)
    assert opd_user.get(device_url(own)).status_code == 200
    assert opd_user.get(site_url(net.dinkes)).status_code == 200
    for url in (
        device_url(elsewhere),
        device_url(net.core),
        site_url(net.bappeda),
        site_url(net.dc),
        link_url(backbone),
    ):
        assert opd_user.get(url).status_code == 404, url
    # the switch's uplink is named, not linked
    switch_page = opd_user.get(device_url(net.switch))
    assert not switch_page.context["uplink_visible"]
    assert f'data-device="{net.core.pk}"' in switch_page.text
    assert f'href="{device_url(net.core)}"' not in switch_page.text
    outsider = client_for(User.objects.get(username="beta.admin"))
    for url in (device_url(own), site_url(net.dinkes), link_url(backbone)):
        assert outsider.get(url).status_code == 404
    anonymous = Client().get(device_url(own))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    missing = reverse("inventory:device", args=[10**9])
    assert client_for(net.kadis).get(missing).status_code == 404


# --- Query counts -----------------------------------------------------------------------


def grow_device(net: Net, device: Device, count: int, start: int) -> None:
    """``count`` more downlinks (each with an address and a link to ``device``), events,
    addresses and cases around ``device``."""
    dinkes_opd = Opd.objects.get(agency=net.agency, abbreviation="Dinkes")
    addresses = [f"10.9.{start + n}.1" for n in range(count)]
    for n in range(start, start + count):
        child = add_device(
            net, f"ap-{n:03d}", net.dinkes, uplink=device, addresses=(f"10.2.{n}.1",)
        )
        add_link(net, child, device, medium="utp")
        device.notes = f"perubahan {n}"
        save_device(device, net.admin)
        make_case(net, f"Kasus {n}", dinkes_opd).devices.add(device)
    existing = list(device.addresses.values_list("address", flat=True))
    save_device(device, net.admin, addresses=[*existing, *addresses])


def test_it_loads_a_device_in_the_same_queries_for_2_or_20_neighbours(net: Net) -> None:
    client = client_for(net.kadis)
    url = device_url(net.switch)
    grow_device(net, net.switch, 2, 0)
    client.get(url)
    few = count_queries(client, url)
    grow_device(net, net.switch, 18, 2)
    many = count_queries(client, url)
    assert len(client.get(url).context["downlinks"]) == 20
    assert few == many
    opd_user = client_for(net.dinkes_user)
    opd_user.get(url)
    assert count_queries(opd_user, url) <= many + 2


def test_it_loads_a_site_and_a_link_in_the_same_queries_for_2_or_20_rows(net: Net) -> None:
    client = client_for(net.kadis)
    link = add_link(net, net.switch, net.core)
    urls = [site_url(net.dinkes), link_url(link)]

    def grow(start: int, count: int) -> None:
        for n in range(start, start + count):
            add_device(
                net,
                f"ap-{n:03d}",
                net.dinkes,
                uplink=net.switch,
                status="in_repair" if n % 3 else "in_service",
                addresses=(f"10.3.{n}.1",),
            )
            net.dinkes.contact_name = f"Kontak {n}"
            save_site(net.dinkes, net.admin)
            link.bandwidth_mbps = 1000 + n
            save_link(link, net.admin)

    grow(0, 2)
    for url in urls:
        client.get(url)
    few = [count_queries(client, url) for url in urls]
    grow(2, 18)
    many = [count_queries(client, url) for url in urls]
    assert few == many
