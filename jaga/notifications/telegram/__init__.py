"""Telegram (issue 15 point 2), through python-telegram-bot: a user links their chat with a
one-time code (``linking``); the bot (``bot``, run by ``jaga telegram``) takes ``/lapor``
and ``/status`` from linked OPD users; notices go out through the outbox
(``jaga.notifications.channels.telegram``)."""
