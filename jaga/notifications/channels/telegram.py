"""Telegram: a notice is a message from the bot to the user's linked chat (issue 15 point
2), sent through python-telegram-bot's ``Bot`` on the Bot API at
``JAGA_TELEGRAM_API_URL``. Available to users who linked a chat
(``jaga.notifications.telegram.linking``) when ``JAGA_TELEGRAM_TOKEN`` is set."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from jaga.notifications.channels import Permanent, Temporary
from jaga.notifications.messages import Message
from jaga.notifications.models import Delivery, TelegramLink
from jaga.org.models import User


def text_of(message: Message, link: str) -> str:
    """The chat message: the subject, the body and the link, at most 4,096 characters
    (the Bot API's limit)."""
    parts = [message.subject, "", message.body]
    if link:
        parts += ["", link]
    return "\n".join(parts)[:4096]


async def _send(chat_id: int, text: str) -> None:
    bot = Bot(
        settings.JAGA_TELEGRAM_TOKEN,
        base_url=settings.JAGA_TELEGRAM_API_URL,
        base_file_url=settings.JAGA_TELEGRAM_FILE_URL,
    )
    async with bot:
        await bot.send_message(chat_id=chat_id, text=text, disable_web_page_preview=True)


def run_coroutine(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to its end from synchronous code: with ``asyncio.run`` in a task
    worker, or in a thread of its own when this thread already runs an event loop (a
    process that embeds one, such as a test driving a browser)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


class TelegramChannel:
    """Sends through the bot to the linked chat."""

    def available(self, user: User) -> bool:
        """Whether ``user`` has linked a chat."""
        return TelegramLink.objects.filter(user=user).exists()

    def available_among(self, users: Sequence[User]) -> set[int]:
        """The ids of those of ``users`` who linked a chat (one query)."""
        return set(
            TelegramLink.objects.filter(user__in=[user.pk for user in users]).values_list(
                "user_id", flat=True
            )
        )

    def send(self, delivery: Delivery, message: Message, link: str) -> None:
        """Send ``message`` to the recipient's chat. Raises ``Permanent`` when the chat is
        no longer linked, the user blocked the bot or the API refuses the message, and
        ``Temporary`` for network errors, timeouts and flood control."""
        chat = TelegramLink.objects.filter(user_id=delivery.notification.recipient_id).first()
        if chat is None:
            raise Permanent("the user's Telegram chat is no longer linked")
        try:
            run_coroutine(_send(chat.chat_id, text_of(message, link)))
        except (Forbidden, BadRequest) as exc:
            raise Permanent(f"Telegram refused the message: {exc}") from exc
        except TelegramError as exc:  # NetworkError, TimedOut, RetryAfter
            raise Temporary(f"{type(exc).__name__}: {exc}") from exc
