"""The SOP AP flowchart laid out on pages (jaga.sop.layout, jaga.sop.routing): pagination,
connector pairs, decision labels, and arrows that never cross a symbol. No database, no PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # weasyprint's dependency

from jaga.documents.pdf import FONTS_DIR
from jaga.sop.layout import (
    BAND_HEIGHT,
    Layout,
    Port,
    Symbol,
    bands_needed,
    branch_labels,
    layout,
    paginate,
)
from jaga.sop.routing import Box, Drawing, Point, Shape, route
from jaga.sop.schema import END, SopSpec, StepKind
from jaga.sop.services import LIBRARY
from jaga.sop.textfit import PT_TO_MM, text_width, wrap
from jaga.sop.validate import load_spec

SEEDS = {path.name[:3]: path for path in sorted(LIBRARY.glob("*.yaml"))}

# Every symbol kind and corner case the seeds lack: a decision as the first step (a small
# "Mulai" above it), a step in two lanes, a branch to the end (a small "Selesai" below),
# a jump ahead over several rows, and long texts that force pages.
SYNTHETIC = """
format: jaga-sop/1
code: uji-tata-letak
identity:
  nama: Uji Tata Letak
  instansi: [DINAS UJI]
start: [manual]
lanes:
  - {key: a, label: Lajur A, positions: [a]}
  - {key: b, label: Lajur B, positions: [b]}
  - {key: c, label: Lajur C, positions: [c]}
steps:
  - no: 1
    kegiatan: Apakah pekerjaan perlu dilakukan?
    lane: a
    kind: decision
    waktu: 1 jam
    branches:
      - {key: ya, label: Ya, next: 2}
      - {key: tidak, label: Tidak, next: end}
  - {no: 2, kegiatan: Rapat bersama, lane: a, lanes: [c], waktu: 1 jam}
  - {no: 3, kegiatan: "LONG", lane: b, waktu: 1 hari, keterangan: "LONG"}
  - no: 4
    kegiatan: Pilih jalur
    lane: c
    kind: decision
    waktu: 1 jam
    branches:
      - {key: cepat, label: Cepat, next: 7}
      - {key: biasa, label: Biasa, next: 5}
      - {key: ulang, label: Ulang, next: 2}
  - {no: 5, kegiatan: "LONG", lane: b, waktu: 1 hari, keterangan: "LONG"}
  - {no: 6, kegiatan: "LONG", lane: a, waktu: 1 hari, keterangan: "LONG"}
  - {no: 7, kegiatan: Periksa, lane: a, kind: check, return_to: [3], waktu: 1 jam}
