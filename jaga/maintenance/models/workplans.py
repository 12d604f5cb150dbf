"""The Rencana Kerja of a round (issue 14 point 5; seed 004 step 1: "Kepala Seksi menyusun
rencana kerja pemeliharaan jaringan berkala"): one row per site of the round, drafted from
the plan when the round starts and edited by the Kasi until the document is issued."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.tenancy.models import AgencyScoped

#: What a drafted row says the team does (Indonesian: it is printed in the Rencana Kerja);
#: seed 000 step 3's own words.
DEFAULT_ACTIVITIES = (
    "Pengecekan perangkat dan koneksi jaringan sesuai daftar periksa; penggantian / "
    "perbaikan perangkat yang rusak."
)


class WorkPlanVisit(AgencyScoped):
    """One site of a round's Rencana Kerja: when the team goes (``planned_on``, the
    agency's local date), who goes, and what they do there."""

    round = models.ForeignKey(
        "maintenance.MaintenanceRound",
        on_delete=models.CASCADE,
        related_name="work_plan",
        verbose_name=_("round"),
    )
    site = models.ForeignKey(
        "inventory.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    planned_on = models.DateField(_("planned date"))
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("team")
    )
    activities = models.TextField(_("activities"), default=DEFAULT_ACTIVITIES)

    class Meta:
        verbose_name = _("work plan row")
        verbose_name_plural = _("work plan rows")
        ordering: ClassVar = ["round", "position", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "site"], name="work_plan_site_once")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.site_id} {self.planned_on.isoformat()}"
