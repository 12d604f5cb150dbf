"""Photos made harmless on intake (issue 13 point 6).

A report's photo is never stored as sent. ``inspect`` reads only the image's header (its
format and size, no pixels) and refuses what is not a JPEG, PNG or WebP image or has more
than ``MAX_PIXELS`` pixels; ``reencode`` then decodes it and writes a new file: orientation
applied (the EXIF ``Orientation`` tag turned into pixels), at most ``MAX_EDGE`` pixels on the
long edge, and no metadata at all (no EXIF: no GPS position, no camera, no time; no XMP, no
comments, no colour profile). Photos without transparency become JPEG (quality
``JPEG_QUALITY``), photos with transparency PNG.

Importing this module lowers Pillow's process-wide decompression-bomb guard
(``Image.MAX_IMAGE_PIXELS``) to ``MAX_PIXELS``: Pillow then warns above it and refuses to
open anything above twice it, in every image Jaga opens (uploads, the agency logo, the
photos printed in documents). ``jaga.incidents.apps`` imports it at start-up.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageFile, ImageOps

#: Most pixels (width x height) a photo may have: 40 megapixels (issue 13 point 6).
MAX_PIXELS = 40_000_000
#: Longest edge of a stored photo, in pixels (issue 13 point 6).
MAX_EDGE = 2560
#: JPEG quality of stored photos (Pillow's scale, 1-95): visually lossless for photos.
JPEG_QUALITY = 85
#: Image formats accepted on intake (Pillow's names).
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class NotAPhoto(ValueError):
    """The bytes are not a JPEG, PNG or WebP image that Pillow can read."""


class TooManyPixels(ValueError):
    """The image has more than the allowed pixels; ``width`` and ``height`` in pixels."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(f"{width} x {height} pixels")
        self.width = width
        self.height = height

    @property
    def megapixels(self) -> float:
        """Width x height in millions of pixels."""
        return self.width * self.height / 1_000_000


@dataclass(frozen=True)
class Header:
    """What an image's header says: Pillow's format name and the size in pixels."""

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Encoded:
    """A re-encoded photo: the file's bytes, its content type and suffix, its size in
    pixels (after orientation and downscaling)."""

    content: bytes
    content_type: str
    suffix: str
    width: int
    height: int


def _open(source: IO[bytes]) -> Image.Image:
    """Open ``source`` from its start (header only); raise ``NotAPhoto`` or
    ``TooManyPixels`` (for what Pillow itself refuses as a decompression bomb)."""
    source.seek(0)
    try:
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow warns; the caller compares the size itself.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(source)
    except Image.DecompressionBombError as exc:
        # Pillow refused before naming the format: tell other formats apart by signature.
        source.seek(0)
        head = source.read(12)
        if not _accepted_signature(head):
            raise NotAPhoto("not a JPEG, PNG or WebP signature") from exc
        raise TooManyPixels(*_size_from_bomb(exc)) from exc
    except Exception as exc:  # Pillow raises many kinds of errors for files it cannot read
        raise NotAPhoto(str(exc)) from exc


def _accepted_signature(head: bytes) -> bool:
    """Whether the first 12 bytes of a file are those of a JPEG, PNG or WebP image."""
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def _size_from_bomb(exc: Image.DecompressionBombError) -> tuple[int, int]:
    """Pillow's bomb error gives the pixel count only; report it as a width of that count."""
    found = re.search(r"\d+", str(exc))
    return (int(found.group()) if found else 2 * MAX_PIXELS + 1, 1)


def inspect(source: IO[bytes], *, max_pixels: int = MAX_PIXELS) -> Header:
    """Read the header of the image in ``source`` (a seekable binary file, read from its
    start and left at its start) without decoding its pixels, and check the structure of
    the file (``Image.verify``: chunk checksums of a PNG).

    Raises ``NotAPhoto`` when it is not a readable JPEG, PNG or WebP image and
    ``TooManyPixels`` when width x height exceeds ``max_pixels``."""
    try:
        with _open(source) as image:
            kind, (width, height) = image.format or "", image.size
            if kind not in ACCEPTED_FORMATS:
                raise NotAPhoto(f"format {kind or 'unknown'}")
            if width * height > max_pixels:
                raise TooManyPixels(width, height)
            try:
                image.verify()
            except Exception as exc:
                raise NotAPhoto(str(exc)) from exc
    finally:
        source.seek(0)
    return Header(kind, width, height)


def fitted(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    """``size`` (width, height) scaled down, never up, to at most ``max_edge`` on its long
    edge, keeping the aspect ratio (at least 1 x 1)."""
    width, height = size
    scale = min(1.0, max_edge / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def draft(image: Image.Image, max_edge: int) -> None:
    """Ask a JPEG not yet decoded to decode at the smallest DCT scale (1/2, 1/4, 1/8) that
    still gives at least ``fitted(image.size, max_edge)``: a quarter to a sixty-fourth of
    the memory and time of the full size. Other formats are left as they are."""
    if image.format == "JPEG":
        image.draft(
            image.mode if image.mode in {"RGB", "L"} else None, fitted(image.size, max_edge)
        )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )


@contextmanager
def _whole_files_only() -> Iterator[None]:
    """Pillow refuses truncated files inside the block. WeasyPrint turns
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` on for the whole process when it is imported (it
    prints what it can), which would let a half-uploaded photo through as grey; the flag is
    restored afterwards. Processes decode photos on one thread (gunicorn's sync workers,
    the task worker), so nothing else sees the flag change."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def reencode(
    source: IO[bytes],
    *,
    max_edge: int = MAX_EDGE,
    max_pixels: int = MAX_PIXELS,
    quality: int = JPEG_QUALITY,
) -> Encoded:
    """Decode the image in ``source`` and encode it anew: EXIF orientation applied, scaled
    down (never up) to at most ``max_edge`` pixels on its long edge, the first frame only,
    no metadata. JPEG at ``quality`` unless it has transparency (then PNG).

    The header is checked first (``inspect``); a JPEG is decoded at the smallest DCT scale
    that still gives the target size (``Image.draft``), so a 40-megapixel photo costs about
    a quarter of its full memory. Raises ``NotAPhoto`` or ``TooManyPixels``."""
    inspect(source, max_pixels=max_pixels)
    try:
        with _whole_files_only(), _open(source) as image:
            # Scale before anything else touches the pixels: a JPEG is decoded at the
            # smallest DCT scale that still gives the target size, never the full size.
            draft(image, max_edge)
            image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if _has_alpha(upright):
                upright = upright.convert("RGBA")
                upright.info.clear()  # no EXIF, XMP, text chunks or colour profile
                upright.save(out, format="PNG", optimize=True)
                content_type, suffix = "image/png", ".png"
            else:
                upright = upright.convert("RGB")
                upright.info.clear()
                upright.save(out, format="JPEG", quality=quality, optimize=True)
                content_type, suffix = "image/jpeg", ".jpg"
    except (NotAPhoto, TooManyPixels):
        raise
    except Exception as exc:  # a damaged file fails only when its pixels are decoded
        raise NotAPhoto(str(exc)) from exc
    finally:
        source.seek(0)
    return Encoded(out.getvalue(), content_type, suffix, upright.width, upright.height)
