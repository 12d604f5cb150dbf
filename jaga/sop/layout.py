"""The flowchart table of the SOP AP document laid out on pages, in pure Python.

Permenpan-RB 35/2012 prints an SOP's procedure as a landscape table: No | Kegiatan | one
column per Pelaksana (the swimlanes, where the symbols are drawn) | Mutu Baku (Kelengkapan,
Waktu, Output) | Keterangan, one row per step, continued on further pages with the header
repeated and off-page connectors (pentagons labelled A, B, C…) where a flow leaves a page.

This module decides everything that needs no drawing: the columns' widths, each row's height
(from its wrapped text, ``jaga.sop.textfit``, and the room its symbols need), the arrows
(``Flow``) and their labels, which rows go on which page, and the connector pairs (placed
across their lane by ``jaga.sop.routing.place_connectors``, then lettered). All
lengths are millimetres; y is measured down from the top of a page's table body (the top
connector band included). ``jaga.sop.routing`` turns a ``Page`` into shapes and lines, and
``jaga.sop.drawing`` into SVG. docs/sop-document.md states the rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from jaga.sop.schema import END, SopSpec, Step, StepKind
from jaga.sop.textfit import PT_TO_MM, wrap

if TYPE_CHECKING:
    from jaga.sop.geometry import PageGeometry

# Typography of the table (points) and cell padding (mm).
FONT_PT = 7.0
HEADER_PT = 7.0
NUMBER_PT = 6.0
LINE_HEIGHT = 1.2
PAD_X = 1.0
PAD_Y = 1.0
RULE = 0.2  # the table's rules, mm: the body (and the overlay) starts half a rule in

# Symbols (mm): the widest a symbol gets, the heights, the room kept free beside a symbol
# for side channels, and the vertical room around a row's symbols for arrows and labels.
SYMBOL_MAX_WIDTH = 12.0
CHANNEL_MIN = 4.0
PROCESS_HEIGHT = 7.0
DECISION_HEIGHT = 9.0
TERMINATOR_HEIGHT = 7.0
CAP_WIDTH = 9.0  # the small Mulai / Selesai terminator next to a branching step
CAP_HEIGHT = 4.5
STACK_GAP = 4.0
SYMBOL_PAD = 4.0
CONNECTOR_SIZE = 6.0
BAND_HEIGHT = 10.0  # a connector band: an empty table row at the top or bottom of a page

# Labels drawn in the overlay (arrow labels "Ya" / "Tidak" / a branch's label, connector
# letters): sizes in points, and the spacing (mm) of the arrows leaving one side of a diamond
# when it has several (a decision of up to seven branches fans them out along its edges).
LABEL_PT = 5.5
LABEL_MIN_PT = 4.5
LETTER_PT = 6.5
LETTER_MIN_PT = 5.0
EXIT_SPACING = 3.0
EXIT_MARGIN = 1.5  # the outermost exit stays this far from the diamond's top or bottom vertex
FAN_WIDTH = 8.0  # a diamond with several arrows on a side is at most this wide, mm ...
FAN_PAD = 1.5  # ... and its row keeps this much more room above and below it for labels

LANE_MIN, LANE_MAX = 15.0, 30.0


class Symbol(StrEnum):
    """The flowchart symbols of Permenpan-RB 35/2012 that stand for a step."""

    TERMINATOR = "terminator"  # capsule: the first step, and steps that end the SOP
    PROCESS = "process"  # rectangle
    DECISION = "decision"  # diamond: decisions, and checks (accept or return)


class Port(StrEnum):
    """Where an arrow leaves its step's symbol."""

    BOTTOM = "bottom"
    RIGHT = "right"
    LEFT = "left"


@dataclass(frozen=True)
class Flow:
    """One arrow: from step ``source`` to step ``target`` (or ``END``), with ``label`` printed
    beside it ("" for an ordinary flow). ``port`` is where it leaves the symbol; a
    ``straight`` flow leaves at the bottom and enters the next row's symbol from the top,
    any other enters its target from the side, after running down a side channel."""

    source: str
    target: str
    label: str
    port: Port
    straight: bool


@dataclass(frozen=True)
class PageSize:
    """A flowchart page in mm (default A4 landscape, 297 by 210, 10 mm margins) with the
    height of the title line above the table."""

    width: float = 297.0
    height: float = 210.0
    margin: float = 10.0
    heading: float = 7.0
    safety: float = 2.0  # kept free at the foot so rounding never pushes a table over

    @property
    def content_width(self) -> float:
        """Width inside the margins, mm."""
        return self.width - 2 * self.margin

    @property
    def content_height(self) -> float:
        """Height inside the margins, mm."""
        return self.height - 2 * self.margin


