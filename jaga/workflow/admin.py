"""Cases in the admin: read-only, for administrators to look into a case and its steps.
People work on cases in the web UI (the web issue), through the engine's services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from jaga.tenancy.admin import AgencyScopedAdmin, AgencyScopedInline
from jaga.workflow.models import Case, StepInstance


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(ReadOnly, AgencyScopedInline):
    model = StepInstance
    fields = (
        "step_no",
        "visit",
        "lane",
        "kind",
        "status",
        "started_at",
        "due_at",
        "completed_at",
        "actor",
        "acting_as",
        "outcome",
        "note",
    )
    readonly_fields = fields
    ordering = ("started_at", "pk")


@admin.register(Case)
class CaseAdmin(ReadOnly, AgencyScopedAdmin):
    list_display = ("__str__", "definition", "opd", "status", "started_at", "closed_at", "agency")
    list_filter = ("status", "source", "agency")
    search_fields = ("title", "description")
    list_select_related = ("definition", "opd")
    inlines = (StepInline,)
    readonly_fields = (
        "definition",
        "title",
        "description",
        "source",
        "opd",
        "reporter",
        "started_by",
        "status",
        "started_at",
        "closed_at",
        "data",
    )
    exclude = ("agency",)
