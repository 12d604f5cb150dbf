"""Forms of the documents pages: checking an uploaded PDF, and a correction (its reason and
the texts it changes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jaga.documents.corrections import MAX_TEXT, Editable

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class VerifyForm(forms.Form):
    """A PDF to compare with the issued one (at most 20 MB)."""

    file = forms.FileField(label=_("PDF file"))

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        data: bytes = upload.read()
        return data


#: The prefix of a correction form's field named after a content path ("edit__case.title").
EDIT_PREFIX = "edit__"


class CorrectionForm(forms.Form):
    """Why a document is issued again, and its texts as they should read: one field per
    ``Editable`` part, named ``EDIT_PREFIX`` + its content path, prefilled with the current
    text (issue 18 point 5)."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, parts: list[Editable], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parts = parts
        for part in parts:
            widget = forms.Textarea(attrs={"rows": 3}) if part.multiline else forms.TextInput()
            self.fields[EDIT_PREFIX + part.path] = forms.CharField(
                label=part.label,
                initial=part.value,
                required=False,
                max_length=MAX_TEXT,
                strip=True,
                widget=widget,
            )

    def edits(self) -> dict[str, str]:
        """The parts whose text was changed: content path → new text (valid form only). A
        part the post does not name is left as it is (never blanked)."""
        changed = {}
        for part in self.parts:
            name = EDIT_PREFIX + part.path
            if name not in self.data:
                continue
            value = self.cleaned_data.get(name, "")
            if value != part.value.strip():
                changed[part.path] = value
        return changed


class RegistrationForm(forms.Form):
    """The number and date SRIKANDI gave a document at registration (issue 18 point 4)."""

    number = forms.CharField(label=_("Number from SRIKANDI"), max_length=160)
    date = forms.DateField(
        label=_("Date of registration"), widget=forms.DateInput(attrs={"type": "date"})
    )


class PeriodForm(forms.Form):
    """The documents issued from ``dari`` to ``sampai`` (local dates, inclusive)."""

    dari = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    sampai = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("dari"), cleaned.get("sampai")
        if start and end and end < start:
            raise forms.ValidationError(_("The end of the period is before its start."))
        if start and end and (end - start).days > 366:
            raise forms.ValidationError(_("Export at most a year at a time."))
        return cleaned
