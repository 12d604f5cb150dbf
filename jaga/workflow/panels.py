"""Parts other apps add to the case page (architecture.md, "Step effects", for pages): the
engine's page does not import the apps that react to a case.

An app registers a *source* in its ``AppConfig.ready``; for every case page the source
gets the viewer, the case and the step the page shows (or None) and returns the panels it
wants drawn, each a template and its context:

- ``place="top"``: a card of its own above the current step (a round's Rencana Kerja);
- ``place="current"``: inside the current step's card, above its form (the checklist of
  a visit's devices, the Berita Acara an OPD acknowledges).

A source must not write, and should cost a bounded number of queries whatever the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from jaga.org.models import User
from jaga.workflow.models import Case, StepInstance

Place = Literal["top", "current"]


@dataclass(frozen=True)
class CasePanel:
    """A template (``template``, a Django template name) drawn at ``place`` of the case
    page with ``context`` available as ``panel.context``; ``order`` sorts panels of one
    place (smallest first)."""

    template: str
    place: Place = "top"
    context: Mapping[str, Any] = field(default_factory=dict)
    order: int = 100


#: ``source(viewer, case, shown_step) -> panels``.
PanelSource = Callable[[User, Case, StepInstance | None], list[CasePanel]]
_SOURCES: list[PanelSource] = []


def register_case_panel(source: PanelSource) -> None:
    """Add ``source`` once (an app's ``ready`` may run more than once in tests)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def case_panels(user: User, case: Case, shown: StepInstance | None) -> list[CasePanel]:
    """Every registered source's panels for ``user`` viewing ``case`` at step ``shown``,
    ordered by place's ``order``."""
    panels = [panel for source in _SOURCES for panel in source(user, case, shown)]
    return sorted(panels, key=lambda panel: panel.order)
