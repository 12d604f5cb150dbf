"""Bidirectional-text control characters (issue 13 point 9).

U+202A–U+202E (embeddings, overrides), U+2066–U+2069 (isolates) and U+200E/U+200F (marks)
change the direction in which the text after them is shown, so a title such as
``"Tagihan \\u202egnp.exe"`` is displayed as something else than it is. Jaga has no
right-to-left text, so none of them has a use in its data.

Where they are handled:

- **At input** free text is refused when it holds one, with a field error
  (``refuse_bidi_controls``): the report form and ``report_disruption``, and the names of
  employees and OPDs in the admin.
- **At display** one place removes them from every HTML page Jaga serves, the admin
  included, whatever the template: ``BidiControlsMiddleware``. PDFs are rendered from HTML
  by ``jaga.documents.pdf.render_pdf``, which removes them too (``strip_bidi_controls``). So
  a row stored before the input check, or written by a path without a form, is never shown
  with its direction changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

#: The bidirectional control characters refused and removed.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f" + "".join(chr(c) for c in range(0x202A, 0x202F)) + "\u2066\u2067\u2068\u2069"
)
_PATTERN = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
#: The same characters in UTF-8: each is three bytes led by E2, which never occurs inside
#: another character's encoding, so bytes can be cleaned without decoding them.
_UTF8_PATTERN = re.compile(rb"\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def has_bidi_controls(text: str) -> bool:
    """True when ``text`` holds one of ``BIDI_CONTROLS``."""
    return _PATTERN.search(text) is not None


def strip_bidi_controls(text: str) -> str:
    """``text`` without any of ``BIDI_CONTROLS``."""
    return _PATTERN.sub("", text)


def refuse_bidi_controls(value: object) -> None:
    """Field validator: ``ValidationError`` (code ``bidi_control``) when the text holds a
    bidirectional control character."""
    if isinstance(value, str) and has_bidi_controls(value):
        raise ValidationError(
            _(
                "The text contains invisible characters that change its direction "
                "(such as U+202E); type it again without them."
            ),
            code="bidi_control",
        )


def strip_bidi_controls_utf8(content: bytes) -> bytes:
    """UTF-8 ``content`` without any of ``BIDI_CONTROLS``."""
    return _UTF8_PATTERN.sub(b"", content)


class BidiControlsMiddleware:
    """Removes ``BIDI_CONTROLS`` from every HTML response (UTF-8, not streamed), so no page
    shows text with its direction changed. Other responses (files, JSON) pass unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").lower()
        if (
            not response.streaming
            and content_type.startswith("text/html")
            and "charset" in content_type
            and "utf-8" in content_type
        ):
            cleaned = strip_bidi_controls_utf8(response.content)
            if len(cleaned) != len(response.content):
                response.content = cleaned
                if response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(cleaned))
        return response
