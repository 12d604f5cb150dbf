"""The import form of the inventory (``inventory:import``): what the file holds and the file,
checked for its extension (``.csv`` or ``.xlsx``, which gives the format) and its size."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jaga.inventory.tabular import FORMATS, Format, Kind

#: The largest file the import page takes (20 MB; 50,000 devices as CSV are about 5 MB).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

#: What openpyxl raises, beyond the ``BadFile`` of ``tabular``, for a damaged workbook: its
#: XML parser's error (a ``SyntaxError``) for a broken part, ``IndexError`` for no sheet.
CORRUPT_XLSX = (SyntaxError, IndexError)

#: What each kind of row is called on the pages.
KIND_LABELS: dict[Kind, Promise] = {
    "sites": _("Sites"),
    "devices": _("Devices"),
    "links": _("Links"),
}


def file_format(name: str) -> Format | None:
    """The format a file name's extension names (``"csv"``/``"xlsx"``, any case), or None."""
    suffix = PurePath(name).suffix.lower().removeprefix(".")
    for fmt in FORMATS:
        if suffix == fmt:
            return fmt
    return None


class ImportForm(forms.Form):
    """``kind`` (sites, devices, links) and ``file``; ``cleaned_data["format"]`` is the
    format read from the file's extension."""

    kind = forms.ChoiceField(label=_("The file holds"), choices=list(KIND_LABELS.items()))
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV or XLSX with the template's header row, at most %(limit)s."
        ) % {"limit": filesizeformat(MAX_UPLOAD_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if file_format(upload.name or "") is None:
            raise forms.ValidationError(
                _("Upload a .csv or .xlsx file, not %(name)s."),
                code="extension",
                params={"name": upload.name},
            )
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the import takes at most %(limit)s."),
                code="size",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None:
            cleaned["format"] = file_format(upload.name or "")
        return cleaned
