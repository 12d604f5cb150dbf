"""The catalogue's subscriptions to other apps' events (architecture.md, "Step effects")."""

from __future__ import annotations

from typing import Any

from jaga.catalogue.services import register_service
from jaga.org.models import User
from jaga.sop.models import SopDefinition


def on_definition_loaded(
    sender: object, *, definition: SopDefinition, by: User | None, **kwargs: Any
) -> None:
    """A new SOP version was loaded: register its service (``register_service``), in the
    load's transaction."""
    register_service(definition, by)
