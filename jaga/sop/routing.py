"""Where the symbols and arrows of one flowchart page go: shapes, lines and labels in mm.

The frame is the page's SVG overlay: x from the left edge of the first lane column, y from
the top of the table body (the top connector band included). The rules (Permenpan-RB
35/2012 symbols; docs/sop-document.md):

- A step's symbol is centred in its lane and vertically in its row; a step in several lanes
  has one symbol per lane, joined by a dashed line, and its arrows use the first lane's.
- A straight flow (to the next row) runs down from the symbol, across in the gap above the
  next symbol, and down into it.
- Any other flow leaves by the symbol's side, runs along a *track* in the side channel of
  its lane (the strip between the symbols and the column's edge, so it crosses no symbol)
  and enters its target from the side. Flows to the same target from the same direction
  share a track; other tracks whose spans overlap are set side by side, shorter spans
  nearer the symbols.
- A flow to another page ends in an off-page connector in the bottom band (in the source's
  lane) and starts again from the same letter in the top band of the target's page (in the
  target's lane). Connectors sit as near above or below their arrows as they can, spread
  so they do not touch; the short horizontal turns are stacked so arrows do not cross.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from jaga.sop.layout import (
    BAND_HEIGHT,
    CAP_HEIGHT,
    CAP_WIDTH,
    CONNECTOR_SIZE,
    STACK_GAP,
    Connector,
    Flow,
    Layout,
    Page,
    Port,
    Row,
    symbol_width,
)
from jaga.sop.schema import END

Point = tuple[float, float]

TRACK_SPACING = 1.3
TURN_STEP = 0.7
MAX_TURN_LEVEL = 3  # turns beyond the fourth share its height (the band has no more room)
START, FINISH = "Mulai", "Selesai"


class Shape(StrEnum):
    """What a drawn shape is: a step's symbol, or an off-page connector."""

    TERMINATOR = "terminator"
    PROCESS = "process"
    DECISION = "decision"
    CONNECTOR = "connector"


@dataclass(frozen=True)
class Box:
    """A shape's place: centre ``cx``, ``cy`` and size, mm."""

    cx: float
    cy: float
    width: float
    height: float

    @property
    def top(self) -> float:
        return self.cy - self.height / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.height / 2

    @property
    def left(self) -> float:
        return self.cx - self.width / 2

    @property
    def right(self) -> float:
        return self.cx + self.width / 2


@dataclass(frozen=True)
class Figure:
    """One shape to draw; ``text`` is a connector's letter or a small terminator's word,
    ``step`` the step number a symbol stands for ("" otherwise)."""

    shape: Shape
    box: Box
    text: str = ""
    step: str = ""


@dataclass(frozen=True)
class Line:
    """A polyline, mm; ``arrow``: an arrowhead at its last point."""

    points: tuple[Point, ...]
    arrow: bool = True
    dashed: bool = False


@dataclass(frozen=True)
class Label:
    """Text beside an arrow ("Ya", "Tidak", a branch's label): baseline at ``x``, ``y``;
    ``anchor`` is the SVG text-anchor ("start", "end", "middle")."""

    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass(frozen=True)
class Frame:
    """The dashed frame around the rows of one fan-out block on a page (issue 14: the steps
    that run once per site); ``key`` is the fan-out's key."""

    box: Box
    key: str


@dataclass
class Drawing:
    """Everything drawn over one page's lane columns: ``width`` by ``height`` mm."""

    width: float
    height: float
    frames: list[Frame] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass
class _Lane:
    left: float
    width: float
    symbol: float

    @property
    def centre(self) -> float:
        return self.left + self.width / 2

    def channel(self, side: Port) -> tuple[float, float]:
        """The channel's edge next to the symbols and its width."""
        if side is Port.LEFT:
            return self.centre - self.symbol / 2, self.centre - self.symbol / 2 - self.left
        return self.centre + self.symbol / 2, self.left + self.width - self.centre - self.symbol / 2


@dataclass
class _Track:
    """A vertical run in a side channel, shared by the flows of one group."""

    lane: str
    side: Port
    low: float
    high: float
    index: int = 0
    x: float = 0.0


@dataclass
class _Plan:
    """How one flow is drawn on this page, before tracks and connectors are placed."""

    flow: Flow
    start: Point | None  # the exit port (None: from a top connector)
    end_box: Box | None  # the target's box (None: to a bottom connector)
    track: _Track | None = None
    connector: Connector | None = None
    u: float = 0.0  # x of the arrow where it meets the connector band


