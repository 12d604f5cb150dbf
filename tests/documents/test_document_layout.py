"""Issue 18 point 2, keep-together: whatever the length of a document, its signature block
never starts a page alone and no table row stands on a page without its header (positions
read with pdfplumber).

The documents of seed 003's replacement branch and seed 000's Laporan Tindak Lanjut are
rendered again with more and more rows, so that the page break falls in every place
between the first row and the signatures."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from jaga.documents.models import Document
from jaga.documents.services import render
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case
from tests.documents.conftest import doc_of
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import BOGOR_REPAIR

Line = tuple[int, float, str]  # page number (1-based), top in points, text


#: The footer (the QR code, its text, the page number) takes the bottom 30 mm of a page.
FOOTER_PT = 30 / 25.4 * 72


def _lines(pdf: bytes) -> list[Line]:
    """Every text line of the PDF above the footer, page by page, top to bottom."""
    lines: list[Line] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            rows: dict[int, list[dict[str, Any]]] = {}
            for word in page.extract_words(keep_blank_chars=False):
                if word["top"] < page.height - FOOTER_PT:
                    rows.setdefault(round(word["top"] / 3), []).append(word)
            for key in sorted(rows):
                words = sorted(rows[key], key=lambda word: word["x0"])
                lines.append((number, rows[key][0]["top"], " ".join(w["text"] for w in words)))
    return lines


def _check(pdf: bytes, header: str, row: str, closing: str) -> frozenset[int]:
    """Assert the keep-together rules on ``pdf`` for the table whose header line starts with
    ``header`` and whose rows' first lines match the regular expression ``row``, and the
    closing sentence starting with ``closing``; returns the pages the table's rows are on."""
    lines = _lines(pdf)
    pages = max(page for page, _top, _text in lines)
    for page in range(1, pages + 1):
        on_page = [line for line in lines if line[0] == page]
        texts = [text for _page, _top, text in on_page]
        headers = [i for i, text in enumerate(texts) if text.startswith(header)]
        rows = [i for i, text in enumerate(texts) if re.match(row, text)]
        if rows:
            # A row has its table's header above it on the same page.
            assert headers, f"page {page}: rows without their header: {texts}"
            assert headers[0] < rows[0], f"page {page}: {texts}"
        for index in headers:
            # A header is never left at the bottom of a page without a row under it.
            assert any(row > index for row in rows), f"page {page}: header alone: {texts}"
        if any(text.startswith(closing) for text in texts):
            first = next(i for i, text in enumerate(texts) if text.startswith(closing))
            above = [text for text in texts[:first] if not text.startswith(header)]
            # The closing sentence and the signatures come with something before them.
            assert above, f"page {page}: the signature block stands alone: {texts}"
    closing_pages = {page for page, _top, text in lines if text.startswith(closing)}
    signature_pages = {
        page for page, _top, text in lines if text.startswith(("Mengetahui,", "PIHAK KEDUA,"))
    }
    # Every signature block (Mengetahui included) is on the page of the closing sentence.
    assert len(closing_pages) == 1, closing_pages
    assert signature_pages <= closing_pages, (signature_pages, closing_pages)
    return frozenset(page for page, _top, text in lines if re.match(row, text))


def _variant(document: Document, **content: Any) -> Document:
    """An unsaved copy of ``document`` whose content has ``content`` in place."""
    data = copy.deepcopy(document.content)
    data.update(content)
    return Document(
        agency=document.agency,
        document_type=document.document_type,
        number=document.number,
        year=document.year,
        sequence=document.sequence,
        title=document.title,
        version=1,
        content=data,
        token=document.token,
    )


@pytest.mark.parametrize(
    ("document_type", "version", "closing"),
    [
        ("berita_acara_pekerjaan", 2, "PIHAK KEDUA telah mengetahui"),
        ("berita_acara_penggantian", 1, "Demikian Berita Acara"),
    ],
)
def test_it_keeps_the_item_table_with_its_header_and_the_signatures_with_the_text(
    replaced: Case, document_type: str, version: int, closing: str
) -> None:
    document = doc_of(replaced, DocumentType(document_type), version=version)
    item = document.content["items"][0]
    spreads: set[frozenset[int]] = set()
    # From one row to enough to fill a page: the break moves through the table and past
    # the closing (every other count keeps the test short; each shifts it by a row).
    for count in range(1, 16, 2):
        items = [{**item, "keterangan": f"{item['keterangan']} ({n})"} for n in range(count)]
        pdf = render(_variant(document, items=items, photos=[]))
        spreads.add(_check(pdf, "No Nama Barang", r"\d+ Switch", closing))
    # Some variants broke the table across pages (its header repeated above the rows).
    assert any(len(spread) > 1 for spread in spreads), spreads


def test_it_keeps_the_step_table_of_the_follow_up_report_together(
    demo_data: None, db: None, media: Path
) -> None:
    document = doc_of(run(BOGOR_REPAIR), DocumentType.LAPORAN_TINDAK_LANJUT)
    steps = document.content["steps"]
    spreads: set[frozenset[int]] = set()
    for count in range(1, len(steps) + 6, 2):
        rows = [dict(steps[n % len(steps)], no=f"{n + 1}.") for n in range(count)]
        pdf = render(_variant(document, steps=rows))
        spreads.add(_check(pdf, "No Kegiatan Pelaksana", r"\d+\. ", "Demikian laporan"))
    assert any(len(spread) > 1 for spread in spreads), spreads
