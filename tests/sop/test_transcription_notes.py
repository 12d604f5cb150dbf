"""Transcription notes of the shipped SOPs (issue 13 point 12): remarks of whoever
transcribed a seed document are kept under ``transcription_note``, never in the SOP's own
Keterangan, and are neither shown on pages nor printed in the SOP document."""

from __future__ import annotations

from pathlib import Path

import pytest

from jaga.sop.document import build_document, render_html
from jaga.sop.services import LIBRARY
from jaga.sop.validate import load_spec

SHIPPED = sorted(LIBRARY.glob("*.yaml"))


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_no_shipped_keterangan_is_a_transcription_note(path: Path) -> None:
    spec = load_spec(path.read_text(encoding="utf-8"), str(path))
    assert [s.no for s in spec.steps if "transkripsi" in s.keterangan.lower()] == []
    assert any(step.transcription_note for step in spec.steps)


@pytest.mark.parametrize("path", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_the_sop_document_prints_no_transcription_note(path: Path) -> None:
    spec = load_spec(path.read_text(encoding="utf-8"), str(path))
    html = words(render_html(build_document(spec)))
    assert "transkripsi" not in html.lower()
    notes = [words(step.transcription_note) for step in spec.steps if step.transcription_note]
    assert [note for note in notes if note in html] == []


def test_a_transcription_note_is_part_of_the_format() -> None:
    source = """
format: jaga-sop/1
code: uji
identity: {nama: Uji, instansi: [DINAS UJI]}
start: [manual]
lanes: [{key: a, label: A, positions: [kadis]}]
steps:
  - {no: 1, kegiatan: Kerja, lane: a, waktu: 1 Jam, keterangan: Dicatat di buku,
     transcription_note: Baris ini terpotong di dokumen}
"""
    step = load_spec(source, "uji.yaml").steps[0]
    assert step.keterangan == "Dicatat di buku"
    assert step.transcription_note == "Baris ini terpotong di dokumen"
    html = render_html(build_document(load_spec(source, "uji.yaml")))
    assert "Dicatat di buku" in html
    assert "terpotong" not in html