def _stack(row: Row, top: float, lane: _Lane) -> tuple[Box, Box | None, Box | None]:
    """The main symbol's box and the small start / end terminators' boxes of ``row``."""
    y = top + (row.height - row.stack_height) / 2
    start = end = None
    if row.start_cap:
        start = Box(lane.centre, y + CAP_HEIGHT / 2, CAP_WIDTH, CAP_HEIGHT)
        y += CAP_HEIGHT + STACK_GAP
    main = Box(lane.centre, y + row.symbol_height / 2, lane.symbol, row.symbol_height)
    if row.end_cap:
        end = Box(lane.centre, main.bottom + STACK_GAP + CAP_HEIGHT / 2, CAP_WIDTH, CAP_HEIGHT)
    return main, start, end


def _port(box: Box, port: Port) -> Point:
    if port is Port.BOTTOM:
        return box.cx, box.bottom
    if port is Port.LEFT:
        return box.left, box.cy
    return box.right, box.cy


def _label_for(flow: Flow, start: Point) -> Label | None:
    if not flow.label:
        return None
    x, y = start
    if flow.port is Port.BOTTOM:
        return Label(x + 0.8, y + 2.4, flow.label)
    if flow.port is Port.LEFT:
        return Label(x - 0.6, y - 0.7, flow.label, "end")
    return Label(x + 0.6, y - 0.7, flow.label)


def _clean(points: list[Point]) -> tuple[Point, ...]:
    """Drop repeated points and points in the middle of straight runs."""
    kept: list[Point] = []
    for point in points:
        rounded = (round(point[0], 3), round(point[1], 3))
        if kept and kept[-1] == rounded:
            continue
        if len(kept) >= 2:
            (ax, ay), (bx, by) = kept[-2], kept[-1]
            if (ax == bx == rounded[0]) or (ay == by == rounded[1]):
                kept[-1] = rounded
                continue
        kept.append(rounded)
    return tuple(kept)


def _allocate(tracks: list[_Track], lanes: dict[str, _Lane]) -> None:
    """Give each track a place in its channel: shorter spans nearer the symbols, tracks whose
    spans overlap (with 1 mm to spare) side by side."""
    by_channel: dict[tuple[str, Port], list[_Track]] = {}
    for track in tracks:
        by_channel.setdefault((track.lane, track.side), []).append(track)
    for (lane_key, side), found in by_channel.items():
        placed: list[_Track] = []
        for track in sorted(found, key=lambda t: (t.high - t.low, t.low)):
            index = 0
            while any(
                other.index == index and track.low < other.high + 1 and other.low < track.high + 1
                for other in placed
            ):
                index += 1
            track.index = index
            placed.append(track)
        count = max(track.index for track in found) + 1
        edge, width = lanes[lane_key].channel(side)
        spacing = min(TRACK_SPACING, width / (count + 0.5))
        sign = -1 if side is Port.LEFT else 1
        for track in found:
            track.x = edge + sign * spacing * (track.index + 1)


