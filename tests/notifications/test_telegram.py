"""The Telegram bot against a fake Bot API on loopback (issue 15 point 2 and acceptance):
linking a chat with a one-time code, a report by ``/lapor`` with a photo that becomes a
case as from the web form, ``/status``, and notices sent to the linked chat."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from jaga.incidents.models import Incident
from jaga.incidents.services import report_disruption
from jaga.notifications.delivery import deliver
from jaga.notifications.models import Delivery, Notification, TelegramLink
from jaga.notifications.telegram.bot import serve
from jaga.notifications.telegram.linking import LinkRefused, link_chat, new_code
from jaga.org.models import User
from jaga.workflow.models import CaseSource, StepStatus
from tests.notifications.conftest import build_org
from tests.notifications.fake_telegram import TOKEN, FakeBotApi, start_fake_bot_api

CHAT = 555_001


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "navy").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[FakeBotApi]:
    """The fake Bot API, and Jaga's settings pointed at it."""
    fake = start_fake_bot_api()
    try:
        with override_settings(
            JAGA_TELEGRAM_TOKEN=TOKEN,
            JAGA_TELEGRAM_API_URL=fake.api_url,
            JAGA_TELEGRAM_FILE_URL=fake.file_url,
            MEDIA_ROOT=tmp_path / "media",
        ):
            yield fake
    finally:
        fake.server.shutdown()


@pytest.fixture
def bot(api: FakeBotApi) -> Iterator[None]:
    """The bot (``jaga.notifications.telegram.bot.serve``) polling the fake API in a
    thread of its own, stopped cleanly at the end."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failures: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve(stop, poll_seconds=1))
        except BaseException as exc:  # reported by the fixture
            failures.append(exc)
        finally:
            # The handlers' database connections live in asgiref's thread: close them, or
            # the test database cannot be dropped at the end of the run.
            loop.run_until_complete(sync_to_async(connections.close_all)())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    loop.call_soon_threadsafe(stop.set)
    thread.join(20)
    assert not thread.is_alive(), "the bot did not stop"
    assert failures == []


@pytest.fixture
def reporter(transactional_db: None) -> User:
    """An OPD user of an agency with a disruption SOP, with a phone number on record (the
    bot's database calls run in other threads: the data must be committed)."""
    user = build_org().reporter
    user.first_name, user.phone = "Rina", "0812-1111-2222"
    user.save()
    return user


def test_it_links_a_chat_with_a_one_time_code(reporter: User, api: FakeBotApi, bot: None) -> None:
    code = new_code(reporter).code
    api.say(CHAT, "/start WRONG123")
    api.wait_for(CHAT, "tidak dikenal")
    api.say(CHAT, f"/start {code.lower()}")
    api.wait_for(CHAT, "terhubung dengan Rina")
    link = TelegramLink.objects.get(user=reporter)
    assert (link.chat_id, link.username) == (CHAT, "rina")
    with pytest.raises(LinkRefused):  # used up
        link_chat(code, CHAT + 1)


def test_it_turns_a_lapor_conversation_with_a_photo_into_a_case(
    reporter: User, api: FakeBotApi, bot: None
) -> None:
    link_chat(new_code(reporter).code, CHAT, "rina")
    api.say(CHAT, "/lapor")
    api.wait_for(CHAT, "Di mana lokasi gangguan")
    api.say(CHAT, "Ruang Pelayanan lantai 2")
    api.wait_for(CHAT, "Apa gangguan yang terjadi")
    api.say(CHAT, "Internet mati sejak pagi")
    api.wait_for(CHAT, "Kirim hingga 5 foto")  # the phone is known: no question
    api.send_photo(CHAT, jpeg())
    api.wait_for(CHAT, "Foto 1 diterima")
    api.say(CHAT, "/kirim")
    done = api.wait_for(CHAT, "Laporan diterima")
    incident = Incident.objects.select_related("case").get()
    case = incident.case
    assert f"kasus #{case.number}" in done.text
    assert (case.source, case.reporter, case.opd) == (CaseSource.REPORT, reporter, reporter.opd)
    assert case.title == "Internet mati sejak pagi"
    assert incident.location == "Ruang Pelayanan lantai 2"
    assert incident.contact_phone == "0812-1111-2222"
    assert incident.attachments.count() == 1
    # As from the web form: the report is step 1, done by the reporter; the Kadis is next.
    steps = list(case.steps.order_by("pk"))
    assert [(s.step_no, s.status) for s in steps] == [("1", StepStatus.DONE), ("2", "open")]
    assert steps[0].actor == reporter
    api.say(CHAT, "/status")
    status = api.wait_for(CHAT, "Laporan Anda yang masih terbuka")
    assert f"#{case.number} Internet mati sejak pagi" in status.text
    assert "Kadis mendisposisikan" in status.text


def test_it_asks_to_link_first(reporter: User, api: FakeBotApi, bot: None) -> None:
    api.say(CHAT, "/lapor")
    api.wait_for(CHAT, "belum terhubung")
    assert not Incident.objects.exists()


def test_it_sends_a_notice_to_the_linked_chat(reporter: User, api: FakeBotApi) -> None:
    kadis = User.objects.get(username="nt.kadis")
    link_chat(new_code(kadis).code, CHAT + 7, "kadis")
    report_disruption(
        reporter,
        location="Aula",
        problem="Wi-Fi mati",
        since=timezone.now(),
        contact_name="Rina",
        contact_phone="0812",
    )
    notice = Notification.objects.get(recipient=kadis)
    delivery = Delivery.objects.get(notification=notice, channel="telegram")
    assert deliver(delivery.pk, delivery.not_before) == "sent"
    sent = api.wait_for(CHAT + 7, "menunggu Anda")
    assert "Kadis mendisposisikan" in sent.text
    assert f"/kasus/{notice.case_id}/" in sent.text
