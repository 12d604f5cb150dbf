"""The inventory's list pages, their filters, exports, templates and the import page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries

from jaga.inventory.models import Device, DeviceAddress, Link, Site
from jaga.inventory.tabular import COLUMNS, Kind
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency
from tests.inventory.conftest import make_sites

pytestmark = pytest.mark.django_db

SITES = reverse("inventory:sites")
DEVICES = reverse("inventory:devices")
LINKS = reverse("inventory:links")
IMPORT = reverse("inventory:import")
#: The most queries a list page or an export may make, whatever the number of rows.
BOUND = 20


@dataclass
class Inventory:
    """An agency's inventory: the store, a Dinkes and a Disdik site, devices and links."""

    agency: Agency
    dinkes: Opd
    disdik: Opd
    store: Site
    dinkes_site: Site
    disdik_site: Site
    core: Device
    switch: Device
    ap: Device
    spare: Device
    isp: Link
    uplink: Link
    disdik_link: Link


def device(agency: Agency, site: Site, name: str, **fields: Any) -> Device:
    addresses = fields.pop("addresses", [])
    made = Device.objects.create(
        agency=agency, site=site, name=name, kind=fields.pop("kind", "switch"), **fields
    )
    for address in addresses:
        DeviceAddress.objects.create(agency=agency, device=made, address=address)
    return made


def build(agency: Agency) -> Inventory:
    make_sites(agency)
    dinkes = Opd.objects.get(agency=agency, abbreviation="Dinkes")
    disdik = Opd.objects.create(agency=agency, name="Dinas Pendidikan", abbreviation="Disdik")
    store = Site.objects.get(agency=agency, code="gudang")
    dinkes_site = Site.objects.get(agency=agency, code="dinkes-pusat")
    disdik_site = Site.objects.create(
        agency=agency, code="disdik-pusat", name="Disdik Pusat", opd=disdik, address="Jl. Sekolah"
    )
    prefix = agency.slug.upper()
    core = device(
        agency,
        dinkes_site,
        "Core router",
        kind="router",
        vendor="MikroTik",
        model="CCR2004",
        serial_number=f"{prefix}-CORE",
        addresses=["10.0.0.1", "10.0.0.254"],
    )
    switch = device(
        agency,
        dinkes_site,
        "Switch lantai 2",
        vendor="Cisco",
        serial_number=f"{prefix}-SW",
        uplink=core,
        addresses=["10.0.1.2"],
    )
    ap = device(
        agency,
        disdik_site,
        "AP aula",
        kind="access_point",
        vendor="Ubiquiti",
        serial_number=f"{prefix}-AP",
        uplink=core,
    )
    spare = device(
        agency, store, "Cadangan", vendor="Cisco", serial_number=f"{prefix}-SPARE", status="spare"
    )
    isp = Link.objects.create(
        agency=agency,
        a_device=core,
        medium="fibre",
        bandwidth_mbps=100,
        provider="Telkom",
        circuit_id="C-1",
    )
    uplink = Link.objects.create(
        agency=agency, a_device=core, b_device=switch, medium="utp", bandwidth_mbps=1000
    )
    disdik_link = Link.objects.create(
        agency=agency, a_device=ap, medium="wireless", bandwidth_mbps=50, provider="Lintasarta"
    )
    return Inventory(
        agency,
        dinkes,
        disdik,
        store,
        dinkes_site,
        disdik_site,
        core,
        switch,
        ap,
        spare,
        isp,
        uplink,
        disdik_link,
    )


@pytest.fixture
def alpha(agency_a: Agency) -> Inventory:
    return build(agency_a)


@pytest.fixture
def beta(agency_b: Agency) -> Inventory:
    return build(agency_b)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def rows(html: str, kind: str) -> list[int]:
    """The ids in the ``data-<kind>`` attribute of each table row (site, device, link)."""
    return [int(pk) for pk in re.findall(rf'<tr class="{kind}-row" data-{kind}="(\d+)"', html)]


def listed(client: Client, url: str, kind: str, query: str = "") -> set[int]:
    response = client.get(url + query)
    assert response.status_code == 200
    return set(rows(response.content.decode(), kind))


def pks(*objects: Site | Device | Link) -> set[int]:
    return {obj.pk for obj in objects}


# --- Lists and filters --------------------------------------------------------------------


