"""Request bodies over the configured limit are refused before a byte of them is read
(issue 13 point 6).

``RequestBodyLimitMiddleware`` runs first in ``MIDDLEWARE`` and looks only at the request's
headers: a ``Content-Length`` above ``settings.JAGA_MAX_REQUEST_BYTES`` gets 413 (Content
Too Large), a body without a length (``Transfer-Encoding: chunked``) gets 411 (Length
Required), a malformed length 400. Django never reads more of ``wsgi.input`` than
``Content-Length`` says, so the declared length bounds what any later code can read; the
check makes sure that nothing (the multipart parser spooling files to disk, a view reading
``request.body``) starts on a body that is too large. gunicorn's sync workers (``jaga
run``) then close the connection, reading at most 64 KB or 2 s more of it (gunicorn's
``close_graceful``). The page is in the language of the language cookie, else Indonesian
(this runs before ``jaga.web.middleware.LanguageMiddleware``).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _


def _page(status: int, title: str, message: str) -> HttpResponse:
    """A short HTML page (no template, no database: this runs before sessions)."""
    html = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
    )
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def refusal(meta: dict[str, object], limit: int) -> HttpResponse | None:
    """The answer to a request with WSGI environment ``meta`` whose body may not be read,
    or None when its body is within ``limit`` bytes (or it has none)."""
    raw = str(meta.get("CONTENT_LENGTH") or "").strip()
    if raw:
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return _page(400, _("Bad request"), _("The request's length is not a number."))
        if length > limit:
            return _page(
                413,
                _("Upload too large"),
                _(
                    "The request is %(size)s; the server accepts at most %(limit)s per "
                    "request. Send smaller or fewer files."
                )
                % {"size": filesizeformat(length), "limit": filesizeformat(limit)},
            )
        return None
    if str(meta.get("HTTP_TRANSFER_ENCODING") or "").strip():
        return _page(
            411,
            _("Length required"),
            _("The server accepts only requests that state their length (Content-Length)."),
        )
    return None


class RequestBodyLimitMiddleware:
    """Refuses, from the headers alone, a request body over
    ``settings.JAGA_MAX_REQUEST_BYTES`` bytes (413), of no stated length (411) or of a
    malformed length (400); see the module's docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        with translation.override(code):
            answer = refusal(request.META, settings.JAGA_MAX_REQUEST_BYTES)
        if answer is not None:
            return answer
        return self.get_response(request)
