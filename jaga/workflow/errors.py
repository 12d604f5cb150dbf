"""Errors of the workflow engine; each carries a message fit to show the user."""

from __future__ import annotations


class WorkflowError(Exception):
    """Base of the engine's refusals (nothing was written when one is raised)."""


class CannotStart(WorkflowError):
    """The case cannot start (wrong start mode, missing reporter or OPD…)."""


class NotEligible(WorkflowError):
    """The user may not act on this step."""


class StepNotOpen(WorkflowError):
    """The step was already completed (possibly by someone else a moment ago)."""


class InvalidInput(WorkflowError):
    """The data entered for a step is wrong; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors
