"""The city-network fixture (tests/monitoring/city.py) for the monitor's integration tests.

Real namespaces, veths and routes; real echo requests, only between the fixture's own
namespaces (10.213.0.0/16 inside them). Needs root and ``ip``: skips with the reason
without them, except under CI=true, where a missing prerequisite fails.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.monitoring import city as city_network
from tests.monitoring.city import CityNetwork, CityNetworkError, skip_without_netns

city = city_network.city  # the fixture: a built CityNetwork, destroyed after each test

SITES = ("site1", "site2", "site3", "site4", "site5")


def ours(network: CityNetwork) -> set[str]:
    """The named namespaces that start with ``network``'s prefix."""
    listing = subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True, check=True
    ).stdout
    return {line.split()[0] for line in listing.splitlines() if line.startswith(network.prefix)}


def host_state() -> tuple[str, str]:
    """The host namespace's routes and addresses. Address lifetimes are left out: a DHCP
    lease counts them down between two readings without anything being configured."""
    routes = subprocess.run(["ip", "route"], capture_output=True, text=True, check=True).stdout
    addresses = subprocess.run(
        ["ip", "-o", "addr"], capture_output=True, text=True, check=True
    ).stdout
    return routes, re.sub(r"(valid|preferred)_lft \S+", "", addresses)


def test_it_reaches_every_site_from_the_noc(city: CityNetwork) -> None:
    for site in SITES:
        assert city.reachable("noc", site), f"{site} ({city.address(site)}) does not answer"
    assert city.reachability("noc", city.nodes) == dict.fromkeys(city.nodes, True)


def test_it_cuts_and_restores_a_site_link(city: CityNetwork) -> None:
    city.cut("dist1", "site3")

    assert not city.reachable("noc", "site3")
    others = [node for node in city.nodes if node != "site3"]
    assert city.reachability("noc", others) == dict.fromkeys(others, True)

    city.restore("dist1", "site3")

    assert city.reachable("noc", "site3")
    assert city.reachability("noc", city.nodes) == dict.fromkeys(city.nodes, True)


def test_it_cuts_a_distribution_link_and_its_sites_go_dark(city: CityNetwork) -> None:
    city.cut("core", "dist1")

    assert city.reachability("noc", city.nodes) == {
        "noc": True,
        "core": True,
        "dist1": False,
        "dist2": True,
        "site1": False,
        "site2": False,
        "site3": False,
        "site4": True,
        "site5": True,
    }


def test_it_only_cuts_links_between_adjacent_nodes(city: CityNetwork) -> None:
    with pytest.raises(ValueError, match="not adjacent"):
        city.cut("core", "site1")
    with pytest.raises(ValueError, match="no node"):
        city.namespace("site9")


def test_it_leaves_no_namespace_behind() -> None:
    skip_without_netns()
    network = CityNetwork()
    network.build()
    try:
        assert ours(network) == {network.namespace(node) for node in network.nodes}
        assert len(ours(network)) == 9
    finally:
        network.destroy()

    assert ours(network) == set()
    network.destroy()  # idempotent: every namespace is already gone


def test_a_build_that_fails_midway_leaves_no_namespace_behind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    skip_without_netns()
    network = CityNetwork()
    # A route whose gateway is on no link: `ip route` refuses it after the namespaces, links
    # and addresses exist.
    monkeypatch.setattr(network, "_routes", lambda node: ["10.213.9.0/24 via 10.213.200.1"])

    with pytest.raises(CityNetworkError, match="invalid gateway"):
        network.build()

    assert ours(network) == set()
    assert not network.built


def test_the_host_namespace_is_untouched() -> None:
    skip_without_netns()
    before = host_state()

    with CityNetwork() as network:
        assert network.reachable("noc", "site5")
        during = host_state()

    assert during == before
    assert host_state() == before
