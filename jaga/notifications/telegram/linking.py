"""Linking a Telegram chat to a Jaga user with a one-time code (issue 15 point 2).

The notifications settings page shows the user a code (``new_code``) valid for
``CODE_MINUTES``; sending ``/start CODE`` to the bot links the chat it came from
(``link_chat``). A chat belongs to one user and a user has one chat: linking again moves
the link.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from jaga.audit.services import record
from jaga.notifications.models import TelegramCode, TelegramLink
from jaga.org.models import User

CODE_MINUTES = 30
#: Letters and digits that cannot be mistaken for one another when typed on a phone.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class LinkRefused(Exception):
    """The code is unknown, used or expired."""


def new_code(user: User, now: dt.datetime | None = None) -> TelegramCode:
    """A fresh 8-character code for ``user`` (replacing any earlier one), valid for
    ``CODE_MINUTES`` minutes from ``now``."""
    now = now or timezone.now()
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    row, _ = TelegramCode.objects.update_or_create(
        user=user, defaults={"code": code, "expires_at": now + dt.timedelta(minutes=CODE_MINUTES)}
    )
    return row


def link_chat(code: str, chat_id: int, username: str = "", now: dt.datetime | None = None) -> User:
    """Link Telegram chat ``chat_id`` to the user of ``code`` (case and spaces ignored),
    using the code up; returns the user. One transaction, audited
    (``notifications.telegram_linked``). Raises ``LinkRefused``."""
    now = now or timezone.now()
    wanted = "".join(code.split()).upper()
    with transaction.atomic():
        row = (
            TelegramCode.objects.select_for_update(of=("self",))
            .select_related("user", "user__agency")
            .filter(code=wanted, expires_at__gt=now)
            .first()
        )
        if row is None or not row.user.is_active:
            raise LinkRefused(wanted)
        user = row.user
        row.delete()
        TelegramLink.objects.filter(chat_id=chat_id).exclude(user=user).delete()
        TelegramLink.objects.update_or_create(
            user=user, defaults={"chat_id": chat_id, "username": username[:64], "linked_at": now}
        )
        if user.agency is not None:
            record(
                agency=user.agency,
                actor=user,
                action="notifications.telegram_linked",
                obj=user,
                after={"chat": chat_id, "username": username[:64]},
                at=now,
            )
    return user


def linked_user(chat_id: int) -> User | None:
    """The active user linked to ``chat_id``, or None."""
    link = TelegramLink.objects.select_related("user", "user__opd").filter(chat_id=chat_id).first()
    if link is None or not link.user.is_active:
        return None
    return link.user


def unlink(user: User) -> bool:
    """Forget ``user``'s Telegram chat; True when there was one."""
    return TelegramLink.objects.filter(user=user).delete()[0] > 0
