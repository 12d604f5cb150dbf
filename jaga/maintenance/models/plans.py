"""Maintenance plans and the rounds they start (issue 14 point 1).

A ``MaintenancePlan`` says which periodic SOP an agency runs (seed 000 "Pemeliharaan
Jaringan", seed 004 "Pemeliharaan Jaringan Berkala"), how often (an RFC 5545 RRULE read by
python-dateutil), over which OPDs, sites and device kinds, with which default team, and
what happens when an occurrence falls on a day off. ``next_due_at`` is when the scheduler
must start the next round: ``jaga scheduler`` claims it by compare-and-set
(``jaga.maintenance.scheduling``). Each round it starts is a ``MaintenanceRound`` tied to
the case that runs it; one occurrence (plan, ``nominal_date``) starts at most one round.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import DeviceKind
from jaga.org.models import Opd
from jaga.tenancy.models import AgencyScoped


class HolidayPolicy(models.TextChoices):
    """What an occurrence on a day off (weekend, national holiday, cuti bersama, the
    agency's own day off; docs/calendar.md) becomes."""

    NEXT_WORKING_DAY = "next", _("Move to the next working day")
    PREVIOUS_WORKING_DAY = "previous", _("Move to the previous working day")
    SKIP = "skip", _("Skip the occurrence")


class RecurrencePreset(models.TextChoices):
    """Recurrences offered by name on the plan form; ``custom`` takes an RRULE as typed.
    ``jaga.maintenance.recurrence.PRESET_RULES`` gives each its RRULE."""

    MONTHLY = "monthly", _("Every month, on the start date's day")
    FIRST_MONDAY = "first_monday", _("First Monday of every month")
    QUARTERLY = "quarterly", _("Every three months (quarterly)")
    SEMIANNUAL = "semiannual", _("Every six months")
    YEARLY = "yearly", _("Every year")
    WEEKLY = "weekly", _("Every week, on the start date's weekday")
    CUSTOM = "custom", _("Custom (RRULE)")


class MaintenancePlan(AgencyScoped):
    """A schedule of preventive rounds of one agency.

    - ``sop_code``: the code of the agency's SOP that each round runs (its current version
      at the moment the round starts; it must start ``schedule``).
    - ``rrule``: the recurrence as an RFC 5545 RRULE value without the ``RRULE:`` prefix
      (``FREQ=MONTHLY;BYDAY=1MO``), counted from ``start_date`` in the agency's zone; the
      visits of an occurrence begin at ``visit_time`` (local time).
    - ``lead_days``: working days between the round's start (its first step, such as the
      Kasi's rencana kerja) and its visits.
    - Scope: ``opds`` (every site of those OPDs), ``sites`` (named one by one), narrowed to
      devices of ``device_kinds`` (empty: every kind).
    - ``team``: the technicians proposed when the round is assigned.
    - ``next_occurrence`` / ``next_due_at``: the next visit time and the time its round must
      start, both UTC, or empty when the recurrence has ended or the plan is paused.
    """

    name = models.CharField(_("name"), max_length=200)
    sop_code = models.SlugField(
        _("SOP"),
        max_length=60,
        help_text=_("The periodic SOP each round runs (its current version)."),
    )
    preset = models.CharField(
        _("recurrence"),
        max_length=20,
        choices=RecurrencePreset.choices,
        default=RecurrencePreset.MONTHLY,
    )
    rrule = models.CharField(
        _("recurrence rule (RRULE)"),
        max_length=500,
        help_text=_("RFC 5545, for example FREQ=MONTHLY;BYDAY=1MO (first Monday of the month)."),
    )
    start_date = models.DateField(_("first occurrence on or after"))
    visit_time = models.TimeField(_("visits begin at (local time)"))
    lead_days = models.PositiveSmallIntegerField(
        _("lead time (working days)"),
        default=0,
        help_text=_("How many working days before the visits the round starts."),
    )
    holiday_policy = models.CharField(
        _("on a day off"),
        max_length=10,
        choices=HolidayPolicy.choices,
        default=HolidayPolicy.NEXT_WORKING_DAY,
    )
    opds = models.ManyToManyField(
        Opd, blank=True, related_name="maintenance_plans", verbose_name=_("OPDs")
    )
    sites = models.ManyToManyField(
        "inventory.Site",
        blank=True,
        related_name="maintenance_plans",
        verbose_name=_("sites"),
    )
    device_kinds = models.JSONField(
        _("device kinds"),
        default=list,
        blank=True,
        help_text=_("Empty: every kind."),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="maintenance_plans",
        verbose_name=_("default team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    next_occurrence = models.DateTimeField(_("next visits"), null=True, blank=True)
    next_nominal_date = models.DateField(_("next occurrence (by the rule)"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next round starts"), null=True, blank=True)
    last_error = models.TextField(
        _("why the last round did not start"),
        blank=True,
        help_text=_("Set by the scheduler, which pauses the plan; cleared when it is saved."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering: ClassVar = ["name", "pk"]
        indexes: ClassVar = [
            # The scheduler's question: which plans are due now?
            models.Index(fields=["next_due_at"], name="plan_next_due"),
        ]

    def __str__(self) -> str:
        return self.name

    def device_kind_labels(self) -> list[str]:
        """The labels of ``device_kinds`` in the active language."""
        labels = dict(DeviceKind.choices)
        return [str(labels.get(kind, kind)) for kind in self.device_kinds]


class MaintenanceRound(AgencyScoped):
    """One occurrence of a plan that was started: the case running it, when it should have
    started (``due_at``, UTC) and when it did; ``is_late`` when the scheduler started it
    more than ``JAGA_SCHEDULER_GRACE_SECONDS`` after ``due_at`` (it was down or busy).
    ``nominal_date`` is the date the RRULE gave (before a day off moved it); one round per
    plan and nominal date."""

    plan = models.ForeignKey(
        MaintenancePlan,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("plan"),
    )
    nominal_date = models.DateField(_("occurrence (by the rule)"))
    visit_at = models.DateTimeField(_("visits begin"))
    due_at = models.DateTimeField(_("due to start"))
    started_at = models.DateTimeField(_("started"))
    is_late = models.BooleanField(_("started late"), default=False)
    case = models.OneToOneField(
        "workflow.Case",
        on_delete=models.PROTECT,
        related_name="maintenance_round",
        verbose_name=_("case"),
    )

    class Meta:
        verbose_name = _("maintenance round")
        verbose_name_plural = _("maintenance rounds")
        ordering: ClassVar = ["-visit_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["plan", "nominal_date"], name="one_round_per_occurrence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.nominal_date.isoformat()}"
