"""Logging in with a username or a NIP, logging out, changing the password."""

from __future__ import annotations

import pytest
from django.test import Client

from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("login", ["alpha.kadis", "196712261986031002", "19671226 198603 1 002"])
def test_it_logs_in_with_the_username_or_the_nip(agency_a: Agency, login: str) -> None:
    client = Client()
    response = client.post("/login/", {"username": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"].username == "alpha.kadis"


def test_it_refuses_a_nip_shared_by_two_agencies(agency_a: Agency, agency_b: Agency) -> None:
    # The fixtures give both Kadis the same NIP; the username still works.
    response = Client().post("/login/", {"username": "196712261986031002", "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Client().login(username="beta.kadis", password=PASSWORD)


def test_it_refuses_a_wrong_password_with_a_message_in_indonesian(agency_a: Agency) -> None:
    response = Client().post("/login/", {"username": "alpha.kadis", "password": "salah"})
    assert response.status_code == 200
    assert "benar" in response.content.decode()  # "…nama pengguna dan sandi yang benar…"


def test_it_logs_out_with_a_post(agency_a: Agency) -> None:
    client = Client()
    client.login(username="alpha.kadis", password=PASSWORD)
    assert client.post("/logout/").status_code == 302
    assert client.get("/password/").status_code == 302  # back to the login page


def test_it_changes_the_password(agency_a: Agency) -> None:
    client = Client()
    client.login(username="alpha.dinkes", password=PASSWORD)
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Jaringan-Aman-2026",
            "new_password2": "Jaringan-Aman-2026",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="alpha.dinkes").check_password("Jaringan-Aman-2026")
