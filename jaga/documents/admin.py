"""Documents in the admin: number patterns are configuration (agency admins edit them);
issued documents are read-only (they are issued by steps and corrected from the case page)."""

from __future__ import annotations

from django.contrib import admin

from jaga.documents.models import Document, NumberPattern
from jaga.tenancy.admin import AgencyScopedAdmin, AuditedAgencyScopedAdmin, ReadOnlyAdminMixin


@admin.register(NumberPattern)
class NumberPatternAdmin(AuditedAgencyScopedAdmin):
    list_display = (
        "document_type",
        "pattern",
        "klasifikasi",
        "unit_code",
        "digits",
        "numbered_by",
        "agency",
    )
    list_filter = ("document_type", "numbered_by", "agency")
    fields = ("document_type", "numbered_by", "pattern", "klasifikasi", "unit_code", "digits")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
    list_display = ("number", "title", "issued_on", "version", "case", "agency")
    list_filter = ("document_type", "year", "agency")
    search_fields = ("number", "title")
    list_select_related = ("case",)
    readonly_fields = (
        "document_type",
        "number",
        "title",
        "case",
        "step",
        "issued_at",
        "issued_on",
        "issued_by",
        "version",
        "supersedes",
        "correction_reason",
        "sha256",
        "rendered_at",
        "numbered_by",
        "registered_at",
        "registered_by",
    )
    exclude = ("agency", "content", "token", "pdf", "year", "sequence")
