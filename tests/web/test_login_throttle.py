"""Failed logins are throttled per username and per address (issue 13 point 3, django-axes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from jaga.org.models import User
from jaga.tenancy.models import Agency
from jaga.web.security import client_ip, login_name
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = settings.AXES_FAILURE_LIMIT


def attempt(url: str, login: str, password: str, address: str, **extra: Any) -> int:
    """POST a login from ``address`` with a fresh client; the answer's status code."""
    response = Client().post(
        url, {"username": login, "password": password}, REMOTE_ADDR=address, **extra
    )
    return response.status_code


def fail(times: int, login: str = "alpha.kadis", url: str = "/login/") -> None:
    """``times`` wrong passwords for ``login``, each from another address."""
    for n in range(times):
        assert attempt(url, login, "salah", f"10.0.0.{n + 1}") in (200, 429)


def test_the_defaults_are_five_failures_and_fifteen_minutes() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username"], ["ip_address"]]


def test_it_locks_a_username_after_the_limit_even_with_the_right_password(
    agency_a: Agency,
) -> None:
    fail(LIMIT - 1)  # each from another address: only the username is counted
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.1.0.1") == 302
    fail(LIMIT)
    response = Client(REMOTE_ADDR="10.1.0.2").post(
        "/login/", {"username": "alpha.kadis", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert 'id="login-blocked"' in page
    assert "15 menit" in page  # Indonesian, the default language
    assert 'class="navbar' in page  # Jaga's layout, not a bare text answer
    # Another user is not affected.
    assert attempt("/login/", "alpha.admin", PASSWORD, "10.1.0.3") == 302


def test_it_locks_an_address_that_tries_many_usernames(agency_a: Agency) -> None:
    for n in range(LIMIT):
        attempt("/login/", f"nobody{n}", "salah", "192.0.2.7")
    assert attempt("/login/", "alpha.dinkes", PASSWORD, "192.0.2.7") == 429
    assert attempt("/login/", "alpha.dinkes", PASSWORD, "192.0.2.8") == 302


@pytest.mark.parametrize("login", ["196712261986031002", "19671226 198603 1 002"])
def test_a_nip_counts_against_its_users_lock(agency_a: Agency, login: str) -> None:
    fail(2, login="alpha.kadis")
    fail(LIMIT - 2, login=login)
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.2.0.1") == 429
    assert attempt("/login/", "196712261986031002", PASSWORD, "10.2.0.2") == 429
    assert attempt("/login/", "19671226 198603 1 002", PASSWORD, "10.2.0.3") == 429


def test_the_admin_login_is_throttled_too(agency_a: Agency) -> None:
    fail(LIMIT, login="alpha.admin", url="/admin/login/")
    assert attempt("/admin/login/", "alpha.admin", PASSWORD, "10.3.0.1") == 429
    assert attempt("/login/", "alpha.admin", PASSWORD, "10.3.0.2") == 429


def test_the_lock_ends_after_the_cool_off(agency_a: Agency) -> None:
    fail(LIMIT)
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.4.0.1") == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert attempt("/login/", "alpha.kadis", PASSWORD, "10.4.0.2") == 302


def test_a_platform_admin_unlocks_a_username_in_the_admin(
    agency_a: Agency, platform_admin: User
) -> None:
    fail(LIMIT)
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.5.0.1") == 429
    admin = Client()
    admin.force_login(platform_admin)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "alpha.kadis" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.values_list("pk", flat=True)]
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.5.0.2") == 302


def test_the_command_line_unlocks_a_username(agency_a: Agency) -> None:
    fail(LIMIT)
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.6.0.1") == 429
    call_command("axes_reset_username", "alpha.kadis")
    assert attempt("/login/", "alpha.kadis", PASSWORD, "10.6.0.2") == 302


def test_the_test_clients_login_is_not_throttled(agency_a: Agency) -> None:
    # Client.login() calls authenticate() without a request: nothing to count it under.
    for _ in range(LIMIT + 1):
        assert not Client().login(username="alpha.kadis", password="salah")
    assert Client().login(username="alpha.kadis", password=PASSWORD)


def test_it_ignores_a_forwarded_address_without_a_proxy() -> None:
    request = RequestFactory().post(
        "/login/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert client_ip(request) == "192.0.2.1"


@override_settings(JAGA_PROXY_COUNT=1)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("1.1.1.1, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's own claim
        ("203.0.113.5, not-an-address", "10.0.0.2"),
        ("", "10.0.0.2"),
        ("2001:db8::1", "2001:db8::1"),
    ],
)
def test_behind_the_proxy_it_takes_the_address_the_proxy_appended(
    forwarded: str, expected: str
) -> None:
    request = RequestFactory().post(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == expected


@override_settings(JAGA_PROXY_COUNT=1)
def test_behind_the_proxy_a_forged_forwarded_address_does_not_escape_the_lock(
    agency_a: Agency,
) -> None:
    for n in range(LIMIT):
        forged = f"198.51.100.{n}, 203.0.113.5"
        attempt("/login/", f"nobody{n}", "salah", "10.0.0.2", HTTP_X_FORWARDED_FOR=forged)
    status = attempt(
        "/login/", "alpha.dinkes", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5"
    )
    assert status == 429
    other = attempt(
        "/login/", "alpha.dinkes", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other == 302


def test_a_login_is_counted_under_its_users_name(agency_a: Agency) -> None:
    request = RequestFactory().post("/login/")
    assert login_name(request, {"username": " 19671226 198603 1 002 "}) == "alpha.kadis"
    assert login_name(request, {"username": "someone"}) == "someone"
    assert login_name(request, {"username": None}) == ""
    assert len(login_name(request, {"username": "x" * 1000})) == 255