""".replace("LONG", " ".join(["Kegiatan panjang yang memenuhi baris tabel"] * 14))


def seed(code: str) -> SopSpec:
    path = SEEDS[code]
    return load_spec(path.read_text(encoding="utf-8"), str(path))


def all_specs() -> list[SopSpec]:
    return [seed(code) for code in SEEDS] + [load_spec(SYNTHETIC, "synthetic.yaml")]


SPECS = all_specs()
IDS = [spec.code for spec in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_never_packs_more_onto_a_page_than_the_page_holds(spec: SopSpec) -> None:
    result = layout(spec)
    size = result.size
    for page in result.pages:
        assert not page.overflow
        assert page.body_height <= result.capacity
        used = size.heading + result.header.height + page.body_height
        assert used <= size.content_height - size.safety
        for row in page.rows:
            assert row.height >= row.stack_height + 8  # room for arrows above and below


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_places_every_row_once_in_table_order(spec: SopSpec) -> None:
    result = layout(spec)
    placed = [row.step.no for page in result.pages for row in page.rows]
    assert placed == [step.no for step in spec.steps]
    for page in result.pages:
        expected = page.top_band
        for row, top in zip(page.rows, page.tops, strict=True):
            assert top == pytest.approx(expected)
            expected += row.height


def test_it_spreads_seed_003_over_several_pages() -> None:
    result = layout(seed("003"))
    assert len(result.pages) >= 2
    assert len(layout(load_spec(SYNTHETIC, "synthetic.yaml")).pages) >= 2


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_starts_a_new_page_only_when_the_next_row_does_not_fit(spec: SopSpec) -> None:
    result = layout(spec)
    for page, following in zip(result.pages, result.pages[1:], strict=False):
        first, last = page.rows[0].index, following.rows[0].index
        rows = [*page.rows, following.rows[0]]
        index = {step.no: position for position, step in enumerate(spec.steps)}
        top, bottom = bands_needed(result.flows, index, first, last)
        needed = sum(row.height for row in rows) + BAND_HEIGHT * (top + bottom)
        assert needed > result.capacity


def test_it_fits_a_row_taller_than_a_page_on_a_page_of_its_own() -> None:
    result = layout(seed("001"))
    (page,) = result.pages
    rows = page.rows
    flows = result.flows
    assert paginate(rows, flows, capacity=1.0) == [(i, i) for i in range(len(rows))]


def crossing(result: Layout) -> list[tuple[str, str]]:
    page_of = {row.step.no: page.number for page in result.pages for row in page.rows}
    return [
        (flow.source, flow.target)
        for flow in result.flows
        if flow.target != END and page_of[flow.source] != page_of[flow.target]
    ]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_pairs_connectors_for_every_flow_that_crosses_pages(spec: SopSpec) -> None:
    result = layout(spec)
    assert sorted((pair.flow.source, pair.flow.target) for pair in result.pairs) == sorted(
        crossing(result)
    )
    letters = [pair.letter for pair in result.pairs]
    assert letters == ["A", "B", "C", "D", "E", "F", "G", "H"][: len(letters)]
    for pair in result.pairs:
        source = result.pages[pair.source_page - 1]
        target = result.pages[pair.target_page - 1]
        assert pair.flow.source in {row.step.no for row in source.rows}
        assert pair.flow.target in {row.step.no for row in target.rows}
        bottom = [c for c in source.connectors if c.letter == pair.letter]
        top = [c for c in target.connectors if c.letter == pair.letter]
        # Both ends in the lane the arrow runs down (the source's), one above the other.
        lane = spec.step(pair.flow.source).all_lanes[0]
        assert [(c.at, c.lane) for c in bottom] == [("bottom", lane)]
        assert [(c.at, c.lane) for c in top] == [("top", lane)]
        assert bottom[0].x == top[0].x
        assert source.bottom_band == BAND_HEIGHT
        assert target.top_band == BAND_HEIGHT
        # Drawn: the same letter in a pentagon on both pages.
        for page in (source, target):
            drawn = route(result, page).figures
            assert [f.text for f in drawn if f.shape is Shape.CONNECTOR].count(pair.letter) == 1


def test_it_needs_connectors_in_seed_003() -> None:
    result = layout(seed("003"))
    assert result.pairs, "003 spans pages, so some flow crosses a page boundary"
    first = result.pairs[0]
    assert first.letter == "A"
    assert first.source_page != first.target_page


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_leaves_pages_without_crossings_without_bands(spec: SopSpec) -> None:
    result = layout(spec)
    for page in result.pages:
        assert (page.top_band > 0) == any(c.at == "top" for c in page.connectors)
        assert (page.bottom_band > 0) == any(c.at == "bottom" for c in page.connectors)


@pytest.mark.parametrize(
    ("code", "step", "labels"),
    [
        ("003", "6", ["Ya", "Tidak"]),
        ("003", "9", ["Ya", "Tidak"]),  # "Ya, harus diganti" / "Tidak, dapat diperbaiki"
        ("000", "3a", ["Ya", "Tidak"]),  # "Ada yang rusak / trouble" / "Tidak"
        ("003", "8", ["Diperbaiki", "Diganti"]),
        ("002", "2a", ["Ringan", "Sedang", "Berat"]),
    ],
)
def test_it_labels_decisions_ya_tidak_when_two_way_yes_no(
    code: str, step: str, labels: list[str]
) -> None:
    assert branch_labels(seed(code).step(step)) == labels


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_labels_every_arrow_leaving_a_diamond(spec: SopSpec) -> None:
    result = layout(spec)
    for row in (row for page in result.pages for row in page.rows):
        flows = [flow for flow in result.flows if flow.source == row.step.no]
        if row.symbol is Symbol.DECISION:
            assert len(flows) >= 2
            assert all(flow.label for flow in flows)
            assert len({flow.port for flow in flows}) == len(flows), "one port per arrow"
        else:
            assert all(flow.label == "" for flow in flows)
    checks = [flow for flow in result.flows if spec.step(flow.source).kind is StepKind.CHECK]
    assert all(flow.label in {"Ya", "Tidak"} for flow in checks)
    drawn = [
        label.text
        for page in result.pages
        for label in route(result, page).labels
        if label.kind == "arrow"
    ]
    assert sorted(drawn) == sorted(flow.label for flow in result.flows if flow.label)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_it_draws_terminators_at_the_start_and_the_ends(spec: SopSpec) -> None:
    result = layout(spec)
    rows = [row for page in result.pages for row in page.rows]
    first = rows[0]
    assert first.symbol is Symbol.TERMINATOR or first.start_cap
    ending = {flow.source for flow in result.flows if flow.target == END}
    for row in rows:
        if row.symbol is Symbol.DECISION:
            assert row.end_cap == (row.step.no in ending)
        elif spec.following(row.step) == END:
            assert row.symbol is Symbol.TERMINATOR


def test_it_draws_a_step_of_two_lanes_in_both_joined_by_a_dashed_line() -> None:
    result = layout(load_spec(SYNTHETIC, "synthetic.yaml"))
    drawing = route(result, result.pages[0])
    boxes = [f.box for f in drawing.figures if f.step == "2"]
    assert len(boxes) == 2
    dashed = [line for line in drawing.lines if line.dashed]
    assert len(dashed) == 1
    (x1, y1), (x2, y2) = dashed[0].points
    assert y1 == y2 == pytest.approx(boxes[0].cy)
    assert {round(x1, 2), round(x2, 2)} == {
        round(min(b.right for b in boxes), 2),
        round(max(b.left for b in boxes), 2),
    }
    texts = [f.text for f in drawing.figures if f.shape is Shape.TERMINATOR]
    assert "Mulai" in texts
    assert "Selesai" in texts


def _crosses(start: tuple[float, float], end: tuple[float, float], box: Box) -> bool:
    """Whether the axis-parallel segment start-end enters the box's interior."""
    inset = 0.1
    left, right = box.left + inset, box.right - inset
    top, bottom = box.top + inset, box.bottom - inset
    (x1, y1), (x2, y2) = start, end
    if x1 == x2:
        return left < x1 < right and min(y1, y2) < bottom and max(y1, y2) > top
    if y1 == y2:
        return top < y1 < bottom and min(x1, x2) < right and max(x1, x2) > left
    raise AssertionError(f"a diagonal segment {start} {end}")