A4_LANDSCAPE = PageSize()


@dataclass(frozen=True)
class Column:
    """One column of the table: ``key`` ("no", "kegiatan", "lane:<key>", "kelengkapan",
    "waktu", "output", "keterangan"), its printed ``label``, its left ``x`` and ``width`` in
    mm from the table's left edge."""

    key: str
    label: str
    x: float
    width: float

    @property
    def centre(self) -> float:
        """The x of the column's middle, mm."""
        return self.x + self.width / 2


@dataclass(frozen=True)
class Columns:
    """The columns left to right: No, Kegiatan, the lanes, the three Mutu Baku, Keterangan."""

    no: Column
    kegiatan: Column
    lanes: tuple[Column, ...]
    kelengkapan: Column
    waktu: Column
    output: Column
    keterangan: Column

    @property
    def all(self) -> tuple[Column, ...]:
        """Every column in printed order."""
        return (
            self.no,
            self.kegiatan,
            *self.lanes,
            self.kelengkapan,
            self.waktu,
            self.output,
            self.keterangan,
        )

    @property
    def text(self) -> tuple[Column, ...]:
        """The columns holding text (all but the lanes)."""
        return (
            self.no,
            self.kegiatan,
            self.kelengkapan,
            self.waktu,
            self.output,
            self.keterangan,
        )

    @property
    def lanes_x(self) -> float:
        """Left edge of the first lane, mm (the left edge of the SVG overlay)."""
        return self.lanes[0].x

    @property
    def lanes_width(self) -> float:
        """Total width of the lane columns, mm (the width of the SVG overlay)."""
        return sum(lane.width for lane in self.lanes)

    @property
    def width(self) -> float:
        """The table's width, mm."""
        return sum(column.width for column in self.all)

    def lane(self, key: str) -> Column:
        """The column of lane ``key``."""
        for column in self.lanes:
            if column.key == f"lane:{key}":
                return column
        raise KeyError(key)


DEFAULT_LABELS: dict[str, str] = {
    "no": "No",
    "kegiatan": "Kegiatan",
    "pelaksana": "Pelaksana",
    "mutu_baku": "Mutu Baku",
    "kelengkapan": "Kelengkapan",
    "waktu": "Waktu",
    "output": "Output",
    "keterangan": "Keterangan",
}


def labels_of(spec: SopSpec) -> dict[str, str]:
    """The table's printed labels: the standard ones, overridden by ``identity.labels``."""
    return {**DEFAULT_LABELS, **spec.identity.labels}


def columns_for(spec: SopSpec, size: PageSize = A4_LANDSCAPE) -> Columns:
    """Column widths filling ``size.content_width``: fixed No (8), Kelengkapan (26), Waktu
    (16) and Output (26); lanes share what Kegiatan (56) and Keterangan (44) leave, each
    15–30 mm; room a lane cannot use goes to Kegiatan and Keterangan, and lanes that would be
    narrower than 15 mm take it from them first."""
    labels = labels_of(spec)
    fixed = {"no": 8.0, "kelengkapan": 26.0, "waktu": 16.0, "output": 26.0}
    kegiatan, keterangan = 56.0, 44.0
    count = len(spec.lanes)
    room = size.content_width - sum(fixed.values())
    lane = (room - kegiatan - keterangan) / count
    if lane > LANE_MAX:
        surplus = (lane - LANE_MAX) * count
        lane = LANE_MAX
        kegiatan += surplus / 2
        keterangan += surplus / 2
    elif lane < LANE_MIN:
        # Lanes take room from Kegiatan and Keterangan, down to 40 and 30 mm.
        lane = min(LANE_MIN, (room - 40.0 - 30.0) / count)
        spare = room - lane * count
        kegiatan, keterangan = spare * 0.56, spare * 0.44

    x = 0.0

    def add(key: str, label: str, width: float) -> Column:
        nonlocal x
        # Both edges rounded (not the width): a column ends where the next one starts.
        left, right = round(x, 3), round(x + width, 3)
        column = Column(key, label, left, right - left)
        x += width
        return column

    no = add("no", labels["no"], fixed["no"])
    kegiatan_column = add("kegiatan", labels["kegiatan"], kegiatan)
    lanes = tuple(add(f"lane:{item.key}", item.label, lane) for item in spec.lanes)
    return Columns(
        no=no,
        kegiatan=kegiatan_column,
        lanes=lanes,
        kelengkapan=add("kelengkapan", labels["kelengkapan"], fixed["kelengkapan"]),
        waktu=add("waktu", labels["waktu"], fixed["waktu"]),
        output=add("output", labels["output"], fixed["output"]),
        keterangan=add("keterangan", labels["keterangan"], keterangan),
    )


