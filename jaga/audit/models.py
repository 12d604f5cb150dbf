"""The audit log: an append-only, hash-chained list of events per agency.

Each ``Event`` holds what happened (``action``), to what (``object_type``, ``object_id``),
by whom (``actor_id``, ``actor_label``, ``on_behalf_of``), when (``at``, UTC) and the state
``before`` and ``after``, plus ``prev_hash`` (the previous event's ``hash``) and ``hash``
(sha256 of the event's contents, see ``jaga.audit.services``). ``ChainHead`` is the last
link of an agency's chain. Events are written only by ``jaga.audit.services.record`` and
never changed or deleted: ``save`` of an existing row, ``delete`` and the queryset's
``update``/``delete``/``bulk_create``/``bulk_update`` raise ``AuditLogIsAppendOnly``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.tenancy.models import Agency, AgencyScoped

#: ``prev_hash`` of an agency's first event and ``hash`` of a chain without events.
GENESIS_HASH = "0" * 64


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event through the ORM."""


def _refuse(what: str) -> AuditLogIsAppendOnly:
    return AuditLogIsAppendOnly(
        f"The audit log is append-only: {what} is not allowed. "
        "Events are written by jaga.audit.services.record and never changed or deleted."
    )


class EventQuerySet(models.QuerySet["Event"]):
    """The events' queryset: reads as usual; every bulk write raises ``AuditLogIsAppendOnly``."""

    def update(self, **kwargs: Any) -> int:
        raise _refuse("updating events")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise _refuse("deleting events")

    def bulk_update(
        self, objs: Iterable[Event], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        raise _refuse("updating events")

    def bulk_create(self, objs: Iterable[Event], *args: Any, **kwargs: Any) -> list[Event]:
        raise _refuse("bulk-creating events (use jaga.audit.services.record)")


class Event(AgencyScoped):
    """One entry of an agency's audit chain (see the module docstring)."""

    seq = models.PositiveBigIntegerField(_("number"), help_text=_("1, 2, 3… within the agency"))
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(
        _("actor id"),
        null=True,
        blank=True,
        help_text=_("The user's id when the event was recorded; empty for the system."),
    )
    actor_label = models.CharField(
        _("actor"),
        max_length=150,
        blank=True,
        help_text=_("The user's login when the event was recorded; empty for the system."),
    )
    on_behalf_of = models.CharField(
        _("on behalf of"),
        max_length=300,
        blank=True,
        help_text=_("For example: Plh Kepala Dinas"),
    )
    action = models.CharField(_("action"), max_length=100)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        base_manager_name = "objects"
        ordering: ClassVar = ["agency_id", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "seq"], name="audit_event_seq_unique")
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["agency", "object_type", "object_id"], name="audit_event_object_idx"
            )
        ]

    def __str__(self) -> str:
        target = f" {self.object_type}:{self.object_id}" if self.object_type else ""
        return f"#{self.seq} {self.action}{target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Inserts a new event; refuses to write an event that is already stored."""
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise _refuse("changing a stored event")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise _refuse("deleting an event")


class ChainHead(models.Model):
    """The last link of an agency's chain: ``seq`` and ``hash`` of its newest event (0 and
    ``GENESIS_HASH`` while it has none). ``record`` moves it with compare-and-set."""

    agency = models.OneToOneField(
        Agency,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="audit_chain_head",
        verbose_name=_("agency"),
    )
    seq = models.PositiveBigIntegerField(_("last number"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
