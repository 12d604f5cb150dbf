"""The report form answers bad input with field errors, never a 500 (issue 13 point 9):
a "since" near year 1 (it cannot be converted to UTC) and ids of sites or devices beyond 64
bits (SQLite cannot bind them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jaga.incidents.models import Incident
from jaga.inventory.models import Site
from jaga.org.models import Opd
from jaga.sop.models import SopDefinition
from jaga.workflow.errors import InvalidInput
from tests.incidents.conftest import client_for, report

pytestmark = pytest.mark.django_db

URL = reverse("incidents:report")
BEYOND_64_BITS = str(2**70)


def form_data(**extra: Any) -> dict[str, Any]:
    yesterday = timezone.now() - dt.timedelta(days=1)
    data: dict[str, Any] = {
        "location": "Gedung B, ruang server",
        "problem": "Switch lantai 2 mati",
        "since": yesterday.strftime("%Y-%m-%dT%H:%M"),
        "contact_name": "Budi Santoso",
        "contact_phone": "0251 8321075",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("since", ["0001-01-01T00:00", "0001-01-01 00:00", "1999-12-31T08:00"])
def test_it_refuses_a_since_before_2000_with_a_field_error(
    sop_a: SopDefinition, since: str
) -> None:
    response = client_for("alpha.dinkes").post(URL, form_data(since=since))
    assert response.status_code == 200
    assert response.context["form"].errors["since"] == [
        "The disruption cannot have started before 2000-01-01."
    ]
    assert not Incident.objects.exists()


def test_the_service_refuses_a_since_before_2000_too(sop_a: SopDefinition) -> None:
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(InvalidInput) as caught:
        report(sop_a.agency.users.get(username="alpha.dinkes"), since=year_one)
    assert "since" in caught.value.errors


@pytest.mark.parametrize("field", ["sites", "devices"])
def test_it_refuses_ids_beyond_64_bits_with_a_field_error(sop_a: SopDefinition, field: str) -> None:
    opd = Opd.objects.get(agency=sop_a.agency, name="Dinas Kesehatan")
    Site.objects.create(agency=sop_a.agency, opd=opd, code="dinkes-pusat", name="Dinkes Pusat")
    response = client_for("alpha.dinkes").post(URL, form_data(**{field: [BEYOND_64_BITS]}))
    assert response.status_code == 200
    assert BEYOND_64_BITS in response.context["form"].errors[field][0]
    assert not Incident.objects.exists()
