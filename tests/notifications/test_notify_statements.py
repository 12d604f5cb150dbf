"""``notify`` writes the notices of an event in four statements however many people it
tells (issue 19 point 2), skips the people told already inside the same statement, and
still gives each reachable channel its delivery; ``notify_later`` gathers the notices of
one engine call into those four statements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jaga import deferred
from jaga.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    Preference,
    PushSubscription,
)
from jaga.notifications.services import Notice, notify, notify_later
from jaga.org.models import Employee, User
from tests.notifications.conftest import Org

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Jakarta


def notice(key: str = "step:1:waiting") -> Notice:
    return Notice(NotificationKind.STEP_WAITING, key, {"case": 1, "title": "Uji"}, urgent=True)


def subscribe(user: User) -> None:
    PushSubscription.objects.create(
        user=user,
        endpoint=f"https://push.example.test/{user.pk}",
        p256dh="k",
        auth="a",
        created_at=timezone.now(),
    )


def deliveries(user: User) -> set[str]:
    return set(
        Delivery.objects.filter(notification__recipient=user).values_list("channel", flat=True)
    )


def test_it_tells_five_people_in_the_statements_it_tells_one(org: Org) -> None:
    with CaptureQueriesContext(connection) as one:
        notify(org.agency, [org.kadis], notice("a"), AT)
    people = [org.kadis, org.kabid, org.kasi, org.tech1, org.tech2]
    with CaptureQueriesContext(connection) as five:
        made = notify(org.agency, people, notice("b"), AT)
    assert len(one.captured_queries) == len(five.captured_queries) == 4
    assert sorted(n.recipient_id for n in made) == sorted(user.pk for user in people)
    assert all(n.pk for n in made)
    assert Notification.objects.filter(key="b").count() == 5


def test_it_skips_the_people_told_already_and_keeps_the_transaction(org: Org) -> None:
    with transaction.atomic():
        notify(org.agency, [org.kabid], notice(), AT)
        made = notify(org.agency, [org.kabid, org.kasi], notice(), AT)
        assert [n.recipient_id for n in made] == [org.kasi.pk]
        # The transaction is still usable: no IntegrityError left it aborted.
        assert Notification.objects.filter(key=notice().key).count() == 2
    assert Delivery.objects.filter(notification__recipient=org.kabid).count() == 1


def test_it_gives_each_channel_only_to_those_who_can_receive_on_it(org: Org) -> None:
    subscribe(org.kabid)
    Preference.objects.create(
        user=org.kasi, kind=NotificationKind.STEP_WAITING, channel=Channel.EMAIL, enabled=False
    )
    org.tech1.email = ""
    org.tech1.save()
    Employee.objects.filter(user=org.tech1).update(email="tek1@pegawai.test")
    org.tech2.email = ""
    org.tech2.save()
    Employee.objects.filter(user=org.tech2).update(email="")
    notify(org.agency, [org.kabid, org.kasi, org.tech1, org.tech2], notice(), AT)
    assert deliveries(org.kabid) == {Channel.EMAIL, Channel.PUSH}
    assert deliveries(org.kasi) == set()  # turned e-mail off, no browser
    assert deliveries(org.tech1) == {Channel.EMAIL}  # the employee record's address
    assert deliveries(org.tech2) == set()  # no address anywhere
    assert Notification.objects.filter(key=notice().key).count() == 4


def test_it_writes_an_operations_notices_together_in_the_statements_of_one(org: Org) -> None:
    news = Notice(NotificationKind.CASE_UPDATE, "case:1:assigned:2", {"case": 1}, urgent=True)
    Preference.objects.create(
        user=org.kasi, kind=NotificationKind.CASE_UPDATE, channel=Channel.EMAIL, enabled=False
    )
    with CaptureQueriesContext(connection) as captured, deferred.gathering():
        notify_later(org.agency, [org.kasi], news, AT)  # the reporter's news
        notify_later(org.agency, [org.kasi, org.tech1], notice(), AT)  # the next step's
        assert Notification.objects.count() == 0  # written at the end
    assert len(captured.captured_queries) == 4 + 1  # and the count above
    told = set(Notification.objects.values_list("recipient__username", "kind"))
    assert told == {
        (org.kasi.username, NotificationKind.CASE_UPDATE),
        (org.kasi.username, NotificationKind.STEP_WAITING),
        (org.tech1.username, NotificationKind.STEP_WAITING),
    }
    # Each notice keeps its own kind's choice: the Kasi turned e-mail off for news only.
    by_kind = dict(
        Delivery.objects.filter(notification__recipient=org.kasi).values_list(
            "notification__kind", "channel"
        )
    )
    assert by_kind == {NotificationKind.STEP_WAITING: Channel.EMAIL}


def test_it_tells_at_once_outside_an_operation(org: Org) -> None:
    notify_later(org.agency, [org.kabid], notice(), AT)
    assert Notification.objects.filter(recipient=org.kabid, key=notice().key).count() == 1
