"""The uplink trees of an OPD's sites (``jaga.inventory.tree``) and the OPD network page
that draws them: nesting, the core router as the roots' upstream, other OPDs left out,
loops cut, and a query count that does not grow with the devices."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from jaga.inventory.models import Device, DeviceStatus, Site
from jaga.inventory.tree import build_site_tree, flatten, site_forest
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency
from tests.inventory.test_pages import (
    Net,
    add_device,
    add_link,
    client_for,
    count_queries,
    device_url,
    make_net,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def net(agency_a: Agency) -> Net:
    return make_net(agency_a)


def opd_url(opd_id: int | None) -> str:
    return reverse("inventory:opd", args=[opd_id])


class TreeParser(HTMLParser):
    """Reads the drawn trees: for each ``li[data-device]`` the nearest enclosing device
    (``("device", id)``) or upstream (``("upstream", id)``), or None for a root; and checks
    that every ``ul``/``li`` is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.parent: dict[int, tuple[str, int] | None] = {}
        self.drawn: list[int] = []
        self.loops: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "span" and "data-loop" in found and self.drawn:
            self.loops.append(self.drawn[-1])
        if tag not in ("ul", "li"):
            return
        if tag == "li" and found.get("data-device"):
            device = int(found["data-device"] or 0)
            self.drawn.append(device)
            self.parent[device] = None
            for kind, outer in reversed(self.stack):
                if kind != "li":
                    continue
                if outer.get("data-device"):
                    self.parent[device] = ("device", int(outer["data-device"] or 0))
                    break
                if outer.get("data-upstream"):
                    self.parent[device] = ("upstream", int(outer["data-upstream"] or 0))
                    break
        self.stack.append((tag, found))

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("ul", "li"):
            return
        assert self.stack, f"</{tag}> closes nothing"
        assert self.stack[-1][0] == tag, f"</{tag}> closes <{self.stack[-1][0]}>"
        self.stack.pop()


def drawn(html: str) -> TreeParser:
    parser = TreeParser()
    parser.feed(html)
    parser.close()
    assert not [tag for tag, _ in parser.stack if tag in ("ul", "li")]
    return parser


def three_levels(net: Net) -> dict[str, Device]:
    """sw-dinkes (off the core router) → ap-1, ap-2 (in repair) → radio under ap-1; a
    spare that is not drawn; a device at Bappeda (another OPD)."""
    ap1 = add_device(net, "ap-1", net.dinkes, uplink=net.switch, addresses=("10.1.1.11",))
    ap2 = add_device(net, "ap-2", net.dinkes, uplink=net.switch, status=DeviceStatus.IN_REPAIR)
    radio = add_device(net, "radio-1", net.dinkes, uplink=ap1, kind="radio")
    spare = add_device(net, "spare", net.dinkes, uplink=net.switch, status=DeviceStatus.SPARE)
    other = add_device(net, "sw-bappeda", net.bappeda, uplink=net.core, kind="switch")
    return {"ap1": ap1, "ap2": ap2, "radio": radio, "spare": spare, "other": other}


def test_it_nests_a_three_level_tree_under_the_core_router(net: Net) -> None:
    devices = three_levels(net)
    (tree,) = site_forest(net.kadis, [net.dinkes])
    (group,) = tree.groups
    assert group.upstream is not None
    assert (group.upstream.device_id, group.upstream.site_code) == (net.core.pk, "dc")
    assert group.upstream.visible
    (root,) = group.roots
    assert root.device_id == net.switch.pk
    assert root.first_ip == "10.1.1.1"
    assert [child.device_id for child in root.children] == [devices["ap1"].pk, devices["ap2"].pk]
    assert [c.device_id for c in root.children[0].children] == [devices["radio"].pk]
    assert root.children[1].in_repair
    assert tree.size == 4

    response = client_for(net.kadis).get(opd_url(net.dinkes.opd_id))
    assert response.status_code == 200
    parser = drawn(response.content.decode())
    assert parser.parent == {
        net.switch.pk: ("upstream", net.core.pk),
        devices["ap1"].pk: ("device", net.switch.pk),
        devices["ap2"].pk: ("device", net.switch.pk),
        devices["radio"].pk: ("device", devices["ap1"].pk),
    }
    assert f'href="{device_url(net.core)}"' in response.text  # the kadis may open it
    assert 'class="net-tree-node net-tree-repair"' in response.text


def test_it_leaves_out_other_opds_and_what_the_opd_user_may_not_open(net: Net) -> None:
    devices = three_levels(net)
    response = client_for(net.dinkes_user).get(opd_url(net.dinkes.opd_id))
    assert response.status_code == 200
    parser = drawn(response.content.decode())
    assert set(parser.drawn) == {
        net.switch.pk,
        devices["ap1"].pk,
        devices["ap2"].pk,
        devices["radio"].pk,
    }
    assert f'data-device="{devices["other"].pk}"' not in response.text
    assert f'data-upstream="{net.core.pk}"' in response.text  # the path to the core
    assert f'href="{device_url(net.core)}"' not in response.text  # but no link to it
    bappeda = client_for(net.kadis).get(opd_url(net.bappeda.opd_id))
    assert set(drawn(bappeda.content.decode()).drawn) == {devices["other"].pk}


