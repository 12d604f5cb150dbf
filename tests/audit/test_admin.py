"""The audit log in the admin: read-only, and each agency administrator sees only their own
agency's events."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jaga.audit.models import Event
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def both(agency_a: Agency, agency_b: Agency) -> tuple[list[Event], list[Event]]:
    return record_several(agency_a, 3), record_several(agency_b, 2)


def test_it_lists_only_the_admins_own_agencys_events(
    both: tuple[list[Event], list[Event]],
) -> None:
    mine, _ = both
    response = login("alpha.admin").get(reverse("admin:audit_event_changelist"))
    assert response.status_code == 200
    listed = list(response.context["cl"].queryset)
    assert [event.pk for event in listed] == [event.pk for event in reversed(mine)]
    assert "beta" not in response.content.decode().lower()


def test_it_finds_events_by_object_id(both: tuple[list[Event], list[Event]]) -> None:
    response = login("alpha.admin").get(reverse("admin:audit_event_changelist"), {"q": "2"})
    assert [event.seq for event in response.context["cl"].queryset] == [2]


def test_it_shows_an_event_read_only(both: tuple[list[Event], list[Event]]) -> None:
    event = both[0][1]
    client = login("alpha.admin")
    page = reverse("admin:audit_event_change", args=[event.pk])
    response = client.get(page)
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    content = response.content.decode()
    assert event.hash in content
    assert 'name="_save"' not in content
    assert client.post(page, {"action": "step.returned"}).status_code == 403
    assert Event.objects.get(pk=event.pk).action == "step.completed"


def test_it_offers_no_add_or_delete(both: tuple[list[Event], list[Event]]) -> None:
    event = both[0][0]
    client = login("alpha.admin")
    assert client.get(reverse("admin:audit_event_add")).status_code == 403
    delete = reverse("admin:audit_event_delete", args=[event.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:audit_event_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert Event.objects.count() == 5


def test_it_answers_another_agencys_event_as_missing(
    both: tuple[list[Event], list[Event]],
) -> None:
    theirs = both[1][0]
    response = login("alpha.admin").get(reverse("admin:audit_event_change", args=[theirs.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_it_shows_a_platform_admin_every_agency(
    both: tuple[list[Event], list[Event]], platform_admin: User
) -> None:
    response = login("root").get(reverse("admin:audit_event_changelist"))
    assert response.status_code == 200
    assert {event.agency.slug for event in response.context["cl"].queryset} == {"alpha", "beta"}
    assert login("root").get(reverse("admin:audit_event_add")).status_code == 403


def test_it_keeps_users_who_are_not_admins_out(both: tuple[list[Event], list[Event]]) -> None:
    response = login("alpha.kadis").get(reverse("admin:audit_event_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
