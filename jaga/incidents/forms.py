"""The "Report a disruption" form. ``jaga.incidents.services.report_disruption`` does the
work and checks again; the form gives the reporter field errors before anything is sent on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.files import File
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jaga.incidents.services import (
    EARLIEST_SINCE,
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    check_photo,
    since_error,
)
from jaga.inventory.fields import IdsChoiceField
from jaga.inventory.models import Device, DeviceStatus, Site
from jaga.org.models import Opd
from jaga.sop.schema import FormField
from jaga.web.bidi import refuse_bidi_controls
from jaga.workflow.forms import form_field

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
#: Form-field names of an SOP's intake fields: ``intake_<key>``.
INTAKE_PREFIX = "intake_"

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{4,38}$",
    _("Enter a phone number, for example 0251 8321075 or +62 812 3456 7890."),
)


class MultipleFileInput(forms.FileInput):
    """``<input type="file" multiple>``."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files; cleans to a list (empty when none)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[File[bytes]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        clean_one = super().clean
        return [clean_one(item, initial) for item in files]


class IntakeFieldsForm(forms.Form):
    """A form that also asks an SOP's intake fields (SOP format 2 ``service.fields``,
    issue 17), named ``intake_<key>`` and drawn like a step's fields; and shows the
    engine's ``InvalidInput`` errors on its fields; with the contact person and phone.
    The OPD's report form and the catalogue's request forms share it."""

    intake_fields: list[FormField]

    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=150,
        validators=[refuse_bidi_controls],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=40,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def add_intake_fields(self, declared: Sequence[FormField]) -> None:
        """Add a form field per intake field of ``declared``."""
        self.intake_fields = list(declared)
        for item in self.intake_fields:
            self.fields[INTAKE_PREFIX + item.key] = form_field(item)

    def intake_fields_bound(self) -> list[forms.BoundField]:
        """The intake fields as the template draws them."""
        return [self[INTAKE_PREFIX + declared.key] for declared in self.intake_fields]

    def intake(self) -> dict[str, Any]:
        """The intake fields filled in, by their keys (empty ones left out)."""
        values = (
            (declared.key, self.cleaned_data.get(INTAKE_PREFIX + declared.key))
            for declared in self.intake_fields
        )
        return {key: value for key, value in values if value is not None and value != ""}

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Show ``InvalidInput.errors`` on their fields (an intake field's under its key,
        on ``intake_<key>``); others on the form."""
        for key, message in errors.items():
            name = key if key in self.fields else INTAKE_PREFIX + key
            self.add_error(name if name in self.fields else None, message)

    def mark_invalid(self) -> None:
        """Give the widgets of fields with errors Tabler's ``is-invalid`` class."""
        for name, field in self.fields.items():
            css = field.widget.attrs.get("class", "").replace(" is-invalid", "")
            field.widget.attrs["class"] = f"{css} is-invalid" if name in self.errors else css


class ReportForm(IntakeFieldsForm):
    """Location, problem, since when (local time of ``zone``), contact and photos."""

    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        validators=[refuse_bidi_controls],
        help_text=_("Building, floor or room, e.g. Gedung B lantai 2, ruang server."),
    )
    problem = forms.CharField(
        label=_("What is wrong?"),
        max_length=5000,
        validators=[refuse_bidi_controls],
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The first line becomes the title of the case."),
    )
    since = forms.DateTimeField(
        label=_("Since when?"),
        input_formats=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT),
    )
    sites = IdsChoiceField[Site](
        label=_("Affected sites"),
        queryset=Site.objects.none(),
        required=False,
        help_text=_("Where the disruption is, if you know (your office's sites)."),
    )
    devices = IdsChoiceField[Device](
        label=_("Affected devices"),
        queryset=Device.objects.none(),
        required=False,
        help_text=_("The devices that do not work, if you know."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )

    def __init__(
        self,
        *args: Any,
        zone: ZoneInfo,
        opd: Opd | None = None,
        now: dt.datetime | None = None,
        intake_fields: Sequence[FormField] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        # The disruption service's intake fields (SOP format 2), after the problem.
        self.add_intake_fields(intake_fields)
        if opd is not None:
            sites = Site.objects.filter(opd=opd).order_by("code")
            self.fields["sites"].queryset = sites  # type: ignore[attr-defined]
            self.fields["devices"].queryset = (  # type: ignore[attr-defined]
                Device.objects.filter(site__opd=opd, status=DeviceStatus.IN_SERVICE)
                .select_related("site")
                .order_by("site__code", "name")
            )
        if not self.fields["sites"].queryset.exists():  # type: ignore[attr-defined]
            del self.fields["sites"], self.fields["devices"]
        self.zone = zone
        self.now = now or timezone.now()
        local_now = self.now.astimezone(zone)
        self.fields["since"].widget.attrs["max"] = local_now.strftime(LOCAL_FORMAT)
        self.fields["since"].widget.attrs["min"] = EARLIEST_SINCE.astimezone(zone).strftime(
            LOCAL_FORMAT
        )
        self.fields["since"].help_text = gettext("Local time (%(zone)s).") % {
            "zone": local_now.tzname()
        }
        self.fields["photos"].help_text = gettext(
            "Up to %(count)d photos (JPEG, PNG or WebP), at most %(size)s each."
        ) % {"count": MAX_PHOTOS, "size": filesizeformat(MAX_PHOTO_BYTES)}
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"

    def full_clean(self) -> None:
        """Clean with the times read in the agency's zone, whatever zone is active; mark
        the fields in error for the page's styles."""
        with timezone.override(self.zone):
            super().full_clean()
        self.mark_invalid()

    def clean_since(self) -> dt.datetime:
        since: dt.datetime = self.cleaned_data["since"]
        problem = since_error(since, self.now)
        if problem is not None:
            raise forms.ValidationError(problem)
        return since

    def clean_photos(self) -> list[File[bytes]]:
        photos: list[File[bytes]] = self.cleaned_data["photos"]
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(
                gettext("At most %(limit)d photos per report.") % {"limit": MAX_PHOTOS}
            )
        problems = []
        for photo in photos:
            try:
                check_photo(photo)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise forms.ValidationError(problems)
        return photos
