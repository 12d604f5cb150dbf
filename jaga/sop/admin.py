"""SOP definitions in the admin: read-only (load them with ``jaga sop load``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jaga.sop.models import SopDefinition
from jaga.tenancy.admin import AgencyScopedAdmin


@admin.register(SopDefinition)
class SopDefinitionAdmin(AgencyScopedAdmin):
    list_display = ("name", "code", "version", "is_current", "loaded_at", "agency")
    list_filter = ("is_current", "agency")
    search_fields = ("name", "code", "number")
    readonly_fields = (
        "code",
        "version",
        "name",
        "number",
        "content_hash",
        "starts_by_report",
        "starts_by_schedule",
        "starts_manually",
        "is_current",
        "loaded_at",
        "loaded_by",
        "source",
    )
    exclude = ("agency",)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
