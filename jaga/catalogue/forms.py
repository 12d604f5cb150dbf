"""The forms of the catalogue: a request through Jaga, and the help desk's intake.

``jaga.catalogue.services`` does the work and checks again; these forms give field errors
before anything is sent on. The service's intake fields (SOP format 2 ``service.fields``)
are drawn as the step forms draw a step's fields (``jaga.workflow.forms.form_field``) and
named ``intake_<key>``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jaga.catalogue.models import Service
from jaga.incidents.forms import (
    LOCAL_FORMAT,
    IntakeFieldsForm,
    MultipleFileField,
    MultipleFileInput,
)
from jaga.org.models import Opd, User
from jaga.sop.schema import FormField, Requester
from jaga.web.bidi import refuse_bidi_controls
from jaga.workflow.models import IntakeChannel


class RequestForm(IntakeFieldsForm):
    """What a requester writes: the subject, the details, a contact, and the service's
    intake fields."""

    field_order: tuple[str, ...] = ("title", "description", "contact_name", "contact_phone")

    title = forms.CharField(
        label=_("Subject"),
        max_length=200,
        validators=[refuse_bidi_controls],
        help_text=_("In a few words, e.g. Pemasangan access point di ruang rapat."),
    )
    description = forms.CharField(
        label=_("Details"),
        max_length=5000,
        required=False,
        validators=[refuse_bidi_controls],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, intake_fields: list[FormField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_intake_fields(intake_fields)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect):
                field.widget.attrs.setdefault("class", "form-control")


class OpdChoiceField(forms.ModelChoiceField[Opd]):
    def label_from_instance(self, obj: Opd) -> str:
        return f"{obj.name} ({obj.abbreviation})" if obj.abbreviation else obj.name


class EmployeeChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        employee = getattr(obj, "employee", None)
        return employee.name if employee is not None else obj.get_full_name() or obj.username


STAFF_CHANNELS = [choice for choice in IntakeChannel.choices if choice[0] != IntakeChannel.WEB]


class IntakeForm(RequestForm):
    """The help desk's record of a request received by phone, WhatsApp, letter, e-mail or
    at the desk (issue 17 point 2): the channel, on whose behalf (an OPD, or an employee
    when the service allows employees), the caller and their contact. A disruption service
    also asks where and since when, and takes photos (as the OPD's own report form)."""

    channel = forms.ChoiceField(label=_("Received through"), choices=STAFF_CHANNELS)
    opd = OpdChoiceField(
        label=_("On behalf of the office (OPD)"),
        queryset=Opd.objects.none(),
        required=False,
        empty_label="—",
    )
    requester = EmployeeChoiceField(
        label=_("Or on behalf of the employee"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
    )
    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        required=False,
        validators=[refuse_bidi_controls],
        help_text=_("Building, floor or room, e.g. Gedung B lantai 2, ruang server."),
    )
    since = forms.DateTimeField(
        label=_("Since when?"),
        required=False,
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    field_order = (
        "channel",
        "opd",
        "requester",
        "contact_name",
        "contact_phone",
        "title",
        "location",
        "since",
        "description",
    )

    def __init__(self, *args: Any, service: Service, disruption: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.disruption = disruption
        opd_field = self.fields["opd"]
        assert isinstance(opd_field, OpdChoiceField)
        opd_field.queryset = Opd.objects.filter(agency_id=service.agency_id, is_active=True)
        self.fields["contact_name"].label = _("Caller")
        self.fields["contact_phone"].label = _("Caller's phone")
        if disruption or not service.allows(Requester.EMPLOYEE):
            del self.fields["requester"]
            opd_field.required = True
            opd_field.label = _("On behalf of the office (OPD)")
        else:
            requester_field = self.fields["requester"]
            assert isinstance(requester_field, EmployeeChoiceField)
            requester_field.queryset = (
                User.objects.filter(
                    agency_id=service.agency_id,
                    is_active=True,
                    opd__isnull=True,
                    employee__isnull=False,
                )
                .select_related("employee")
                .order_by("employee__name")
            )
        if disruption:
            self.fields["location"].required = True
            self.fields["since"].required = True
            self.fields["title"].required = False
            self.fields["title"].help_text = _("Left empty: the first line of the details.")
            self.fields["description"].required = True
            self.fields["description"].label = _("What is wrong?")
        else:
            del self.fields["location"], self.fields["since"], self.fields["photos"]
        self.order_fields(self.field_order)
        for name in ("channel", "opd", "requester"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "requester" in self.fields and (cleaned.get("opd") is None) == (
            cleaned.get("requester") is None
        ):
            self.add_error(
                "opd", _("Choose the requesting office (OPD) or the requesting employee.")
            )
        return cleaned
