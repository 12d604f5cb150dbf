"""An inactive agency is inactive: no logins, no sessions, no agent (issue 13 point 4)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jaga.monitoring.models import Agent
from jaga.monitoring.services import create_agent
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MESSAGE = "Your agency is inactive in Jaga"


def deactivate(agency: Agency) -> None:
    Agency.objects.filter(pk=agency.pk).update(is_active=False)


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("login", ["alpha.kadis", "19671226 198603 1 002"])
def test_it_refuses_the_login_of_an_inactive_agencys_user_and_says_why(
    agency_a: Agency, login: str
) -> None:
    deactivate(agency_a)
    response = english().post("/login/", {"username": login, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.client.session
    assert MESSAGE in response.content.decode()


def test_a_wrong_password_does_not_tell_that_the_agency_is_inactive(agency_a: Agency) -> None:
    deactivate(agency_a)
    response = english().post("/login/", {"username": "alpha.kadis", "password": "salah"})
    assert response.status_code == 200
    assert MESSAGE not in response.content.decode()


def test_it_refuses_the_admin_login_of_an_inactive_agencys_admin(agency_a: Agency) -> None:
    deactivate(agency_a)
    client = english()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "alpha.admin", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_other_agencies_still_log_in(agency_a: Agency, agency_b: Agency) -> None:
    deactivate(agency_a)
    assert Client().login(username="beta.kadis", password=PASSWORD)
    assert not Client().login(username="alpha.kadis", password=PASSWORD)


def test_it_ends_a_session_on_the_next_page(agency_a: Agency) -> None:
    client = english()
    assert client.login(username="alpha.kadis", password=PASSWORD)
    assert client.get("/kasus/").status_code == 200
    deactivate(agency_a)
    response = client.get("/kasus/", follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/kasus/").status_code == 302  # stays logged out


def test_it_ends_an_admin_session(agency_a: Agency) -> None:
    client = Client()
    client.force_login(User.objects.get(username="alpha.admin"))
    assert client.get("/admin/").status_code == 200
    deactivate(agency_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


def test_a_platform_admin_is_not_affected(agency_a: Agency, platform_admin: User) -> None:
    deactivate(agency_a)
    client = Client()
    client.force_login(platform_admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("name", ["monitoring_api:assignments", "monitoring_api:results"])
def test_an_agent_of_an_inactive_agency_gets_403(agency_a: Agency, name: str) -> None:
    agent, token = create_agent(agency_a, "kecamatan-utara", by=None)
    url = reverse(name)
    headers = {"Authorization": f"Bearer {token}"}

    def call(headers: dict[str, str] = headers) -> Any:
        if name.endswith("results"):
            body = '{"results": []}'
            return Client().post(url, body, content_type="application/json", headers=headers)
        return Client().get(url, headers=headers)

    assert call().status_code == 200
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=None)
    deactivate(agency_a)
    response = call()
    assert response.status_code == 403
    assert json.loads(response.content) == {"error": "the agent's agency is inactive"}
    assert Agent.objects.get(pk=agent.pk).last_seen_at is None
    # A wrong token is still 401, whatever the agency.
    assert call({"Authorization": "Bearer wrong"}).status_code == 401