def test_it_lists_the_agencys_inventory_and_never_another_agencys(
    alpha: Inventory, beta: Inventory
) -> None:
    client = client_for("alpha.kadis")
    assert listed(client, DEVICES, "device") == pks(alpha.core, alpha.switch, alpha.ap, alpha.spare)
    assert listed(client, SITES, "site") == pks(alpha.store, alpha.dinkes_site, alpha.disdik_site)
    assert listed(client, LINKS, "link") == pks(alpha.isp, alpha.uplink, alpha.disdik_link)
    assert listed(client_for("beta.admin"), DEVICES, "device") == pks(
        beta.core, beta.switch, beta.ap, beta.spare
    )


def test_it_links_each_row_to_its_detail_page(alpha: Inventory) -> None:
    html = client_for("alpha.kadis").get(DEVICES).content.decode()
    assert f'href="{reverse("inventory:device", args=[alpha.switch.pk])}"' in html
    assert f'href="{reverse("inventory:site", args=[alpha.dinkes_site.pk])}"' in html
    html = client_for("alpha.kadis").get(SITES).content.decode()
    assert f'href="{reverse("inventory:site", args=[alpha.store.pk])}"' in html
    assert f'href="{reverse("inventory:opd", args=[alpha.disdik.pk])}"' in html
    html = client_for("alpha.kadis").get(LINKS).content.decode()
    assert f'href="{reverse("inventory:link", args=[alpha.isp.pk])}"' in html


def test_it_shows_the_first_management_address_and_the_uplink(alpha: Inventory) -> None:
    client = client_for("alpha.kadis")
    html = client.get(DEVICES + f"?q={alpha.core.serial_number}").content.decode()
    row = html.split(f'data-device="{alpha.core.pk}"')[1].split("</tr>")[0]
    assert "10.0.0.1" in row
    assert "+1" in row  # a second address
    html = client.get(DEVICES + "?q=lantai").content.decode()
    row = html.split(f'data-device="{alpha.switch.pk}"')[1].split("</tr>")[0]
    assert f'href="{reverse("inventory:device", args=[alpha.core.pk])}"' in row
    assert 'data-status="in_service"' in row


def test_it_narrows_the_devices_by_each_filter(alpha: Inventory, beta: Inventory) -> None:
    client = client_for("alpha.kadis")
    a = alpha
    assert listed(client, DEVICES, "device", "?q=alpha-sw") == pks(a.switch)
    assert listed(client, DEVICES, "device", "?q=ccr2004") == pks(a.core)
    assert listed(client, DEVICES, "device", "?q=10.0.0.254") == pks(a.core)
    assert listed(client, DEVICES, "device", "?q=10.0.") == pks(a.core, a.switch)
    assert listed(client, DEVICES, "device", "?kind=access_point") == pks(a.ap)
    assert listed(client, DEVICES, "device", "?status=spare") == pks(a.spare)
    assert listed(client, DEVICES, "device", f"?opd={a.dinkes.pk}") == pks(a.core, a.switch)
    assert listed(client, DEVICES, "device", "?site=disdik-pusat") == pks(a.ap)
    assert listed(client, DEVICES, "device", "?site=DISDIK-pusat") == pks(a.ap)
    assert listed(client, DEVICES, "device", "?vendor=Cisco") == pks(a.switch, a.spare)
    assert listed(client, DEVICES, "device", "?vendor=cisco") == pks(a.switch, a.spare)
    assert listed(client, DEVICES, "device", f"?vendor=Cisco&opd={a.dinkes.pk}") == pks(a.switch)


def test_it_narrows_the_sites_by_each_filter(alpha: Inventory) -> None:
    client = client_for("alpha.kadis")
    a = alpha
    assert listed(client, SITES, "site", "?q=sekolah") == pks(a.disdik_site)
    assert listed(client, SITES, "site", "?q=gudang") == pks(a.store)
    assert listed(client, SITES, "site", f"?opd={a.dinkes.pk}") == pks(a.dinkes_site)
    assert listed(client, SITES, "site", "?store=yes") == pks(a.store)
    assert listed(client, SITES, "site", "?store=no") == pks(a.dinkes_site, a.disdik_site)


def test_it_narrows_the_links_by_each_filter(alpha: Inventory) -> None:
    client = client_for("alpha.kadis")
    a = alpha
    assert listed(client, LINKS, "link", "?medium=utp") == pks(a.uplink)
    assert listed(client, LINKS, "link", "?provider=Telkom") == pks(a.isp)
    assert listed(client, LINKS, "link", "?end=isp") == pks(a.isp, a.disdik_link)
    assert listed(client, LINKS, "link", "?end=device") == pks(a.uplink)
    assert listed(client, LINKS, "link", f"?opd={a.disdik.pk}") == pks(a.disdik_link)
    assert listed(client, LINKS, "link", "?q=lantai") == pks(a.uplink)
    assert listed(client, LINKS, "link", "?q=C-1") == pks(a.isp)


