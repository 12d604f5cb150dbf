"""The aggregates the reports read (issue 16 point 7; architecture.md, "Step effects").

A ``StepRecord`` is written for every completed step instance, in the step's transaction,
by ``jaga.reports.receivers`` (a subscriber to ``jaga.workflow.events.step_completed``):
everything the compliance report groups and filters on, denormalised once (the SOP, the
step, who did it, for which OPD, in which month) with the durations already worked out on
the step's own calendar. A ``CaseRecord`` keeps a case's times to first technician action
and to restoration (MTTA, MTTR), updated by the same events and by the monitor's
``outage_ended``. Reports read these rows through their indexes and never walk the steps or
recompute a working-time span per request.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd, OrgUnit, Position
from jaga.tenancy.models import AgencyScoped
from jaga.workflow.models import Case, StepInstance


class StepRecord(AgencyScoped):
    """One completed step instance as the compliance report counts it (docs/reports.md).

    Durations are **seconds of working time** on the calendar the step ran on (the
    agency's working hours and days off, or clock time for a 24x7 step; ``jaga.sop.timing``):
    ``standard_seconds`` from the step's start to its due time (None for a "kondisional"
    step, which has no Mutu Baku), ``actual_seconds`` from its start to its completion,
    ``late_seconds`` past the due time (0 when on time). ``on_time`` is None for a
    kondisional step, else whether it was completed by its due time.

    ``period`` is the first day of the agency-local month in which the step was completed:
    a step counts in the month it was done. Every visit of a step is its own record
    (``visit`` 2, 3… after a return), measured against the standard it was given when it
    opened (the engine restarts the clock on each visit)."""

    step = models.OneToOneField(
        StepInstance, on_delete=models.CASCADE, related_name="record", verbose_name=_("step")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    sop_code = models.CharField(_("SOP"), max_length=60)
    step_no = models.CharField(_("step"), max_length=6)
    lane = models.CharField(_("lane"), max_length=60)
    visit = models.PositiveSmallIntegerField(_("visit"), default=1)
    source = models.CharField(_("started by"), max_length=10)
    opd = models.ForeignKey(
        Opd,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("OPD"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("position"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    started_at = models.DateTimeField(_("started"))
    completed_at = models.DateTimeField(_("completed"))
    period = models.DateField(_("month"))
    standard_seconds = models.PositiveIntegerField(_("standard (s)"), null=True, blank=True)
    actual_seconds = models.PositiveIntegerField(_("actual (s)"))
    late_seconds = models.PositiveIntegerField(_("late by (s)"), default=0)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        indexes: ClassVar = [
            models.Index(fields=["agency", "period", "on_time"], name="record_period"),
            models.Index(fields=["agency", "period", "sop_code", "step_no"], name="record_step"),
            models.Index(fields=["agency", "actor", "period"], name="record_actor"),
            # The drill-down's order (most late first): a page reads 50 rows, not the
            # period's late steps (bench/web.py).
            models.Index(
                fields=["agency", "-late_seconds", "-completed_at", "-id"],
                name="record_most_late",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sop_code}/{self.step_no}#{self.visit} ({self.period:%Y-%m})"

    @property
    def ratio(self) -> float | None:
        """Actual against standard working time (1.0 = the whole Mutu Baku used), None
        for a kondisional step or a standard of zero seconds."""
        if not self.standard_seconds:
            return None
        return self.actual_seconds / self.standard_seconds


class Restoration(models.TextChoices):
    """What ended a case's disruption (``CaseRecord.restored_by``)."""

    MONITOR = "monitor", _("The monitor saw the device recover")
    STEP = "step", _("The technicians' last step")


class CaseRecord(AgencyScoped):
    """A case's service times (issue 16 point 3; docs/reports.md, "Operational figures").

    ``broke_at`` is when the service broke: the start of the monitor's outage for a case
    the monitor opened, else the case's start (the report). ``first_action_at`` is the
    first completion of a step in a technicians' lane (a lane an assignment step names,
    ``to_lane``) on the case's trunk; ``restored_at`` the monitor's recovery of the outage
    when there is one, else the latest completion of such a step (a return to them moves
    it). A case whose technicians have not acted yet has no record. Seconds
    are clock time: ``action_seconds`` from the case's start to the first action (MTTA),
    ``restore_seconds`` from ``broke_at`` to ``restored_at`` (MTTR). ``period`` is the
    first day of the agency-local month the case started in."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="record", verbose_name=_("case")
    )
    sop_code = models.CharField(_("SOP"), max_length=60)
    source = models.CharField(_("started by"), max_length=10)
    opd = models.ForeignKey(
        Opd,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("OPD"),
    )
    started_at = models.DateTimeField(_("started"))
    period = models.DateField(_("month"))
    broke_at = models.DateTimeField(_("service broke"))
    first_action_at = models.DateTimeField(_("first technician action"), null=True, blank=True)
    restored_at = models.DateTimeField(_("service restored"), null=True, blank=True)
    restored_by = models.CharField(
        _("restoration seen by"), max_length=10, choices=Restoration.choices, blank=True
    )
    action_seconds = models.PositiveIntegerField(_("to first action (s)"), null=True, blank=True)
    restore_seconds = models.PositiveIntegerField(_("to restoration (s)"), null=True, blank=True)

    class Meta:
        verbose_name = _("case record")
        verbose_name_plural = _("case records")
        indexes: ClassVar = [models.Index(fields=["agency", "period"], name="case_record_period")]

    def __str__(self) -> str:
        return f"{self.case_id} ({self.period:%Y-%m})"


class ComplianceSnapshot(AgencyScoped):
    """The compliance table of a finished period, computed once (issue 16 point 7): a
    quarter or a year is hundreds of thousands of ``StepRecord`` rows whose percentiles
    cost a sort per request. ``key`` names what was asked (period, grouping, filters,
    reader's scope: ``jaga.reports.snapshots.key_for``); ``payload`` holds the rows and the
    total as JSON. A period that ended before the current month is kept until a record of
    one of its months is written (which deletes it: never stale); a ``running`` one (this
    quarter, this year) is reused for ``JAGA_REPORT_REFRESH_SECONDS`` and then computed
    again, the page saying as of when (``jaga.reports.snapshots``)."""

    key = models.CharField(_("key"), max_length=64)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until (excluded)"))
    payload = models.JSONField(_("figures"))
    computed_at = models.DateTimeField(_("computed"))
    running = models.BooleanField(_("period still running"), default=False)

    class Meta:
        verbose_name = _("compliance snapshot")
        verbose_name_plural = _("compliance snapshots")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "key"], name="one_snapshot_per_key")
        ]
        indexes: ClassVar = [
            models.Index(fields=["agency", "period_start", "period_end"], name="snapshot_period")
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m}..{self.period_end:%Y-%m} {self.key[:8]}"
