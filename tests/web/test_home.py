"""The home page and the admin answer, in Indonesian by default and English on request."""

from __future__ import annotations

import pytest
from django.test import Client

from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_serves_the_home_page_in_indonesian_by_default() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert "Pemeliharaan jaringan, sesuai SOP" in response.content.decode()
    assert '<html lang="id">' in response.content.decode()


def test_it_ignores_an_english_browser() -> None:
    response = Client().get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert "Pemeliharaan jaringan, sesuai SOP" in response.content.decode()


def test_it_switches_to_english() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Network maintenance, by the SOP" in client.get("/").content.decode()


def test_it_serves_the_admin_login_in_indonesian() -> None:
    response = Client().get("/admin/login/")
    assert response.status_code == 200
    assert "Masuk" in response.content.decode()


def test_it_shows_the_users_agency_and_opd(agency_a: Agency) -> None:
    client = Client()
    assert client.login(username="alpha.dinkes", password=PASSWORD)
    page = client.get("/").content.decode()
    assert agency_a.name in page
    assert "atas nama Dinas Kesehatan" in page


def test_it_answers_the_health_check() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
