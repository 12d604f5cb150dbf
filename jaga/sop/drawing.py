"""SVG markup of one flowchart page's overlay (``jaga.sop.routing.Drawing``).

The SVG's user unit is the millimetre (``viewBox`` = size in mm), so the overlay lines up
with the table's columns and rows in WeasyPrint and in the browser alike. Symbols follow
Permenpan-RB 35/2012: terminator (capsule), process (rectangle), decision (diamond), off-page
connector (pentagon pointing down, with its letter), and arrows; a fan-out block (steps run
once per site) is framed by a dashed rectangle. Every word drawn (letters,
"Ya" / "Tidak", "Mulai" / "Selesai") is SVG ``<text>``, so it stays real, extractable text.

``flowchart_svgs(spec)`` lays out, routes and draws every page of a spec once per content:
routing with its label placement is the costly part (tens of ms for a library SOP), and
every SOP page view, PDF and builder preview of the same content draws the same pages.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from jaga.sop.layout import A4_LANDSCAPE, PageSize, layout
from jaga.sop.routing import (
    LINE_SPACING,
    Drawing,
    Figure,
    Frame,
    Label,
    Line,
    Shape,
    pentagon,
    route,
)
from jaga.sop.schema import SopSpec
from jaga.sop.textfit import PT_TO_MM

FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
CAP_PT = 5.0
STROKE = 0.25
LINE_STROKE = 0.2
ARROW_LENGTH = 1.5
ARROW_HALF_WIDTH = 0.6


def _n(value: float) -> str:
    """A coordinate in mm as short text."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text(x: float, y: float, text: str, size_pt: float, anchor: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT}" '
        f'font-size="{_n(size_pt * PT_TO_MM)}" text-anchor="{anchor}"{weight}>'
        f"{escape(text)}</text>"
    )


def figure_svg(figure: Figure) -> str:
    """One symbol as SVG elements (white-filled, so arrows end at its outline). A
    connector's letter is a ``Label`` of its own (inside or beside the pentagon)."""
    box = figure.box
    paint = f'fill="#fff" stroke="#000" stroke-width="{STROKE}"'
    if figure.shape is Shape.DECISION:
        points = [(box.cx, box.top), (box.right, box.cy), (box.cx, box.bottom), (box.left, box.cy)]
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        return f'<polygon class="sop-decision" points="{path}" {paint}/>'
    if figure.shape is Shape.CONNECTOR:
        corners = " ".join(f"{_n(x)},{_n(y)}" for x, y in pentagon(box))
        return f'<polygon class="sop-connector" points="{corners}" {paint}/>'
    radius = box.height / 2 if figure.shape is Shape.TERMINATOR else 0
    rect = (
        f'<rect class="sop-{figure.shape.value}" x="{_n(box.left)}" y="{_n(box.top)}" '
        f'width="{_n(box.width)}" height="{_n(box.height)}" rx="{_n(radius)}" {paint}/>'
    )
    if figure.text:
        baseline = box.cy + CAP_PT * PT_TO_MM * 0.35
        rect += _text(box.cx, baseline, figure.text, CAP_PT, "middle")
    return rect


def line_svg(line: Line) -> str:
    """A polyline, with a filled arrowhead ending exactly at its last point."""
    points = list(line.points)
    head = ""
    if line.arrow and len(points) >= 2:
        (ax, ay), (bx, by) = points[-2], points[-1]
        length = math.hypot(bx - ax, by - ay) or 1.0
        ux, uy = (bx - ax) / length, (by - ay) / length
        base = (bx - ux * ARROW_LENGTH, by - uy * ARROW_LENGTH)
        wing = (-uy * ARROW_HALF_WIDTH, ux * ARROW_HALF_WIDTH)
        corners = [(bx, by), (base[0] + wing[0], base[1] + wing[1])]
        corners.append((base[0] - wing[0], base[1] - wing[1]))
        head = '<polygon points="{}" fill="#000"/>'.format(
            " ".join(f"{_n(x)},{_n(y)}" for x, y in corners)
        )
        if length > ARROW_LENGTH:
            points[-1] = base
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    dash = ' stroke-dasharray="1 0.8"' if line.dashed else ""
    return (
        f'<polyline points="{path}" fill="none" stroke="#000" '
        f'stroke-width="{LINE_STROKE}"{dash}/>{head}'
    )


