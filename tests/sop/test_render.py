"""`jaga sop render`: the SOP AP document of each library SOP as a PDF, read back with pypdf.

Each seed is rendered once for the module (WeasyPrint takes 0.3–1 s a document). PNG
renderings of every page go to tests/artifacts/sop/ (git-ignored) for a look by eye.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from jaga.sop.layout import layout
from jaga.sop.schema import END, SopSpec, StepKind
from jaga.sop.services import LIBRARY, load_definition
from jaga.sop.validate import load_spec
from tests.conftest import make_agency
from tests.pdf_support import save_pngs
from tests.workflow.conftest import MINI_SOP, add_holder

SEEDS = {path.name[:3]: path for path in sorted(LIBRARY.glob("*.yaml"))}


@dataclass
class Rendered:
    """One rendered seed: its spec, PDF, the text of each page and the separate text runs
    of each page (what each ``Tj`` showed: SVG labels and letters come out alone)."""

    spec: SopSpec
    pdf: Path
    pages: list[str]
    runs: list[list[str]]


def squash(text: str) -> str:
    """Text without any whitespace, so line wrapping does not matter."""
    return re.sub(r"\s+", "", text)


def read(spec: SopSpec, pdf: Path) -> Rendered:
    reader = PdfReader(pdf)
    pages, runs = [], []
    for page in reader.pages:
        found: list[str] = []

        def visit(text: str, *_: object, into: list[str] = found) -> None:
            into.append(text.strip())

        pages.append(page.extract_text(visitor_text=visit))
        runs.append([text for text in found if text])
    return Rendered(spec, pdf, pages, runs)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every library SOP rendered once by `jaga sop render CODE --pdf FILE`."""
    folder = tmp_path_factory.mktemp("sop-pdf")
    found = {}
    for number, path in SEEDS.items():
        spec = load_spec(path.read_text(encoding="utf-8"), str(path))
        pdf = folder / f"{spec.code}.pdf"
        out = StringIO()
        call_command("sop", "render", spec.code, "--pdf", str(pdf), stdout=out)
        assert f"wrote {pdf}" in out.getvalue()
        found[number] = read(spec, pdf)
    return found


@pytest.mark.parametrize("number", list(SEEDS))
def test_it_prints_the_identity_page_first(rendered: dict[str, Rendered], number: str) -> None:
    document = rendered[number]
    identity = document.spec.identity
    first = squash(document.pages[0])
    for label in ("Nomor SOP", "Tanggal Pembuatan", "Disahkan oleh", "Dasar Hukum"):
        assert squash(label) in first
    assert squash(identity.nama) in first
    if identity.nomor:
        assert squash(identity.nomor) in first
    for line in identity.instansi:
        assert squash(line) in first
    if identity.disahkan_oleh and identity.disahkan_oleh.nip:
        digits = squash(identity.disahkan_oleh.nip)
        grouped = f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
        assert f"NIP. {grouped}" in document.pages[0]


@pytest.mark.parametrize("number", list(SEEDS))
def test_it_prints_every_step_and_lane_of_the_flowchart(
    rendered: dict[str, Rendered], number: str
) -> None:
    document = rendered[number]
    chart = squash(" ".join(document.pages[1:]))
    for step in document.spec.steps:
        start = squash(" ".join(step.kegiatan.split())[:25])
        assert start in chart, step.no
    for lane in document.spec.lanes:
        assert squash(lane.label) in chart
    for label in ("Mutu Baku", "Waktu", "Output"):
        assert squash(label) in chart


@pytest.mark.parametrize("number", list(SEEDS))
def test_it_prints_as_many_pages_as_the_layout_planned(
    rendered: dict[str, Rendered], number: str
) -> None:
    """Every row kept the height the layout estimated: none grew and pushed the table over."""
    document = rendered[number]
    planned = len(layout(document.spec).pages)
    assert len(document.pages) == 1 + planned
    for page, text in enumerate(document.pages[1:], start=1):
        assert f"Halaman {page} dari {planned}" in text


