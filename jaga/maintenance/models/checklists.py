"""Checklists of preventive maintenance (issue 14 point 4).

A ``ChecklistTemplate`` is an agency's daftar periksa for one device kind (seed 000: the
team checks "Perangkat dan koneksi jaringan yang ada di Perangkat Daerah"); its
``ChecklistItem`` rows are the questions, in ``position`` order, each of one ``ItemKind``:
pass/fail, a measured value with a unit and an acceptable range, free text, or a photo.
``PlanChecklist`` says which template a maintenance plan uses for a device kind; without
one, the agency's active template for the kind applies (``jaga.maintenance.checklists.
template_for``). Inspections copy each item's meaning when answered
(``jaga.maintenance.models.inspections``), so editing a template never changes the past.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import DeviceKind
from jaga.tenancy.models import AgencyScoped

#: Digits and decimals of measured values and ranges (``DecimalField``).
VALUE_DIGITS = 12
VALUE_DECIMALS = 3


class ItemKind(models.TextChoices):
    """What an item asks for: a pass/fail judgement, a measured number (failed outside its
    range), a text, or a photo."""

    PASS_FAIL = "pass_fail", _("Pass / fail")
    MEASURE = "measure", _("Measured value")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class ChecklistTemplate(AgencyScoped):
    """An agency's checklist for devices of ``device_kind``. Only active templates are
    offered for new inspections; a template that has inspections is never deleted
    (``Inspection.template`` protects it), only deactivated."""

    name = models.CharField(_("name"), max_length=200)
    device_kind = models.CharField(_("device kind"), max_length=20, choices=DeviceKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering: ClassVar = ["device_kind", "name", "pk"]
        indexes: ClassVar = [
            models.Index(fields=["agency", "device_kind", "is_active"], name="checklist_kind")
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(AgencyScoped):
    """One question of a template.

    - ``kind``: ``ItemKind``. A measured value has a ``unit`` (such as "°C", "Mbps") and an
      acceptable ``minimum`` and/or ``maximum`` (inclusive, decimals); outside them the
      item fails. A pass/fail item fails when answered "fail". Text and photo items never
      fail; a required photo item needs a photo.
    - ``required``: an inspection must answer it.
    - ``guidance``: how to check, shown under the label.
    """

    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("template"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    label = models.CharField(_("label"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
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

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering: ClassVar = ["template", "position", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=True)
                | models.Q(maximum__isnull=True)
                | models.Q(minimum__lte=models.F("maximum")),
                name="checklist_item_range_ordered",
                violation_error_message=_("The minimum is above the maximum."),
            )
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == ItemKind.MEASURE:
            if not self.unit.strip():
                errors["unit"] = str(_("A measured value needs a unit."))
            if (
                self.minimum is not None
                and self.maximum is not None
                and Decimal(self.minimum) > Decimal(self.maximum)
            ):
                errors["maximum"] = str(_("The minimum is above the maximum."))
        elif self.minimum is not None or self.maximum is not None:
            errors["minimum"] = str(_("Only a measured value has an acceptable range."))
        if errors:
            raise ValidationError(errors)


class PlanChecklist(AgencyScoped):
    """The template ``plan`` uses for devices of ``device_kind`` (one per plan and kind)."""

    plan = models.ForeignKey(
        "maintenance.MaintenancePlan",
        on_delete=models.CASCADE,
        related_name="checklists",
        verbose_name=_("plan"),
    )
    device_kind = models.CharField(_("device kind"), max_length=20, choices=DeviceKind.choices)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        related_name="plan_uses",
        verbose_name=_("template"),
    )

    class Meta:
        verbose_name = _("plan checklist")
        verbose_name_plural = _("plan checklists")
        ordering: ClassVar = ["plan", "device_kind"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan", "device_kind"], name="one_checklist_per_plan_and_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_device_kind_display()}"

    def clean(self) -> None:
        if self.template_id is None:
            return
        template = self.template
        if template.agency_id != self.agency_id:
            raise ValidationError({"template": _("The template belongs to another agency.")})
        if template.device_kind != self.device_kind:
            raise ValidationError({"template": _("The template is for another device kind.")})
