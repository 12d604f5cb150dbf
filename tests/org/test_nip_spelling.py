"""One NIP, one spelling, once per agency (issue 13 point 9): only ASCII digits 0-9 are
accepted (Python's ``isdigit``/``int`` also take Arabic-Indic and full-width digits), the
admin refuses a NIP another employee of the agency has with a clear error, and the
migration rewrites stored NIPs to ASCII digits, stopping with the names of any employees
that would then share one."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jaga.org.models import Employee
from jaga.org.nip import format_nip, parse_nip
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

TODAY = date(2026, 11, 21)
KADIS_NIP = "196712261986031002"  # the fixture agencies' Kepala Dinas
ARABIC_INDIC_ZERO, FULL_WIDTH_ZERO = 0x0660, 0xFF10


def spelled(nip: str, zero: int) -> str:
    """``nip`` in the Unicode digits that start at code point ``zero``."""
    return nip.translate({ord("0") + d: zero + d for d in range(10)})


ARABIC_INDIC = spelled(KADIS_NIP, ARABIC_INDIC_ZERO)
FULL_WIDTH = spelled(KADIS_NIP, FULL_WIDTH_ZERO)

migration = importlib.import_module("jaga.org.migrations.0002_nip_ascii_digits_unique_in_agency")


@pytest.mark.parametrize(
    "value", [ARABIC_INDIC, FULL_WIDTH, "19671226 198603 1 " + spelled("002", ARABIC_INDIC_ZERO)]
)
def test_it_refuses_a_nip_in_digits_other_than_ascii(value: str) -> None:
    assert value.replace(" ", "").isdigit()  # what the old check let through
    with pytest.raises(ValidationError, match="digits only"):
        parse_nip(value, today=TODAY)
    assert format_nip(value) == value  # not printed as if it were a NIP


@pytest.mark.django_db
def test_the_admin_refuses_a_nip_another_employee_of_the_agency_has(agency_a: Agency) -> None:
    client = Client()
    assert client.login(username="alpha.admin", password=PASSWORD)
    form = {
        "name": "Budi",
        "nip": "19671226 198603 1 002",
        "rank": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "acting-TOTAL_FORMS": "0",
        "acting-INITIAL_FORMS": "0",
    }
    url = reverse("admin:org_employee_add")
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    # The admin speaks Indonesian, the default language.
    assert "NIP ini sudah dipakai oleh pegawai lain di instansi ini." in response.content.decode()
    response = client.post(url, {**form, "nip": ARABIC_INDIC}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert Employee.objects.filter(agency=agency_a).count() == 1


@pytest.mark.django_db
def test_a_plain_save_stores_the_nip_as_digits(agency_a: Agency) -> None:
    employee = Employee.objects.create(agency=agency_a, name="Rina", nip="19880512 201101 2 003")
    employee.refresh_from_db()
    assert employee.nip == "198805122011012003"


@pytest.mark.django_db
def test_the_migration_rewrites_stored_nips_to_ascii_digits(agency_a: Agency) -> None:
    rina = Employee.objects.create(agency=agency_a, name="Rina", nip="198805122011012003")
    wide = spelled("198805122011012003", FULL_WIDTH_ZERO)
    Employee.objects.filter(pk=rina.pk).update(nip=wide)  # as stored before the fix
    migration.spell_nips_in_ascii(apps, None)
    rina.refresh_from_db()
    assert rina.nip == "198805122011012003"


@pytest.mark.django_db
def test_the_migration_names_employees_that_would_share_a_nip_and_changes_nothing(
    agency_a: Agency, agency_b: Agency
) -> None:
    twin = Employee.objects.create(agency=agency_a, name="Kembar", nip="198805122011012003")
    Employee.objects.filter(pk=twin.pk).update(nip=ARABIC_INDIC)  # kadis's NIP, other digits
    with pytest.raises(migration.DuplicateNips) as caught:
        migration.spell_nips_in_ascii(apps, None)
    message = str(caught.value)
    assert "'alpha'" in message
    assert "'Kembar'" in message
    assert "'Kadis alpha'" in message
    assert "'beta'" not in message  # the same NIP in another agency is no duplicate
    twin.refresh_from_db()
    assert twin.nip == ARABIC_INDIC