@pytest.mark.parametrize(
    ("number", "labels"),
    [
        ("000", {"Ya", "Tidak"}),
        ("001", set()),
        ("002", {"Ringan", "Sedang", "Berat"}),
        ("003", {"Ya", "Tidak", "Diperbaiki", "Diganti"}),
        ("004", {"Ya", "Tidak"}),
    ],
)
def test_it_labels_the_arrows_out_of_decisions(
    rendered: dict[str, Rendered], number: str, labels: set[str]
) -> None:
    document = rendered[number]
    runs = {text for page in document.runs[1:] for text in page}
    assert labels <= runs
    if not labels:
        assert not {"Ya", "Tidak"} & runs
    decisions = [s for s in document.spec.steps if s.kind in (StepKind.DECISION, StepKind.CHECK)]
    assert bool(decisions) == bool(labels)


def test_it_continues_seed_003_on_further_pages_with_connectors(
    rendered: dict[str, Rendered],
) -> None:
    document = rendered["003"]
    assert len(document.pages) >= 3  # the identity page and at least two flowchart pages
    with_a = [number for number, runs in enumerate(document.runs) if "A" in runs]
    assert len(with_a) == 2
    plan = layout(document.spec)
    pair = plan.pairs[0]
    assert with_a == [pair.source_page, pair.target_page]
    for pair in plan.pairs:
        holding = [number for number, runs in enumerate(document.runs) if pair.letter in runs]
        assert holding == sorted([pair.source_page, pair.target_page])
        assert pair.flow.target != END


def test_it_ends_the_flowchart_with_selesai(rendered: dict[str, Rendered]) -> None:
    last_runs = rendered["003"].runs[-1]
    assert "Selesai" in last_runs


def test_it_repeats_the_table_header_on_every_page(rendered: dict[str, Rendered]) -> None:
    document = rendered["003"]
    for text in document.pages[1:]:
        flat = squash(text)
        for label in ("No", "Kegiatan", "Pelaksana", "MutuBaku", "Kelengkapan", "Ket"):
            assert label in flat
        assert squash("Kadis Kominfo") in flat


def test_it_saves_png_renderings_of_every_page(rendered: dict[str, Rendered]) -> None:
    for document in rendered.values():
        code = document.spec.code
        made = save_pngs(document.pdf.read_bytes(), "sop", code)
        assert len(made) == len(document.pages), code


@pytest.mark.django_db
def test_it_renders_an_agencys_version_and_refuses_unknown_ones(tmp_path: Path) -> None:
    agency = make_agency("alpha")
    unit = agency.orgunit_set.get()
    for code, username, nip in [
        ("kabid", "alpha.kabid", "197001012000031001"),
        ("kasi", "alpha.kasi", "198001012005031002"),
        ("teknisi", "alpha.tek", "199001012015031003"),
    ]:
        add_holder(agency, code, code.title(), unit, username, nip)
    load_definition(agency, MINI_SOP, path="mini.yaml")
    pdf = tmp_path / "mini.pdf"
    out = StringIO()
    call_command(
        "sop",
        "render",
        "mini",
        "--agency",
        "alpha",
        "--version",
        "1",
        "--pdf",
        str(pdf),
        stdout=out,
    )
    assert "Penanganan Gangguan (uji)" in out.getvalue()
    assert "Penanganan Gangguan (uji)" in PdfReader(pdf).pages[0].extract_text()

    with pytest.raises(CommandError, match=r"no version 2 of SOP 'mini' \(versions: 1\)"):
        call_command(
            "sop", "render", "mini", "--agency", "alpha", "--version", "2", "--pdf", str(pdf)
        )
    with pytest.raises(CommandError, match="agency 'alpha' has no SOP 'nothing'"):
        call_command("sop", "render", "nothing", "--agency", "alpha", "--pdf", str(pdf))
    with pytest.raises(CommandError, match="no agency 'nowhere' \\(known: alpha\\)"):
        call_command("sop", "render", "mini", "--agency", "nowhere", "--pdf", str(pdf))
    with pytest.raises(CommandError, match="no library SOP 'mini'"):
        call_command("sop", "render", "mini", "--pdf", str(pdf))
    with pytest.raises(CommandError, match="--version needs --agency"):
        call_command("sop", "render", "mini", "--version", "1", "--pdf", str(pdf))


def test_it_prints_the_caption_of_a_fan_out_above_its_first_step(
    rendered: dict[str, Rendered],
) -> None:
    text = squash(rendered["004"].pages[1])
    assert squash("Kunjungan per lokasi Staf / Tim Data Center melakukan") in text
    assert squash("Pengecekan per lokasi Tim melakukan pengecekan") in squash(
        rendered["000"].pages[1]
    )
