"""Model and form fields of the organisation app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.org.nip import NIP_LENGTH, normalize_nip, validate_nip


class NipFormField(forms.CharField):
    """Accepts a NIP as people type it (``19671226 198603 1 002``, dots, dashes) and cleans
    it to 18 digits; a bad NIP fails with the reason from ``jaga.org.nip.parse_nip``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["max_length"] = 30
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_nip(str(super().to_python(value)))


class NipField(models.CharField):  # type: ignore[type-arg]
    """An optional NIP stored as 18 digits (empty for staff without one)."""

    description = _("NIP (18 digits)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", NIP_LENGTH)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [validate_nip])
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        """Normalise grouped input to 18 digits before the validators run."""
        value = super().to_python(value)
        return normalize_nip(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        """Store the normalised NIP whatever path saved it (the admin's form cleans it, a
        plain ``save()`` does not), so one NIP has one spelling and the unique constraint
        (``nip_unique_in_agency``) sees it."""
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = normalize_nip(value)
            setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().formfield(**{"form_class": NipFormField, **kwargs})