def drawings() -> list[tuple[str, Drawing]]:
    found = []
    for spec in SPECS:
        result = layout(spec)
        found += [(f"{spec.code} p{page.number}", route(result, page)) for page in result.pages]
    return found


@pytest.mark.parametrize(("where", "drawing"), drawings())
def test_it_routes_arrows_around_symbols_not_through_them(where: str, drawing: Drawing) -> None:
    for line in drawing.lines:
        for start, end in zip(line.points, line.points[1:], strict=False):
            for figure in drawing.figures:
                assert not _crosses(start, end, figure.box), (where, line.points, figure)
            assert 0 <= start[0] <= drawing.width, where
            assert 0 <= start[1] <= drawing.height, where


def segments(drawing: Drawing, low: float, high: float) -> list[tuple[int, Point, Point]]:
    """Segments of each line (by line index) lying between y ``low`` and ``high``."""
    found = []
    for number, line in enumerate(drawing.lines):
        for start, end in zip(line.points, line.points[1:], strict=False):
            if low <= min(start[1], end[1]) and max(start[1], end[1]) <= high:
                found.append((number, start, end))
    return found


# Seven lanes over three pages, several arrows crossing each page break at once, some into
# another lane (issue 20 point 6: both ends of a pair in one lane, at one place).
WIDE = Path(__file__).resolve().parent / "fixtures" / "wide-page-breaks.yaml"
BANDS = [*SPECS, load_spec(WIDE.read_text(encoding="utf-8"), str(WIDE))]


