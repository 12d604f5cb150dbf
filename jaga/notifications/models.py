"""Notifications and their outbox (issue 15 point 1; architecture.md, "notifications").

A ``Notification`` is one thing one user is told (it is also the in-app channel: the bell
and the notifications page read it). Each other channel it goes out on is a ``Delivery``
row, the outbox: written in the transaction of the event that caused it, so nothing is
sent for a rolled-back action, and delivered by the task queue
(``jaga.notifications.delivery``) exactly once per notification and channel, its
``idempotency_key``, across restarts and several workers.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.tenancy.models import AgencyScoped


class NotificationKind(models.TextChoices):
    """What a notification is about (issue 15 point 1)."""

    STEP_WAITING = "step_waiting", _("A step waits for you")
    STEP_RETURNED = "step_returned", _("A step was sent back to you")
    STEP_NEAR_DUE = "step_near_due", _("A step nears its due time")
    STEP_LATE = "step_late", _("A step is late")
    CASE_UPDATE = "case_update", _("A case you reported changed")
    OUTAGE = "outage", _("An outage at your sites")
    VISIT_COMING = "visit_coming", _("A maintenance visit is coming")
    DIGEST = "digest", _("Daily digest")


class Channel(models.TextChoices):
    """How a notification reaches its recipient. ``APP`` is the notification row itself."""

    APP = "app", _("In the app")
    EMAIL = "email", _("E-mail")
    TELEGRAM = "telegram", _("Telegram")
    PUSH = "push", _("Web Push")


#: The channels that go through the outbox (``Delivery``).
OUTBOX_CHANNELS = (Channel.EMAIL, Channel.TELEGRAM, Channel.PUSH)


class Notification(AgencyScoped):
    """One notice to one ``recipient``.

    ``params`` holds what the text needs (step names, the reason of a return…); the text
    is written when shown, in the reader's language (``jaga.notifications.messages``).
    ``key`` identifies the event for this recipient (``step:42:waiting``,
    ``step:42:remind:50``): the same event never notifies the same person twice.
    ``url`` is the path of the page to open (the step, the case). Times are UTC."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    key = models.CharField(_("event key"), max_length=120)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case"),
    )
    step = models.ForeignKey(
        "workflow.StepInstance",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("step"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "-created_at"], name="notification_latest"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.key}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent (no address)")


class Delivery(models.Model):
    """The outbox: one notification on one outside ``channel``.

    ``idempotency_key`` (``<notification>:<channel>``) is unique and travels with the
    message (the e-mail's Message-ID); ``not_before`` holds a non-urgent notice until the
    next working start (UTC); a worker claims the row by compare-and-set (``SENDING``,
    ``lease_until``, its ``claim`` token) and only the holder of the claim marks it sent.
    A claim whose worker died expires at ``lease_until`` and the row is sent again."""

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=60, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    not_before = models.DateTimeField(_("not before"))
    enqueued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claim = models.CharField(_("claim"), max_length=40, blank=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering: ClassVar = ["pk"]
        indexes: ClassVar = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return self.idempotency_key


class Preference(models.Model):
    """A user's choice for one kind of notification on one channel (issue 15 point 4).
    Without a row, every kind goes out on every channel the user can receive."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {self.enabled}"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled (step done)")
    FAILED = "failed", _("Failed (see the log)")


class Reminder(AgencyScoped):
    """A reminder of an open step at ``share`` percent of its Mutu Baku (issue 15 point
    3), due at ``fire_at`` (UTC, on the step's clock); ``share`` 100 is the escalation at
    the deadline. Written when the step opens; ``jaga scheduler`` claims due rows by
    compare-and-set and tells the people (``jaga.notifications.reminders``); the step's
    completion cancels the rest."""

    step = models.ForeignKey(
        "workflow.StepInstance",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("step"),
    )
    share = models.PositiveSmallIntegerField(_("share of the time standard (%)"))
    fire_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering: ClassVar = ["fire_at", "pk"]
        indexes: ClassVar = [
            models.Index(
                fields=["fire_at"],
                condition=models.Q(status="pending"),
                name="reminder_pending",
            ),
            models.Index(fields=["step", "status"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["step", "share"], name="reminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.step_id}@{self.share}%"


class EscalationPosition(AgencyScoped):
    """A position the agency names to be told of every late step, besides the superior
    of those it waits for (issue 15 point 3: "and to the roles the agency names")."""

    position = models.ForeignKey(
        "org.Position",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("position"),
    )

    class Meta:
        verbose_name = _("escalation position")
        verbose_name_plural = _("escalation positions")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "position"], name="escalation_once")
        ]

    def __str__(self) -> str:
        return str(self.position_id)


class TelegramLink(models.Model):
    """A user's Telegram chat, linked with a one-time code from their notifications page
    (issue 15 point 2): the chat the bot writes their notices to, and from which it takes
    ``/lapor`` and ``/status`` as that user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="telegram",
        verbose_name=_("user"),
    )
    chat_id = models.BigIntegerField(_("Telegram chat"), unique=True)
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("linked"))

    class Meta:
        verbose_name = _("Telegram account")
        verbose_name_plural = _("Telegram accounts")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.chat_id}"


class TelegramCode(models.Model):
    """A one-time code that links the Telegram chat it is sent from to ``user``
    (``/start CODE``); valid until ``expires_at`` (UTC), used once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="telegram_code",
        verbose_name=_("user"),
    )
    code = models.CharField(_("code"), max_length=16, unique=True)
    expires_at = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self) -> str:
        return f"{self.user_id}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (issue 15 point 2): the push service's
    ``endpoint`` and the browser's keys (``p256dh``, ``auth``, base64url), made by the
    service worker on the user's phone; removed when the push service says it is gone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
        verbose_name=_("user"),
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("browser key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("Web Push subscription")
        verbose_name_plural = _("Web Push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.endpoint[:40]}"
