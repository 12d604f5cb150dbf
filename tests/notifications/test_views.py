"""The bell, the notifications page, opening and marking read, and the preferences page
(issue 15 points 2 and 4)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from jaga.notifications.models import Notification, Preference
from jaga.org.models import User
from jaga.workflow.services import complete_step
from tests.conftest import PASSWORD
from tests.notifications.conftest import WIB, Org, waiting

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def tick_box(page: str, name: str) -> str:
    """The <input> tag of tick box ``name`` on ``page``."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def disposed(org: Org) -> None:
    """A report, disposed by the Kadis to the Kabid: the Kabid has one notice."""
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=MONDAY_9)


def test_it_shows_the_unread_count_on_the_bell_of_every_page(org: Org) -> None:
    disposed(org)
    client = client_for(org.kabid)
    page = client.get(reverse("workflow:inbox")).content.decode()
    assert 'id="notification-bell"' in page
    assert 'data-unread="1"' in page
    bell = client.get(reverse("notifications:bell"), headers={"HX-Request": "true"})
    assert 'data-unread="1"' in bell.content.decode()


def test_it_lists_the_notices_in_indonesian_and_opens_one_as_read(org: Org) -> None:
    disposed(org)
    client = client_for(org.kabid)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Kasus #1: langkah 3 menunggu Anda" in page
    notice = Notification.objects.get(recipient=org.kabid)
    answer = client.post(reverse("notifications:open", args=[notice.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == notice.url
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'data-unread="' not in client.get(reverse("notifications:bell")).content.decode()


def test_it_marks_all_read(org: Org) -> None:
    disposed(org)
    client = client_for(org.kadis)  # the Kadis was told of the report
    assert Notification.objects.filter(recipient=org.kadis, read_at__isnull=True).exists()
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=org.kadis, read_at__isnull=True).exists()


def test_it_answers_404_for_another_user_s_notice(org: Org) -> None:
    disposed(org)
    notice = Notification.objects.get(recipient=org.kabid)
    answer = client_for(org.kasi).post(reverse("notifications:open", args=[notice.pk]))
    assert answer.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_it_refuses_to_open_a_notice_by_get(org: Org) -> None:
    disposed(org)
    notice = Notification.objects.get(recipient=org.kabid)
    assert (
        client_for(org.kabid).get(reverse("notifications:open", args=[notice.pk])).status_code
        == 405
    )


def test_it_saves_preferences_as_departures_from_the_defaults(org: Org) -> None:
    client = client_for(org.kabid)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="step_waiting__email"' in page
    wanted = {"step_late__email": "on", "digest__email": "on"}  # all others off
    answer = client.post(reverse("notifications:preferences"), wanted)
    assert answer.status_code == 302
    rows = {(p.kind, p.channel): p.enabled for p in Preference.objects.filter(user=org.kabid)}
    assert rows[("digest", "email")] is True  # opt-in kind turned on
    assert rows[("step_waiting", "email")] is False
    assert ("step_late", "email") not in rows  # left at its default
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert " checked" in tick_box(page, "digest__email")
    assert " checked" not in tick_box(page, "step_waiting__email")


def test_it_offers_no_channel_to_a_user_without_an_address(org: Org) -> None:
    org.kabid.email = ""
    org.kabid.save()
    employee = org.kabid.employee
    employee.email = ""
    employee.save()
    page = client_for(org.kabid).get(reverse("notifications:preferences")).content.decode()
    assert "e-mail" in page.lower() or "surel" in page.lower()
    assert 'name="step_waiting__email"' not in page


def test_it_sends_an_anonymous_visitor_to_the_login(client: Client) -> None:
    answer = client.get(reverse("notifications:list"))
    assert answer.status_code == 302
    assert reverse("login") in answer["Location"]