@pytest.mark.parametrize("spec", BANDS, ids=[spec.code for spec in BANDS])
def test_it_keeps_arrows_in_connector_bands_from_crossing(spec: SopSpec) -> None:
    result = layout(spec)
    for page in result.pages:
        drawing = route(result, page)
        bottom = page.body_height - page.bottom_band
        for low, high in ((0.0, page.top_band), (bottom, page.body_height)):
            found = segments(drawing, low - 0.01, high + 0.01)
            for line_a, a1, a2 in found:
                for line_b, b1, b2 in found:
                    if line_a == line_b or a1[1] != a2[1] or b1[0] != b2[0]:
                        continue  # a: horizontal, b: vertical, of two arrows
                    x, y = b1[0], a1[1]
                    inside_a = min(a1[0], a2[0]) < x < max(a1[0], a2[0])
                    inside_b = min(b1[1], b2[1]) < y < max(b1[1], b2[1])
                    assert not (inside_a and inside_b), (spec.code, page.number, a1, a2, b1, b2)


@pytest.mark.parametrize(("where", "drawing"), drawings())
def test_it_ends_every_arrow_on_a_shape(where: str, drawing: Drawing) -> None:
    def on_outline(point: tuple[float, float], box: Box) -> bool:
        x, y = point

        def close(value: float) -> object:
            # The router rounds arrow points to 0.001 (jaga.sop.routing); boxes are exact.
            return pytest.approx(value, abs=0.001)

        return (x == close(box.cx) and y in (close(box.top), close(box.bottom))) or (
            y == close(box.cy) and x in (close(box.left), close(box.right))
        )

    for line in drawing.lines:
        if line.arrow:
            assert any(on_outline(line.points[-1], f.box) for f in drawing.figures), where


def test_it_sends_the_arrow_to_the_next_row_out_of_the_bottom() -> None:
    result = layout(seed("003"))
    six = [flow for flow in result.flows if flow.source == "6"]
    assert {(flow.target, flow.port, flow.straight) for flow in six} == {
        ("6a", Port.BOTTOM, True),
        ("7", Port.RIGHT, False),
    }
    review = {(flow.target, flow.port) for flow in result.flows if flow.source == "14"}
    assert review == {(END, Port.BOTTOM), ("13", Port.RIGHT)}


def test_it_estimates_text_at_least_as_wide_as_the_shipped_font_sets_it() -> None:
    fonts = {
        style: TTFont(FONTS_DIR / f"LiberationSans-{style}.ttf") for style in ("Regular", "Bold")
    }

    def real_width(text: str, size_pt: float, style: str = "Regular") -> float:
        font = fonts[style]
        cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
        units: int = sum(metrics[cmap[ord(char)]][0] for char in text if ord(char) in cmap)
        per_em: int = font["head"].unitsPerEm
        return units / per_em * size_pt * PT_TO_MM

    texts = [
        text
        for spec in SPECS
        for step in spec.steps
        for text in (step.kegiatan, step.keterangan, step.output, step.kelengkapan, step.waktu)
    ]
    texts += ["WWWWWWWW", "mmmm iiii", "SOP-21.04.1.3.1.2-1", "“Catatan” — 100%"]
    for text in texts:
        assert text_width(text, 7.0) >= real_width(text, 7.0), text
        for line in wrap(text, 40.0, 7.0):
            assert real_width(line, 7.0) <= 40.0, line
    headers = [lane.label for spec in SPECS for lane in spec.lanes] + ["PERSYARATAN/ KELENGKAPAN"]
    for text in headers:
        assert text_width(text, 7.0, bold=True) >= real_width(text, 7.0, "Bold"), text


