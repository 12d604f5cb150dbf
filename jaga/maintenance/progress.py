"""Where a round stands at each of its sites (issue 14 point 5): how many of the devices in
scope were inspected in the round, how many failed, and the corrective cases the failures
opened. The case page's "Putaran pemeliharaan" card (``jaga.maintenance.panels``) and the
round's report (``jaga.maintenance.documents``, ``round_summary``) read the same numbers.

Definitions (per site of the round, in the order of the Rencana Kerja):

- *in scope*: the case's affected devices (written when the round started: the in-service
  devices of the plan's kinds) standing at the site;
- *checked*: distinct devices inspected in the round's case at the site
  (``Inspection.site``, where the device stood when inspected);
- *failed*: of those, the devices whose **latest** inspection in the round failed (a device
  inspected again after a repair counts by its last result);
- *corrective*: the corrective cases opened by the site's inspections in the round, by
  number, without repeats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jaga.inventory.models import Site
from jaga.maintenance.models import Inspection, InspectionResult, MaintenanceRound, WorkPlanVisit
from jaga.workflow.models import Case, CaseStatus

#: How a corrective case's state is printed in a document (Indonesian, never translated).
CASE_STATE_ID = {
    CaseStatus.OPEN: "Dalam proses",
    CaseStatus.CLOSED: "Selesai",
    CaseStatus.CANCELLED: "Dibatalkan",
}


@dataclass(frozen=True)
class CorrectiveRef:
    """A corrective case: its ``pk``, its ``number`` and its ``status`` (``CaseStatus``)."""

    pk: int
    number: int
    status: str

    @property
    def state_id(self) -> str:
        """The state as documents print it ("Dalam proses", "Selesai", "Dibatalkan")."""
        return CASE_STATE_ID.get(CaseStatus(self.status), self.status)


@dataclass
class SiteProgress:
    """The numbers of one site of a round (see the module's docstring)."""

    site: Site
    in_scope: int = 0
    checked: int = 0
    failed: int = 0
    corrective: list[CorrectiveRef] = field(default_factory=list)


def site_progress(started: MaintenanceRound) -> list[SiteProgress]:
    """The progress of every site of ``started``'s Rencana Kerja (its ``WorkPlanVisit``
    rows, in order), then of any other site the round's inspections were made at. Three
    queries whatever the number of sites and devices."""
    case: Case = started.case
    rows = list(
        WorkPlanVisit.objects.filter(round=started)
        .select_related("site", "site__opd")
        .order_by("position", "pk")
    )
    by_site = {row.site_id: SiteProgress(site=row.site) for row in rows}
    for site_id in case.devices.values_list("site_id", flat=True):
        if site_id in by_site:
            by_site[site_id].in_scope += 1
    inspections = (
        Inspection.objects.filter(case=case)
        .select_related("site", "site__opd", "corrective_case")
        .order_by("inspected_at", "pk")
    )
    latest: dict[tuple[int, int], str] = {}
    for inspection in inspections:
        progress = by_site.get(inspection.site_id)
        if progress is None:
            progress = by_site[inspection.site_id] = SiteProgress(site=inspection.site)
        latest[(inspection.site_id, inspection.device_id)] = inspection.result
        corrective = inspection.corrective_case
        if corrective is not None and all(c.pk != corrective.pk for c in progress.corrective):
            progress.corrective.append(
                CorrectiveRef(pk=corrective.pk, number=corrective.number, status=corrective.status)
            )
    for (site_id, _device_id), result in latest.items():
        by_site[site_id].checked += 1
        if result == InspectionResult.FAIL:
            by_site[site_id].failed += 1
    return list(by_site.values())
