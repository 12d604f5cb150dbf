"""Receivers of the engine's events (``jaga.workflow.events``), connected in
``ReportsConfig.ready``."""

from __future__ import annotations

from typing import Any

from jaga.monitoring.models import Outage
from jaga.reports.cases import outage_recovered, step_done
from jaga.reports.records import record_step
from jaga.workflow.models import StepInstance


def on_step_completed(sender: Any, *, step: StepInstance, **_: Any) -> None:
    """Record the completed ``step`` for the reports (``StepRecord``) and, for a
    technicians' step on the trunk, in its case's ``CaseRecord``; in its transaction."""
    record_step(step)
    step_done(step)


def on_outage_ended(sender: Any, *, outage: Outage, **_: Any) -> None:
    """The monitor saw a device recover: the restoration of the case it opened or joined."""
    if outage.case_id is not None and outage.ended_at is not None and outage.case is not None:
        outage_recovered(outage.case, outage.started_at, outage.ended_at)
