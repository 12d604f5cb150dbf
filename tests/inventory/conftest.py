"""An agency with a store, an office site and a user to act as."""

from __future__ import annotations

import pytest

from jaga.inventory.models import Site
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency


def make_sites(agency: Agency) -> None:
    """The sites ``gudang`` (the store) and ``dinkes-pusat`` (of the Dinkes OPD)."""
    Site.objects.create(agency=agency, code="gudang", name="Gudang", is_store=True)
    Site.objects.create(
        agency=agency,
        code="dinkes-pusat",
        name="Dinkes Pusat",
        opd=Opd.objects.get(agency=agency, abbreviation="Dinkes"),
    )


@pytest.fixture
def sites(agency_a: Agency) -> Agency:
    make_sites(agency_a)
    return agency_a


@pytest.fixture
def admin_a(agency_a: Agency) -> User:
    return User.objects.get(username="alpha.admin")
