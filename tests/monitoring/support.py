"""A monitored demo agency for the monitor's tests: Bolaang Mongondow Utara (seed 003, the
disruption SOP that starts from a report) with the city of ``tests.monitoring.city`` in its
inventory: the core router and two distribution switches at the Diskominfo's data centre,
one switch at each of five OPD sites, and an ICMP check on every device."""

from __future__ import annotations

from dataclasses import dataclass

from jaga.inventory.models import Device, DeviceAddress, Site
from jaga.monitoring.models import Check, CheckKind
from jaga.org.demo.agencies import BOLMUT
from jaga.org.demo.load import load_demo
from jaga.org.models import Opd
from jaga.sop.demo import load_demo_sops
from jaga.tenancy.models import Agency
from tests.monitoring.city import MANAGEMENT

#: Each node's uplink in the city (``tests.monitoring.city.LINKS``), the noc aside.
UPLINK = {
    "core": None,
    "dist1": "core",
    "dist2": "core",
    "site1": "dist1",
    "site2": "dist1",
    "site3": "dist1",
    "site4": "dist2",
    "site5": "dist2",
}


@dataclass(frozen=True)
class City:
    """The agency, its devices and their ICMP checks by node name, and each site's OPD."""

    agency: Agency
    devices: dict[str, Device]
    checks: dict[str, Check]
    opds: dict[str, Opd]


def monitored_city(
    *, interval_s: int = 5, timeout_s: float = 1.0, retries: int = 2, recoveries: int = 2
) -> City:
    """Load the demo agency and its SOPs, and the city's inventory and checks."""
    load_demo((BOLMUT,), "rahasia-sekali-123")
    load_demo_sops((BOLMUT,))
    agency = Agency.objects.get(slug=BOLMUT.slug)
    opd_list = list(Opd.objects.filter(agency=agency).order_by("pk")[:5])
    data_centre = Site.objects.create(agency=agency, code="uji-dc", name="Pusat data uji")
    devices: dict[str, Device] = {}
    checks: dict[str, Check] = {}
    opds: dict[str, Opd] = {}
    for node, uplink in UPLINK.items():
        if node.startswith("site"):
            opd = opd_list[int(node[-1]) - 1]
            opds[node] = opd
            site = Site.objects.create(
                agency=agency, code=f"uji-{node}", name=f"Kantor {opd.name}", opd=opd
            )
        else:
            site = data_centre
        devices[node] = Device.objects.create(
            agency=agency,
            name=f"{'Router' if node == 'core' else 'Switch'} {node}",
            kind="router" if node == "core" else "switch",
            site=site,
            uplink=devices[uplink] if uplink else None,
        )
        DeviceAddress.objects.create(agency=agency, device=devices[node], address=MANAGEMENT[node])
        checks[node] = Check.objects.create(
            agency=agency,
            name=f"Ping {node}",
            kind=CheckKind.ICMP,
            device=devices[node],
            interval_s=interval_s,
            timeout_s=timeout_s,
            retries=retries,
            recoveries=recoveries,
        )
    return City(agency, devices, checks, opds)
