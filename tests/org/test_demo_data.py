"""The demo agencies (``jaga.org.demo.agencies``) are internally consistent and realistic.

Pure data checks: no database.
"""

from __future__ import annotations

import re
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from jaga.org.demo.agencies import AGENCIES
from jaga.org.demo.schema import DemoAgency, DemoEmployee
from jaga.org.nip import normalize_nip, parse_nip

UNIT_KINDS = {"dinas", "bagian", "bidang", "seksi", "subbagian", "tim"}
USERNAME = re.compile(r"^[a-z0-9]+(\.[a-z0-9_]+)+$")
SEED_HEADS = {
    "bogor": ("Drs. Firdaus, M.Si", "19671226 198603 1 002"),
    "pontianak": ("Ir. H. Uray Indra Mulya, MM", "19610329 198903 1 004"),
    "bolmut": ("Aang Wardiman, AK.CA", "19641024 198603 1 002"),
    "batam": ("Azli Priandiyah, ST, MT.", "19730408 200212 1 005"),
}


def employees(agency: DemoAgency) -> list[DemoEmployee]:
    return [holder for position in agency.positions for holder in position.holders]


def all_usernames() -> list[str]:
    names: list[str] = []
    for agency in AGENCIES:
        names.append(agency.admin_username)
        names.extend(employee.username for employee in employees(agency))
        names.extend(opd.reporter.username for opd in agency.opds)
    return names


def by_slug(slug: str) -> DemoAgency:
    return next(agency for agency in AGENCIES if agency.slug == slug)


def test_it_has_five_agencies_in_seed_order_with_their_zones_and_codes() -> None:
    assert [(a.slug, a.seed, a.timezone, a.kemendagri_code) for a in AGENCIES] == [
        ("bogor", "000", "Asia/Jakarta", "32.71"),
        ("lingga", "001", "Asia/Jakarta", "21.04"),
        ("pontianak", "002", "Asia/Pontianak", "61.71"),
        ("bolmut", "003", "Asia/Makassar", "71.08"),
        ("batam", "004", "Asia/Jakarta", "21.71"),
    ]
    for agency in AGENCIES:
        ZoneInfo(agency.timezone)  # a real IANA zone
        assert agency.region_kind in {"kota", "kabupaten"}
        assert agency.region_name.lower().startswith(agency.region_kind)
        assert agency.government_name == f"Pemerintah {agency.region_name}"
        assert agency.letterhead[0] == agency.government_name.upper()
        assert agency.admin_username == f"{agency.slug}.admin"


@pytest.mark.parametrize("agency", AGENCIES, ids=lambda a: a.slug)
def test_it_gives_every_nip_a_valid_layout_matching_its_rank(agency: DemoAgency) -> None:
    for employee in employees(agency):
        if employee.nip is None:
            assert employee.rank == "", employee.name  # non-ASN staff have no pangkat
            continue
        assert re.fullmatch(r"\d{18}", employee.nip), employee.nip
        nip = parse_nip(employee.nip)
        assert employee.rank, f"{employee.name} is ASN and needs a pangkat/golongan"
        assert re.search(r"\((I|II|III|IV)/[a-e]\)$", employee.rank), employee.rank
        assert nip.gender in (1, 2)


def test_it_uses_each_nip_once_across_all_agencies() -> None:
    nips = [e.nip for agency in AGENCIES for e in employees(agency) if e.nip is not None]
    assert len(nips) == len(set(nips))


@pytest.mark.parametrize("agency", AGENCIES, ids=lambda a: a.slug)
def test_it_builds_a_single_tree_of_units(agency: DemoAgency) -> None:
    keys = [unit.key for unit in agency.units]
    assert len(keys) == len(set(keys)), "unit keys must be unique within the agency"
    tops = [unit for unit in agency.units if unit.parent is None]
    assert len(tops) == 1
    assert tops[0].kind == ("bagian" if agency.slug == "lingga" else "dinas")
    parent_of = {unit.key: unit.parent for unit in agency.units}
    for unit in agency.units:
        assert unit.kind in UNIT_KINDS
        assert unit.parent is None or unit.parent in parent_of, unit.key
        seen = {unit.key}
        parent = unit.parent
        while parent is not None:  # no cycles: every chain ends at the top unit
            assert parent not in seen
            seen.add(parent)
            parent = parent_of[parent]


