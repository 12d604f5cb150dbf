"""Admin for agencies and their calendar, and ``AgencyScopedAdmin``, the base of every
admin of agency-owned rows: it keeps each agency administrator inside their agency."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jaga.audit.admin_mixins import AuditedAdminMixin, acting_user
from jaga.tenancy.calendar import RAMADAN_PERPRES_21_2023
from jaga.tenancy.models import Agency, DayOff, SpecialPeriod, Weekday, WorkingHours
from jaga.tenancy.services import install_default_working_hours, set_working_week

admin.site.site_header = "Jaga"
admin.site.site_title = "Jaga"


def is_platform_admin(request: HttpRequest) -> bool:
    """Whether the request's user sees every agency (a superuser)."""
    return bool(getattr(request.user, "is_superuser", False))


def request_agency_id(request: HttpRequest) -> int | None:
    """The agency id of the request's user, or None (anonymous, platform admin without one)."""
    return getattr(request.user, "agency_id", None)


def may_administer(request: HttpRequest) -> bool:
    """Platform administrators, and staff users of an agency (agency administrators)."""
    user = request.user
    if not user.is_active or not user.is_staff:
        return False
    return is_platform_admin(request) or request_agency_id(request) is not None


class TenantAdminMixin:
    """Scopes a ModelAdmin or inline to the user's agency.

    For everyone but a platform administrator: the list and every object view hold only
    rows of the user's agency (others answer as missing), foreign-key and many-to-many
    choices hold only the agency's rows, the ``agency`` field is hidden and the form's
    instance gets the user's agency before validation (``AgencyBoundForm``). Agency
    administrators (staff users with an agency) get full rights on their agency's rows
    without per-model permissions.
    """

    agency_field = "agency"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        if is_platform_admin(request):
            return qs
        lookup = "pk" if self.agency_field == "pk" else f"{self.agency_field}_id"
        return qs.filter(**{lookup: request_agency_id(request)})

    def _scope_choices(
        self, db_field: models.Field[Any, Any], request: HttpRequest, kwargs: dict[str, Any]
    ) -> None:
        related = db_field.related_model
        if is_platform_admin(request) or not isinstance(related, type):
            return
        if any(field.name == "agency" for field in related._meta.get_fields()):
            kwargs["queryset"] = related._default_manager.filter(
                agency_id=request_agency_id(request)
            )
        elif issubclass(related, Agency):
            kwargs["queryset"] = Agency.objects.filter(pk=request_agency_id(request) or 0)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = list(super().get_exclude(request, obj) or [])  # type: ignore[misc]
        if not is_platform_admin(request) and self.agency_field == "agency":
            exclude.append("agency")
        return exclude

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))  # type: ignore[misc]
        if not is_platform_admin(request):
            filters = [f for f in filters if f != self.agency_field]
        return filters

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))  # type: ignore[misc]
        if not is_platform_admin(request):
            columns = [c for c in columns if c != self.agency_field]
        return columns

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The form class, told the user's agency (see ``AgencyBoundForm``)."""
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if is_platform_admin(request):
            return form
        return type(form.__name__, (form,), {"jaga_agency_id": request_agency_id(request)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_administer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return may_administer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_administer(request)


class ReadOnlyAdminMixin:
    """For records written only by Jaga's services (SOP versions, cases, the audit log):
    the admin may look, never add, change or delete. Put it before the agency mixin."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AgencyBoundForm(ModelForm):  # type: ignore[type-arg]
    """Model form whose instance gets the user's agency before validation, so constraints
    that involve ``agency`` (unique names, NIPs, dates) are checked as form errors rather
    than failing in the database."""

    jaga_agency_id: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.jaga_agency_id is not None:
            self.instance.agency_id = self.jaga_agency_id

    def _get_validation_exclusions(self) -> set[str]:
        exclusions: set[str] = super()._get_validation_exclusions()  # type: ignore[misc]
        if self.jaga_agency_id is not None:
            exclusions.discard("agency")
        return exclusions


class AgencyScopedAdmin(TenantAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """ModelAdmin of an ``AgencyScoped`` model (see ``TenantAdminMixin``)."""

    form = AgencyBoundForm


class AgencyInlineFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Inline formset whose new rows take the agency of the parent object (or the parent
    itself when it is the agency)."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        parent = self.instance
        agency_id = parent.pk if isinstance(parent, Agency) else getattr(parent, "agency_id", None)
        if agency_id is not None and getattr(form.instance, "agency_id", None) is None:
            form.instance.agency_id = agency_id
        return form


class WorkingHoursFormSet(AgencyInlineFormSet):
    """The intervals of one week: per weekday they must not overlap (a ``WeekSchedule``)."""

    def clean(self) -> None:
        super().clean()
        days: list[list[tuple[Any, Any]]] = [[] for _ in range(7)]
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            days[data["weekday"]].append((data["start"], data["end"]))
        for weekday, intervals in enumerate(days):
            intervals.sort()
            for (_start, end), (start, _end) in itertools.pairwise(intervals):
                if start < end:
                    raise ValidationError(
                        _("Working hours on %(day)s overlap: %(start)s starts before %(end)s.")
                        % {
                            "day": Weekday(weekday).label,
                            "start": f"{start:%H:%M}",
                            "end": f"{end:%H:%M}",
                        }
                    )


class AgencyScopedInline(TenantAdminMixin, admin.TabularInline):  # type: ignore[type-arg]
    """Inline of an ``AgencyScoped`` model; its agency comes from the parent."""

    formset = AgencyInlineFormSet
    extra = 0


class RegularHoursInline(AgencyScopedInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    fields = ("weekday", "start", "end")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(period__isnull=True)


class PeriodHoursInline(AgencyScopedInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    fields = ("weekday", "start", "end")


class DayOffInline(AgencyScopedInline):
    model = DayOff
    fields = ("date", "name")


class AuditedAgencyScopedAdmin(AuditedAdminMixin, AgencyScopedAdmin):
    """``AgencyScopedAdmin`` whose saves and deletes (and those of its inline rows) are
    events in the agency's audit chain (``jaga.audit.admin_mixins``; issue 13 point 5)."""


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, TenantAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Agencies: a platform administrator adds and removes them; an agency administrator
    sees and edits only their own. Changes to the settings, the regular working hours and
    the days off are audit events of the agency's chain; a new agency's chain starts with
    ``tenancy.agency.created`` (and the default week, ``tenancy.working_week.set``)."""

    agency_field = "pk"
    list_display = (
        "name",
        "region_name",
        "kemendagri_code",
        "timezone",
        "calendar_mode",
        "is_active",
    )
    search_fields = ("name", "short_name", "region_name", "slug")
    prepopulated_fields = {"slug": ("region_name",)}
    inlines = (RegularHoursInline, DayOffInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("slug", "name", "short_name", "government_name", "is_active")}),
        (
            _("Region"),
            {"fields": ("region_kind", "region_name", "town", "kemendagri_code", "timezone")},
        ),
        (_("Contact"), {"fields": ("address", "phone", "email", "website")}),
        (_("Letterhead"), {"fields": ("logo", "letterhead")}),
        (_("Working calendar"), {"fields": ("calendar_mode", "national_holidays")}),
    )

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.prepopulated_fields if is_platform_admin(request) else {}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_platform_admin(request):
            return ()
        return ("slug", "is_active")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_platform_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            install_default_working_hours(form.instance, audited=True, by=acting_user(request))


@admin.register(SpecialPeriod)
class SpecialPeriodAdmin(AuditedAgencyScopedAdmin):
    """Special working-hours periods (audited, with their hours); a new one saved without
    hours gets the Ramadan hours of Perpres 21/2023."""

    list_display = ("name", "start_date", "end_date", "agency")
    list_filter = ("agency",)
    inlines = (PeriodHoursInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        period = form.instance
        if not change and not period.hours.exists():
            set_working_week(
                period.agency, RAMADAN_PERPRES_21_2023, period, by=acting_user(request)
            )
