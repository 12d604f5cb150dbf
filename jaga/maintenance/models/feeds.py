"""The secret address of a technician's iCalendar feed (issue 14 point 7)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_feed_token() -> str:
    """A fresh unguessable token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The token in the URL of ``user``'s calendar feed. A phone subscribes to the URL
    without logging in, so the token is the only secret: resetting it gives a new URL and
    the old one answers 404 (``jaga.maintenance.agenda.reset_feed``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
