"""Notifications in the admin, scoped to the user's agency: the positions told of every late
step (saves and deletes audited), and the notices with their deliveries, read-only (the
outbox's state for an operator chasing a missing e-mail)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jaga.notifications.models import Delivery, EscalationPosition, Notification
from jaga.tenancy.admin import AgencyScopedAdmin, AuditedAgencyScopedAdmin


@admin.register(EscalationPosition)
class EscalationPositionAdmin(AuditedAgencyScopedAdmin):
    """Positions that hear of every late step besides the superior (issue 15 point 3)."""

    list_display = ("position", "agency")
    list_select_related = ("position",)


class DeliveryInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "not_before", "sent_at", "error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(AgencyScopedAdmin):
    """Notices, read-only: only ``jaga.notifications.services.notify`` writes them."""

    list_display = ("created_at", "recipient", "kind", "key", "read_at", "agency")
    list_filter = ("kind", "agency")
    search_fields = ("recipient__username", "key")
    list_select_related = ("recipient",)
    inlines = (DeliveryInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
