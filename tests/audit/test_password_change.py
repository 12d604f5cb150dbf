"""A user who changes their own password at /password/ leaves an audit event that says so
and holds no hash (issue 13 point 5)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jaga.audit.services import verify
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.audit.admin_forms import events_since, last_seq, stored_text
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_records_a_users_own_password_change_without_the_hash(agency_a: Agency) -> None:
    user = User.objects.get(username="alpha.kadis")
    client = Client()
    client.force_login(user)
    seq = last_seq(agency_a)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "kata-sandi-baru-2026!",
            "new_password2": "kata-sandi-baru-2026!",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("kata-sandi-baru-2026!")
    (event,) = events_since(agency_a, seq)
    assert event.action == "org.user.changed"
    assert event.after == {"password_changed": True}
    assert event.actor_id == user.pk
    assert user.password not in stored_text(event)
    assert verify(agency_a).ok


def test_it_records_nothing_when_the_old_password_is_wrong(agency_a: Agency) -> None:
    user = User.objects.get(username="alpha.kadis")
    client = Client()
    client.force_login(user)
    seq = last_seq(agency_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": "salah", "new_password1": "x-baru-1234!", "new_password2": "x-baru-1234!"},
    )
    assert response.status_code == 200
    assert events_since(agency_a, seq) == []
