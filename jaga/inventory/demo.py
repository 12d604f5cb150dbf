"""A small network for each demo agency (``jaga demo``), written through
``jaga.inventory.services`` with no actor, so that the demo inventory has its history.

Per agency:

- the store (gudang, site ``gudang``) with four spares: two switches, an access point and a
  router;
- the Diskominfo's data centre (site ``pusat-data``) with the core router (management
  address ``10.<n>.0.1``; only data, nothing pings it) and its link to the ISP. The data
  centre is the agency's own and belongs to none of its OPDs (a site with no OPD);
- for each OPD one site (its code is the OPD's abbreviation, slugified) with a
  distribution/access switch uplinked to the core router, one or two access points
  hanging off it, and a fibre link to the core; every third OPD also has a backup link to
  a local ISP. One access point of the first OPD is in repair.

Running it again changes nothing: sites are matched on their code, devices on their
serial number and links on provider and circuit id, and a row found is left as it is (so
what the demo's users changed since, a replacement for instance, stays).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from jaga.inventory.models import (
    Device,
    DeviceKind,
    DeviceStatus,
    Link,
    LinkMedium,
    Site,
)
from jaga.inventory.services import save_device, save_link, save_site
from jaga.org.demo.agencies import AGENCIES
from jaga.org.demo.schema import DemoAgency, DemoOpd
from jaga.org.models import Opd
from jaga.tenancy.models import Agency

STORE_CODE = "gudang"
DATA_CENTRE_CODE = "pusat-data"

#: Roughly the town centre of each demo agency (WGS 84), for the sites' coordinates.
CENTRES: dict[str, tuple[Decimal, Decimal]] = {
    "bogor": (Decimal("-6.595038"), Decimal("106.816635")),
    "lingga": (Decimal("-0.209440"), Decimal("104.612880")),
    "pontianak": (Decimal("-0.026330"), Decimal("109.342504")),
    "bolmut": (Decimal("0.897300"), Decimal("123.256700")),
    "batam": (Decimal("1.128600"), Decimal("104.053400")),
}

#: The spares in each store: (name, kind, vendor, model, serial suffix).
SPARES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Switch cadangan 1", DeviceKind.SWITCH, "Cisco", "Catalyst 2960X-24TS-L", "SP-SW-01"),
    ("Switch cadangan 2", DeviceKind.SWITCH, "MikroTik", "CRS326-24G-2S+RM", "SP-SW-02"),
    ("Access point cadangan", DeviceKind.ACCESS_POINT, "Ubiquiti", "UniFi U6 Lite", "SP-AP-01"),
    ("Router cadangan", DeviceKind.ROUTER, "MikroTik", "RB4011iGS+RM", "SP-RT-01"),
)


@dataclass
class _Loader:
    """Creates what is missing of one agency's demo network; counts what it created."""

    agency: Agency
    prefix: str
    created: int = 0

    def site(self, code: str, **fields: object) -> Site:
        site = Site.objects.filter(agency=self.agency, code=code).first()
        if site is not None:
            return site
        self.created += 1
        return save_site(Site(agency=self.agency, code=code, **fields), None)

    def device(self, serial: str, *, addresses: tuple[str, ...] = (), **fields: object) -> Device:
        serial_number = f"{self.prefix}-{serial}"
        device = Device.objects.filter(agency=self.agency, serial_number=serial_number).first()
        if device is not None:
            return device
        self.created += 1
        return save_device(
            Device(agency=self.agency, serial_number=serial_number, **fields),
            None,
            addresses=list(addresses),
        )

    def link(self, provider: str, circuit_id: str, **fields: object) -> Link:
        link = Link.objects.filter(
            agency=self.agency, provider=provider, circuit_id=circuit_id
        ).first()
        if link is not None:
            return link
        self.created += 1
        return save_link(
            Link(agency=self.agency, provider=provider, circuit_id=circuit_id, **fields), None
        )


def _position(slug: str, index: int) -> dict[str, Decimal | None]:
    """Coordinates near the agency's centre, a little apart for each site (demo data)."""
    centre = CENTRES.get(slug)
    if centre is None:
        return {"latitude": None, "longitude": None}
    step = Decimal("0.000001")
    return {
        "latitude": (centre[0] + Decimal(index) * Decimal("0.0021")).quantize(step),
        "longitude": (centre[1] + Decimal(index % 4) * Decimal("0.0017")).quantize(step),
    }


