"""Shapes of the demo data (plain frozen dataclasses, no database).

``jaga.org.demo.agencies.AGENCIES`` holds one ``DemoAgency`` per seed SOP region;
``jaga.org.demo.load`` writes them into the database idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoUnit:
    """An ``OrgUnit``: ``key`` unique within the agency; ``kind`` one of ``dinas``, ``bagian``,
    ``bidang``, ``seksi``, ``subbagian``, ``tim``; ``parent`` the key of the parent unit
    (``None`` for the top unit)."""

    key: str
    name: str
    kind: str
    parent: str | None
    abbreviation: str = ""


@dataclass(frozen=True)
class DemoEmployee:
    """An ``Employee`` with a login. ``nip`` is 18 digits (valid per ``jaga.org.nip``), or
    ``None`` for non-ASN technical staff (Tenaga Teknis / honorer). ``rank`` is the pangkat
    and golongan as printed ("Pembina Utama Muda (IV/c)")."""

    name: str
    nip: str | None
    username: str
    phone: str
    email: str
    rank: str = ""


@dataclass(frozen=True)
class DemoPosition:
    """A ``Position`` (jabatan) in unit ``unit`` (a ``DemoUnit.key``), with its holders."""

    key: str
    title: str
    unit: str
    is_head: bool
    holders: tuple[DemoEmployee, ...]


@dataclass(frozen=True)
class DemoReporter:
    """An OPD user who reports disruptions (pelapor)."""

    username: str
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class DemoOpd:
    """A Perangkat Daerah served by the agency's network, with one reporter login."""

    name: str
    abbreviation: str
    address: str
    phone: str
    head_name: str
    head_title: str
    reporter: DemoReporter


@dataclass(frozen=True)
class DemoAgency:
    """A tenant. ``seed`` names the seed SOP file it is modelled on ("000".."004");
    ``timezone`` is an IANA zone; ``letterhead`` the kop lines top to bottom."""

    slug: str
    seed: str
    name: str
    short_name: str
    government_name: str
    region_kind: str
    region_name: str
    kemendagri_code: str
    address: str
    phone: str
    email: str
    website: str
    timezone: str
    letterhead: tuple[str, ...]
    admin_username: str
    units: tuple[DemoUnit, ...]
    positions: tuple[DemoPosition, ...]
    opds: tuple[DemoOpd, ...]
    #: The place line of its documents (the region's capital); "" prints the region name.
    town: str = ""
