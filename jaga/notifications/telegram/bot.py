"""The Telegram bot (issue 15 point 2), on python-telegram-bot's ``Application``.

Commands:

- ``/start CODE`` (or ``/hubungkan CODE``): link this chat to the Jaga user whose
  notifications page shows CODE;
- ``/lapor``: report a disruption, for a linked OPD user: the bot asks where, what is
  wrong and (when Jaga does not know it) a phone number, then takes up to five photos;
  ``/kirim`` files the report (the case starts in the agency's disruption SOP, exactly as
  from the web form) and ``/batal`` drops it;
- ``/status``: where the user's open reports stand.

``serve`` runs the bot by long polling until its ``stop`` event is set (``jaga telegram``).
The Bot API's address comes from ``JAGA_TELEGRAM_API_URL`` (tests point it at a fake
server on loopback). A conversation in progress lives in the bot's memory: a restart drops
it and the user starts ``/lapor`` again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from jaga.incidents.services import MAX_PHOTOS
from jaga.notifications.telegram import linking
from jaga.notifications.telegram.reports import (
    ReportRefused,
    file_report,
    known_phone,
    status_text,
)
from jaga.org.models import User

log = logging.getLogger(__name__)

LOCATION, PROBLEM, PHONE, PHOTOS = range(4)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, Any]]


def in_jaga_language(handler: Handler) -> Handler:
    """Run ``handler`` with Jaga's language (Indonesian) active, in its database calls
    too (``sync_to_async`` carries the context)."""

    @functools.wraps(handler)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
        with translation.override(settings.LANGUAGE_CODE):
            return await handler(update, context)

    return wrapper


async def _reply(update: Update, text: str) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)


def _chat(update: Update) -> int:
    assert update.effective_chat is not None  # every handler here is for messages
    return update.effective_chat.id


@in_jaga_language
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start [CODE]``: link the chat, or say how to."""
    args = context.args or []
    if not args:
        await _reply(
            update,
            _("Open Notification settings in Jaga and send me the code shown there: /start CODE"),
        )
        return
    username = update.effective_user.username or "" if update.effective_user else ""
    try:
        user = await sync_to_async(linking.link_chat)(" ".join(args), _chat(update), username)
    except linking.LinkRefused:
        await _reply(update, _("That code is unknown or has expired. Ask for a new one in Jaga."))
        return
    await _reply(
        update,
        _("This chat is linked to %(name)s. You will get your Jaga notices here.")
        % {"name": user.get_full_name() or user.username},
    )


async def _linked(update: Update) -> User | None:
    user = await sync_to_async(linking.linked_user)(_chat(update))
    if user is None:
        await _reply(
            update,
            _("This chat is not linked to Jaga yet: send /start CODE with the code from Jaga."),
        )
    return user


@in_jaga_language
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/status``: the user's open reports."""
    user = await _linked(update)
    if user is None:
        return

    await _reply(update, await sync_to_async(status_text)(user))


@in_jaga_language
async def lapor(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/lapor``: begin a report (OPD users only)."""
    user = await _linked(update)
    if user is None:
        return ConversationHandler.END
    if user.opd_id is None:
        await _reply(update, _("Only OPD users report disruptions here."))
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data.clear()
    context.user_data["user_id"] = user.pk
    await _reply(update, _("Where is the disruption? (for example: Ruang Pelayanan, lantai 2)"))
    return LOCATION


@in_jaga_language
async def location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    assert update.effective_message is not None
    context.user_data["location"] = update.effective_message.text or ""
    await _reply(update, _("What is wrong?"))
    return PROBLEM


@in_jaga_language
async def problem(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    assert update.effective_message is not None
    context.user_data["problem"] = update.effective_message.text or ""
    user = await sync_to_async(User.objects.select_related("employee").get)(
        pk=context.user_data["user_id"]
    )
    phone = await sync_to_async(known_phone)(user)
    if phone:
        context.user_data["phone"] = phone
        return await _ask_photos(update)
    await _reply(update, _("Which phone number can the technicians call?"))
    return PHONE


@in_jaga_language
async def phone(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert context.user_data is not None
    assert update.effective_message is not None
    context.user_data["phone"] = update.effective_message.text or ""
    return await _ask_photos(update)


async def _ask_photos(update: Update) -> int:
    await _reply(
        update,
        _(
            "Send up to %(limit)d photos of the problem, then /kirim to send the report "
            "(or /kirim now without photos)."
        )
        % {"limit": MAX_PHOTOS},
    )
    return PHOTOS


@in_jaga_language
async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A photo of the report: the largest size Telegram offers, downloaded now."""
    assert context.user_data is not None
    assert update.effective_message is not None
    photos: list[bytes] = context.user_data.setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        await _reply(
            update, _("That is already %(limit)d photos: send /kirim.") % {"limit": MAX_PHOTOS}
        )
        return PHOTOS
    largest = update.effective_message.photo[-1]
    file = await largest.get_file()
    photos.append(bytes(await file.download_as_bytearray()))
    await _reply(update, _("Photo %(number)d received.") % {"number": len(photos)})
    return PHOTOS


@in_jaga_language
async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/kirim``: file the report; on refusal say why and stay in the conversation."""
    assert context.user_data is not None
    data = context.user_data

    def filed() -> str:
        user = User.objects.select_related("opd", "agency").get(pk=data["user_id"])
        incident = file_report(
            user,
            location=data.get("location", ""),
            problem=data.get("problem", ""),
            phone=data.get("phone", ""),
            photos=data.get("photos", []),
        )
        case = incident.case
        return _("Report received: case #%(number)s, %(title)s. Follow it with /status.") % {
            "number": case.number,
            "title": case.title,
        }

    try:
        text = await sync_to_async(filed)()
    except ReportRefused as exc:
        await _reply(
            update,
            _("The report was not sent:") + "\n" + str(exc) + "\n" + _("Start again with /lapor."),
        )
        data.clear()
        return ConversationHandler.END
    data.clear()
    await _reply(update, text)
    return ConversationHandler.END


@in_jaga_language
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """``/batal``: drop the report in progress."""
    if context.user_data is not None:
        context.user_data.clear()
    await _reply(update, _("The report was cancelled."))
    return ConversationHandler.END


def build_application(token: str | None = None) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot for ``token`` (default ``JAGA_TELEGRAM_TOKEN``) on the Bot API at
    ``JAGA_TELEGRAM_API_URL``, with its handlers."""
    application = (
        Application.builder()
        .token(token or settings.JAGA_TELEGRAM_TOKEN)
        .base_url(settings.JAGA_TELEGRAM_API_URL)
        .base_file_url(settings.JAGA_TELEGRAM_FILE_URL)
        .build()
    )
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(CommandHandler(["start", "hubungkan"], start))
    application.add_handler(CommandHandler("status", status))
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("lapor", lapor)],
            states={
                LOCATION: [MessageHandler(text, location)],
                PROBLEM: [MessageHandler(text, problem)],
                PHONE: [MessageHandler(text, phone)],
                PHOTOS: [MessageHandler(filters.PHOTO, photo), CommandHandler("kirim", submit)],
            },
            fallbacks=[CommandHandler("batal", cancel)],
        )
    )
    return application


async def serve(stop: asyncio.Event, poll_seconds: float = 1.0, token: str | None = None) -> None:
    """Run the bot by long polling until ``stop`` is set, then shut it down cleanly."""
    application = build_application(token)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=int(poll_seconds))
        await stop.wait()
        await application.updater.stop()
        await application.stop()
