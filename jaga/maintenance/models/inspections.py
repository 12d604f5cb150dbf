"""Inspections: one checklist filled in for one device (issue 14 point 4).

An ``Inspection`` records who inspected which device where (``site`` as it stood then),
with which template, when (UTC), in which case and step when made during a round, the
overall result (failed when any answer failed) and the corrective case it opened. Each
``InspectionAnswer`` copies the item's meaning as answered (label, kind, unit, range,
required), so later edits of the template change nothing in the past. Photos are files
under MEDIA_ROOT at ``inspections/<agency id>/<yyyy>/<mm>/<random hex>.<ext>``, re-encoded on
intake (``jaga.incidents.images``) and served only through a permission-checked view.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.maintenance.models.checklists import (
    VALUE_DECIMALS,
    VALUE_DIGITS,
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
)
from jaga.tenancy.models import AgencyScoped


class InspectionResult(models.TextChoices):
    """Overall result: ``fail`` when at least one answer failed."""

    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Inspection(AgencyScoped):
    """A device inspected against a template; see the module's docstring."""

    device = models.ForeignKey(
        "inventory.Device",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("device"),
    )
    site = models.ForeignKey(
        "inventory.Site",
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("site"),
        help_text=_("Where the device stood when it was inspected."),
    )
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("checklist"),
    )
    template_name = models.CharField(_("checklist name (as used)"), max_length=200)
    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("case"),
    )
    step = models.ForeignKey(
        "workflow.StepInstance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("step"),
    )
    inspected_at = models.DateTimeField(_("inspected"), default=timezone.now)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspected by"),
    )
    result = models.CharField(_("result"), max_length=10, choices=InspectionResult.choices)
    note = models.TextField(_("note"), blank=True)
    corrective_case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_inspections",
        verbose_name=_("corrective case"),
    )
    corrective_error = models.TextField(
        _("why no corrective case was opened"),
        blank=True,
        help_text=_("Set when the failures could not open a case (for example, no SOP)."),
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering: ClassVar = ["-inspected_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["device", "-inspected_at"], name="inspection_device_time"),
            models.Index(fields=["agency", "-inspected_at"], name="inspection_agency_time"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.inspected_at:%Y-%m-%d %H:%M}"

    @property
    def failed(self) -> bool:
        """Whether the overall result is a failure."""
        return self.result == InspectionResult.FAIL


def inspection_photo_path(instance: InspectionAnswer, filename: str) -> str:
    """``inspections/<agency id>/<yyyy>/<mm>/<32 random hex digits><suffix of filename>``
    (UTC month of upload)."""
    when = timezone.now()
    suffix = PurePosixPath(filename).suffix.lower()
    return f"inspections/{instance.agency_id}/{when:%Y}/{when:%m}/{secrets.token_hex(16)}{suffix}"


class InspectionAnswer(AgencyScoped):
    """The answer to one item, with the item's meaning as answered (``kind``, ``label``,
    ``unit``, ``minimum``, ``maximum``, ``required``, ``position``); ``item`` keeps the
    link while the item exists. ``passed`` is the pass/fail answer (None for other kinds
    or unanswered), ``value`` a measured value (decimal, in ``unit``), ``text`` a text
    answer, ``photo`` a re-encoded photo. ``failed``: a pass/fail item answered "fail" or
    a value outside the range."""

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("inspection"),
    )
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("item"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    label = models.CharField(_("label"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    minimum = models.DecimalField(
        _("acceptable minimum"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    maximum = models.DecimalField(
        _("acceptable maximum"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    value = models.DecimalField(
        _("value"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    text = models.TextField(_("text"), blank=True)
    photo = models.FileField(
        _("photo"), upload_to=inspection_photo_path, max_length=255, blank=True
    )
    photo_content_type = models.CharField(_("photo content type"), max_length=100, blank=True)
    failed = models.BooleanField(_("failed"), default=False)

    class Meta:
        verbose_name = _("inspection answer")
        verbose_name_plural = _("inspection answers")
        ordering: ClassVar = ["inspection", "position", "pk"]

    def __str__(self) -> str:
        return self.label