def _spread(wanted: list[float], size: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` (sorted) as possible, at least ``size`` apart, within
    ``low``..``high``."""
    if not wanted:
        return []
    span = size * (len(wanted) - 1)
    if span > high - low:
        size = (high - low) / max(1, len(wanted) - 1)
        span = high - low
    placed = [min(max(value, low), high) for value in wanted]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + size)
    overshoot = placed[-1] - high
    if overshoot > 0:
        placed[-1] = high
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - size)
    return placed


def _turn_levels(plans: list[_Plan], slots: list[float]) -> list[int]:
    """Which level (0 nearest the rows) each arrow turns at between its line (x ``u``) and
    its connector (``slots``, same order, sorted by ``u``), so turns do not cross: among
    arrows whose line lies right of their connector the leftmost turns nearest the rows,
    among those whose line lies left of it the rightmost."""
    levels = [0] * len(plans)
    leftward = [i for i, plan in enumerate(plans) if plan.u > slots[i] + 1e-6]
    rightward = [i for i, plan in enumerate(plans) if plan.u < slots[i] - 1e-6]
    for rank, i in enumerate(leftward):
        levels[i] = rank
    for rank, i in enumerate(reversed(rightward)):
        levels[i] = rank
    return levels


class _Router:
    def __init__(self, layout: Layout, page: Page) -> None:
        self.layout = layout
        self.page = page
        columns = layout.columns
        origin = columns.lanes_x
        self.lanes = {
            column.key.removeprefix("lane:"): _Lane(
                column.x - origin, column.width, symbol_width(column)
            )
            for column in columns.lanes
        }
        self.drawing = Drawing(columns.lanes_width, page.body_height)
        self.boxes: dict[str, Box] = {}
        self.end_caps: dict[str, Box] = {}
        self.primary: dict[str, str] = {}
        self.copies: dict[str, list[Box]] = {}

    # --- symbols ---

    def place_symbols(self) -> None:
        for row, top in zip(self.page.rows, self.page.tops, strict=True):
            lanes = row.step.all_lanes
            self.primary[row.step.no] = lanes[0]
            copies = []
            for position, key in enumerate(lanes):
                main, start, end = _stack(row, top, self.lanes[key])
                copies.append(main)
                self.drawing.figures.append(Figure(Shape(row.symbol), main, step=row.step.no))
                if position:
                    continue
                self.boxes[row.step.no] = main
                if start is not None:
                    self.drawing.figures.append(Figure(Shape.TERMINATOR, start, START))
                    self.drawing.lines.append(
                        Line(_clean([(start.cx, start.bottom), (main.cx, main.top)]))
                    )
                if end is not None:
                    self.end_caps[row.step.no] = end
                    self.drawing.figures.append(Figure(Shape.TERMINATOR, end, FINISH))
            self.copies[row.step.no] = copies
            ordered = sorted(copies, key=lambda box: box.cx)
            for left, right in pairwise(ordered):
                self.drawing.lines.append(
                    Line(((left.right, left.cy), (right.left, right.cy)), arrow=False, dashed=True)
                )

    # --- flows ---

    def plans(self) -> list[_Plan]:
        here = set(self.boxes)
        connectors = {(c.flow, c.at): c for c in self.page.connectors}
        plans = []
        for flow in self.layout.flows:
            source_here = flow.source in here
            target_here = flow.target in here or (flow.target == END and source_here)
            if not (source_here or target_here):
                continue
            start = _port(self.boxes[flow.source], flow.port) if source_here else None
            if flow.target == END:
                end_box = self.end_caps.get(flow.source)
                if end_box is None:
                    continue
            else:
                end_box = self.boxes.get(flow.target)
            plan = _Plan(flow, start, end_box)
            if not source_here:
                plan.connector = connectors[(flow, "top")]
            elif not target_here:
                plan.connector = connectors[(flow, "bottom")]
            plans.append(plan)
        return plans

    def make_tracks(self, plans: list[_Plan]) -> list[_Track]:
        groups: dict[tuple[object, ...], _Track] = {}
        body = self.page.body_height
        for plan in plans:
            flow = plan.flow
            straight_in_page = flow.straight or (flow.port is Port.BOTTOM and flow.target == END)
            if plan.start is not None and plan.end_box is not None and straight_in_page:
                continue
            if plan.start is None and flow.straight:
                continue  # from a top connector straight down into the first row
            if plan.start is not None and plan.end_box is None and flow.port is Port.BOTTOM:
                continue  # straight down into a bottom connector
            if plan.start is not None:
                lane = self.primary[flow.source]
                side = Port.LEFT if flow.port is Port.LEFT else Port.RIGHT
                low = plan.start[1]
            else:
                lane = self.primary[flow.target]
                side = Port.RIGHT
                low = self.page.top_band
            if plan.end_box is not None:
                high = plan.end_box.cy
                key: tuple[object, ...] = (lane, side, flow.target, high > low)
            else:
                high = body - self.page.bottom_band
                key = (lane, side, "connector", flow)
            low, high = min(low, high), max(low, high)
            track = groups.get(key)
            if track is None:
                track = groups[key] = _Track(lane, side, low, high)
            track.low, track.high = min(track.low, low), max(track.high, high)
            plan.track = track
        tracks = list(groups.values())
        _allocate(tracks, self.lanes)
        return tracks

    def place_connectors(self, plans: list[_Plan]) -> dict[int, tuple[float, float, int]]:
        """Connector centre x, size and turn level for each plan (by position in ``plans``)."""
        placed: dict[int, tuple[float, float, int]] = {}
        bands: dict[tuple[str, str], list[int]] = {}
        for i, plan in enumerate(plans):
            if plan.connector is None:
                continue
            if plan.track is not None:
                plan.u = plan.track.x
            elif plan.start is not None:
                plan.u = plan.start[0]
            else:
                assert plan.end_box is not None
                plan.u = plan.end_box.cx
            bands.setdefault((plan.connector.at, plan.connector.lane), []).append(i)
        for (_, lane_key), found in bands.items():
            lane = self.lanes[lane_key]
            found.sort(key=lambda i: (plans[i].u, i))
            size = min(CONNECTOR_SIZE, (lane.width - 0.8) / len(found) - 0.8)
            half = size / 2 + 0.4
            slots = _spread(
                [plans[i].u for i in found],
                size + 0.8,
                lane.left + half,
                lane.left + lane.width - half,
            )
            levels = _turn_levels([plans[i] for i in found], slots)
            for i, slot, level in zip(found, slots, levels, strict=True):
                placed[i] = (slot, size, min(level, MAX_TURN_LEVEL))
        return placed

    def draw_flows(self) -> None:
        plans = self.plans()
        self.make_tracks(plans)
        connectors = self.place_connectors(plans)
        for i, plan in enumerate(plans):
            points = self.points(plan, connectors.get(i))
            self.drawing.lines.append(Line(_clean(points)))
            if plan.start is not None:
                label = _label_for(plan.flow, plan.start)
                if label is not None:
                    self.drawing.labels.append(label)

    def points(self, plan: _Plan, connector: tuple[float, float, int] | None) -> list[Point]:
        points: list[Point] = []
        body = self.page.body_height
        if plan.start is None:
            assert connector is not None
            assert plan.connector is not None
            slot, size, level = connector
            top = 0.7
            self.drawing.figures.append(
                Figure(
                    Shape.CONNECTOR, Box(slot, top + size / 2, size, size), plan.connector.letter
                )
            )
            turn = self.page.top_band - 0.8 - level * TURN_STEP
            points += [(slot, top + size), (slot, turn)]
        else:
            points.append(plan.start)
            if plan.track is not None:
                points.append((plan.track.x, plan.start[1]))
        if plan.end_box is None:
            assert connector is not None
            assert plan.connector is not None
            slot, size, level = connector
            band_top = body - self.page.bottom_band
            top = band_top + BAND_HEIGHT - 0.7 - size
            turn = band_top + 0.8 + level * TURN_STEP
            x = plan.track.x if plan.track is not None else points[-1][0]
            points += [(x, turn), (slot, turn), (slot, top)]
            self.drawing.figures.append(
                Figure(
                    Shape.CONNECTOR, Box(slot, top + size / 2, size, size), plan.connector.letter
                )
            )
            return points
        box = plan.end_box
        if plan.track is not None:
            x = plan.track.x
            # A step in several lanes is entered from the side by its copy nearest the track.
            if plan.flow.target != END:
                box = min(self.copies[plan.flow.target], key=lambda copy: abs(copy.cx - x))
            if plan.start is None:
                points.append((x, points[-1][1]))
            points.append((x, box.cy))
            points.append((box.right, box.cy) if x > box.cx else (box.left, box.cy))
            return points
        # Straight down: across in the gap above the target, then into its top.
        last_x, last_y = points[-1]
        if plan.start is not None and plan.flow.target != END:
            row_top = self.page.tops[
                [row.step.no for row in self.page.rows].index(plan.flow.target)
            ]
            gap = row_top + (box.top - row_top) / 2
        else:
            gap = last_y
        points += [(last_x, gap), (box.cx, gap), (box.cx, box.top)]
        return points


def route(layout: Layout, page: Page) -> Drawing:
    """The shapes, arrows and labels of ``page`` of ``layout`` (mm, overlay frame)."""
    router = _Router(layout, page)
    router.place_symbols()
    router.draw_flows()
    router.drawing.frames.extend(fan_out_frames(page, router.drawing.width))
    return router.drawing


FRAME_INSET = 0.6


def fan_out_frames(page: Page, width: float) -> list[Frame]:
    """One frame per run of consecutive rows of ``page`` in the same fan-out block, across
    the lane columns (``width`` mm), inset ``FRAME_INSET`` mm from the rows' edges."""
    frames: list[Frame] = []
    run: list[tuple[Row, float]] = []
    for row, top in [*zip(page.rows, page.tops, strict=True), (None, 0.0)]:
        if run and (row is None or row.fan_out != run[0][0].fan_out):
            first_top = run[0][1]
            last_row, last_top = run[-1]
            bottom = last_top + last_row.height
            box = Box(
                width / 2,
                (first_top + bottom) / 2,
                width - 2 * FRAME_INSET,
                bottom - first_top - 2 * FRAME_INSET,
            )
            frames.append(Frame(box, run[0][0].fan_out))
            run = []
        if row is not None and row.fan_out:
            run.append((row, top))
    return frames
