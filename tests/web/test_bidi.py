"""Bidirectional control characters (U+202E and the like) cannot spoof the direction of a
title (issue 13 point 9): free text holding one is refused at input, and no HTML page shows
one, even from a row stored before the check (``jaga.web.bidi``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from jaga.incidents.models import Incident
from jaga.org.models import Employee
from jaga.tenancy.models import Agency
from jaga.web.bidi import BIDI_CONTROLS, strip_bidi_controls
from jaga.workflow.models import Case
from tests.conftest import PASSWORD
from tests.incidents.conftest import client_for, load_report_sop, report

pytestmark = pytest.mark.django_db

SPOOF = "Tagihan \u202egnp.exe"  # shown as "Tagihan exe.png" if the override is kept


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_strips_every_control_and_nothing_else() -> None:
    text = "a" + "".join(sorted(BIDI_CONTROLS)) + "b \u2013 \u201cc\u201d \u00e9"
    assert strip_bidi_controls(text) == "ab \u2013 \u201cc\u201d \u00e9"
    assert len(BIDI_CONTROLS) == 11


@pytest.mark.parametrize("field", ["location", "problem", "contact_name"])
def test_it_refuses_a_report_whose_text_changes_direction(agency_a: Agency, field: str) -> None:
    load_report_sop(agency_a)
    data = {
        "location": "Gedung B",
        "problem": "Switch mati",
        "since": (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "contact_name": "Budi Santoso",
        "contact_phone": "0251 8321075",
        field: SPOOF,
    }
    response = client_for("alpha.dinkes").post(reverse("incidents:report"), data)
    assert response.status_code == 200
    assert "change its direction" in response.context["form"].errors[field][0]
    assert not Incident.objects.exists()


def test_no_page_shows_a_control_stored_before_the_check(agency_a: Agency) -> None:
    load_report_sop(agency_a)
    case = report(agency_a.users.get(username="alpha.dinkes")).case
    Case.objects.filter(pk=case.pk).update(title=SPOOF)  # as stored before the check
    response = client_for("alpha.dinkes").get(reverse("incidents:mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tagihan gnp.exe" in page
    assert not any(control in page for control in BIDI_CONTROLS)


def test_the_admin_refuses_an_employee_name_that_changes_direction(agency_a: Agency) -> None:
    client = Client()
    assert client.login(username="alpha.admin", password=PASSWORD)
    form = {
        "name": "Budi \u202eSantoso",
        "nip": "",
        "rank": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "acting-TOTAL_FORMS": "0",
        "acting-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:org_employee_add"), form, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "mengubah arah teks" in response.content.decode()  # the admin, in Indonesian
    assert not Employee.objects.filter(name__startswith="Budi").exists()
