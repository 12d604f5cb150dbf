"""PDF rendering: Django templates (HTML + CSS paged media) through WeasyPrint, with the
fonts shipped in ``jaga/documents/fonts`` (architecture.md). Rendering never touches the
network: only the shipped fonts, the media directory and ``data:`` URLs may be loaded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from jaga.web.bidi import strip_bidi_controls

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "Liberation Sans"
#: Printed invisibly (white, 2 pt) in the space of the document's principal signature block
#: (``documents/_sign.html`` with ``tag=True``): BSrE's esign-client places the visible
#: electronic signature where it finds this text (issue 18 point 6).
SIGNATURE_TAG = "#ttd#"
_FACES = (
    ("LiberationSans-Regular.ttf", "normal", "normal"),
    ("LiberationSans-Bold.ttf", "bold", "normal"),
    ("LiberationSans-Italic.ttf", "normal", "italic"),
    ("LiberationSans-BoldItalic.ttf", "bold", "italic"),
)


class RenderRefused(ValueError):
    """A template asked for a resource outside the fonts and media directories."""


def font_face_css() -> str:
    """``@font-face`` rules for the shipped fonts, as CSS text, URLs relative to
    ``FONTS_DIR`` (the base URL ``render_pdf`` gives WeasyPrint)."""
    return "\n".join(
        f"@font-face {{ font-family: '{FONT_FAMILY}'; src: url('{name}'); "
        f"font-weight: {weight}; font-style: {style}; }}"
        for name, weight, style in _FACES
    )


def _allowed_roots() -> tuple[Path, ...]:
    return (FONTS_DIR, Path(settings.MEDIA_ROOT).resolve())


def _fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves only ``data:`` URLs and files under the fonts
    and media directories."""
    from urllib.parse import unquote, urlsplit

    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in _allowed_roots()):
                    raise RenderRefused(f"a document may not load {url!r}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=("file", "data"))


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string to PDF bytes. Relative URLs resolve against ``FONTS_DIR``;
    anything but shipped fonts, media files and ``data:`` URLs is refused
    (``RenderRefused``, which WeasyPrint logs and skips)."""
    from weasyprint import HTML  # imported late: loading Pango costs ~0.3 s

    document = HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render the Django template ``template_name`` with ``context`` (plus ``font_face_css``)
    to PDF bytes, without bidirectional control characters (``jaga.web.bidi``)."""
    html = render_to_string(template_name, {**context, "font_face_css": font_face_css()})
    # Issue 13 point 9: no text printed with its direction changed (jaga.web.bidi).
    return html_to_pdf(strip_bidi_controls(html))
