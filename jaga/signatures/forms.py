"""Forms of the TTE pages. The passphrase and TOTP fields never render their value back
(``render_value=False``), ask browsers not to remember them (``autocomplete="off"``) and
are read once by the view (issue 18 point 6)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_SIGNED_BYTES = 20 * 1024 * 1024

_SECRET_ATTRS = {
    "autocomplete": "off",
    "autocapitalize": "off",
    "spellcheck": "false",
    "class": "form-control",
}


class SignForm(forms.Form):
    """The signer's passphrase (API v1 and v2) or a TOTP code from the BeSign app (v2);
    the e-seal takes its TOTP only. ``methods`` is ``{"passphrase", "totp"}`` or a part."""

    passphrase = forms.CharField(
        label=_("Passphrase"),
        required=False,
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(
            render_value=False, attrs={**_SECRET_ATTRS, "id": "tte-passphrase"}
        ),
    )
    totp = forms.CharField(
        label=_("TOTP code"),
        required=False,
        max_length=12,
        widget=forms.PasswordInput(
            render_value=False,
            attrs={**_SECRET_ATTRS, "id": "tte-totp", "inputmode": "numeric"},
        ),
    )

    def __init__(self, *args: Any, methods: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.methods = methods
        for name in ("passphrase", "totp"):
            if name not in methods:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("passphrase", "totp") if data.get(name)]
        if len(given) != 1:
            if self.methods == {"totp"}:
                raise forms.ValidationError(_("Type the TOTP code."))
            if self.methods == {"passphrase"}:
                raise forms.ValidationError(_("Type your passphrase."))
            raise forms.ValidationError(_("Type your passphrase or a TOTP code, one of the two."))
        return data


class ReconcileForm(forms.Form):
    """Settle an unknown outcome: the signed file the esign-client kept, or the
    declaration that it was not signed."""

    signed_file = forms.FileField(label=_("Signed PDF from the esign-client"), required=False)
    not_signed = forms.BooleanField(
        label=_("I checked the esign-client: this document was not signed"), required=False
    )

    def clean_signed_file(self) -> bytes | None:
        upload = self.cleaned_data.get("signed_file")
        if upload is None:
            return None
        if upload.size > MAX_SIGNED_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        data: bytes = upload.read()
        return data

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("signed_file")) == bool(data.get("not_signed")):
            raise forms.ValidationError(
                _("Give the signed file, or declare that it was not signed (one of the two).")
            )
        return data
