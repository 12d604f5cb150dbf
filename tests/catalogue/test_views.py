"""The catalogue's pages and its admin form (issue 17 points 1-2)."""

from __future__ import annotations

import pytest
from django.test import Client

from jaga.catalogue.admin import ServiceForm
from jaga.catalogue.models import Request
from jaga.workflow.models import Case
from tests.catalogue.conftest import Desk
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def client_of(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_it_shows_each_user_what_they_may_request_or_record(desk: Desk) -> None:
    opd = client_of("gamma.dinkes").get("/layanan/").content.decode()
    assert 'id="request-pemasangan"' in opd
    assert 'href="/lapor/?layanan=mini"' in opd
    assert 'id="record-' not in opd
    clerk = client_of("gamma.desk").get("/layanan/").content.decode()
    assert 'id="record-pemasangan"' in clerk
    assert 'id="record-mini"' in clerk
    assert 'id="request-' not in clerk  # the clerk is no requester himself


def test_it_shows_intake_errors_and_writes_nothing(desk: Desk) -> None:
    client = client_of("gamma.dinkes")
    form = {
        "title": "Titik jaringan",
        "contact_name": "Budi",
        "contact_phone": "0812 3456 7890",
        "intake_ruangan": "",
        "intake_titik": "banyak",
    }
    before = Case.objects.count()
    page = client.post("/layanan/pemasangan/ajukan/", form)
    assert page.status_code == 200
    assert page.context["form"].errors.keys() == {"intake_ruangan", "intake_titik"}
    assert Case.objects.count() == before
    form.update(intake_ruangan="Rapat", intake_titik="2")
    done = client.post("/layanan/pemasangan/ajukan/", form)
    assert done.status_code == 302
    assert done["Location"] == "/layanan/permohonan/"
    made = Request.objects.get()
    assert made.case.data["intake"] == {"ruangan": "Rapat", "titik": 2}
    listed = client.get("/layanan/permohonan/").content.decode()
    assert f"#{made.case.number} Titik jaringan" in listed


def test_it_records_a_whatsapp_request_for_an_employee(desk: Desk) -> None:
    client = client_of("gamma.desk")
    page = client.post(
        "/layanan/pemasangan/catat/",
        {
            "channel": "whatsapp",
            "requester": desk.world.tech2.pk,
            "contact_name": "Tek Dua",
            "contact_phone": "0812 1111 2222",
            "title": "Titik di ruang teknisi",
            "intake_ruangan": "Teknisi",
            "intake_titik": "1",
        },
    )
    assert page.status_code == 302
    made = Request.objects.get()
    assert (made.channel, made.requester, made.recorded_by) == (
        "whatsapp",
        desk.world.tech2,
        desk.clerk,
    )
    both = client.post(
        "/layanan/pemasangan/catat/",
        {
            "channel": "phone",
            "opd": desk.world.opd.pk,
            "requester": desk.world.tech2.pk,
            "contact_name": "X",
            "contact_phone": "0812 1111 2222",
            "title": "T",
            "intake_ruangan": "R",
            "intake_titik": "1",
        },
    )
    assert both.status_code == 200
    assert "opd" in both.context["form"].errors
    assert Request.objects.count() == 1


def test_its_admin_form_keeps_a_service_on_an_sop_that_runs_requests(desk: Desk) -> None:
    data = {
        "agency": desk.world.agency.pk,
        "code": "pemasangan",
        "name": "Pemasangan",
        "description": "",
        "category": "request",
        "sop_code": "tidak-ada",
        "requesters": ["opd"],
        "is_default": "on",
        "is_active": "on",
    }
    form = ServiceForm(data, instance=desk.install)
    assert not form.is_valid()
    assert set(form.errors) == {"sop_code", "is_default"}
    data.update(sop_code="mini", is_default="")
    assert ServiceForm(data, instance=desk.install).is_valid()


def test_it_asks_a_disruption_services_intake_fields_on_the_report_form(desk: Desk) -> None:
    from jaga.sop.services import load_definition
    from tests.workflow.conftest import MINI_SOP

    disruption = MINI_SOP.replace("jaga-sop/1", "jaga-sop/2").replace(
        "start: [report, manual]",
        "start: [report, manual]\nservice:\n  category: disruption\n"
        "  fields: [{key: ip, label: Alamat IP perangkat}]",
    )
    load_definition(desk.world.agency, disruption, path="mini.yaml")
    client = client_of("gamma.dinkes")
    assert 'name="intake_ip"' in client.get("/lapor/").content.decode()
    form = {
        "location": "Ruang server",
        "problem": "Putus",
        "since": "2026-01-05T08:00",
        "contact_name": "Budi",
        "contact_phone": "0812 3456 7890",
    }
    refused = client.post("/lapor/", form)
    assert refused.status_code == 200
    assert "intake_ip" in refused.context["form"].errors
    done = client.post("/lapor/", {**form, "intake_ip": "10.0.0.1"})
    assert done.status_code == 302
    assert Case.objects.get(definition__code="mini").data["intake"] == {"ip": "10.0.0.1"}
