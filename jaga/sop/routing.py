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
- Several arrows leaving one side of a diamond (a decision of up to seven branches, a check
  returning to several steps) leave from points spread ``EXIT_SPACING`` apart along its
  edges, those going up above those going down, so they never share a segment.
- A flow to another page ends in an off-page connector in the bottom band and starts again
  from the same letter in the top band of the target's page, both in the source's lane and
  at the same x (``place_connectors``, over all pages at once): as near above their
  arrows at the foot as they can, spread so they do not touch. The short horizontal turns
  are stacked so arrows do not cross (``_turn_levels``). A connector's letter is drawn
  inside the pentagon when it fits there at 5 pt or more, else beside it (below it at the
  foot of a page, above it at the top).
- Labels ("Ya", "Tidak", a branch's label) are placed last, by ``_LabelPlacer``: each one
  next to its arrow's first segment where it leaves the symbol, and nearer to it than to
  any other labelled arrow's (so a decision's label never reads as another branch's),
  inside its lane's column (or over its edge when the lane has no room beside the arrow)
  and the page, on no symbol and no other label, crossing as few lines as possible
  (wrapped or set smaller when the lane is narrow).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise

from jaga.sop.layout import (
    BAND_HEIGHT,
    CAP_HEIGHT,
    CAP_WIDTH,
    CONNECTOR_SIZE,
    EXIT_SPACING,
    FAN_WIDTH,
    LABEL_MIN_PT,
    LABEL_PT,
    LETTER_MIN_PT,
    LETTER_PT,
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
from jaga.sop.textfit import PT_TO_MM, text_width, wrap

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
    """A polyline, mm; ``arrow``: an arrowhead at its last point. An arrow of the chart
    names its ``flow`` (None for the lines that join a step's copies or a small "Mulai"
    to its step) and whether it leaves its source's symbol on this page
    (``from_symbol``; False: it comes down from a top connector)."""

    points: tuple[Point, ...]
    arrow: bool = True
    dashed: bool = False
    flow: Flow | None = None
    from_symbol: bool = False


LINE_SPACING = 1.15  # a wrapped label's baseline-to-baseline distance, in font sizes
ASCENT, DESCENT = 0.8, 0.25  # a label's box above and below its baseline, in font sizes


@dataclass(frozen=True)
class Label:
    """Text drawn in the overlay: an arrow's label ("Ya", "Tidak", a branch's label,
    ``kind`` "arrow") or an off-page connector's letter (``kind`` "letter", bold). The first
    line's baseline is at ``x``, ``y`` (mm); ``anchor`` is the SVG text-anchor ("start",
    "end", "middle"); ``lines`` are the wrapped lines (empty: ``text`` on one line), set at
    ``size_pt`` points. ``lane`` is the key of the lane column it is drawn in."""

    x: float
    y: float
    text: str
    anchor: str = "start"
    size_pt: float = LABEL_PT
    lines: tuple[str, ...] = ()
    kind: str = "arrow"
    lane: str = ""

    @property
    def bold(self) -> bool:
        """Connector letters are bold."""
        return self.kind == "letter"

    @property
    def rows(self) -> tuple[str, ...]:
        """The printed lines."""
        return self.lines or (self.text,)

    @property
    def box(self) -> Box:
        """The room the label takes (and its white ground covers), mm: the widest line
        (``jaga.sop.textfit`` estimate, never narrower than the font) plus 0.2 mm each side,
        from ``ASCENT`` above the first baseline to ``DESCENT`` below the last."""
        return label_box(self.x, self.y, self.rows, self.size_pt, self.anchor, bold=self.bold)


def label_box(
    x: float, y: float, rows: tuple[str, ...], size_pt: float, anchor: str, *, bold: bool
) -> Box:
    """The box of ``rows`` set at ``size_pt`` with the first baseline at ``x``, ``y`` (mm)."""
    size = size_pt * PT_TO_MM
    width = max(text_width(row, size_pt, bold=bold) for row in rows) + 0.4
    left = {"start": x - 0.2, "end": x - width + 0.2}.get(anchor, x - width / 2)
    top = y - ASCENT * size
    bottom = y + (len(rows) - 1) * LINE_SPACING * size + DESCENT * size
    return Box(left + width / 2, (top + bottom) / 2, width, bottom - top)


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
    slot: float | None = None  # the x of the top connector it comes down from, if any


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
    width = min(lane.symbol, FAN_WIDTH) if row.exits > 1 else lane.symbol
    main = Box(lane.centre, y + row.symbol_height / 2, width, row.symbol_height)
    if row.end_cap:
        end = Box(lane.centre, main.bottom + STACK_GAP + CAP_HEIGHT / 2, CAP_WIDTH, CAP_HEIGHT)
    return main, start, end


def _port(box: Box, port: Port) -> Point:
    if port is Port.BOTTOM:
        return box.cx, box.bottom
    if port is Port.LEFT:
        return box.left, box.cy
    return box.right, box.cy


def _edge_exit(box: Box, port: Port, offset: float) -> Point:
    """The point ``offset`` mm below (negative: above) the side vertex of a diamond, on its
    outline, on the ``port`` side."""
    shrink = 1 - abs(offset) / (box.height / 2)
    half = box.width / 2 * shrink
    return (box.cx - half if port is Port.LEFT else box.cx + half), box.cy + offset


def exit_offsets(count: int) -> list[float]:
    """Offsets (mm, from the side vertex, top to bottom) of ``count`` arrows leaving one
    side of a diamond, ``EXIT_SPACING`` apart and centred on the vertex."""
    return [(i - (count - 1) / 2) * EXIT_SPACING for i in range(count)]


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
    spans overlap (with 1 mm to spare) side by side. Tracks coming down from top connectors
    take their turns in the order of their connectors across the lane (which the foot of
    the previous page fixed), so their short turns in the band do not cross."""
    by_channel: dict[tuple[str, Port], list[_Track]] = {}
    for track in tracks:
        by_channel.setdefault((track.lane, track.side), []).append(track)
    for (lane_key, side), found in by_channel.items():
        placed: list[_Track] = []
        ordered = sorted(found, key=lambda t: (t.high - t.low, t.low))
        turns = [i for i, track in enumerate(ordered) if track.slot is not None]
        # Right channel: the leftmost connector's track nearest the symbols; left: the
        # rightmost's.
        sign = -1 if side is Port.LEFT else 1
        by_slot = sorted((ordered[i] for i in turns), key=lambda t: sign * (t.slot or 0.0))
        for i, track in zip(turns, by_slot, strict=True):
            ordered[i] = track
        for track in ordered:
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


def _turn_levels(turns: list[tuple[float, float]]) -> list[int]:
    """Which level (0 nearest the rows) each arrow of one connector band turns at, so that
    no turn crosses another arrow. ``turns`` holds each arrow's ``(u, slot)``: the x where
    its line meets the band and the x of its connector; the turn runs between them. An
    arrow whose turn passes over another's connector turns nearer the rows than that one
    (whose line goes on to the connector beyond the turns); one whose turn passes another's
    line farther (that line stops at its own turn); turns side by side at one level would
    overlap, so they differ. Constraints that contradict each other (an arrow's line right
    above another's connector, with a turn passing both) are given up one at a time: the
    fewest crossings, not none."""
    spans = [(min(u, slot), max(u, slot)) for u, slot in turns]

    def passes(x: float, span: tuple[float, float]) -> bool:
        return span[0] + 1e-6 < x < span[1] - 1e-6

    later: list[set[int]] = [set() for _ in turns]  # later[i]: arrows turning farther than i
    for i, span in enumerate(spans):
        for j, (u, slot) in enumerate(turns):
            if i != j and passes(slot, span):
                later[i].add(j)
            if i != j and passes(u, span):
                later[j].add(i)
    waiting = [0] * len(turns)
    for found in later:
        for j in found:
            waiting[j] += 1
    lowest = [0] * len(turns)
    levels = [0] * len(turns)
    done: list[int] = []
    remaining = list(range(len(turns)))
    while remaining:
        ready = [i for i in remaining if waiting[i] == 0]
        i = ready[0] if ready else min(remaining, key=lambda k: (waiting[k], k))
        remaining.remove(i)
        taken = {
            levels[j]
            for j in done
            if spans[i][1] - spans[i][0] > 1e-6
            and spans[j][1] - spans[j][0] > 1e-6
            and spans[i][0] < spans[j][1] - 1e-6
            and spans[j][0] < spans[i][1] - 1e-6
        }
        level = lowest[i]
        while level in taken:
            level += 1
        levels[i] = level
        done.append(i)
        for j in later[i]:
            waiting[j] -= 1
            lowest[j] = max(lowest[j], level + 1)
    return levels


def _lanes(layout: Layout) -> dict[str, _Lane]:
    """The lane columns in the overlay's frame (x from the first lane's left edge), by key."""
    columns = layout.columns
    origin = columns.lanes_x
    return {
        column.key.removeprefix("lane:"): _Lane(
            column.x - origin, column.width, symbol_width(column)
        )
        for column in columns.lanes
    }


def place_connectors(layout: Layout) -> dict[Flow, tuple[float, float]]:
    """Where the off-page connectors of ``layout`` go: for each flow that crosses pages, the
    x of its two connectors' centres (mm, overlay frame) and their size (mm), the same at
    the foot of the page it leaves and at the head of the page it enters.

    Both sit in the lane of the connectors (the source step's lane, ``Layout.pages``'
    ``Connector.lane``). Connectors that share a band in one lane, on either page, are
    placed together: in the order of the arrows along the foot (the x where each meets the
    band, then at the head), each as near its arrow at the foot as keeps them 0.8 mm apart,
    and smaller (down from ``CONNECTOR_SIZE``) when the lane has too little room. So the
    two ends of every pair line up and a page's foot and the next page's head show their
    shared letters in the same order (issue 20 point 6)."""
    lanes = _lanes(layout)
    foot: dict[Flow, float] = {}
    head: dict[Flow, float] = {}
    bands: list[list[Flow]] = []
    lane_of: dict[Flow, str] = {}
    for page in layout.pages:
        if not page.connectors:
            continue
        router = _Router(layout, page)
        router.place_symbols()
        plans = router.plans()
        router.make_tracks(plans)
        by_band: dict[tuple[str, str], list[Flow]] = {}
        for plan in plans:
            if plan.connector is None:
                continue
            wanted = foot if plan.connector.at == "bottom" else head
            wanted[plan.flow] = router.band_x(plan)
            lane_of[plan.flow] = plan.connector.lane
            by_band.setdefault((plan.connector.at, plan.connector.lane), []).append(plan.flow)
        bands.extend(by_band.values())
    # Flows sharing a band on some page are placed together (union-find over the bands).
    parent: dict[Flow, Flow] = {flow: flow for flow in lane_of}

    def root(flow: Flow) -> Flow:
        while parent[flow] is not flow:
            parent[flow] = parent[parent[flow]]
            flow = parent[flow]
        return flow

    for band in bands:
        for flow in band[1:]:
            parent[root(flow)] = root(band[0])
    groups: dict[Flow, list[Flow]] = {}
    for flow in lane_of:
        groups.setdefault(root(flow), []).append(flow)
    order = {flow: index for index, flow in enumerate(layout.flows)}
    places: dict[Flow, tuple[float, float]] = {}
    for group in groups.values():
        group.sort(key=lambda flow: (foot[flow], head[flow], order[flow]))
        lane = lanes[lane_of[group[0]]]
        size = min(CONNECTOR_SIZE, (lane.width - 0.8) / len(group) - 0.8)
        half = size / 2 + 0.4
        slots = _spread(
            [foot[flow] for flow in group],
            size + 0.8,
            lane.left + half,
            lane.left + lane.width - half,
        )
        for flow, slot in zip(group, slots, strict=True):
            places[flow] = (slot, size)
    return places


class _Router:
    def __init__(self, layout: Layout, page: Page) -> None:
        self.layout = layout
        self.page = page
        self.lanes = _lanes(layout)
        self.drawing = Drawing(layout.columns.lanes_width, page.body_height)
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

    def exits(self) -> dict[Flow, Point]:
        """Where each flow of this page's steps leaves its symbol. A side with one arrow
        uses the vertex (or the edge's middle); several arrows on one side of a diamond
        leave along its edges, top to bottom: those going up, nearest target first, then
        those going down, farthest first (so each leaves outside the others' tracks)."""
        found: dict[Flow, Point] = {}
        sides: dict[tuple[str, Port], list[Flow]] = {}
        for flow in self.layout.flows:
            if flow.source not in self.boxes:
                continue
            box = self.boxes[flow.source]
            found[flow] = _port(box, flow.port)
            if flow.port is not Port.BOTTOM:
                sides.setdefault((flow.source, flow.port), []).append(flow)
        for (source, port), flows in sides.items():
            if len(flows) < 2:
                continue
            box = self.boxes[source]

            def order(flow: Flow, box: Box = box, source: str = source) -> tuple[int, float]:
                if flow.target == END:
                    target_y = self.end_caps[source].cy if source in self.end_caps else 1e6
                else:
                    found_box = self.boxes.get(flow.target)
                    target_y = found_box.cy if found_box is not None else 1e6
                distance = target_y - box.cy
                return (0, -distance) if distance < 0 else (1, -distance)

            for flow, offset in zip(
                sorted(flows, key=order), exit_offsets(len(flows)), strict=True
            ):
                found[flow] = _edge_exit(box, port, offset)
        return found

    def plans(self) -> list[_Plan]:
        here = set(self.boxes)
        connectors = {(c.flow, c.at): c for c in self.page.connectors}
        exits = self.exits()
        plans = []
        for flow in self.layout.flows:
            source_here = flow.source in here
            target_here = flow.target in here or (flow.target == END and source_here)
            if not (source_here or target_here):
                continue
            start = exits[flow] if source_here else None
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
                # From a top connector: down the connector's lane (the source's, as on one
                # page), on the side the arrow left its symbol by.
                assert plan.connector is not None
                lane = plan.connector.lane
                side = Port.LEFT if flow.port is Port.LEFT else Port.RIGHT
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
            if plan.start is None and plan.connector is not None:
                slot = plan.connector.x
                track.slot = slot if track.slot is None else min(track.slot, slot)
            plan.track = track
        tracks = list(groups.values())
        _allocate(tracks, self.lanes)
        return tracks

    def band_x(self, plan: _Plan) -> float:
        """The x where the arrow of ``plan`` (to or from a connector) meets the connector
        band: its track, or the symbol it leaves by the bottom or enters from the top."""
        if plan.track is not None:
            return plan.track.x
        if plan.start is not None:
            return plan.start[0]
        assert plan.end_box is not None
        return plan.end_box.cx

    def place_connectors(self, plans: list[_Plan]) -> dict[int, tuple[float, float, int]]:
        """Connector centre x, size and turn level for each plan (by position in ``plans``):
        the place ``place_connectors`` gave the connector (``Connector.x``, ``.size``), the
        level from ``_turn_levels`` over all the arrows of its band."""
        placed: dict[int, tuple[float, float, int]] = {}
        bands: dict[str, list[int]] = {}
        for i, plan in enumerate(plans):
            if plan.connector is None:
                continue
            plan.u = self.band_x(plan)
            bands.setdefault(plan.connector.at, []).append(i)
        for found in bands.values():
            found.sort(key=lambda i: (plans[i].u, i))
            turns = []
            for i in found:
                connector = plans[i].connector
                assert connector is not None
                turns.append((plans[i].u, connector.x))
            levels = _turn_levels(turns)
            for i, (_, slot), level in zip(found, turns, levels, strict=True):
                connector = plans[i].connector
                assert connector is not None
                placed[i] = (slot, connector.size, min(level, MAX_TURN_LEVEL))
        return placed

    def draw_flows(self) -> None:
        plans = self.plans()
        self.make_tracks(plans)
        connectors = self.place_connectors(plans)
        labelled: list[tuple[_Plan, Line]] = []
        for i, plan in enumerate(plans):
            points = self.points(plan, connectors.get(i))
            line = Line(_clean(points), flow=plan.flow, from_symbol=plan.start is not None)
            self.drawing.lines.append(line)
            if plan.start is not None and plan.flow.label:
                labelled.append((plan, line))
        rules = list(self.page.tops[1:])
        if self.page.top_band:
            rules.append(self.page.top_band)
        if self.page.bottom_band:
            rules.append(self.page.body_height - self.page.bottom_band)
        placer = _LabelPlacer(self.drawing, self.lanes, rules)
        # Labels of arrows leaving by a side first: a crowded diamond's side has the least
        # room; a label below the symbol can also go left of its line.
        labelled.sort(key=lambda item: item[0].flow.port is Port.BOTTOM)
        for plan, line in labelled:
            assert plan.start is not None
            lane = self.primary[plan.flow.source]
            placer.place_arrow_label(plan.flow.label, plan.start, plan.flow.port, line, lane)

    def connector(self, slot: float, top: float, size: float, letter: str, at: str) -> Box:
        """Draw an off-page connector (pentagon, ``size`` mm, top edge at ``top``) at x
        ``slot`` with its letter inside, or, when the pentagon is too small for the letter
        at ``LETTER_MIN_PT``, beside it: below it in a bottom band, above it in a top band
        (the pentagon then moves to make room). Returns the pentagon's box."""
        box = Box(slot, top + size / 2, size, size)
        inside = _letter_inside(box, letter)
        if inside is None:
            size_pt, height = _letter_beside(letter, size)
            box = Box(slot, top + size / 2 + (height if at == "top" else -height), size, size)
            if at == "top":
                baseline = box.top - 0.3 - DESCENT * size_pt * PT_TO_MM
            else:
                baseline = box.bottom + 0.3 + ASCENT * size_pt * PT_TO_MM
            inside = Label(slot, baseline, letter, "middle", size_pt, kind="letter")
        self.drawing.figures.append(Figure(Shape.CONNECTOR, box, letter))
        lane = next(
            (
                key
                for key, lane in self.lanes.items()
                if lane.left <= slot <= lane.left + lane.width
            ),
            "",
        )
        self.drawing.labels.append(replace(inside, lane=lane))
        return box

    def points(self, plan: _Plan, connector: tuple[float, float, int] | None) -> list[Point]:
        points: list[Point] = []
        body = self.page.body_height
        if plan.start is None:
            assert connector is not None
            assert plan.connector is not None
            slot, size, level = connector
            drawn = self.connector(slot, 0.7, size, plan.connector.letter, "top")
            turn = self.page.top_band - 0.8 - level * TURN_STEP
            points += [(slot, drawn.bottom), (slot, turn)]
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
            drawn = self.connector(slot, top, size, plan.connector.letter, "bottom")
            points += [(x, turn), (slot, turn), (slot, drawn.top)]
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


LINE_COST = 1.5  # a label across a line costs as much as 1.5 mm further from its exit
RULE_COST = 3.0  # and across a row's rule (or a lane's edge), 3 mm
LABEL_GAP = 0.3  # mm kept free between a label and a line, a symbol, another label or a rule
LABEL_NEAR = 3.5  # mm: a label lies at most this far from its arrow's first segment ...
LABEL_CLEAR = 0.5  # ... and this much nearer to it than to another labelled arrow's
EXIT_COST = 0.1  # each mm from the exit, among places equally near the first segment
SHOULDER = 0.6  # a pentagon's sides run straight down to 0.6 of its height, then to the point


def pentagon(box: Box) -> tuple[Point, ...]:
    """The corners of an off-page connector (a pentagon pointing down) in ``box``."""
    shoulder = box.top + box.height * SHOULDER
    return (
        (box.left, box.top),
        (box.right, box.top),
        (box.right, shoulder),
        (box.cx, box.bottom),
        (box.left, shoulder),
    )


def _inside_pentagon(inner: Box, box: Box, margin: float) -> bool:
    """Whether ``inner`` lies inside the pentagon drawn in ``box``, ``margin`` mm from its
    outline."""
    if inner.left < box.left + margin or inner.right > box.right - margin:
        return False
    if inner.top < box.top + margin:
        return False
    # Below the shoulder the pentagon narrows linearly to its point.
    shoulder = box.top + box.height * SHOULDER
    depth = box.bottom - shoulder
    for x in (inner.left, inner.right):
        slope = abs(x - box.cx) / (box.width / 2)  # 0 at the centre line, 1 at the sides
        lowest = shoulder + depth * (1 - slope)  # the outline's y under x
        if inner.bottom > lowest - margin * 1.5:
            return False
    return True


def _letter_inside(box: Box, letter: str) -> Label | None:
    """The letter centred in the upper part of the pentagon ``box``, as large as fits up to
    ``LETTER_PT`` (0.3 mm inside the outline), or None when even ``LETTER_MIN_PT`` does not
    fit."""
    size_pt = LETTER_PT
    while size_pt >= LETTER_MIN_PT - 1e-9:
        size = size_pt * PT_TO_MM
        baseline = box.top + 0.4 + ASCENT * size
        label = Label(box.cx, baseline, letter, "middle", size_pt, kind="letter")
        if _inside_pentagon(label.box, box, 0.3):
            return label
        size_pt -= 0.25
    return None


def _letter_beside(letter: str, size: float) -> tuple[float, float]:
    """The point size of a letter drawn beside a pentagon ``size`` mm wide (no wider than
    the pentagon and its 0.8 mm gap, from ``LETTER_PT`` down to 3 pt) and the height it
    takes above or below the pentagon, mm."""
    size_pt = LETTER_PT
    while size_pt > 3.0 and text_width(letter, size_pt, bold=True) + 0.4 > size + 0.6:
        size_pt -= 0.25
    return size_pt, (ASCENT + DESCENT) * size_pt * PT_TO_MM + 0.3


def _segment_hits(a: Point, b: Point, box: Box) -> bool:
    """Whether the segment ``a``-``b`` passes through the interior of ``box`` (Liang–Barsky
    clipping)."""
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    low, high = 0.0, 1.0
    for p, q in (
        (-dx, x1 - box.left),
        (dx, box.right - x1),
        (-dy, y1 - box.top),
        (dy, box.bottom - y1),
    ):
        if abs(p) < 1e-12:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def segment_distance(a: Point, b: Point, box: Box) -> float:
    """The distance in mm between the segment ``a``-``b`` and ``box`` (0 when it passes
    through the box's interior or touches it)."""
    if _segment_hits(a, b, box):
        return 0.0

    def to_box(point: Point) -> float:
        dx = max(box.left - point[0], 0.0, point[0] - box.right)
        dy = max(box.top - point[1], 0.0, point[1] - box.bottom)
        return math.hypot(dx, dy)

    def to_segment(point: Point) -> float:
        (x1, y1), (x2, y2) = a, b
        dx, dy = x2 - x1, y2 - y1
        length = dx * dx + dy * dy
        t = 0.0 if length == 0 else ((point[0] - x1) * dx + (point[1] - y1) * dy) / length
        t = max(0.0, min(1.0, t))
        return math.hypot(point[0] - x1 - t * dx, point[1] - y1 - t * dy)

    corners = [(box.left, box.top), (box.right, box.top), (box.left, box.bottom)]
    corners.append((box.right, box.bottom))
    return min(to_box(a), to_box(b), *(to_segment(corner) for corner in corners))


def diamond_overlaps(diamond: Box, box: Box, gap: float = 0.0) -> bool:
    """Whether ``box`` overlaps the diamond drawn in ``diamond`` grown by ``gap`` mm (the
    point of ``box`` nearest the diamond's centre lies inside it)."""
    dx = max(box.left - diamond.cx, 0.0, diamond.cx - box.right)
    dy = max(box.top - diamond.cy, 0.0, diamond.cy - box.bottom)
    half_w, half_h = diamond.width / 2, diamond.height / 2
    grow = gap * math.hypot(half_w, half_h)  # the outline moved out by ``gap`` along its normal
    return dx * half_h + dy * half_w < half_w * half_h + grow


def boxes_overlap(a: Box, b: Box, gap: float = 0.0) -> bool:
    """Whether ``a`` and ``b`` overlap, or come closer than ``gap`` mm."""
    return (
        a.left < b.right + gap
        and b.left < a.right + gap
        and a.top < b.bottom + gap
        and b.top < a.bottom + gap
    )


class _LabelPlacer:
    """Places arrow labels in a drawing whose symbols and lines are all drawn.

    A label goes next to its arrow's first segment (from the exit to the first bend): at
    most ``LABEL_NEAR`` mm from it and ``LABEL_CLEAR`` mm nearer to it than to the first
    segment of any other labelled arrow, so that it is read as its own arrow's. It is tried
    beside the exit (above a side exit, then below it, then further along or further off;
    to the right of a bottom exit, then to its left), then anywhere in its lane near the
    exit, then, when the lane leaves no such room (a long label beside a narrow lane's
    diamond), over the lane's edge. A place is allowed when the label's box lies inside its
    lane's column (or the drawing, over the edge) and the page body (``LABEL_GAP`` mm in),
    and comes no nearer than ``LABEL_GAP`` to any symbol or label already placed, nor hides
    a line's bend or arrowhead; among the allowed places the one with the lowest cost wins:
    its distance from the first segment (mm, plus ``EXIT_COST`` per mm from the exit) plus
    ``LINE_COST`` for each line it lies across (its white ground interrupts the line) and
    ``RULE_COST`` for each row rule or lane edge. A label too wide for its lane is wrapped
    at spaces, then set smaller (down to ``LABEL_MIN_PT``); only a word that fits no line
    at all is cut.
    """

    def __init__(self, drawing: Drawing, lanes: dict[str, _Lane], rules: list[float]) -> None:
        self.drawing = drawing
        self.lanes = lanes
        segments: list[tuple[Point, Point]] = []
        heads: list[Point] = []
        bends: list[Point] = []
        for line in drawing.lines:
            segments += list(pairwise(line.points))
            bends += list(line.points[1:-1])
            if line.arrow:
                heads.append(line.points[-1])
        for frame in drawing.frames:
            box = frame.box
            outline = [(box.left, box.top), (box.right, box.top)]
            outline += [(box.right, box.bottom), (box.left, box.bottom)]
            segments += list(pairwise([*outline, outline[0]]))
        self.segments = segments
        self.heads = heads
        self.bends = bends
        self.rules = [((0.0, y), (drawing.width, y)) for y in rules]
        self.label_boxes: list[Box] = []  # the boxes of ``drawing.labels``, in step with it
        self.extents = [
            (min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]), a, b)
            for a, b in segments
        ]
        # The first segment (exit to first bend) of every arrow leaving a symbol: its
        # extent, the line, and the segment.
        self.firsts: list[tuple[float, float, float, float, Line, tuple[Point, Point]]] = [
            (
                min(a[0], b[0]),
                max(a[0], b[0]),
                min(a[1], b[1]),
                max(a[1], b[1]),
                line,
                (a, b),
            )
            for line in drawing.lines
            if line.flow is not None and line.from_symbol and len(line.points) >= 2
            for a, b in [line.points[:2]]
        ]

    def segments_near(self, box: Box) -> list[tuple[Point, Point]]:
        """The segments whose extent reaches into ``box``: any other lies wholly on or
        beyond one of its edges, so it cannot pass through its interior."""
        left, right, top, bottom = box.left, box.right, box.top, box.bottom
        return [
            (a, b)
            for x_low, x_high, y_low, y_high, a, b in self.extents
            if x_high > left and x_low < right and y_high > top and y_low < bottom
        ]

    def _label_boxes(self) -> list[Box]:
        """The boxes of the labels placed so far (each computed once)."""
        labels = self.drawing.labels
        self.label_boxes += [label.box for label in labels[len(self.label_boxes) :]]
        return self.label_boxes

    def blocked(self, box: Box) -> bool:
        """Whether ``box`` comes nearer than ``LABEL_GAP`` to a symbol (a diamond by its
        outline, any other by its box) or a label already placed."""
        for figure in self.drawing.figures:
            if figure.shape is Shape.DECISION:
                if diamond_overlaps(figure.box, box, LABEL_GAP):
                    return True
            elif boxes_overlap(figure.box, box, LABEL_GAP):
                return True
        return any(boxes_overlap(other, box, LABEL_GAP) for other in self._label_boxes())

    def fit(self, text: str, width: float) -> tuple[tuple[str, ...], float]:
        """``text`` as lines no wider than ``width`` mm, and their size in points: one line
        or two wrapped at spaces, from ``LABEL_PT`` down to ``LABEL_MIN_PT``; failing that,
        as many lines as it takes at ``LABEL_MIN_PT`` (a word cut only when longer than a
        line)."""
        words = text.split()
        size_pt = LABEL_PT
        while size_pt >= LABEL_MIN_PT - 1e-9:
            lines = wrap(text, width - 0.4, size_pt)
            if " ".join(lines).split() == words and len(lines) <= 2:
                return tuple(lines), size_pt
            size_pt -= 0.5
        return tuple(wrap(text, width - 0.4, LABEL_MIN_PT)), LABEL_MIN_PT

    def place_arrow_label(
        self, text: str, start: Point, port: Port, line: Line, lane_key: str
    ) -> Label:
        """Place (and add to the drawing) the label of the arrow ``line`` leaving at
        ``start`` by ``port`` in lane ``lane_key``.

        The label goes next to the arrow's first segment (from the exit to its first bend):
        at most ``LABEL_NEAR`` mm from it and ``LABEL_CLEAR`` mm nearer to it than to any
        other arrow's first segment, so it is read as that arrow's and no other's (seed 003
        step 8 printed "Diperbaiki" on the arrow to step 9, the "Diganti" branch). A label
        too wide for the room its lane leaves beside a side exit may reach over the lane's
        edge into the neighbouring lane (at ``RULE_COST``) rather than sit by another arrow.
        """
        lane = self.lanes[lane_key]
        low_x, high_x = lane.left + LABEL_GAP, lane.left + lane.width - LABEL_GAP
        rows, size_pt = self.fit(text, high_x - low_x)
        width = height = ascent = 0.0

        def measure() -> None:
            """The box of ``rows`` at ``size_pt``: ``width``, ``height`` and the ``ascent``
            from its top to the first baseline, mm."""
            nonlocal width, height, ascent
            probe = label_box(0.0, 0.0, rows, size_pt, "start", bold=False)
            width, height, ascent = probe.width, probe.height, -probe.top

        measure()
        low_y, high_y = LABEL_GAP, self.drawing.height - LABEL_GAP
        px, py = start
        own = (line.points[0], line.points[1])
        others = [
            first
            for first in self.firsts
            if first[4] is not line and first[4].flow is not None and first[4].flow.label
        ]
        edges = [column.left + column.width for column in self.lanes.values()]

        def cost(
            left: float, top: float, limit: float, spill: bool, within: float, strict: bool
        ) -> tuple[float, float] | None:
            """The place's cost and its distance from the first segment, or None when it
            is not allowed (in the lane, or the drawing when it may ``spill``, and no
            farther than ``within`` mm from the first segment) or cannot cost less than
            ``limit``; ``strict``: nor nearer than ``LABEL_CLEAR`` more to another arrow's
            first segment than to its own."""
            box = Box(left + width / 2, top + height / 2, width, height)
            lowest, highest = low_x, high_x
            if spill:
                lowest, highest = LABEL_GAP, self.drawing.width - LABEL_GAP
            if left < lowest - 1e-9 or left + width > highest + 1e-9:
                return None
            if top < low_y - 1e-9 or top + height > high_y + 1e-9:
                return None
            near = segment_distance(*own, box)
            if near > within + 1e-9:
                return None
            dx = max(box.left - px, 0.0, px - box.right)
            dy = max(box.top - py, 0.0, py - box.bottom)
            base = near + EXIT_COST * math.hypot(dx, dy)
            if base >= limit:
                return None
            if self.blocked(box):
                return None
            wide = Box(box.cx, box.cy, box.width + 1.0, box.height + 1.0)

            def covers(point: Point) -> bool:
                return wide.left < point[0] < wide.right and wide.top < point[1] < wide.bottom

            if any(covers(head) for head in self.heads):
                return None  # every arrowhead stays in sight
            reach = near + LABEL_CLEAR if strict else -math.inf
            for x_low, x_high, y_low, y_high, _, (a, b) in others:
                if (
                    x_high > box.left - reach
                    and x_low < box.right + reach
                    and y_high > box.top - reach
                    and y_low < box.bottom + reach
                    and segment_distance(a, b, box) < reach
                ):
                    return None  # nearer another arrow's first segment: read as its label
            crossings = sum(1 for a, b in self.segments_near(box) if _segment_hits(a, b, box))
            crossings += sum(1 for bend in self.bends if covers(bend))
            rules = sum(1 for a, b in self.rules if _segment_hits(a, b, box))
            if spill:  # across a lane's edge: its column's rule
                rules += sum(1 for x in edges if box.left - LABEL_GAP < x < box.right + LABEL_GAP)
            return base + LINE_COST * crossings + RULE_COST * rules, near

        step = 0.5

        def near_candidates(reach: float) -> list[tuple[float, float]]:
            """Places beside the exit: right of a bottom exit, then left of it, further
            down step by step; above a side exit, then below it, shifted along it by up to
            ``reach`` mm and back over the symbol by up to the label's width."""
            found: list[tuple[float, float]] = []
            if port is Port.BOTTOM:
                for j in range(12):
                    top = py + LABEL_GAP + j * step
                    found += [(px + 0.4, top), (px - 0.4 - width, top)]
                return found
            sign = 1 if port is Port.RIGHT else -1
            shifts = [k * step for k in range(int(reach / step) + 1)]
            shifts += [-k * step for k in range(1, int(width / step) + 1)]
            for j in range(10):
                for shift in shifts:
                    near = px + sign * (0.4 + shift)
                    left = near if sign > 0 else near - width
                    found.append((left, py - LABEL_GAP - height - j * step))
                    found.append((left, py + LABEL_GAP + j * step))
            return found

        Best = tuple[float, int, float, float, float]  # cost, rank, left, top, near

        def search(
            candidates: list[tuple[float, float]],
            best: Best | None,
            spill: bool = False,
            within: float = LABEL_NEAR,
            strict: bool = True,
        ) -> Best | None:
            # A later candidate wins only by costing less, so each is costed against the
            # best so far: the far ones are turned down before their crossings are counted.
            for rank, (left, top) in enumerate(candidates):
                limit = math.inf if best is None else best[0]
                found = cost(left, top, limit, spill, within, strict)
                if found is not None and (best is None or (found[0], rank) < best[:2]):
                    best = (found[0], rank, left, top, found[1])
            return best

        def grid(low: float, high: float, reach: float, spacing: float) -> list[Point]:
            """Places on a ``spacing`` mm grid from ``low`` to ``high`` across and within
            ``reach`` mm of the exit up and down (and across, when spilling)."""
            lefts = [low + i * spacing for i in range(int((high - low - width) / spacing) + 1)]
            lefts = [x for x in lefts if abs(x + width / 2 - px) < reach + width / 2]
            tops = [py - reach + j * spacing for j in range(int(2 * reach / spacing) + 1)]
            return [(left, top) for left in lefts for top in tops]

        # Next to the first segment: beside the exit, then anywhere in the lane near it,
        # then over the lane's edge when the lane has no room for it; failing all, wrapped
        # narrower or set at ``LABEL_MIN_PT`` (a crowded fan of branches in a narrow lane),
        # never cutting a word.
        fitted = (rows, size_pt)
        attempts = [fitted]
        attempts += [self.fit(text, (high_x - low_x) * narrower) for narrower in (0.6, 0.4)]
        attempts.append((tuple(wrap(text, high_x - low_x - 0.4, LABEL_MIN_PT)), LABEL_MIN_PT))
        best: Best | None = None
        for attempt in dict.fromkeys(attempts):
            rows, size_pt = attempt
            if " ".join(rows).split() != text.split():
                continue  # a word cut
            measure()
            best = search(near_candidates(lane.width), None)
            if best is None or best[0] >= 2 * LINE_COST:
                best = search(grid(low_x, high_x, 15, step), best)
            if best is None:
                best = search(near_candidates(lane.width + width), None, spill=True)
            if best is None:
                edge = self.drawing.width - LABEL_GAP
                best = search(grid(LABEL_GAP, edge, 15, step), None, spill=True)
            if best is not None:
                break
        if best is None:
            # As near as it can be in the lane, nearer to it than to any other arrow's first
            # segment: beside the exit, within 15 mm, then anywhere in the lane column on a
            # 1 mm grid (rare, so the wider search costs little); then anywhere clear.
            rows, size_pt = fitted
            measure()
            far = math.inf
            best = search(near_candidates(lane.width), None, within=far)
            if best is None:
                best = search(grid(low_x, high_x, 15, step), None, within=far)
            if best is None:
                whole = self.drawing.height
                best = search(grid(low_x, high_x, whole, 1.0), None, within=far)
            if best is None:
                whole = self.drawing.height
                best = search(grid(low_x, high_x, whole, 1.0), None, within=far, strict=False)
        if best is None:
            left, top = max(low_x, min(px, high_x - width)), py + LABEL_GAP
        else:
            left, top = best[2], best[3]
        inside = [  # the lane column the label lies wholly in, if it crosses no lane edge
            key
            for key, column in self.lanes.items()
            if column.left - 1e-6 <= left and left + width <= column.left + column.width + 1e-6
        ]
        label = Label(
            left + 0.2,
            top + ascent,
            text,
            "start",
            size_pt,
            rows if len(rows) > 1 else (),
            lane=inside[0] if inside and lane_key not in inside else lane_key,
        )
        self.drawing.labels.append(label)
        return label


def route(layout: Layout, page: Page) -> Drawing:
    """The shapes, arrows and labels of ``page`` of ``layout`` (mm, overlay frame)."""
    router = _Router(layout, page)
    router.place_symbols()
    router.drawing.frames.extend(fan_out_frames(page, router.drawing.width))
    router.draw_flows()
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