def test_it_shows_the_opd_network_only_to_whom_may_see_it(net: Net, agency_b: Agency) -> None:
    dinkes, bappeda = net.dinkes.opd_id, net.bappeda.opd_id
    assert client_for(net.dinkes_user).get(opd_url(dinkes)).status_code == 200
    assert client_for(net.dinkes_user).get(opd_url(bappeda)).status_code == 404
    for user in (net.kadis, net.admin):
        assert client_for(user).get(opd_url(bappeda)).status_code == 200
    outsider = client_for(User.objects.get(username="beta.admin"))
    assert outsider.get(opd_url(dinkes)).status_code == 404
    beta_opd = Opd.objects.get(agency=agency_b)
    assert client_for(net.kadis).get(opd_url(beta_opd.pk)).status_code == 404
    lonely = User.objects.create_user("alpha.lonely", agency=net.agency)  # no role
    assert client_for(lonely).get(opd_url(dinkes)).status_code == 404


def test_it_cuts_an_uplink_loop(net: Net) -> None:
    a = add_device(net, "a", net.dinkes, uplink=net.switch)
    b = add_device(net, "b", net.dinkes, uplink=a)
    c = add_device(net, "c", net.dinkes, uplink=b)
    # a loop the services refuse, written behind their back: a → c → b → a
    Device.objects.filter(pk=a.pk).update(uplink=c)
    (tree,) = site_forest(net.kadis, [net.dinkes])
    rows = [row for group in tree.groups for row in group.rows()]
    assert sorted(row.node.device_id for row in rows) == sorted([net.switch.pk, a.pk, b.pk, c.pk])
    loops = [row.node.device_id for row in rows if row.node.loop]
    assert loops == [a.pk]
    response = client_for(net.kadis).get(opd_url(net.dinkes.opd_id))
    parser = drawn(response.content.decode())
    assert sorted(parser.drawn) == sorted([net.switch.pk, a.pk, b.pk, c.pk])
    assert parser.loops == [a.pk]
    assert parser.parent[b.pk] == ("device", a.pk)
    assert parser.parent[c.pk] == ("device", b.pk)


def test_it_makes_roots_of_devices_whose_uplink_is_missing_or_off_the_tree(net: Net) -> None:
    site = net.dinkes
    lost = Device(pk=900, name="lost", kind="switch", status="in_service", site=site)
    lost.uplink_id = 901  # not loaded: no parent to hang it off, and no upstream to name
    child = Device(pk=902, name="child", kind="access_point", status="in_service", site=site)
    child.uplink_id = 900
    selfish = Device(pk=903, name="selfish", kind="other", status="in_service", site=site)
    selfish.uplink_id = 903
    tree = build_site_tree(site, [child, lost, selfish], visible=set())
    assert len(tree.groups) == 1
    (group,) = tree.groups
    assert group.upstream is None
    assert [root.device_id for root in group.roots] == [900, 903]
    assert [c.device_id for c in group.roots[0].children] == [902]


def test_it_closes_every_nested_list_it_opens() -> None:
    from jaga.inventory.tree import TreeNode

    def node(pk: int, *children: TreeNode) -> TreeNode:
        return TreeNode(pk, str(pk), "switch", "", "in_service", "", "", list(children))

    roots = [node(1, node(2, node(3, node(4)), node(5)), node(6)), node(7)]
    rows = flatten(roots)
    assert [(row.node.device_id, row.depth, row.parent_id) for row in rows] == [
        (1, 0, None),
        (2, 1, 1),
        (3, 2, 2),
        (4, 3, 3),
        (5, 2, 2),
        (6, 1, 1),
        (7, 0, None),
    ]
    opened = sum(1 for row in rows if row.node.children)
    assert sum(len(row.closes) for row in rows) == opened
    assert [len(row.closes) for row in rows] == [0, 0, 0, 1, 1, 1, 0]


def test_it_lists_the_opds_links_to_isps(net: Net) -> None:
    ours = add_link(net, net.switch, provider="Biznet", circuit_id="B-1", bandwidth=100)
    backbone = add_link(net, net.switch, net.core)
    theirs = add_link(net, net.core, provider="Telkom", circuit_id="T-1")
    response = client_for(net.dinkes_user).get(opd_url(net.dinkes.opd_id))
    assert [link.pk for link in response.context["isp_links"]] == [ours.pk]
    assert [link.pk for link in response.context["other_links"]] == [backbone.pk]
    isp_section = response.text.split('id="isp-links"')[1].split('id="links"')[0]
    assert f'data-link="{ours.pk}"' in isp_section
    assert f'data-link="{theirs.pk}"' not in response.text


def test_it_draws_the_opd_network_in_the_same_queries_for_2_or_20_devices(net: Net) -> None:
    second = Site.objects.create(
        agency=net.agency, code="dinkes-puskesmas", name="Puskesmas", opd=net.dinkes.opd
    )
    client = client_for(net.kadis)
    url = opd_url(net.dinkes.opd_id)

    def grow(start: int, count: int) -> None:
        parent = net.switch
        for n in range(start, start + count):
            site = net.dinkes if n % 2 else second
            parent = add_device(net, f"d-{n:03d}", site, uplink=parent, addresses=(f"10.4.{n}.1",))
            add_link(net, parent, provider=f"ISP {n}", bandwidth=50)

    grow(0, 2)
    client.get(url)
    few = count_queries(client, url)
    grow(2, 18)
    many = count_queries(client, url)
    assert few == many
    assert len(drawn(client.get(url).content.decode()).drawn) == 21
