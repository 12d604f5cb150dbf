"""Disruption reports in the admin: read-only (only ``report_disruption`` writes them),
with their photos as a read-only inline.

``IncidentAdmin`` is not registered yet: tests/tenancy/test_admin_isolation.py walks every
registered agency-scoped model and needs rows of it in its ``both`` fixture. Register it
(``admin.site.register(Incident, IncidentAdmin)``) together with that fixture change.
``Attachment`` is never registered on its own.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jaga.incidents.models import Attachment, Incident
from jaga.tenancy.admin import AgencyScopedAdmin, AgencyScopedInline, ReadOnlyAdminMixin


class AttachmentInline(ReadOnlyAdminMixin, AgencyScopedInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    verbose_name_plural = _("photos")


class IncidentAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
    list_display = ("__str__", "opd", "reporter", "since", "created_at", "agency")
    list_filter = ("agency",)
    search_fields = ("location", "problem", "contact_name")
    list_select_related = ("opd", "reporter")
    inlines = (AttachmentInline,)
    readonly_fields = (
        "case",
        "opd",
        "reporter",
        "location",
        "problem",
        "since",
        "contact_name",
        "contact_phone",
        "created_at",
    )
    exclude = ("agency",)


admin.site.register(Incident, IncidentAdmin)
