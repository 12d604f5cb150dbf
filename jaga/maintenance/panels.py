"""The "Putaran pemeliharaan" card on a round's case page (issue 14 point 5), registered with
``jaga.workflow.panels.register_case_panel`` in ``MaintenanceConfig.ready``.

For the Diskominfo side of the agency (``may_see_plans``; OPD users see their visit, not
the round), on the case of a ``MaintenanceRound``: the plan (a link), when the visits begin,
whether the round started late, the Rencana Kerja rows (site, OPD, date, team) with the
"Ubah rencana kerja" button for its editors while it can be edited (else the number of the
issued Rencana Kerja), and per site the checklist progress (``jaga.maintenance.progress``).

Bounded queries whatever the number of sites, devices and inspections: the round, the
rows with their teams, the issued document, the editor check, and the progress (three).
"""

from __future__ import annotations

from dataclasses import dataclass

from jaga.maintenance.models import MaintenanceRound, WorkPlanVisit
from jaga.maintenance.permissions import may_edit_plans, may_see_plans
from jaga.maintenance.progress import SiteProgress, site_progress
from jaga.maintenance.workplans import issued_document
from jaga.org.models import User
from jaga.workflow.models import Case, CaseStatus, StepInstance
from jaga.workflow.panels import CasePanel

#: Where the card sits among the "top" panels (small first).
ORDER = 10


@dataclass(frozen=True)
class PanelRow:
    """A Rencana Kerja row with its site's progress."""

    visit: WorkPlanVisit
    progress: SiteProgress | None


def round_panel(viewer: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """The card for ``viewer`` on ``case`` (none when the case is not a round or the viewer
    does not see plans). Reads only."""
    if not may_see_plans(viewer) or viewer.agency_id != case.agency_id:
        return []
    started = (
        MaintenanceRound.objects.filter(case_id=case.pk).select_related("plan", "agency").first()
    )
    if started is None:
        return []
    started.case = case
    rows = list(
        WorkPlanVisit.objects.filter(round=started)
        .select_related("site", "site__opd")
        .prefetch_related("team", "team__employee")
        .order_by("position", "pk")
    )
    document = issued_document(started)
    progress = {entry.site.pk: entry for entry in site_progress(started)}
    editable = document is None and case.status == CaseStatus.OPEN
    return [
        CasePanel(
            template="maintenance/_round_panel.html",
            place="top",
            order=ORDER,
            context={
                "round": started,
                "rows": [PanelRow(row, progress.get(row.site_id)) for row in rows],
                "document": document,
                "editable": editable,
                "may_edit": editable and may_edit_plans(viewer),
            },
        )
    ]
