"""Receivers of ``jaga.maintenance.signals`` (connected in ``MaintenanceConfig.ready``)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from jaga.maintenance.corrective import open_corrective_case
from jaga.maintenance.models import Inspection
from jaga.org.models import User
from jaga.workflow.errors import CannotStart, InvalidInput

logger = logging.getLogger(__name__)


def open_corrective_work(
    sender: Any, *, inspection: Inspection, by: User, handled_by_sop: bool = False, **_: Any
) -> None:
    """Open one corrective case for a failed inspection (seed 000: "jika ada yang rusak /
    trouble, maka dilakukan penggantian / perbaikan perangkat"), unless the SOP handles the
    failures itself (``handled_by_sop``). Runs in the inspection's transaction, in a
    savepoint: when the agency cannot start the case (no disruption SOP, a site without
    the OPD the SOP needs), the inspection is still recorded and the reason is kept in
    ``Inspection.corrective_error`` for the pages to show."""
    if handled_by_sop or not inspection.failed:
        return
    try:
        with transaction.atomic():
            open_corrective_case(inspection, by)
    except (CannotStart, InvalidInput) as exc:
        logger.warning("inspection %s: no corrective case: %s", inspection.pk, exc)
        Inspection.objects.filter(pk=inspection.pk).update(corrective_error=str(exc))
        inspection.corrective_error = str(exc)
