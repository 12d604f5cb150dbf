"""The setup checklist of a new agency (issue 17 point 5): every item missing for a bare
agency, done for the demo's, and each flipping when its data is added; the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from jaga.documents.models import NumberPattern
from jaga.org.models import ActingAssignment, Employee, Opd, OrgUnit, Position, User
from jaga.org.setup import SetupItem, checklist
from jaga.sop.schema import DocumentType
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency, DayOff, SpecialPeriod, WorkingHours
from jaga.tenancy.services import install_default_working_hours
from tests.conftest import PASSWORD
from tests.workflow.conftest import MINI_SOP

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
KEYS = [
    "working_hours",
    "days_off",
    "letterhead",
    "number_patterns",
    "services",
    "units",
    "positions",
    "opds",
    "sops",
]


@pytest.fixture
def bare() -> Agency:
    agency = Agency.objects.create(
        slug="bare",
        name="Dinas Komunikasi dan Informatika Kota Baru",
        government_name="Pemerintah Kota Baru",
        region_kind="kota",
        region_name="Kota Baru",
        kemendagri_code="32.99",
    )
    User.objects.create_user("bare.admin", password=PASSWORD, agency=agency, is_staff=True)
    return agency


def items(agency: Agency) -> dict[str, SetupItem]:
    return {item.key: item for item in checklist(agency, TODAY)}


def done(agency: Agency) -> dict[str, bool]:
    return {key: item.done for key, item in items(agency).items()}


def test_it_shows_every_item_missing_for_a_bare_agency(bare: Agency) -> None:
    found = checklist(bare, TODAY)
    assert [item.key for item in found] == KEYS
    assert [item.done for item in found] == [False] * len(KEYS)
    assert all(item.detail and item.url for item in found)


def test_it_shows_every_item_done_for_the_demo_agency(demo_data: None) -> None:
    agency = Agency.objects.get(slug="bolmut")
    # The demo sets no days off of its own: add one here. Its number patterns are the
    # demo's (jaga.documents.demo).
    DayOff.objects.create(agency=agency, date=dt.date(2026, 3, 23), name="HUT Bolmut")
    assert NumberPattern.objects.filter(agency=agency).count() >= len(DocumentType)
    assert done(agency) == dict.fromkeys(KEYS, True)


def test_each_item_flips_when_its_data_is_added(bare: Agency) -> None:
    # Working hours: the regular week (a special period's hours do not count), or 24x7.
    period = SpecialPeriod.objects.create(
        agency=bare, name="Ramadan", start_date=dt.date(2026, 2, 18), end_date=dt.date(2026, 3, 19)
    )
    WorkingHours.objects.create(
        agency=bare, period=period, weekday=0, start=dt.time(8), end=dt.time(14)
    )
    assert not done(bare)["working_hours"]
    install_default_working_hours(bare)
    assert done(bare)["working_hours"]
    assert "5 days" in items(bare)["working_hours"].detail

    # Days off: this year's only.
    DayOff.objects.create(agency=bare, date=dt.date(2025, 12, 1), name="Tahun lalu")
    assert not done(bare)["days_off"]
    DayOff.objects.create(agency=bare, date=dt.date(2026, 8, 20), name="HUT Kota")
    assert done(bare)["days_off"]

    bare.letterhead = "PEMERINTAH KOTA BARU\n\nDINAS KOMUNIKASI DAN INFORMATIKA\n"
    bare.save()
    assert done(bare)["letterhead"]
    assert items(bare)["letterhead"].detail.startswith("2 letterhead lines")

    # Units and positions; no SOP names a position yet.
    unit = OrgUnit.objects.create(agency=bare, name="Dinas", kind="dinas")
    assert done(bare)["units"]
    assert not done(bare)["positions"]
    positions = {
        code: Position.objects.create(agency=bare, code=code, title=code, unit=unit)
        for code in ("kadis", "kabid", "kasi", "teknisi")
    }
    assert done(bare)["positions"]
    assert "no SOP names positions yet" in items(bare)["positions"].detail

    # The SOP: current, started by reports; it names positions and issues a document.
    loaded = load_definition(bare, MINI_SOP, path="mini.yaml")
    after_sop = done(bare)
    assert after_sop["sops"]
    assert after_sop["services"]
    assert not after_sop["number_patterns"]
    assert "lembar_disposisi" in items(bare)["number_patterns"].detail
    NumberPattern.objects.create(agency=bare, document_type="surat_tugas")
    assert not done(bare)["number_patterns"]
    NumberPattern.objects.create(agency=bare, document_type="lembar_disposisi")
    assert done(bare)["number_patterns"]

    # Every position a lane names exists and is held.
    assert not done(bare)["positions"]
    assert "nobody holds kabid, kadis, kasi, teknisi" in items(bare)["positions"].detail
    positions.pop("teknisi").delete()
    assert "no position teknisi" in items(bare)["positions"].detail
    positions["teknisi"] = Position.objects.create(
        agency=bare, code="teknisi", title="Teknisi", unit=unit
    )
    for index, (code, position) in enumerate(positions.items()):
        employee = Employee.objects.create(
            agency=bare, name=code, is_active=code != "kasi", nip=f"19800101200501100{index + 1}"
        )
        employee.positions.add(position)
    assert not done(bare)["positions"]  # the Kasi left
    assert "nobody holds kasi" in items(bare)["positions"].detail
    ActingAssignment.objects.create(
        agency=bare,
        position=positions["kasi"],
        employee=Employee.objects.get(agency=bare, name="kabid"),
        kind="plt",
        start_date=dt.date(2026, 5, 1),
        end_date=dt.date(2026, 12, 31),
    )
    assert done(bare)["positions"]

    # OPDs: at least one with an active login.
    opd = Opd.objects.create(agency=bare, name="Dinas Kesehatan", abbreviation="Dinkes")
    assert not done(bare)["opds"]
    User.objects.create_user("bare.dinkes", agency=bare, opd=opd, is_active=False)
    assert not done(bare)["opds"]
    User.objects.filter(username="bare.dinkes").update(is_active=True)
    assert done(bare)["opds"]

    assert done(bare) == dict.fromkeys(KEYS, True)
    # A SOP that is not current any more leaves the agency without SOPs and services.
    type(loaded.definition).objects.filter(pk=loaded.definition.pk).update(is_current=False)
    assert not done(bare)["sops"]
    assert not done(bare)["services"]


def test_a_24x7_agency_needs_no_working_hours(bare: Agency) -> None:
    bare.calendar_mode = "24x7"
    bare.save()
    assert done(bare)["working_hours"]


# ---------------------------------------------------------------------------------------
# The page


def client_for(username: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_page_lists_the_items_for_the_administrator(bare: Agency) -> None:
    response = client_for("bare.admin").get(reverse("org:setup"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-missing="9"' in text
    for key in KEYS:
        assert f'data-item="{key}" data-done="no"' in text
    assert reverse("admin:tenancy_agency_change", args=[bare.pk]) in text
    assert reverse("org:import") in text
    # The navigation's "Setup" entry, for the administrator only.
    nav: list[Any] = list(response.context["nav_items"])
    assert [item.label for item in nav if item.url == reverse("org:setup")] == ["Setup"]


def test_only_the_agency_administrator_sees_the_checklist(agency_a: Agency) -> None:
    for username in ("alpha.kadis", "alpha.dinkes"):
        client = client_for(username)
        assert client.get(reverse("org:setup")).status_code == 403
        nav = client.get(reverse("workflow:inbox")).context["nav_items"]
        assert all(item.url != reverse("org:setup") for item in nav)
