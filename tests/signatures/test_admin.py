"""The agency administrator configures the TTE client and the signers' NIKs in the admin
("Klien TTE"); the changes are audited without the service password, which is never shown
back and is kept when left empty (issue 18 point 6; docs/signatures.md)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jaga.audit.models import Event
from jaga.org.models import User
from jaga.signatures.models import EsignClient, Signer
from jaga.tenancy.models import Agency
from tests.incidents.conftest import client_for

pytestmark = pytest.mark.django_db

SERVICE_PASSWORD = "kata-sandi-layanan-8812"


def test_it_configures_the_tte_client_and_audits_it_without_the_password(
    agency_a: Agency,
) -> None:
    admin = client_for("alpha.admin")
    url = reverse("admin:signatures_esignclient_add")
    response = admin.post(
        url,
        {
            "name": "esign-client Diskominfo",
            "base_url": "http://10.10.1.5",
            "api_version": "2",
            "username": "jaga",
            "password": SERVICE_PASSWORD,
            "seal_id_subscriber": "",
            "timeout_seconds": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = EsignClient.objects.get()
    assert row.agency == agency_a
    assert row.password == SERVICE_PASSWORD
    change = reverse("admin:signatures_esignclient_change", args=[row.pk])
    page = admin.get(change).content.decode()
    assert SERVICE_PASSWORD not in page
    response = admin.post(
        change,
        {
            "name": "esign-client Diskominfo",
            "base_url": "http://10.10.1.6",
            "api_version": "2",
            "username": "jaga",
            "password": "",
            "seal_id_subscriber": "SUB-1",
            "timeout_seconds": "20",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.password == SERVICE_PASSWORD  # kept
    assert row.base_url == "http://10.10.1.6"
    events = Event.objects.filter(object_type="signatures.esignclient")
    assert list(events.order_by("seq").values_list("action", flat=True)) == [
        "signatures.esignclient.created",
        "signatures.esignclient.changed",
    ]
    assert SERVICE_PASSWORD not in repr(list(events.values()))


def test_it_keeps_a_nik_to_16_digits(agency_a: Agency) -> None:
    admin = client_for("alpha.admin")
    kadis = User.objects.get(username="alpha.kadis")
    url = reverse("admin:signatures_signer_add")
    response = admin.post(url, {"user": kadis.pk, "nik": "71012345"})
    assert response.status_code == 200
    assert "16 digits" in response.content.decode()
    response = admin.post(url, {"user": kadis.pk, "nik": "7101234567890001"})
    assert response.status_code == 302
    assert Signer.objects.get().nik == "7101234567890001"
    assert Event.objects.filter(action="signatures.signer.created").count() == 1
