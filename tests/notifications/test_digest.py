"""The daily digest at the start of the working day (issue 15 point 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from jaga.notifications.digest import run_digests
from jaga.notifications.messages import render
from jaga.notifications.models import Delivery, Notification, NotificationKind
from jaga.notifications.services import save_preferences
from jaga.workflow.services import complete_step
from tests.notifications.conftest import WIB, Org, waiting

pytestmark = pytest.mark.django_db


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=WIB)


def digests(org: Org) -> list[Notification]:
    return list(
        Notification.objects.filter(recipient=org.kabid, kind=NotificationKind.DIGEST).order_by(
            "pk"
        )
    )


@pytest.fixture
def disposed(org: Org) -> Org:
    """Monday 23 November 09:00: a report disposed to the Kabid, whose step ("1 hari") is
    due Tuesday 09:00; the Kabid asked for the digest by e-mail."""
    save_preferences(org.kabid, {("digest", "email"): True})
    case = org.report(local(23, 9))
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=local(23, 9))
    return org


def test_it_sends_one_digest_at_the_start_of_the_working_day(disposed: Org) -> None:
    assert run_digests(local(24, 7, 29)) == 0
    assert run_digests(local(24, 7, 30)) == 1
    assert run_digests(local(24, 10, 0)) == 0  # one a day
    [digest] = digests(disposed)
    assert (digest.params["waiting"], digest.params["near"], digest.params["late"]) == (1, 1, 0)
    assert digest.url == "/kasus/tugas/"
    assert Delivery.objects.filter(notification=digest, channel="email").exists()
    assert render(digest).subject == "Your tasks today: 1 waiting, 1 near due, 0 late"


def test_it_counts_a_step_past_its_due_time_as_late_the_next_day(disposed: Org) -> None:
    run_digests(local(25, 8, 0))  # Wednesday: the Kabid's step was due Tuesday 09:00
    [digest] = digests(disposed)
    assert (digest.params["waiting"], digest.params["late"]) == (1, 1)


def test_it_sends_none_on_a_day_off_or_to_those_who_did_not_ask(disposed: Org) -> None:
    assert run_digests(local(28, 9, 0)) == 0  # Saturday
    assert not Notification.objects.filter(recipient=disposed.kadis, kind="digest").exists()
    assert run_digests(local(30, 7, 30)) == 1  # Monday again


def test_it_sends_none_when_nothing_waits(org: Org) -> None:
    save_preferences(org.kasi, {("digest", "email"): True})
    assert run_digests(local(24, 8, 0)) == 0
