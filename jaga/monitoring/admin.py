"""The monitor's configuration in the admin, scoped to the user's agency: checks and
maintenance windows (each save and delete audited), agents (tokens are issued by
``jaga agents``, never shown here) and outages (read only: the monitor writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest

from jaga.audit.services import record
from jaga.monitoring.models import Agent, Check, MaintenanceWindow, Outage
from jaga.tenancy.admin import AgencyScopedAdmin


def _audited_save(request: HttpRequest, obj: Any, change: bool, action: str) -> None:
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        obj.save()
        record(
            agency=obj.agency,
            actor=user,
            action=f"{action}.{'changed' if change else 'created'}",
            obj=obj,
            after=model_to_dict(obj),
        )


def _audited_delete(request: HttpRequest, obj: Any, action: str) -> None:
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        record(
            agency=obj.agency,
            actor=user,
            action=f"{action}.deleted",
            obj=obj,
            before=model_to_dict(obj),
        )
        obj.delete()


class AuditedAdmin(AgencyScopedAdmin):
    """Saves and deletes one row at a time with an audit event ``<audit_action>.*``."""

    audit_action = ""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        _audited_save(request, obj, change, self.audit_action)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _audited_delete(request, obj, self.audit_action)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            _audited_delete(request, obj, self.audit_action)


@admin.register(Check)
class CheckAdmin(AuditedAdmin):
    audit_action = "monitor.check"
    list_display = ("name", "kind", "device", "link", "target", "interval_s", "enabled", "agent")
    list_filter = ("kind", "enabled", "agency")
    search_fields = ("name", "target", "device__name")
    list_select_related = ("device", "link", "agent")
    raw_id_fields = ("device", "link")


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(AuditedAdmin):
    audit_action = "monitor.maintenance"
    list_display = ("reason", "site", "device", "starts_at", "ends_at", "agency")
    list_filter = ("agency",)
    search_fields = ("reason", "site__name", "device__name")
    list_select_related = ("site", "device")
    raw_id_fields = ("device",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Agent)
class AgentAdmin(AuditedAdmin):
    """Agents are added with ``jaga agents add`` (it prints the token once)."""

    audit_action = "monitor.agent"
    list_display = ("name", "is_active", "last_seen_at", "agency")
    list_filter = ("is_active", "agency")
    fields = ("name", "is_active", "last_seen_at")
    readonly_fields = ("last_seen_at",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Outage)
class OutageAdmin(AgencyScopedAdmin):
    """Outages as the monitor recorded them; nobody edits them."""

    list_display = ("monitor_check", "kind", "started_at", "ended_at", "case", "agency")
    list_filter = ("kind", "agency")
    list_select_related = ("monitor_check", "case")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
