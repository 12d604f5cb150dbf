"""Admin of the audit log: read-only, scoped to the administrator's agency.

Nobody adds, changes or deletes events here (the model refuses it anyway); agency
administrators see their own agency's events, platform administrators every agency's.
"""

from __future__ import annotations

from django.contrib import admin

from jaga.audit.models import Event
from jaga.tenancy.admin import AgencyScopedAdmin, ReadOnlyAdminMixin


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
    list_display = ("seq", "at", "actor_label", "action", "object_type", "object_id", "agency")
    list_display_links = ("seq",)
    list_filter = ("action", "agency")
    search_fields = ("=object_id",)
    list_select_related = ("agency",)
    ordering = ("-id",)
    # No COUNT(*) over the whole log on every page.
    show_full_result_count = False
