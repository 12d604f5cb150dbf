"""The geometry the SOP AP flowchart is drawn with, as plain data, for tests and tools.

``geometry(layout)`` routes every page (``jaga.sop.routing``) and reports, in millimetres
from the top-left corner of the printed sheet (A4 landscape by default): the sheet and its
content area (inside the margins), the drawing overlay (the lane columns over the table
body), every lane column's bounds over the body, every symbol's box (steps, small
Mulai / Selesai terminators, off-page connectors), every label's box (arrow labels and
connector letters) with the lane column it belongs to, and every arrow's path with the flow
it draws (source step, target step, label). ``Layout.geometry()`` returns the
same. The overlay sits at the page margin, plus the title line and the table header down,
plus the lanes' left edge and half a table rule across (``jaga.sop.document`` places it
there), so these boxes are where WeasyPrint prints the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jaga.sop.layout import RULE, Layout
from jaga.sop.routing import Box, route


@dataclass(frozen=True)
class Rect:
    """An axis-parallel rectangle, mm: ``left`` < ``right``, ``top`` < ``bottom`` (y down)."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Rect, tolerance: float = 1e-6) -> bool:
        """Whether the two share more than an edge (``tolerance`` mm)."""
        return (
            self.left < other.right - tolerance
            and other.left < self.right - tolerance
            and self.top < other.bottom - tolerance
            and other.top < self.bottom - tolerance
        )

    def contains(self, other: Rect, tolerance: float = 1e-6) -> bool:
        """Whether ``other`` lies wholly inside (``tolerance`` mm of slack)."""
        return (
            other.left >= self.left - tolerance
            and other.right <= self.right + tolerance
            and other.top >= self.top - tolerance
            and other.bottom <= self.bottom + tolerance
        )


@dataclass(frozen=True)
class SymbolBox:
    """A drawn shape: ``kind`` is a ``Shape`` value ("terminator", "process", "decision",
    "connector"); ``step`` the step it stands for ("" for a small terminator or a
    connector); ``text`` a connector's letter or "Mulai" / "Selesai"."""

    kind: str
    step: str
    text: str
    rect: Rect


@dataclass(frozen=True)
class LabelBox:
    """A drawn text: ``kind`` "arrow" (an arrow's label) or "letter" (a connector's
    letter), its ``text``, the ``column`` key it belongs to ("lane:<key>": its arrow's
    lane, or the neighbouring lane it lies wholly in when its arrow's lane had no room
    beside the arrow) and its ``rect`` (the white ground it is printed on)."""

    kind: str
    text: str
    column: str
    rect: Rect
    size_pt: float


@dataclass(frozen=True)
class ArrowPath:
    """A drawn arrow of the chart: the flow from step ``source`` to ``target`` (a step
    number, or ``END``) whose label is ``label`` ("" for an unlabelled flow), as the
    ``points`` of its polyline (mm on the sheet, the arrowhead at the last point).
    ``from_symbol``: it starts at its source's symbol on this page (its first segment
    leaves the symbol); False: it comes down from a top connector."""

    source: str
    target: str
    label: str
    points: tuple[tuple[float, float], ...]
    from_symbol: bool


@dataclass(frozen=True)
class PageGeometry:
    """One flowchart page: ``number`` (1-based), the ``sheet``, its ``content`` area inside
    the margins, the drawing ``overlay``, the lane ``columns`` by key over the table body,
    the ``symbols``, the ``labels`` and the ``arrows``."""

    number: int
    sheet: Rect
    content: Rect
    overlay: Rect
    columns: dict[str, Rect]
    symbols: list[SymbolBox]
    labels: list[LabelBox]
    arrows: list[ArrowPath] = field(default_factory=list)


def overlay_origin(plan: Layout) -> tuple[float, float]:
    """Where the overlay's (0, 0) is on the sheet, mm from its top-left corner."""
    size = plan.size
    x = size.margin + plan.columns.lanes_x + RULE / 2
    y = size.margin + size.heading + plan.header.height + RULE / 2
    return x, y


def geometry(plan: Layout) -> list[PageGeometry]:
    """Every flowchart page's geometry (see the module docstring), in page order."""
    size = plan.size
    x0, y0 = overlay_origin(plan)

    def rect(box: Box) -> Rect:
        return Rect(x0 + box.left, y0 + box.top, x0 + box.right, y0 + box.bottom)

    pages = []
    for page in plan.pages:
        drawing = route(plan, page)
        origin = plan.columns.lanes_x
        columns = {
            column.key: Rect(
                x0 + column.x - origin,
                y0,
                x0 + column.x - origin + column.width,
                y0 + page.body_height,
            )
            for column in plan.columns.lanes
        }
        symbols = [
            SymbolBox(figure.shape.value, figure.step, figure.text, rect(figure.box))
            for figure in drawing.figures
        ]
        labels = [
            LabelBox(label.kind, label.text, f"lane:{label.lane}", rect(label.box), label.size_pt)
            for label in drawing.labels
        ]
        arrows = [
            ArrowPath(
                line.flow.source,
                line.flow.target,
                line.flow.label,
                tuple((x0 + x, y0 + y) for x, y in line.points),
                line.from_symbol,
            )
            for line in drawing.lines
            if line.flow is not None
        ]
        pages.append(
            PageGeometry(
                number=page.number,
                sheet=Rect(0.0, 0.0, size.width, size.height),
                content=Rect(
                    size.margin, size.margin, size.width - size.margin, size.height - size.margin
                ),
                overlay=Rect(x0, y0, x0 + drawing.width, y0 + drawing.height),
                columns=columns,
                symbols=symbols,
                labels=labels,
                arrows=arrows,
            )
        )
    return pages
