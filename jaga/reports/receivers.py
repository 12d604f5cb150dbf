"""Receivers of the engine's events (``jaga.workflow.events``), connected in
``ReportsConfig.ready``."""

from __future__ import annotations

from typing import Any

from jaga.reports.records import record_step
from jaga.workflow.models import StepInstance


def on_step_completed(sender: Any, *, step: StepInstance, **_: Any) -> None:
    """Record the completed ``step`` for the reports (``StepRecord``), in its transaction."""
    record_step(step)
