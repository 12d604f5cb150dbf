"""SOP definitions in the admin: read-only (load them with ``jaga sop load``)."""

from __future__ import annotations

from django.contrib import admin

from jaga.sop.models import SopDefinition
from jaga.tenancy.admin import AgencyScopedAdmin, ReadOnlyAdminMixin


@admin.register(SopDefinition)
class SopDefinitionAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
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
