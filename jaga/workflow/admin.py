"""Cases in the admin: read-only, for administrators to look into a case and its steps.
People work on cases in the web UI (the web issue), through the engine's services."""

from __future__ import annotations

from django.contrib import admin

from jaga.tenancy.admin import AgencyScopedAdmin, AgencyScopedInline, ReadOnlyAdminMixin
from jaga.workflow.models import Case, CaseBranch, StepInstance


class BranchInline(ReadOnlyAdminMixin, AgencyScopedInline):
    """The fan-out visits of a case (one per site of a round)."""

    model = CaseBranch
    fields = ("key", "position", "site", "status", "opened_at", "completed_at")
    readonly_fields = fields
    ordering = ("key", "position", "pk")


class StepInline(ReadOnlyAdminMixin, AgencyScopedInline):
    model = StepInstance
    fields = (
        "step_no",
        "branch",
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
class CaseAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
    list_display = ("__str__", "definition", "opd", "status", "started_at", "closed_at", "agency")
    list_filter = ("status", "source", "agency")
    search_fields = ("title", "description")
    list_select_related = ("definition", "opd")
    inlines = (BranchInline, StepInline)
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
