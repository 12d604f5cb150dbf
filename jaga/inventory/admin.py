"""The inventory in the admin, scoped to the user's agency; every save and delete goes
through ``jaga.inventory.services`` and so lands in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from jaga.inventory import services
from jaga.inventory.models import Device, DeviceAddress, Link, Site, SpareMinimum
from jaga.tenancy.admin import AgencyScopedAdmin, AgencyScopedInline, AuditedAgencyScopedAdmin


def _user(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


@admin.register(Site)
class SiteAdmin(AgencyScopedAdmin):
    list_display = ("code", "name", "opd", "is_store", "contact_name", "agency")
    list_filter = ("is_store", "agency")
    search_fields = ("code", "name", "address", "contact_name")
    list_select_related = ("opd",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_site(obj, _user(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_site(obj, _user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_site(obj, _user(request))


class DeviceAddressInline(AgencyScopedInline):
    model = DeviceAddress
    fields = ("address",)


@admin.register(Device)
class DeviceAdmin(AgencyScopedAdmin):
    """Devices with their management addresses inline: the audit event is written after
    the addresses are saved, so it holds the device's final state."""

    list_display = ("name", "kind", "vendor", "model", "serial_number", "status", "site", "agency")
    list_filter = ("kind", "status", "agency")
    search_fields = ("name", "serial_number", "asset_code", "vendor", "model", "addresses__address")
    list_select_related = ("site",)
    inlines = (DeviceAddressInline,)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        form.jaga_before = services.stored_snapshot(obj)
        obj.save()  # validated by the form (Device.clean refuses uplink loops)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.record_change(form.instance, _user(request), getattr(form, "jaga_before", None))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_device(obj, _user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_device(obj, _user(request))


@admin.register(Link)
class LinkAdmin(AgencyScopedAdmin):
    list_display = (
        "a_device",
        "b_device",
        "medium",
        "bandwidth_mbps",
        "provider",
        "circuit_id",
        "agency",
    )
    list_filter = ("medium", "agency")
    search_fields = ("provider", "circuit_id", "a_device__name", "b_device__name", "notes")
    list_select_related = ("a_device", "b_device")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_link(obj, _user(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_link(obj, _user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_link(obj, _user(request))


@admin.register(SpareMinimum)
class SpareMinimumAdmin(AuditedAgencyScopedAdmin):
    """The spares the agency wants per device kind (issue 16 point 3: the reports warn
    below it)."""

    list_display = ("device_kind", "minimum")