def test_it_wraps_greedily_and_cuts_only_words_longer_than_a_line() -> None:
    assert wrap("", 20.0, 7.0) == []
    assert wrap("Laporan masuk", 100.0, 7.0) == ["Laporan masuk"]
    lines = wrap("Laporan masuk dari kepala OPD yang mendapat gangguan", 25.0, 7.0)
    assert " ".join(lines) == "Laporan masuk dari kepala OPD yang mendapat gangguan"
    assert all(text_width(line, 7.0) <= 25.0 for line in lines)
    cut = wrap("/TKPBET.DKI/2020/PANJANG/SEKALI", 10.0, 7.0)
    assert "".join(cut) == "/TKPBET.DKI/2020/PANJANG/SEKALI"
    assert len(cut) > 1


def test_it_gives_lanes_room_for_symbols_and_channels() -> None:
    for spec in SPECS:
        columns = layout(spec).columns
        assert columns.width == pytest.approx(277.0, abs=0.01)
        for lane in columns.lanes:
            assert lane.width >= 15.0
        assert re.fullmatch(r"lane:[a-z][a-z0-9_-]*", columns.lanes[0].key)


def test_it_frames_the_rows_of_a_fan_out_and_captions_its_first_row() -> None:
    from django.utils import translation

    from jaga.sop.drawing import svg

    spec = load_spec(SEEDS["004"].read_text(encoding="utf-8"), str(SEEDS["004"]))
    with translation.override("en"):  # the document is Indonesian for every reader
        plan = layout(spec)
    page = plan.page_of("6")
    rows = {row.step.no: (row, top) for row, top in zip(page.rows, page.tops, strict=True)}
    assert [no for no, (row, _) in rows.items() if row.fan_out] == ["6", "7", "7a"]
    assert rows["6"][0].caption == "Untuk setiap lokasi: Kunjungan per lokasi"
    assert rows["7"][0].caption == ""
    assert rows["6"][0].lines["kegiatan"][0] == "Untuk setiap lokasi: Kunjungan per lokasi"
    drawing = route(plan, page)
    (frame,) = drawing.frames
    first_top = rows["6"][1]
    last_row, last_top = rows["7a"]
    assert frame.key == "kunjungan"
    assert frame.box.top == pytest.approx(first_top + 0.6)
    assert frame.box.bottom == pytest.approx(last_top + last_row.height - 0.6)
    assert (frame.box.left, frame.box.right) == pytest.approx((0.6, drawing.width - 0.6))
    # every symbol of the block's steps lies inside the frame, every other one outside
    for figure in drawing.figures:
        if not figure.step:
            continue
        inside = frame.box.top < figure.box.cy < frame.box.bottom
        assert inside == (figure.step in {"6", "7", "7a"}), figure.step
    assert 'class="sop-fan-out" data-fan-out="kunjungan"' in svg(drawing)


def test_it_draws_no_frame_for_an_sop_without_fan_out() -> None:
    spec = load_spec(SEEDS["003"].read_text(encoding="utf-8"), str(SEEDS["003"]))
    plan = layout(spec)
    assert all(not route(plan, page).frames for page in plan.pages)
    assert all(not row.caption for page in plan.pages for row in page.rows)
