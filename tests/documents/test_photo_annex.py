"""The photo annex of the Berita Acara Pekerjaan embeds small copies, never the stored
originals (issue 13 point 6): photos stored before intake re-encoded them render fast too."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageFile
from pypdf import PdfReader

from jaga.documents.photos import PRINT_EDGE, print_uri
from jaga.documents.services import correct, pdf_bytes
from jaga.incidents.models import Attachment, Incident
from jaga.org.models import User
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case
from tests.documents.conftest import doc_of
from tests.pdf_support import pdf_text


def stored(media: Path, name: str, image: Image.Image, kind: str, **options: object) -> str:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format=kind, **options)
    return name


def decoded(uri: str) -> Image.Image:
    assert uri.startswith("data:image/jpeg;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_it_prints_a_large_stored_photo_as_a_small_upright_jpeg(media: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 8  # turn 90 degrees counter-clockwise
    exif[0x010F] = "Canon"
    name = stored(
        media, "attachments/1/lama.jpg", Image.new("RGB", (4000, 3000)), "JPEG", exif=exif
    )
    with decoded(print_uri(name)) as copy:
        assert copy.size == (900, PRINT_EDGE)
        assert not copy.getexif()


def test_it_prints_transparency_on_white(media: Path) -> None:
    name = stored(media, "attachments/1/denah.png", Image.new("RGBA", (50, 40)), "PNG")
    with decoded(print_uri(name)) as copy:
        assert copy.size == (50, 40)
        assert copy.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


def test_it_prints_a_note_for_a_giant_png_without_decoding_it(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 12,000 x 12,000 PNG (today 23 s and 1.2 GB to render) is not decoded at all."""
    name = stored(media, "attachments/1/raksasa.png", Image.new("1", (12000, 12000)), "PNG")
    assert (media / name).stat().st_size < 100_000

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    uri = print_uri(name)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert b"terlalu besar untuk dicetak" in base64.b64decode(uri.split(",", 1)[1])


def test_it_prints_a_note_for_a_missing_or_damaged_photo(media: Path) -> None:
    (media / "attachments").mkdir()
    (media / "attachments" / "rusak.jpg").write_bytes(b"\xff\xd8\xff not really")
    for name, words in (
        ("attachments/hilang.jpg", b"tidak ditemukan"),
        ("attachments/rusak.jpg", b"tidak dapat dibaca"),
    ):
        uri = print_uri(name)
        assert words in base64.b64decode(uri.split(",", 1)[1])


def test_the_work_report_annexes_small_copies_of_legacy_photos(replaced: Case, media: Path) -> None:
    assert replaced.opd is not None
    assert replaced.reporter is not None
    incident = Incident.objects.create(
        agency=replaced.agency,
        case=replaced,
        opd=replaced.opd,
        reporter=replaced.reporter,
        location="Ruang server lantai 2",
        problem="Switch mati setelah petir",
        since=replaced.started_at,
        contact_name="Nurlela",
        contact_phone="0812 0000 0000",
    )
    legacy = [
        ("besar.jpg", "image/jpeg", Image.new("RGB", (6000, 4000), "green"), "JPEG"),
        ("raksasa.png", "image/png", Image.new("1", (12000, 12000)), "PNG"),
    ]
    for original_name, content_type, image, kind in legacy:
        buffer = io.BytesIO()
        image.save(buffer, format=kind)
        photo = Attachment(
            agency=replaced.agency,
            incident=incident,
            original_name=original_name,
            content_type=content_type,
            size=len(buffer.getvalue()),
            uploaded_by=replaced.reporter,
        )
        photo.file.save(original_name, ContentFile(buffer.getvalue()))
    current = doc_of(replaced, DocumentType.BERITA_ACARA_PEKERJAAN, version=2)
    corrected = correct(current, User.objects.get(username="bolmut.admin"), "Foto dilampirkan")
    pdf = pdf_bytes(corrected)
    text = pdf_text(pdf)
    assert "Lampiran: Dokumentasi" in text
    assert "terlalu besar untuk dicetak" in text.replace("\n", " ")
    (embedded,) = PdfReader(io.BytesIO(pdf)).pages[-1].images
    assert embedded.image is not None
    assert embedded.image.size == (PRINT_EDGE, 800)