def test_it_offers_only_the_agencys_own_choices(alpha: Inventory, beta: Inventory) -> None:
    response = client_for("alpha.kadis").get(DEVICES)
    form = response.context["filter"].form
    assert set(form.fields["opd"].queryset) == {alpha.dinkes, alpha.disdik}
    # Another agency's site code or vendor only narrows one's own rows: to none.
    beta.core.vendor = "Juniper"
    beta.core.save()
    assert listed(client_for("alpha.kadis"), DEVICES, "device", "?vendor=Juniper") == set()
    assert listed(client_for("beta.kadis"), DEVICES, "device", "?vendor=Juniper") == pks(beta.core)
    response = client_for("alpha.kadis").get(LINKS)
    providers = response.context["filter"].form.fields["provider"].choices
    assert [value for value, _label in providers][1:] == ["Lintasarta", "Telkom"]


def test_it_shows_an_opd_user_only_their_opds_part(alpha: Inventory, beta: Inventory) -> None:
    client = client_for("alpha.dinkes")
    assert listed(client, SITES, "site") == pks(alpha.dinkes_site)
    assert listed(client, DEVICES, "device") == pks(alpha.core, alpha.switch)
    assert listed(client, LINKS, "link") == pks(alpha.isp, alpha.uplink)
    form = client.get(DEVICES).context["filter"].form
    assert set(form.fields["opd"].queryset) == {alpha.dinkes}
    # Another OPD is not a choice: a form error, never their rows.
    response = client.get(DEVICES + f"?opd={alpha.disdik.pk}")
    assert 'data-error="opd"' in response.content.decode()
    assert alpha.ap.pk not in rows(response.content.decode(), "device")
    assert listed(client, DEVICES, "device", "?site=disdik-pusat") == set()
    assert listed(client, SITES, "site", f"?opd={alpha.disdik.pk}") == pks(alpha.dinkes_site)
    assert listed(client, LINKS, "link", "?q=aula") == set()


def test_it_treats_another_agencys_or_a_garbage_filter_value_as_a_form_error(
    alpha: Inventory, beta: Inventory
) -> None:
    client = client_for("alpha.kadis")
    bad = (f"?opd={beta.dinkes.pk}", "?opd=abc", "?status=-1", "?kind=toaster", "?q=a%00b")
    for query in bad:
        response = client.get(DEVICES + query)
        assert response.status_code == 200
        assert response.context["filter"].errors
        assert not set(rows(response.content.decode(), "device")) & pks(beta.core, beta.ap)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1e9", "", "9" * 30, "2%00"])
def test_it_answers_any_page_number_without_error(alpha: Inventory, page: str) -> None:
    client = client_for("alpha.kadis")
    for url in (SITES, DEVICES, LINKS, SITES + "?q=a&", DEVICES + "?q=a&", LINKS + "?q=a&"):
        separator = "" if url.endswith("&") else "?"
        assert client.get(url + f"{separator}page={page}").status_code == 200


@pytest.mark.parametrize("query", ["", "?kind=switch&"])
def test_it_pages_a_whole_or_a_filtered_list_alike(alpha: Inventory, query: str) -> None:
    make_devices(alpha.agency, alpha.dinkes_site, 60)  # 59 switches under a router
    client = client_for("alpha.kadis")
    start = query or "?"
    total = 64 if not query else 61  # 59 + the switch and the spare of the inventory
    pages = {}
    for page in ("1", "2", "3", "abc", "0"):
        response = client.get(DEVICES + f"{start}page={page}")
        assert response.context["page"].paginator.count == total
        pages[page] = (response.context["page"].number, rows(response.content.decode(), "device"))
    assert pages["1"][0] == 1
    assert len(pages["1"][1]) == 50
    assert pages["2"] == (2, pages["2"][1])
    assert len(pages["2"][1]) == total - 50
    assert pages["3"] == pages["0"] == pages["2"]  # out of range: the last page
    assert pages["abc"] == pages["1"]  # not a number: the first
    response = client.get(DEVICES + f"{start}q=nothing-like-this")
    assert response.context["page"].paginator.count == 0


