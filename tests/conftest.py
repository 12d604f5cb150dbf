"""Shared fixtures: agencies with an admin, an employee and an OPD user each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.tenancy.models import Agency
from jaga.tenancy.services import install_default_working_hours

PASSWORD = "rahasia-sekali-123"


def pytest_configure(config: pytest.Config) -> None:
    """Tests render pages without running collectstatic first (plain static storage) and
    hash passwords fast."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Direct calls see English messages (requests still negotiate their own language)."""
    with translation.override("en"):
        yield


def make_agency(slug: str, timezone: str = "Asia/Jakarta") -> Agency:
    """An agency with a unit, a position held by an employee with a login, an OPD with a
    reporter login, and an agency-admin login ``<slug>.admin``."""
    agency = Agency.objects.create(
        slug=slug,
        name=f"Dinas Komunikasi dan Informatika {slug.title()}",
        short_name="Diskominfo",
        government_name=f"Pemerintah Kota {slug.title()}",
        region_kind="kota",
        region_name=f"Kota {slug.title()}",
        kemendagri_code="32.71",
        timezone=timezone,
    )
    install_default_working_hours(agency)
    unit = OrgUnit.objects.create(agency=agency, name=f"Dinas {slug.upper()}", kind="dinas")
    position = Position.objects.create(
        agency=agency, code="kadis", title="Kepala Dinas", unit=unit, is_head=True
    )
    user = User.objects.create_user(f"{slug}.kadis", password=PASSWORD, agency=agency)
    employee = Employee.objects.create(
        agency=agency, name=f"Kadis {slug}", nip="196712261986031002", user=user
    )
    employee.positions.add(position)
    opd = Opd.objects.create(agency=agency, name="Dinas Kesehatan", abbreviation="Dinkes")
    User.objects.create_user(f"{slug}.dinkes", password=PASSWORD, agency=agency, opd=opd)
    User.objects.create_user(f"{slug}.admin", password=PASSWORD, agency=agency, is_staff=True)
    return agency


@pytest.fixture
def agency_a(db: None) -> Agency:
    return make_agency("alpha")


@pytest.fixture
def agency_b(db: None) -> Agency:
    return make_agency("beta", timezone="Asia/Makassar")


@pytest.fixture
def platform_admin(db: None) -> User:
    return User.objects.create_superuser("root", password=PASSWORD)