def symbol_width(lane: Column) -> float:
    """Width of a step's symbol in ``lane``, mm: at most 12, leaving side channels."""
    return max(4.0, min(SYMBOL_MAX_WIDTH, lane.width - 2 * CHANNEL_MIN))


# --- Flows ------------------------------------------------------------------------------

_YES = {"ya", "yes", "iya"}
_NO = {"tidak", "no", "bukan", "tdk"}
YA, TIDAK = "Ya", "Tidak"


def _reading(*texts: str) -> str | None:
    """What the first word of the first of ``texts`` that reads yes or no says: "yes",
    "no", or None when none does."""
    for text in texts:
        words = re.findall(r"[a-z]+", text.lower())
        if words and words[0] in _YES:
            return "yes"
        if words and words[0] in _NO:
            return "no"
    return None


def branch_labels(step: Step) -> list[str]:
    """The labels printed on a decision's arrows, in branch order: "Ya" and "Tidak" for a
    two-way yes/no decision (one branch reads yes or no by its label's or key's first word,
    and the other is not the same), otherwise each branch's label as written."""
    branches = step.branches
    if len(branches) == 2:
        readings = [_reading(branch.label, branch.key) for branch in branches]
        if readings[0] != readings[1] and set(readings) & {"yes", "no"}:
            if readings[0] is None:
                readings[0] = "no" if readings[1] == "yes" else "yes"
            if readings[1] is None:
                readings[1] = "no" if readings[0] == "yes" else "yes"
            return [YA if reading == "yes" else TIDAK for reading in readings]
    return [branch.label for branch in branches]


def is_branching(step: Step) -> bool:
    """A decision, or a check (which accepts or returns): drawn as a diamond."""
    return step.kind in (StepKind.DECISION, StepKind.CHECK)


def flows_of(spec: SopSpec) -> list[Flow]:
    """Every arrow of the chart, step by step in table order.

    A decision has one arrow per branch; a check one labelled "Ya" to where it goes when
    accepted and one labelled "Tidak" to each step it may return to; any other step one
    unlabelled arrow to the step that follows it, none when it ends the SOP (it is drawn
    as a terminator). Ports: an arrow to the next row, or a branching step's first arrow to
    the end (into a small "Selesai" terminator below it), leaves at the bottom; the others
    leave at the right, then the left, alternately.
    """
    flows: list[Flow] = []
    for position, step in enumerate(spec.steps):
        following = spec.following(step)
        if step.kind is StepKind.DECISION:
            targets = [str(branch.next) for branch in step.branches]
            labels = branch_labels(step)
        elif step.kind is StepKind.CHECK:
            targets = [str(following), *step.return_to]
            labels = [YA] + [TIDAK] * len(step.return_to)
        else:
            if following == END:
                continue
            targets, labels = [str(following)], [""]

        next_row = spec.steps[position + 1].no if position + 1 < len(spec.steps) else None
        bottom: int | None = next((i for i, t in enumerate(targets) if t == END), None)
        if bottom is None:
            bottom = next((i for i, t in enumerate(targets) if t == next_row), None)
        sides = iter([Port.RIGHT, Port.LEFT] * len(targets))
        for i, (target, label) in enumerate(zip(targets, labels, strict=True)):
            port = Port.BOTTOM if i == bottom else next(sides)
            straight = port is Port.BOTTOM and target == next_row
            flows.append(Flow(step.no, target, label, port, straight))
    return flows


