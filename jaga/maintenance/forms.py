"""The maintenance plan form (issue 14 point 1). It only reads and checks the fields; the
plan is validated as a whole and written by ``jaga.maintenance.services.save_plan``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import DeviceKind, Site
from jaga.maintenance.models import ChecklistTemplate, MaintenancePlan, RecurrencePreset
from jaga.maintenance.services import schedulable_sops
from jaga.org.models import Opd, User


def _checklist_label(template: ChecklistTemplate) -> str:
    """A checklist as the form lists it: "Router: Pemeriksaan router"."""
    return f"{template.get_device_kind_display()}: {template.name}"


def _member_label(user: User) -> str:
    """A team member as the form lists them: the employee's name with titles."""
    employee = getattr(user, "employee", None)
    return employee.name if employee is not None else user.get_username()


class PlanForm(forms.ModelForm[MaintenancePlan]):
    """A plan of ``agency_id``: SOP choices, OPDs, sites and team limited to that agency."""

    sop_code = forms.ChoiceField(label=_("SOP"))
    device_kinds = forms.MultipleChoiceField(
        label=_("Device kinds"),
        choices=DeviceKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only sites with devices of these kinds are visited; none ticked: every kind."),
    )

    checklists = forms.ModelMultipleChoiceField(
        label=_("Checklists"),
        queryset=ChecklistTemplate.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "At most one per device kind; a kind with none ticked uses the agency's "
            "checklist for it."
        ),
    )

    class Meta:
        model = MaintenancePlan
        fields = [
            "name",
            "sop_code",
            "preset",
            "rrule",
            "start_date",
            "visit_time",
            "lead_days",
            "holiday_policy",
            "opds",
            "sites",
            "device_kinds",
            "team",
            "is_active",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "visit_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "opds": forms.CheckboxSelectMultiple,
            "team": forms.CheckboxSelectMultiple,
            "sites": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, agency_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sop_field: Any = self.fields["sop_code"]
        sop_field.choices = [(d.code, f"{d.name} ({d.code})") for d in schedulable_sops(agency_id)]
        self.fields["rrule"].required = False
        self.fields["rrule"].help_text = _(
            "Only for a custom recurrence: an RFC 5545 RRULE such as FREQ=MONTHLY;BYDAY=1MO "
            "(first Monday) or FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15 (every three months on "
            "the 15th)."
        )
        opds: Any = self.fields["opds"]
        opds.queryset = Opd.objects.filter(agency_id=agency_id).order_by("name")
        sites: Any = self.fields["sites"]
        sites.queryset = (
            Site.objects.filter(agency_id=agency_id, is_store=False)
            .select_related("opd")
            .order_by("name")
        )
        sites.required = False
        sites.help_text = _("Sites visited besides every site of the OPDs ticked above.")
        team: Any = self.fields["team"]
        team.queryset = User.objects.filter(
            agency_id=agency_id, opd__isnull=True, is_active=True, employee__is_active=True
        ).order_by("employee__name")
        team.label_from_instance = _member_label
        team.required = False
        checklists: Any = self.fields["checklists"]
        checklists.queryset = ChecklistTemplate.objects.filter(
            agency_id=agency_id, is_active=True
        ).order_by("device_kind", "name")
        checklists.label_from_instance = _checklist_label
        if self.instance.pk is not None:
            self.initial["checklists"] = [row.template_id for row in self.instance.checklists.all()]

        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):  # SelectMultiple too
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"
            if name == "rrule":
                widget.attrs["spellcheck"] = "false"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("preset") == RecurrencePreset.CUSTOM and not (data.get("rrule") or "").strip():
            self.add_error("rrule", _("Type the RRULE of a custom recurrence."))
        return data
