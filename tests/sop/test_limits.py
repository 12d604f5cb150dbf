"""SOP files that are not text, too large, or with texts and lists beyond their bounds are
refused with ``path:line: message`` (``path: message`` for the file itself) and nothing is
loaded (issue 13 point 11; bounds in docs/sop-format.md, "Limits")."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from jaga.sop.models import SopDefinition
from jaga.sop.schema import MAX_DESCRIPTION, MAX_STEPS, MAX_TEXT_TOTAL, MAX_TITLE
from jaga.sop.validate import MAX_FILE_BYTES, check_file, check_text
from jaga.tenancy.models import Agency

HEAD = """\
format: jaga-sop/1
code: batas
identity:
  nama: {nama}
  instansi: [DINAS CONTOH]
start: [manual]
lanes:
  - {{key: kasi, label: Kepala Seksi, positions: [kasi]}}
steps:
"""
STEP = """\
  - no: {no}
    kegiatan: {kegiatan}
    lane: kasi
    waktu: 15 menit
"""


def definition(nama: str = "Batas", kegiatan: str = "Memeriksa jaringan", steps: int = 2) -> str:
    """A valid definition (but for the bounds under test) with ``steps`` steps."""
    return HEAD.format(nama=nama) + "".join(
        STEP.format(no=no, kegiatan=kegiatan) for no in range(1, steps + 1)
    )


def messages(text: str) -> list[str]:
    return [str(problem) for problem in check_text(text, "batas.yaml")[1]]


def test_it_accepts_texts_at_their_bounds() -> None:
    spec, problems = check_text(definition("N" * MAX_TITLE, "K" * MAX_DESCRIPTION), "batas.yaml")
    assert problems == []
    assert spec is not None
    assert len(spec.identity.nama) == MAX_TITLE
    assert len(spec.steps[0].kegiatan) == MAX_DESCRIPTION


def test_it_accepts_200_steps() -> None:
    spec, problems = check_text(definition(steps=MAX_STEPS), "batas.yaml")
    assert problems == []
    assert spec is not None
    assert len(spec.steps) == MAX_STEPS


def test_it_refuses_texts_totalling_more_than_30000_characters() -> None:
    text = definition(kegiatan="K" * MAX_DESCRIPTION, steps=MAX_TEXT_TOTAL // MAX_DESCRIPTION)
    (message,) = messages(text)
    assert message.startswith("batas.yaml:1: the texts of the definition total 30,")
    assert message.endswith("characters; an SOP definition has at most 30,000")


def test_it_refuses_a_title_beyond_500_characters_at_its_line() -> None:
    assert messages(definition(nama="N" * (MAX_TITLE + 1))) == [
        "batas.yaml:4: identity.nama: String should have at most 500 characters"
    ]


def test_it_refuses_a_description_beyond_5000_characters_at_its_line() -> None:
    text = definition(kegiatan="K" * (MAX_DESCRIPTION + 1), steps=1)
    assert messages(text) == [
        "batas.yaml:11: step 1, kegiatan: String should have at most 5000 characters"
    ]


def test_it_refuses_more_than_200_steps() -> None:
    (message,) = messages(definition(steps=MAX_STEPS + 1))
    assert message.startswith("batas.yaml:9: steps: List should have at most 200 items")


def test_it_refuses_yaml_aliases_that_could_expand_a_small_file() -> None:
    text = definition() + "  - &a {no: 3, kegiatan: x, lane: kasi, waktu: 1 jam}\n  - *a\n"
    assert messages(text) == [
        "batas.yaml:19: not valid YAML: aliases (*name) are not allowed in an SOP definition"
    ]


def test_it_refuses_a_file_over_1_mib_before_reading_it_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "besar.yaml"
    text = definition() + "# " + "x" * MAX_FILE_BYTES + "\n"
    path.write_text(text, encoding="utf-8")
    size = len(text.encode("utf-8"))
    assert [str(problem) for problem in check_file(path)] == [
        f"{path}:1: the file is {size:,} bytes; an SOP definition is at most "
        "1,048,576 bytes (1 MiB)"
    ]


def test_it_refuses_a_binary_file_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "gambar.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert [str(problem) for problem in check_file(path)] == [
        f"{path}: not a text file: byte 0x89 at offset 0 is not text "
        "(an SOP definition is UTF-8 YAML text)"
    ]


def test_it_refuses_a_file_with_nul_bytes_as_binary(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"format: jaga-sop/1\n\x00\x00")
    assert [str(problem) for problem in check_file(path)] == [
        f"{path}: not a text file: byte 0x00 at offset 19 is not text "
        "(an SOP definition is UTF-8 YAML text)"
    ]


@pytest.mark.django_db
def test_jaga_sop_load_prints_file_and_message_for_a_binary_file(
    agency_a: Agency, tmp_path: Path
) -> None:
    path = tmp_path / "gambar.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("sop", "load", str(path), "--agency", "alpha", stdout=out, stderr=err)
    assert caught.value.code == 1
    assert err.getvalue().startswith(f"{path}: not a text file: byte 0x89 at offset 0")
    assert not SopDefinition.objects.exists()


@pytest.mark.django_db
def test_jaga_sop_load_prints_file_and_message_for_a_missing_file(
    agency_a: Agency, tmp_path: Path
) -> None:
    path = tmp_path / "tidak-ada.yaml"
    err = StringIO()
    with pytest.raises(SystemExit) as caught:
        call_command("sop", "load", str(path), "--agency", "alpha", stderr=err)
    assert caught.value.code == 1
    assert err.getvalue() == f"{path}: cannot read the file: No such file or directory\n"