# --- Rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One step's row: its ``symbol``, whether a small start ("Mulai") or end ("Selesai")
    terminator is stacked above or below it, the wrapped ``lines`` of each text column (by
    column key) and the row's ``height`` in mm. A step of a fan-out block names the fan-out
    (``fan_out``); the block's first row also carries its ``caption``, printed above the
    Kegiatan (and counted in ``lines["kegiatan"]``)."""

    index: int
    step: Step
    symbol: Symbol
    start_cap: bool
    end_cap: bool
    lines: dict[str, list[str]]
    height: float
    fan_out: str = ""  # the key of the fan-out whose block holds the step ("" for none)
    caption: str = ""  # the first row of a fan-out: "Untuk setiap lokasi: <label>"
    exits: int = 1  # the most arrows leaving one side (left or right) of the symbol

    @property
    def symbol_height(self) -> float:
        """Height of the main symbol, mm. A diamond with more than three arrows on one side
        grows so that they leave ``EXIT_SPACING`` mm apart (``decision_height``)."""
        return {
            Symbol.TERMINATOR: TERMINATOR_HEIGHT,
            Symbol.PROCESS: PROCESS_HEIGHT,
            Symbol.DECISION: decision_height(self.exits),
        }[self.symbol]

    @property
    def stack_height(self) -> float:
        """Height of the symbol with its stacked small terminators, mm."""
        caps = (CAP_HEIGHT + STACK_GAP) * (int(self.start_cap) + int(self.end_cap))
        return self.symbol_height + caps


def decision_height(exits: int) -> float:
    """Height in mm of a diamond with ``exits`` arrows leaving its busiest side: 9 mm, or
    taller so that the arrows leave ``EXIT_SPACING`` apart and the outermost stays
    ``EXIT_MARGIN`` from the top or bottom vertex."""
    return max(DECISION_HEIGHT, (exits - 1) * EXIT_SPACING + 2 * EXIT_MARGIN)


def side_exits(flows: list[Flow]) -> dict[str, int]:
    """The most arrows leaving one side (left or right) of each step's symbol, by step."""
    counts: dict[tuple[str, Port], int] = {}
    for flow in flows:
        if flow.port is not Port.BOTTOM:
            counts[flow.source, flow.port] = counts.get((flow.source, flow.port), 0) + 1
    most: dict[str, int] = {}
    for (source, _), count in counts.items():
        most[source] = max(most.get(source, 1), count)
    return most


def _line_mm(size_pt: float) -> float:
    return size_pt * PT_TO_MM * LINE_HEIGHT


def _ceil_half(value: float) -> float:
    return math.ceil(value * 2 - 1e-9) / 2


def cell_texts(step: Step) -> dict[str, str]:
    """The text of each text column of ``step``'s row, by column key."""
    return {
        "no": step.no,
        "kegiatan": step.kegiatan,
        "kelengkapan": step.kelengkapan,
        "waktu": step.waktu,
        "output": step.output,
        "keterangan": step.keterangan,
    }


def fan_out_caption(label: str) -> str:
    """The caption of a fan-out block on the SOP document: in Indonesian whatever the
    reader's language, like the rest of the document ("Ya", "Tidak", "Mulai"), so that its
    rows and page breaks are the same for every reader."""
    return f"Untuk setiap lokasi: {label}"


def rows_of(spec: SopSpec, columns: Columns, flows: list[Flow]) -> list[Row]:
    """One ``Row`` per step. Height: the tallest wrapped text (7 pt, line-height 1.2, 1 mm
    padding), at least the symbol stack plus 4 mm above and below (7 mm for a diamond with
    several arrows on a side, whose labels need the room), rounded up to 0.5 mm."""
    ends = {flow.source for flow in flows if flow.target == END}
    exits = side_exits(flows)
    rows = []
    by_key = {column.key: column for column in columns.text}
    for index, step in enumerate(spec.steps):
        branching = is_branching(step)
        if branching:
            symbol = Symbol.DECISION
        elif index == 0 or spec.following(step) == END:
            symbol = Symbol.TERMINATOR
        else:
            symbol = Symbol.PROCESS
        lines = {
            key: wrap(text, by_key[key].width - 2 * PAD_X, FONT_PT)
            for key, text in cell_texts(step).items()
        }
        fan = spec.fan_out_of(step.no)
        caption = fan_out_caption(fan.label) if fan is not None and fan.entry == step.no else ""
        if caption:
            width = by_key["kegiatan"].width - 2 * PAD_X
            lines["kegiatan"] = wrap(caption, width, FONT_PT) + lines["kegiatan"]
        text_height = max(len(found) for found in lines.values()) * _line_mm(FONT_PT)
        row = Row(
            index=index,
            step=step,
            symbol=symbol,
            start_cap=index == 0 and branching,
            end_cap=branching and step.no in ends,
            lines=lines,
            height=0.0,
            fan_out=fan.key if fan is not None else "",
            caption=caption,
            exits=exits.get(step.no, 1),
        )
        pad = SYMBOL_PAD + (FAN_PAD if row.exits > 1 else 0.0)
        height = max(text_height + 2 * PAD_Y + 0.5, row.stack_height + 2 * pad)
        rows.append(replace(row, height=_ceil_half(height)))
    return rows


