"""The outbox is delivered by e-mail to a real SMTP server on loopback, once per
notification and channel (issue 15 points 1 and 2)."""

from __future__ import annotations

import datetime as dt
import email
from email.message import Message as EmailMessage
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from jaga.notifications import delivery as delivery_module
from jaga.notifications.delivery import MAX_ATTEMPTS, claim, deliver, sweep
from jaga.notifications.models import Delivery, DeliveryStatus, Notification
from jaga.notifications.services import save_preferences
from jaga.workflow.services import complete_step
from tests.notifications.conftest import WIB, Mailbox, Org, free_port, waiting

pytestmark = pytest.mark.django_db


def now_in_hours() -> dt.datetime:
    """Monday 23 November 2026, 10:00 WIB: working time, and in the past, so a notice
    made then is due now."""
    return dt.datetime(2026, 11, 23, 10, 0, tzinfo=WIB)


def parsed(box: Mailbox, index: int = 0) -> EmailMessage:
    return email.message_from_bytes(box.messages[index].original_content or b"")


def payload(part: EmailMessage) -> str:
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data.decode()


def kadis_mail(org: Org) -> Delivery:
    org.report(now_in_hours())
    return Delivery.objects.get(notification__recipient=org.kadis)


def test_it_mails_the_step_in_indonesian_html_and_text_with_its_link(
    org: Org, mailbox: Mailbox
) -> None:
    mail = kadis_mail(org)
    with override_settings(JAGA_PUBLIC_URL="https://jaga.kota.test"):
        assert deliver(mail.pk) == DeliveryStatus.SENT
    message = parsed(mailbox)
    assert mailbox.messages[0].rcpt_tos == ["kadis@diskominfo.test"]
    subject = str(message["Subject"])
    assert subject.startswith("[Jaga] Kasus #1: langkah 2 menunggu Anda")
    assert (
        message["Message-ID"] == f"<jaga-{mail.idempotency_key.replace(':', '-')}@jaga.kota.test>"
    )
    parts = {part.get_content_type(): part for part in message.walk()}
    text = payload(parts["text/plain"])
    html = payload(parts["text/html"])
    case_url = f"https://jaga.kota.test/kasus/{Notification.objects.get().case_id}/"
    assert "Langkah 2: Kadis mendisposisikan" in text
    assert case_url in text
    assert f'href="{case_url}"' in html
    assert "Buka di Jaga" in html
    row = Delivery.objects.get(pk=mail.pk)
    assert (row.status, row.attempts, row.claim != "") == ("sent", 1, True)


def test_it_sends_a_delivery_once_when_two_workers_get_it(org: Org, mailbox: Mailbox) -> None:
    mail = kadis_mail(org)
    assert deliver(mail.pk) == DeliveryStatus.SENT
    assert deliver(mail.pk) == "not claimed"
    assert len(mailbox.messages) == 1


def test_it_lets_only_one_of_two_claims_win(org: Org) -> None:
    mail = kadis_mail(org)
    now = timezone.now()
    assert claim(mail.pk, now) is not None
    assert claim(mail.pk, now) is None  # the first worker's lease is running


def test_it_sends_again_when_a_worker_s_lease_expired(org: Org, mailbox: Mailbox) -> None:
    mail = kadis_mail(org)
    now = timezone.now()
    assert claim(mail.pk, now) is not None  # a worker that then died
    with override_settings(JAGA_DELIVERY_LEASE_SECONDS=1):
        assert sweep(now) == 0
        expired = now + dt.timedelta(seconds=400)
        assert sweep(expired) == 1
        assert deliver(mail.pk, expired) == DeliveryStatus.SENT
    assert len(mailbox.messages) == 1
    assert Delivery.objects.get(pk=mail.pk).attempts == 2


def test_it_tries_again_later_while_the_server_is_down_then_gives_up(org: Org) -> None:
    mail = kadis_mail(org)
    port = free_port()  # nothing listens there
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_TIMEOUT=5,
    ):
        start = timezone.now()
        assert deliver(mail.pk, start) == DeliveryStatus.PENDING
        row = Delivery.objects.get(pk=mail.pk)
        assert row.attempts == 1
        assert row.not_before >= start + dt.timedelta(minutes=1)
        assert "ConnectionRefused" in row.error
        assert deliver(mail.pk, start) == "not claimed"  # not before its retry time
        for _ in range(MAX_ATTEMPTS - 1):
            deliver(mail.pk, timezone.now() + dt.timedelta(days=1))
    row = Delivery.objects.get(pk=mail.pk)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)


def test_it_writes_no_mail_for_a_kind_the_user_turned_off(org: Org) -> None:
    save_preferences(org.kabid, {("step_waiting", "email"): False})
    case = org.report(now_in_hours())
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=now_in_hours())
    notice = Notification.objects.get(recipient=org.kabid)
    assert not Delivery.objects.filter(notification=notice).exists()  # the bell still has it


def test_it_writes_no_mail_for_a_user_without_an_address(org: Org) -> None:
    org.kadis.email = ""
    org.kadis.save()
    org.report(now_in_hours())
    assert Notification.objects.filter(recipient=org.kadis).count() == 1
    assert not Delivery.objects.exists()


def test_it_keeps_the_action_and_leaves_the_row_to_the_sweep_when_the_queue_is_down(
    org: Org, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def queue_down(ids: list[int], now: dt.datetime | None = None) -> int:
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(delivery_module, "enqueue", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        case = org.report(now_in_hours())
    assert case.pk is not None  # the report stands
    row = Delivery.objects.get(notification__recipient=org.kadis)
    assert row.enqueued_at is None
    monkeypatch.undo()
    assert sweep() == 1  # the scheduler's next pass queues it
