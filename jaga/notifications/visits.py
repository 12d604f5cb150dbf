"""Notice of a coming maintenance visit to the OPD of each visited site (issue 15 point 1:
"a maintenance visit at your site is coming"), receiver of
``jaga.maintenance.signals.round_started``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from jaga.documents.indonesian import tanggal
from jaga.maintenance.models import MaintenanceRound
from jaga.notifications.models import NotificationKind
from jaga.notifications.recipients import opd_users
from jaga.notifications.services import Notice, notify
from jaga.notifications.steps import case_url


def on_round_started(sender: Any, *, round: MaintenanceRound, at: dt.datetime, **_: Any) -> None:
    """Tell the users of each visited site's OPD the date the round's visits begin (its
    ``visit_at`` in the agency's zone, "Senin, 7 Desember 2026"), once per site, linking
    to the round's case. Held like any non-urgent notice until working hours."""
    case = round.case
    agency = case.agency
    day = round.visit_at.astimezone(ZoneInfo(agency.timezone)).date()
    url = case_url(case.pk)
    for site in case.sites.select_related("opd").order_by("name"):
        people = opd_users(site.opd_id)
        if not people:
            continue
        notify(
            agency,
            people,
            Notice(
                NotificationKind.VISIT_COMING,
                f"round:{round.pk}:site:{site.pk}",
                {"site": site.name, "date": tanggal(day), "case": case.number},
                url=url,
                case_id=case.pk,
            ),
            at,
        )