@dataclass(frozen=True)
class Header:
    """Heights (mm) of the header rows: the group labels (Pelaksana, Mutu Baku), the lane
    and Mutu Baku labels, and the row numbering the columns 1..N."""

    groups: float
    labels: float
    numbers: float

    @property
    def height(self) -> float:
        """The whole header, mm."""
        return self.groups + self.labels + self.numbers


def header_for(spec: SopSpec, columns: Columns) -> Header:
    """Header heights from the wrapped (bold) labels; the cells spanning both label rows
    (No, Kegiatan, Keterangan) fit in the two together."""
    labels = labels_of(spec)

    def need(text: str, width: float) -> float:
        lines = wrap(text, width - 2 * PAD_X, HEADER_PT, bold=True)
        return len(lines) * _line_mm(HEADER_PT) + 2 * PAD_Y

    mutu = columns.kelengkapan.width + columns.waktu.width + columns.output.width
    groups = max(
        5.0, need(labels["pelaksana"], columns.lanes_width), need(labels["mutu_baku"], mutu)
    )
    second = [need(column.label, column.width) for column in columns.lanes]
    second += [need(c.label, c.width) for c in (columns.kelengkapan, columns.waktu, columns.output)]
    label_row = max(5.0, *second)
    spanning = max(
        need(c.label, c.width) for c in (columns.no, columns.kegiatan, columns.keterangan)
    )
    label_row = max(label_row, spanning - groups)
    numbers = _line_mm(NUMBER_PT) + 1.2
    return Header(_ceil_half(groups), _ceil_half(label_row), _ceil_half(numbers))


# --- Pages and connectors ---------------------------------------------------------------


@dataclass(frozen=True)
class Connector:
    """One off-page connector: the pentagon at the ``bottom`` band of the page a flow leaves
    or at the ``top`` band of the page it enters, both in the source step's lane (the lane
    the arrow runs down, as it does on one page) and at the same ``x`` (its centre, mm from
    the first lane's left edge: the overlay's frame) with the same ``size`` (mm), so the two
    ends of a pair sit one above the other across the page break. ``x`` and ``size`` are
    placed with the arrows (``jaga.sop.routing.place_connectors``)."""

    letter: str
    flow: Flow
    at: str  # "top" or "bottom"
    lane: str
    x: float = 0.0
    size: float = CONNECTOR_SIZE


@dataclass
class Page:
    """One flowchart page: its ``rows`` with their ``tops`` (mm from the top of the body),
    the connector bands (0 or ``BAND_HEIGHT`` mm) and connectors. ``overflow`` marks a page
    whose single row is taller than a page can hold."""

    number: int
    rows: list[Row]
    tops: list[float]
    top_band: float
    bottom_band: float
    connectors: list[Connector] = field(default_factory=list)
    overflow: bool = False

    @property
    def body_height(self) -> float:
        """Bands and rows together, mm: the height of the SVG overlay."""
        return self.top_band + sum(row.height for row in self.rows) + self.bottom_band


@dataclass(frozen=True)
class ConnectorPair:
    """A flow that crosses pages: ``letter`` at the bottom of page ``source_page`` and at the
    top of page ``target_page`` (1-based)."""

    letter: str
    flow: Flow
    source_page: int
    target_page: int


@dataclass
class Layout:
    """The whole flowchart: columns, header, pages, flows and connector pairs (in letter
    order). ``capacity`` is the body height (rows and bands, mm) a page holds."""

    spec: SopSpec
    size: PageSize
    columns: Columns
    header: Header
    flows: list[Flow]
    pages: list[Page]
    pairs: list[ConnectorPair]
    capacity: float

    def geometry(self) -> list[PageGeometry]:
        """Every page's drawn geometry in mm on the sheet: columns, symbols and labels with
        their boxes (``jaga.sop.geometry``)."""
        from jaga.sop.geometry import geometry  # routing (used there) imports this module

        return geometry(self)

    def page_of(self, step_no: str) -> Page:
        """The page holding step ``step_no``."""
        for page in self.pages:
            if any(row.step.no == step_no for row in page.rows):
                return page
        raise KeyError(step_no)