def load_agency_inventory(data: DemoAgency, number: int) -> int:
    """Create what is missing of the demo network of agency ``data`` (it must be loaded
    already: ``jaga.org.demo.load``), with management addresses in ``10.<number>.0.0/16``;
    returns how many sites, devices and links it created. One transaction."""
    agency = Agency.objects.get(slug=data.slug)
    loader = _Loader(agency=agency, prefix=data.slug[:3].upper())
    name = agency.short_name or agency.name
    with transaction.atomic():
        store = loader.site(
            STORE_CODE,
            name=f"Gudang {name}",
            address=data.address,
            is_store=True,
            **_position(data.slug, 0),
        )
        for device_name, kind, vendor, model, serial in SPARES:
            loader.device(
                serial,
                name=device_name,
                kind=kind,
                vendor=vendor,
                model=model,
                status=DeviceStatus.SPARE,
                site=store,
            )
        centre = loader.site(
            DATA_CENTRE_CODE,
            name=f"Pusat Data {name}",
            address=data.address,
            **_position(data.slug, 0),
        )
        core = loader.device(
            "CR-0001",
            name="core-router",
            kind=DeviceKind.ROUTER,
            vendor="MikroTik",
            model="CCR2116-12G-4S+",
            site=centre,
            addresses=(f"10.{number}.0.1",),
        )
        loader.link(
            "Telkom Indonesia",
            f"ASTINET-{loader.prefix}-001",
            a_device=core,
            medium=LinkMedium.FIBRE,
            bandwidth_mbps=1000,
            notes="Internet utama (demo)",
        )
        opds = {opd.abbreviation: opd for opd in Opd.objects.filter(agency=agency)}
        for index, opd_data in enumerate(data.opds, start=1):
            _load_opd(loader, opds[opd_data.abbreviation], opd_data, index, number, core)
    return loader.created


def _load_opd(
    loader: _Loader, opd: Opd, opd_data: DemoOpd, index: int, number: int, core: Device
) -> None:
    code = slugify(opd.abbreviation) or f"opd-{opd.pk}"
    site = loader.site(
        code,
        name=f"Kantor {opd.name}",
        opd=opd,
        address=opd.address,
        contact_name=opd_data.reporter.name,
        contact_phone=opd_data.reporter.phone,
        **_position(loader.agency.slug, index),
    )
    switch = loader.device(
        f"SW-{index:03d}",
        name=f"sw-{code}",
        kind=DeviceKind.SWITCH,
        vendor="Cisco",
        model="Catalyst 2960X-24PS-L",
        site=site,
        uplink=core,
        addresses=(f"10.{number}.{index}.1",),
    )
    for ap in range(1, 3 if index % 2 else 2):
        loader.device(
            f"AP-{index:03d}{ap}",
            name=f"ap-{code}-{ap}",
            kind=DeviceKind.ACCESS_POINT,
            vendor="Ubiquiti",
            model="UniFi U6 Pro",
            site=site,
            uplink=switch,
            status=DeviceStatus.IN_REPAIR if index == 1 and ap == 2 else DeviceStatus.IN_SERVICE,
            addresses=(f"10.{number}.{index}.{10 + ap}",),
        )
    loader.link(
        "",
        f"FO-{loader.prefix}-{index:03d}",
        a_device=switch,
        b_device=core,
        medium=LinkMedium.FIBRE,
        bandwidth_mbps=1000,
        notes="Jaringan serat optik Pemda (demo)",
    )
    if index % 3 == 0:
        loader.link(
            "Biznet",
            f"BIZ-{loader.prefix}-{index:03d}",
            a_device=switch,
            medium=LinkMedium.FIBRE,
            bandwidth_mbps=100,
            notes="Internet cadangan (demo)",
        )


def load_demo_inventory(agencies: tuple[DemoAgency, ...] = AGENCIES) -> int:
    """Create what is missing of the demo network of each of ``agencies`` (loaded already
    by ``jaga.org.demo.load.load_demo``), each in its own transaction; returns how many
    rows it created (0 when run again). Prints nothing."""
    return sum(load_agency_inventory(data, number) for number, data in enumerate(agencies, start=1))
