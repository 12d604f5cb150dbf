"""The drawn flowchart pages are kept per spec content (``jaga.sop.drawing.flowchart_svgs``):
the same content, from any object, reuses the drawing; any change draws anew, so a new
version or an edited draft never shows a stale drawing; the cache is bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jaga.sop.document import build_document
from jaga.sop.drawing import (
    FLOWCHART_CACHE_SIZE,
    _drawn,
    content_digest,
    flowchart_svgs,
    svg,
)
from jaga.sop.layout import PageSize, layout
from jaga.sop.routing import route
from jaga.sop.schema import SopSpec
from jaga.sop.services import LIBRARY
from jaga.sop.validate import load_spec

BOGOR = LIBRARY / "000-bogor-pemeliharaan-jaringan.yaml"
LINGGA = LIBRARY / "001-lingga-pemeliharaan-jaringan-internet.yaml"


def load(text: str, path: Path = BOGOR) -> SopSpec:
    return load_spec(text, str(path))


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    _drawn.cache_clear()
    yield
    _drawn.cache_clear()


def test_it_reuses_the_drawing_of_unchanged_content() -> None:
    text = BOGOR.read_text(encoding="utf-8")
    first = flowchart_svgs(load(text))
    again = flowchart_svgs(load(text))  # another object, the same content
    assert again is first
    info = _drawn.cache_info()
    assert (info.hits, info.misses) == (1, 1)
    plan = layout(load(text))
    assert first == tuple(svg(route(plan, page)) for page in plan.pages)


def test_it_draws_a_changed_spec_anew() -> None:
    text = BOGOR.read_text(encoding="utf-8")
    assert "label: Ada yang rusak / trouble" in text
    before = flowchart_svgs(load(text))
    changed = load(text.replace("label: Ada yang rusak / trouble", "label: Tidak ada kerusakan"))
    assert content_digest(changed) != content_digest(load(text))
    after = flowchart_svgs(changed)
    assert after != before
    assert any("Tidak ada kerusakan" in page for page in after)
    assert not any("Tidak ada kerusakan" in page for page in before)
    assert _drawn.cache_info().misses == 2
    # The document of the changed spec prints the changed drawing, the old one its own.
    document = build_document(changed)
    assert any("Tidak ada kerusakan" in str(page.svg) for page in document.pages)
    assert not any(
        "Tidak ada kerusakan" in str(page.svg) for page in build_document(load(text)).pages
    )


def test_it_keys_on_the_page_size_too() -> None:
    spec = load(BOGOR.read_text(encoding="utf-8"))
    a4 = flowchart_svgs(spec)
    wider = flowchart_svgs(spec, PageSize(width=420.0, height=297.0))
    assert wider != a4
    assert _drawn.cache_info().misses == 2


def test_it_keeps_a_bounded_number_of_drawings() -> None:
    assert _drawn.cache_info().maxsize == FLOWCHART_CACHE_SIZE
    spec = load(LINGGA.read_text(encoding="utf-8"), LINGGA)
    for number in range(FLOWCHART_CACHE_SIZE + 3):
        flowchart_svgs(spec.model_copy(update={"code": f"{spec.code}-{number}"}))
    assert _drawn.cache_info().currsize == FLOWCHART_CACHE_SIZE