def letters() -> list[str]:
    """Connector labels in order: A … Z, then AA, AB …"""
    single = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    return single + [first + second for first in single for second in single]


def bands_needed(
    flows: list[Flow], index: dict[str, int], first: int, last: int
) -> tuple[bool, bool]:
    """Whether rows ``first..last`` on one page need a top band (a flow enters from another
    page) and a bottom band (a flow leaves to another page)."""
    top = bottom = False
    for flow in flows:
        if flow.target == END:
            continue
        source_in = first <= index[flow.source] <= last
        target_in = first <= index[flow.target] <= last
        top |= target_in and not source_in
        bottom |= source_in and not target_in
    return top, bottom


def paginate(rows: list[Row], flows: list[Flow], capacity: float) -> list[tuple[int, int]]:
    """Rows packed into pages greedily, as ``(first, last)`` row indexes: each page takes
    as many rows as fit in ``capacity`` mm together with the connector bands those rows
    need. A row taller than a page still gets a page of its own."""
    index = {row.step.no: row.index for row in rows}
    ranges = []
    first = 0
    while first < len(rows):
        best = first
        total = 0.0
        for last in range(first, len(rows)):
            total += rows[last].height
            if total > capacity:
                break
            top, bottom = bands_needed(flows, index, first, last)
            if total + BAND_HEIGHT * (top + bottom) <= capacity:
                best = last
        ranges.append((first, best))
        first = best + 1
    return ranges


def _primary_lane(step: Step) -> str:
    return step.all_lanes[0]


def layout(spec: SopSpec, size: PageSize = A4_LANDSCAPE) -> Layout:
    """Lay ``spec``'s flowchart table out on pages of ``size`` (see the module docstring)."""
    columns = columns_for(spec, size)
    header = header_for(spec, columns)
    flows = flows_of(spec)
    rows = rows_of(spec, columns, flows)
    capacity = size.content_height - size.heading - header.height - size.safety
    index = {row.step.no: row.index for row in rows}
    pages = []
    for number, (first, last) in enumerate(paginate(rows, flows, capacity), start=1):
        top, bottom = bands_needed(flows, index, first, last)
        tops = []
        y = BAND_HEIGHT if top else 0.0
        for row in rows[first : last + 1]:
            tops.append(y)
            y += row.height
        page = Page(
            number=number,
            rows=rows[first : last + 1],
            tops=tops,
            top_band=BAND_HEIGHT if top else 0.0,
            bottom_band=BAND_HEIGHT if bottom else 0.0,
        )
        page.overflow = page.body_height > capacity
        pages.append(page)
    page_no = {row.step.no: page.number for page in pages for row in page.rows}
    crossing = [
        flow
        for flow in flows
        if flow.target != END and page_no[flow.source] != page_no[flow.target]
    ]
    for flow in crossing:
        lane = _primary_lane(spec.step(flow.source))
        pages[page_no[flow.source] - 1].connectors.append(Connector("", flow, "bottom", lane))
        pages[page_no[flow.target] - 1].connectors.append(Connector("", flow, "top", lane))
    plan = Layout(spec, size, columns, header, flows, pages, [], capacity)
    _letter_connectors(plan, crossing, page_no)
    return plan


def _letter_connectors(plan: Layout, crossing: list[Flow], page_no: dict[str, int]) -> None:
    """Place the connectors of ``plan`` (``jaga.sop.routing.place_connectors``) and letter
    them in reading order: page by page, left to right along the foot where the arrows
    leave, so every page's foot reads A, B, C… onwards and the head of the page an arrow
    enters shows the same letter at the same place. Fills ``plan.pairs`` in letter order."""
    from jaga.sop.routing import place_connectors  # routing imports this module

    places = place_connectors(plan)
    position = {flow: index for index, flow in enumerate(crossing)}
    ordered = sorted(
        crossing, key=lambda flow: (page_no[flow.source], places[flow][0], position[flow])
    )
    names = dict(zip(ordered, letters(), strict=False))
    for page in plan.pages:
        page.connectors = sorted(
            (
                replace(c, letter=names[c.flow], x=places[c.flow][0], size=places[c.flow][1])
                for c in page.connectors
            ),
            key=lambda c: (c.at, c.x, c.letter),
        )
    plan.pairs = [
        ConnectorPair(names[flow], flow, page_no[flow.source], page_no[flow.target])
        for flow in ordered
    ]
