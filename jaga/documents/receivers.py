"""Receivers of the engine's events (``jaga.workflow.events``), connected in
``DocumentsConfig.ready``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jaga.documents.services import issue_for_step
from jaga.org.models import User
from jaga.sop.schema import Step
from jaga.workflow.models import StepInstance


def issue_step_document(
    sender: Any,
    *,
    step: StepInstance,
    spec_step: Step,
    at: dt.datetime,
    named: list[User] | None = None,
    **_: Any,
) -> None:
    """Issue the output document a completed step declares (SOP row ``document:``),
    numbered in the step's transaction (``issue_for_step``), addressed to the people the
    step ``named``."""
    issue_for_step(step, spec_step, at, named=named)
