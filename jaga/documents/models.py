"""Numbering of official documents: a pattern per agency and document type, and one
counter per agency, document type and year (the sequence restarts every year)."""

from __future__ import annotations

import string
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.sop.schema import DocumentType
from jaga.tenancy.models import AgencyScoped

PLACEHOLDERS = {"klasifikasi", "urut", "unit", "bulan", "bulan_romawi", "tahun"}
REQUIRED_PLACEHOLDERS = {"urut", "tahun"}


def check_pattern(pattern: str) -> None:
    """Raise ``ValidationError`` unless ``pattern`` uses only the known placeholders and has
    ``{urut}`` and ``{tahun}`` (the sequence restarts yearly, so the year keeps numbers
    unique)."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ValidationError(_("The pattern cannot be read: %(error)s") % {"error": exc}) from None
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s) %(names)s; use %(known)s.")
            % {
                "names": ", ".join(sorted(unknown)),
                "known": ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS)),
            }
        )
    missing = REQUIRED_PLACEHOLDERS - names
    if missing:
        raise ValidationError(
            _("A number pattern needs %(names)s.")
            % {"names": ", ".join(f"{{{name}}}" for name in sorted(missing))}
        )


class NumberPattern(AgencyScoped):
    """How an agency numbers one document type, e.g. ``{klasifikasi}/{urut}/{unit}/
    {bulan_romawi}/{tahun}`` with klasifikasi ``005`` and unit ``Diskominfo`` gives
    ``005/123/Diskominfo/XI/2026``."""

    document_type = models.CharField(
        _("document type"), max_length=40, choices=[(t.value, t.value) for t in DocumentType]
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=120,
        default="{klasifikasi}/{urut}/{unit}/{bulan_romawi}/{tahun}",
        validators=[check_pattern],
    )
    klasifikasi = models.CharField(_("classification code"), max_length=40, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=60, blank=True)
    digits = models.PositiveSmallIntegerField(
        _("digits of the sequence"), default=0, help_text=_("0: no leading zeros.")
    )

    class Meta:
        verbose_name = _("number pattern")
        verbose_name_plural = _("number patterns")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "document_type"], name="one_pattern_per_document_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_type}: {self.pattern}"


class DocumentCounter(AgencyScoped):
    """The last sequence number issued for one document type in one year."""

    document_type = models.CharField(_("document type"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "document_type", "year"], name="one_counter_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.year}: {self.last}"
