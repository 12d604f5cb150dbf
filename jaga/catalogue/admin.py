"""The catalogue in the admin: an agency administrator names, describes, opens or closes
its services, chooses the default disruption service and, when needed, repoints a service
to another SOP (loading an SOP never does; issue 17 point 1). Every change is an event of
the agency's audit chain."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jaga.catalogue.models import Service, ServiceCategory
from jaga.sop.models import SopDefinition
from jaga.sop.schema import Requester
from jaga.tenancy.admin import AgencyBoundForm, AuditedAgencyScopedAdmin

REQUESTER_CHOICES = [
    (Requester.OPD.value, _("OPD users, for their office")),
    (Requester.EMPLOYEE.value, _("the agency's employees, for themselves")),
    (Requester.STAFF.value, _("the help desk, for a caller")),
]


class ServiceForm(AgencyBoundForm):
    """``requesters`` as ticks; the SOP must be one of the agency's current SOPs that start
    by request, and only a disruption service is the default."""

    requesters = forms.MultipleChoiceField(
        label=_("who may request"),
        choices=REQUESTER_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Service
        fields: ClassVar = [
            "agency",
            "code",
            "name",
            "description",
            "category",
            "sop_code",
            "requesters",
            "is_default",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        agency = cleaned.get("agency") or getattr(self.instance, "agency", None)
        code = cleaned.get("sop_code")
        if agency is not None and code:
            runs = SopDefinition.objects.filter(
                agency=agency, code=code, is_current=True, starts_by_report=True
            ).exists()
            if not runs:
                self.add_error(
                    "sop_code",
                    _("The agency has no current SOP %(code)s that starts by request.")
                    % {"code": code},
                )
        if cleaned.get("is_default") and cleaned.get("category") != ServiceCategory.DISRUPTION:
            self.add_error("is_default", _("Only a disruption service is the default one."))
        return cleaned


@admin.register(Service)
class ServiceAdmin(AuditedAgencyScopedAdmin):
    form = ServiceForm
    list_display = ("name", "code", "category", "sop_code", "is_default", "is_active", "agency")
    list_filter = ("category", "is_active", "agency")
    search_fields = ("name", "code", "sop_code")