def test_it_paginates_50_rows_to_a_page(alpha: Inventory) -> None:
    make_devices(alpha.agency, alpha.dinkes_site, 60)
    client = client_for("alpha.kadis")
    first = client.get(DEVICES)
    assert first.context["page"].paginator.count == 64
    assert len(rows(first.content.decode(), "device")) == 50
    assert 'data-count="64"' in first.content.decode()
    second = client.get(DEVICES + "?page=2")
    assert len(rows(second.content.decode(), "device")) == 14
    assert not set(rows(first.content.decode(), "device")) & set(
        rows(second.content.decode(), "device")
    )


def test_it_answers_an_htmx_filter_with_the_results_only(alpha: Inventory) -> None:
    response = client_for("alpha.kadis").get(
        DEVICES + "?kind=router", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert rows(html, "device") == [alpha.core.pk]
    assert "HX-Request" in response["Vary"]
    # The export buttons of the results carry the filter.
    assert f"{reverse('inventory:export', args=['devices'])}?kind=router&amp;format=csv" in html


def test_it_refuses_the_inventory_to_a_user_of_no_agency(
    alpha: Inventory, platform_admin: User
) -> None:
    client = client_for("root")
    for url in (SITES, DEVICES, LINKS, reverse("inventory:export", args=["devices"]), IMPORT):
        assert client.get(url).status_code == 403


def test_it_offers_the_inventory_in_the_navigation_to_every_user_of_an_agency(
    alpha: Inventory,
) -> None:
    for username in ("alpha.kadis", "alpha.dinkes", "alpha.admin"):
        items = client_for(username).get(SITES).context["nav_items"]
        inventory = [item for item in items if item.url == DEVICES]
        assert len(inventory) == 1
        assert inventory[0].active  # on the sites page too
    items = client_for("alpha.kadis").get(reverse("workflow:cases")).context["nav_items"]
    assert not next(item for item in items if item.url == DEVICES).active


def test_it_shows_import_and_admin_links_to_the_administrator_only(alpha: Inventory) -> None:
    admin_html = client_for("alpha.admin").get(DEVICES).content.decode()
    assert 'id="import-link"' in admin_html
    assert reverse("admin:inventory_device_change", args=[alpha.core.pk]) in admin_html
    kadis_html = client_for("alpha.kadis").get(DEVICES).content.decode()
    assert 'id="import-link"' not in kadis_html
    assert reverse("admin:inventory_device_change", args=[alpha.core.pk]) not in kadis_html


# --- Export and templates -----------------------------------------------------------------


def read_csv(response: HttpResponseBase) -> list[list[str]]:
    """The rows of a CSV download: an export streams (``StreamingHttpResponse``), an
    empty template does not."""
    if isinstance(response, StreamingHttpResponse):
        content = b"".join(cast(Iterator[bytes], response.streaming_content))
    else:
        assert isinstance(response, HttpResponse)
        content = response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def export_url(kind: str, query: str = "") -> str:
    return reverse("inventory:export", args=[kind]) + query


def test_it_exports_exactly_the_filtered_devices_as_csv(alpha: Inventory, beta: Inventory) -> None:
    response = client_for("alpha.kadis").get(export_url("devices", "?vendor=Cisco&format=csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="perangkat-alpha-\d{4}-\d{2}-\d{2}\.csv"',
        response["Content-Disposition"],
    )
    table = read_csv(response)
    assert table[0] == [column.header for column in COLUMNS["devices"]]
    assert sorted(row[4] for row in table[1:]) == ["ALPHA-SPARE", "ALPHA-SW"]


def test_it_exports_the_filtered_sites_and_links_as_xlsx(alpha: Inventory) -> None:
    client = client_for("alpha.kadis")
    response = client.get(export_url("sites", "?store=no&format=xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    # Sent from a temporary file the rows were written into, not built in memory.
    assert response.streaming
    table = read_xlsx(response.getvalue())
    assert table[0] == [column.header for column in COLUMNS["sites"]]
    assert sorted(row[0] for row in table[1:]) == ["dinkes-pusat", "disdik-pusat"]
    table = read_xlsx(client.get(export_url("links", "?end=isp&format=xlsx")).getvalue())
    assert sorted(row[4] for row in table[1:]) == ["Lintasarta", "Telkom"]


def test_it_exports_to_an_opd_user_only_what_they_see(alpha: Inventory) -> None:
    table = read_csv(client_for("alpha.dinkes").get(export_url("devices")))
    assert sorted(row[4] for row in table[1:]) == ["ALPHA-CORE", "ALPHA-SW"]


def test_it_neutralises_a_formula_cell_in_the_export(alpha: Inventory) -> None:
    alpha.switch.name = '=HYPERLINK("http://evil.example","klik")'
    alpha.switch.save()
    client = client_for("alpha.kadis")
    table = read_csv(client.get(export_url("devices", "?q=alpha-sw")))
    assert table[1][0] == "'" + alpha.switch.name
    table = read_xlsx(client.get(export_url("devices", "?q=alpha-sw&format=xlsx")).getvalue())
    assert table[1][0] == "'" + alpha.switch.name


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (export_url("devices", "?format=pdf"), 400),
        (export_url("devices", "?format="), 400),
        (export_url("devices", "?opd=abc"), 400),
        (export_url("devices", "?opd=999999"), 400),
        (export_url("links", "?end=nowhere"), 400),
        (export_url("devices", "?vendor=%00"), 400),
        (export_url("toasters"), 404),
        (reverse("inventory:template", args=["toasters"]), 404),
        (reverse("inventory:template", args=["sites"]) + "?format=ods", 400),
    ],
)
def test_it_refuses_a_bad_export_rather_than_a_wider_one(
    alpha: Inventory, url: str, status: int
) -> None:
    assert client_for("alpha.kadis").get(url).status_code == status


@pytest.mark.parametrize("kind", ["sites", "devices", "links"])
def test_it_downloads_templates_that_parse_back_with_the_header(
    alpha: Inventory, kind: Kind
) -> None:
    url = reverse("inventory:template", args=[kind])
    client = client_for("alpha.admin")
    header = [column.header for column in COLUMNS[kind]]
    response = client.get(url + "?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert read_csv(response) == [header]
    response = client.get(url + "?format=xlsx")
    assert read_xlsx(response.content) == [header]


# --- Query counts -------------------------------------------------------------------------


def make_devices(agency: Agency, site: Site, count: int, tag: str = "d") -> None:
    """``count`` devices at ``site`` (one of them the uplink of the others), each with two
    addresses, and a link from each to the uplink."""
    top = Device.objects.create(agency=agency, site=site, name=f"Device {tag} top", kind="router")
    made = Device.objects.bulk_create(
        [
            Device(
                agency=agency,
                site=site,
                name=f"Device {tag} {n:03d}",
                kind="switch",
                vendor=f"Vendor {n % 7}",
                serial_number=f"{tag}-{n:04d}",
                uplink=top,
            )
            for n in range(count - 1)
        ]
    )
    DeviceAddress.objects.bulk_create(
        [
            DeviceAddress(agency=agency, device=each, address=f"10.{len(tag)}.{n}.{last}")
            for n, each in enumerate(made)
            for last in (1, 2)
        ]
    )
    Link.objects.bulk_create(
        [
            Link(
                agency=agency,
                a_device=each,
                b_device=top,
                medium="utp",
                bandwidth_mbps=1000,
                provider=f"P{n % 3}",
            )
            for n, each in enumerate(made)
        ]
    )


def grow(agency: Agency, count: int, tag: str) -> None:
    """``count`` more sites of Dinkes, devices at its office and links between them."""
    dinkes = Opd.objects.get(agency=agency, abbreviation="Dinkes")
    Site.objects.bulk_create(
        [
            Site(agency=agency, code=f"site-{tag}-{n:03d}", name=f"Site {n}", opd=dinkes)
            for n in range(count)
        ]
    )
    make_devices(agency, Site.objects.get(agency=agency, code="dinkes-pusat"), count, tag)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


LIST_URLS = [
    SITES,
    SITES + "?store=no&q=site",
    DEVICES,
    DEVICES + "?kind=switch&vendor=Vendor+1&q=10.",
    DEVICES + "?page=2",
    LINKS,
    LINKS + "?medium=utp&end=device&q=Device",
    export_url("sites"),
    export_url("devices", "?kind=switch&format=xlsx"),
    export_url("links", "?format=csv"),
]


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.dinkes"])
def test_it_loads_each_list_and_export_in_the_same_queries_for_5_or_60_rows(
    agency_a: Agency, username: str, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    make_sites(agency_a)
    grow(agency_a, 5, "few")
    client = client_for(username)
    for url in LIST_URLS:
        client.get(url)  # warm caches (sessions, content types)
    few = {url: queries(client, url) for url in LIST_URLS}
    grow(agency_a, 55, "many")
    many = {url: queries(client, url) for url in LIST_URLS}
    assert few == many
    assert len(rows(client.get(DEVICES).content.decode(), "device")) == 50
    for url in LIST_URLS:
        with django_assert_max_num_queries(BOUND):
            client.get(url)