def label_svg(label: Label) -> str:
    """An arrow's label or a connector's letter on a white ground (its ``box``), so a line
    it might lie across does not strike it out; a wrapped label is one ``<text>`` per
    line."""
    box = label.box
    ground = (
        f'<rect x="{_n(box.left)}" y="{_n(box.top)}" width="{_n(box.width)}" '
        f'height="{_n(box.height)}" fill="#fff"/>'
    )
    step = LINE_SPACING * label.size_pt * PT_TO_MM
    texts = [
        _text(label.x, label.y + i * step, row, label.size_pt, label.anchor, label.bold)
        for i, row in enumerate(label.rows)
    ]
    return ground + "".join(texts)


FRAME_STROKE = 0.35
FRAME_COLOUR = "#555"


def frame_svg(frame: Frame) -> str:
    """A fan-out block's frame: a dashed rounded rectangle, under everything else."""
    box = frame.box
    return (
        f'<rect class="sop-fan-out" data-fan-out="{escape(frame.key)}" x="{_n(box.left)}" '
        f'y="{_n(box.top)}" width="{_n(box.width)}" height="{_n(box.height)}" rx="1.5" '
        f'fill="none" stroke="{FRAME_COLOUR}" stroke-width="{FRAME_STROKE}" '
        'stroke-dasharray="2 1"/>'
    )


def svg(drawing: Drawing) -> str:
    """The overlay as one ``<svg>`` element, ``width`` by ``height`` mm: fan-out frames
    first, then arrows, then the symbols over them, then the labels."""
    width, height = _n(drawing.width), _n(drawing.height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sop-flow" width="{width}mm" '
        f'height="{height}mm" viewBox="0 0 {width} {height}">'
    ]
    parts += [frame_svg(frame) for frame in drawing.frames]
    parts += [line_svg(line) for line in drawing.lines]
    parts += [figure_svg(figure) for figure in drawing.figures]
    parts += [label_svg(label) for label in drawing.labels]
    parts.append("</svg>")
    return "".join(parts)


#: How many drawn specs (all pages of one spec at one page size) the process keeps.
FLOWCHART_CACHE_SIZE = 64


def content_digest(spec: SopSpec) -> str:
    """A digest of everything ``spec`` holds (its canonical JSON): equal for equal content
    whatever object, definition or draft it comes from; different after any edit."""
    return hashlib.sha256(spec.model_dump_json().encode("utf-8")).hexdigest()


@dataclass(frozen=True, eq=False)
class _Content:
    """The cache key of ``_drawn``: a spec and a page size, compared and hashed by the
    spec's ``digest`` and the size, never by identity or database id."""

    spec: SopSpec
    size: PageSize
    digest: str

    def __hash__(self) -> int:
        return hash((self.digest, self.size))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Content):
            return NotImplemented
        return self.digest == other.digest and self.size == other.size


@lru_cache(maxsize=FLOWCHART_CACHE_SIZE)
def _drawn(content: _Content) -> tuple[str, ...]:
    plan = layout(content.spec, content.size)
    return tuple(svg(route(plan, page)) for page in plan.pages)


def flowchart_svgs(spec: SopSpec, size: PageSize = A4_LANDSCAPE) -> tuple[str, ...]:
    """The SVG overlay of every flowchart page of ``spec`` laid out on ``size`` pages
    (``layout``, ``route``, ``svg``), in page order. Kept per content (``content_digest``)
    in a bounded LRU cache (``FLOWCHART_CACHE_SIZE`` entries): drawing the same content
    again costs a digest, and a changed spec (a new version, an edited draft) is another
    key, so it is never shown a stale drawing. The strings are immutable, so no caller can
    spoil what another is given."""
    return _drawn(_Content(spec, size, content_digest(spec)))
