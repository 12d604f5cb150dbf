"""Checks of the texts users type in forms that services validate again (a report, a
request): required, length, and no bidirectional controls."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from jaga.web.bidi import has_bidi_controls


def text_errors(values: Mapping[str, tuple[str, int | None, bool]]) -> dict[str, str]:
    """Field errors of texts typed by a user: ``name -> (value, limit in characters or
    None, required)``; a required text left blank, one longer than its limit (blanks
    around it not counted), or one holding bidirectional controls (issue 13 point 9)."""
    errors: dict[str, str] = {}
    for field, (value, limit, required) in values.items():
        if required and not value.strip():
            errors[field] = _("This field is required.")
        elif limit is not None and len(value.strip()) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
        elif has_bidi_controls(value):
            errors[field] = _(
                "The text contains invisible characters that change its direction "
                "(such as U+202E); type it again without them."
            )
    return errors
