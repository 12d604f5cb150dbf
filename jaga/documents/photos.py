"""The photos printed in a document's annex ("Lampiran: Dokumentasi" of the Berita Acara
Pekerjaan), as small copies made at render time (issue 13 point 6).

A stored report photo is never handed to WeasyPrint as it is: ``print_uri`` decodes it at
a reduced size and embeds a JPEG of at most ``PRINT_EDGE`` pixels on its long edge as a
``data:`` URL. The annex prints a photo at most 75 x 95 mm (``_style.css``); 1,200 pixels
over 95 mm are 320 dpi, more than a printer shows. Photos stored before intake re-encoded
them (``jaga.incidents.images``) may be huge: a JPEG is decoded at a reduced DCT scale
whatever its size, other formats only up to ``images.MAX_PIXELS``; larger ones, and files
that are missing or unreadable, print as a framed note instead of the photo, so a document
always renders, in bounded time and memory.
"""

from __future__ import annotations

import base64
import io
import logging
import textwrap
import warnings
from html import escape
from typing import IO, cast

from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from jaga.incidents import images

logger = logging.getLogger(__name__)

#: Longest edge of a printed photo, in pixels.
PRINT_EDGE = 1200
#: JPEG quality of printed photos (Pillow's scale).
PRINT_QUALITY = 80


def print_uri(name: str) -> str:
    """A ``data:`` URL of the photo stored as ``name`` (a path relative to MEDIA_ROOT, as
    in a document's frozen content ``photos``) for the annex: a JPEG of at most
    ``PRINT_EDGE`` pixels on its long edge, orientation applied, transparency on white, no
    metadata. A photo that cannot be printed (missing, unreadable, or a non-JPEG above
    ``images.MAX_PIXELS``) gives an SVG note saying so. Never raises for a bad file."""
    try:
        with default_storage.open(name, "rb") as handle:
            return _jpeg_uri(cast(IO[bytes], handle))
    except _Unprintable as exc:
        return _note_uri(str(exc))
    except FileNotFoundError:
        return _note_uri("Foto tidak ditemukan")
    except Exception:  # Pillow raises many kinds of errors; a document must still render
        logger.exception("could not print the photo %s", name)
        return _note_uri("Foto tidak dapat dibaca")


class _Unprintable(ValueError):
    """The photo is too large to decode for printing; the message is printed instead."""


def _too_large(width: int, height: int) -> _Unprintable:
    return _Unprintable(
        f"Foto terlalu besar untuk dicetak ({width} x {height} piksel); "
        "lihat foto pada laporan di Jaga"
    )


def _jpeg_uri(handle: IO[bytes]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(handle)
        except Image.DecompressionBombError as exc:
            raise _Unprintable("Foto terlalu besar untuk dicetak") from exc
    with image:
        width, height = image.size
        if image.format != "JPEG" and width * height > images.MAX_PIXELS:
            raise _too_large(width, height)
        images.draft(image, PRINT_EDGE)  # a JPEG decodes at a reduced DCT scale
        # Bilinear is Pillow's antialiased triangle filter: at print size
        # indistinguishable from Lanczos, at a third of its time.
        image.thumbnail((PRINT_EDGE, PRINT_EDGE), Image.Resampling.BILINEAR)
        upright = ImageOps.exif_transpose(image)
        if upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = upright.convert("RGB")
        flat.info.clear()
        out = io.BytesIO()
        flat.save(out, format="JPEG", quality=PRINT_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _note_uri(text: str) -> str:
    """A 4:3 framed SVG with ``text`` in it (wrapped at about 40 characters), as a
    ``data:`` URL."""
    lines = textwrap.wrap(text, 40)[:6]
    first = 150 - 12 * (len(lines) - 1)
    spans = "".join(
        f'<text x="200" y="{first + 24 * n}" text-anchor="middle">{escape(line)}</text>'
        for n, line in enumerate(lines)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" '
        'viewBox="0 0 400 300" font-family="Liberation Sans, sans-serif" font-size="16">'
        f'<rect x="1" y="1" width="398" height="298" fill="white" stroke="black"/>{spans}</svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
