"""Admin of the organisation: OPD, units, positions, employees, acting officials, users.

Every admin here is agency-scoped (``jaga.tenancy.admin.TenantAdminMixin``); the user admin
also keeps agency administrators from granting platform rights.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from jaga.audit import changes
from jaga.audit.admin_mixins import AuditedAdminMixin, acting_user
from jaga.org.models import ActingAssignment, Employee, Opd, OrgUnit, Position, User
from jaga.tenancy.admin import (
    AgencyBoundForm,
    AgencyScopedInline,
    AuditedAgencyScopedAdmin,
    TenantAdminMixin,
    is_platform_admin,
    request_agency_id,
)


@admin.register(Opd)
class OpdAdmin(AuditedAgencyScopedAdmin):
    list_display = ("name", "abbreviation", "head_name", "phone", "is_active", "agency")
    list_filter = ("is_active", "agency")
    search_fields = ("name", "abbreviation", "head_name")


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAgencyScopedAdmin):
    list_display = ("name", "kind", "parent", "agency")
    list_filter = ("kind", "agency")
    search_fields = ("name", "abbreviation")
    list_select_related = ("parent",)


@admin.register(Position)
class PositionAdmin(AuditedAgencyScopedAdmin):
    list_display = ("title", "code", "unit", "is_head", "agency")
    list_filter = ("is_head", "agency")
    search_fields = ("title", "code")
    list_select_related = ("unit",)


class ActingInline(AgencyScopedInline):
    model = ActingAssignment
    fk_name = "employee"
    fields = ("position", "kind", "start_date", "end_date", "decree_number")


@admin.register(Employee)
class EmployeeAdmin(AuditedAgencyScopedAdmin):
    list_display = ("name", "nip_display", "rank", "phone", "user", "is_active", "agency")
    # RelatedOnly: the units offered are those of the listed (own agency's) employees.
    list_filter = ("is_active", ("positions__unit", admin.RelatedOnlyFieldListFilter), "agency")
    search_fields = ("name", "nip", "email")
    filter_horizontal = ("positions",)
    list_select_related = ("user",)
    inlines = (ActingInline,)

    @admin.display(description=_("NIP"), ordering="nip")
    def nip_display(self, obj: Employee) -> str:
        return obj.nip_display


@admin.register(ActingAssignment)
class ActingAssignmentAdmin(AuditedAgencyScopedAdmin):
    list_display = ("position", "employee", "kind", "start_date", "end_date", "agency")
    list_filter = ("kind", "agency")
    search_fields = ("position__title", "employee__name", "decree_number")
    list_select_related = ("position", "employee")


class UserChangeForm(AgencyBoundForm, auth_forms.UserChangeForm):  # type: ignore[type-arg]
    """The admin's user form, bound to the agency before validation."""


class UserCreationForm(AgencyBoundForm, auth_forms.AdminUserCreationForm):
    """The admin's add-user form, bound to the agency before validation."""


@admin.register(User)
class UserAdmin(AuditedAdminMixin, TenantAdminMixin, DjangoUserAdmin):  # type: ignore[type-arg]
    """Users: an agency administrator manages the logins of their agency only and can
    neither make anyone a platform administrator nor hand out per-model permissions.

    Adding, changing (password included, as ``"password_changed": true``, never the hash)
    and deleting a user are events of the user's agency's audit chain (issue 13 point 5).
    The last login and the joining date are shown, not edited: the form's round trip would
    cut their microseconds off at every save."""

    list_display = ("username", "first_name", "last_name", "opd", "is_staff", "is_active", "agency")
    list_filter = ("is_staff", "is_active", "agency")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (_("Placement"), {"fields": ("agency", "opd")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Placement"), {"fields": ("agency", "opd", "is_staff")}),
    )
    form = UserChangeForm
    add_form = UserCreationForm
    readonly_fields = ("last_login", "date_joined")
    _platform_only = ("agency", "is_superuser", "groups", "user_permissions")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if is_platform_admin(request):
            return fieldsets
        return tuple(
            (
                name,
                {
                    **opts,
                    "fields": tuple(f for f in opts["fields"] if f not in self._platform_only),
                },
            )
            for name, opts in fieldsets
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return qs if is_platform_admin(request) else qs.filter(is_superuser=False)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not is_platform_admin(request):
            obj.agency_id = request_agency_id(request)
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's set-password page, in one transaction with the ``org.user.changed``
        event (``password_changed``) when the password was changed or unset."""
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = changes.stored_snapshot(user) if user is not None else None
            response: HttpResponse = super().user_change_password(request, id, form_url)
            if user is not None and before is not None:
                stored = User.objects.get(pk=user.pk)
                changes.record_saved(stored, acting_user(request), before)
        return response
