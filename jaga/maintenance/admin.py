"""Checklists in the admin, scoped to the user's agency: templates with their items inline
(saves and deletes audited through ``AuditedAdminMixin``), inspections read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, Inspection, InspectionAnswer
from jaga.tenancy.admin import AgencyScopedAdmin, AgencyScopedInline, AuditedAgencyScopedAdmin


class ChecklistItemInline(AgencyScopedInline):
    model = ChecklistItem
    fields = ("position", "kind", "label", "guidance", "required", "unit", "minimum", "maximum")
    ordering = ("position", "pk")
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AuditedAgencyScopedAdmin):
    """Templates with their items; a template that has inspections cannot be deleted
    (deactivate it instead)."""

    list_display = ("name", "device_kind", "is_active", "agency")
    list_filter = ("device_kind", "is_active", "agency")
    search_fields = ("name", "description")
    inlines = (ChecklistItemInline,)


class InspectionAnswerInline(AgencyScopedInline):
    model = InspectionAnswer
    fields = ("position", "label", "kind", "passed", "value", "unit", "text", "photo", "failed")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(AgencyScopedAdmin):
    """Inspections, read-only: only ``record_inspection`` writes them."""

    list_display = ("device", "inspected_at", "result", "inspected_by", "corrective_case", "agency")
    list_filter = ("result", "agency")
    search_fields = ("device__name", "template_name", "note")
    list_select_related = ("device", "inspected_by", "corrective_case")
    inlines = (InspectionAnswerInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in Inspection._meta.fields]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
