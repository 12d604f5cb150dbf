"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from jaga import __version__


def jaga(request: HttpRequest) -> dict[str, Any]:
    """``jaga_version`` and ``current_agency`` (the user's agency or None)."""
    return {
        "jaga_version": __version__,
        "current_agency": getattr(request.user, "agency", None)
        if hasattr(request, "user")
        else None,
    }