@pytest.mark.parametrize("agency", AGENCIES, ids=lambda a: a.slug)
def test_it_places_every_position_in_a_unit_with_holders(agency: DemoAgency) -> None:
    units = {unit.key for unit in agency.units}
    position_keys = [position.key for position in agency.positions]
    assert len(position_keys) == len(set(position_keys))
    for position in agency.positions:
        assert position.unit in units, position.key
        assert position.holders, f"{position.key} has no holder"
        if position.is_head:
            assert len(position.holders) == 1
        else:  # technicians: the Kasi has a choice when assigning
            assert 2 <= len(position.holders) <= 3, position.key
    heads = Counter(position.unit for position in agency.positions if position.is_head)
    assert all(count == 1 for count in heads.values())
    top = next(unit.key for unit in agency.units if unit.parent is None)
    assert heads[top] == 1, "the top unit has a head"


def test_it_gives_the_seed_heads_their_printed_names_and_nips() -> None:
    for slug, (name, nip) in SEED_HEADS.items():
        agency = by_slug(slug)
        top = next(unit.key for unit in agency.units if unit.parent is None)
        head = next(p for p in agency.positions if p.unit == top and p.is_head)
        assert [(h.name, h.nip) for h in head.holders] == [(name, normalize_nip(nip))]
    pontianak = by_slug("pontianak")
    assert pontianak.positions[0].holders[0].rank.startswith("Pembina Utama Muda")
    assert by_slug("batam").positions[0].holders[0].rank.startswith("Pembina (")


def test_it_names_the_lingga_positions_as_the_seed_does() -> None:
    titles = {p.title for p in by_slug("lingga").positions}
    assert titles == {
        "Kepala Bagian Kominfo dan Humas",
        "Kepala Sub Bagian Informatika",
        "Staf Sub Bagian Informatika",
    }


def test_it_keeps_usernames_unique_lowercase_and_prefixed_by_the_slug() -> None:
    names = all_usernames()
    duplicates = [name for name, count in Counter(names).items() if count > 1]
    assert duplicates == []
    for agency in AGENCIES:
        own = [agency.admin_username]
        own += [e.username for e in employees(agency)]
        own += [opd.reporter.username for opd in agency.opds]
        for name in own:
            assert USERNAME.fullmatch(name), name
            assert name.startswith(f"{agency.slug}."), name


@pytest.mark.parametrize("agency", AGENCIES, ids=lambda a: a.slug)
def test_it_serves_five_to_ten_opds_with_unique_abbreviations(agency: DemoAgency) -> None:
    assert 5 <= len(agency.opds) <= 10
    abbreviations = [opd.abbreviation for opd in agency.opds]
    assert len(abbreviations) == len(set(abbreviations))
    assert len({opd.name for opd in agency.opds}) == len(agency.opds)
    for opd in agency.opds:
        assert all((opd.head_name, opd.head_title, opd.address, opd.phone)), opd.name
        compact = re.sub(r"[^a-z0-9]", "", opd.abbreviation.lower())
        assert opd.reporter.username == f"{agency.slug}.{compact}"


@pytest.mark.parametrize("agency", AGENCIES, ids=lambda a: a.slug)
def test_it_gives_people_mobile_numbers_and_addresses_in_the_region(
    agency: DemoAgency,
) -> None:
    domain = agency.email.split("@", 1)[1]
    people = [(e.phone, e.email) for e in employees(agency)]
    people += [(opd.reporter.phone, opd.reporter.email) for opd in agency.opds]
    for phone, email in people:
        assert re.fullmatch(r"08\d{9,11}", phone), phone
        assert email.endswith(f"@{domain}"), email
    phones = [phone for phone, _ in people]
    assert len(phones) == len(set(phones))
    assert agency.website.startswith("https://")
    assert agency.website.removeprefix("https://").endswith(domain)
