"""The outside channels a notification goes out on (issue 15 point 2).

Each channel has ``available(user) -> bool`` (can the user receive on it: an address, a
linked account), ``available_among(users) -> set[int]`` (the ids of those of ``users`` who
can, in at most one query) and ``send(delivery, message, link)``, which raises ``Temporary`` for a
failure worth retrying (the server is down) and ``Permanent`` for one that is not (the
address was refused). ``CHANNELS`` maps a ``Channel`` to its implementation; a channel
that is not configured is not in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jaga.notifications.messages import Message
from jaga.notifications.models import Channel, Delivery
from jaga.org.models import User


class Temporary(Exception):
    """Sending failed in a way that may pass: try again later."""


class Permanent(Exception):
    """Sending can never succeed (no address, refused recipient): give up."""


class ChannelBackend(Protocol):
    """What a channel offers (see the module docstring)."""

    def available(self, user: User) -> bool: ...

    def available_among(self, users: Sequence[User]) -> set[int]: ...

    def send(self, delivery: Delivery, message: Message, link: str) -> None: ...


def channels() -> dict[Channel, ChannelBackend]:
    """The configured outside channels, by ``Channel``: e-mail always (a file per message
    without ``JAGA_SMTP_HOST``), Telegram with ``JAGA_TELEGRAM_TOKEN``, Web Push always (its
    VAPID keys are made on first use)."""
    from django.conf import settings

    from jaga.notifications.channels.email import EmailChannel
    from jaga.notifications.channels.push import PushChannel
    from jaga.notifications.channels.telegram import TelegramChannel

    found: dict[Channel, ChannelBackend] = {Channel.EMAIL: EmailChannel()}
    if settings.JAGA_TELEGRAM_TOKEN:
        found[Channel.TELEGRAM] = TelegramChannel()
    found[Channel.PUSH] = PushChannel()
    return found
