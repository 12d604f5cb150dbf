"""Report photos are re-encoded on intake (issue 13 point 6): stored upright, without EXIF,
at most 2,560 px on the long edge; over 40 megapixels refused from the header alone.

The test images are small in bytes: solid colours compress to almost nothing, and the
oversized ones are PNGs whose header claims a size their pixels never reach."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from jaga.incidents import images
from jaga.incidents.models import Attachment, Incident
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.workflow.errors import InvalidInput
from tests.incidents.conftest import client_for, files_under, report, upload
from tests.incidents.test_report_view import URL, form_data

pytestmark = pytest.mark.django_db

ORIENTATION, MAKE, GPS_IFD = 0x0112, 0x010F, 0x8825
RED, BLUE = (220, 0, 0), (0, 0, 220)


def camera_jpeg(size: tuple[int, int] = (3000, 1000), orientation: int = 6) -> bytes:
    """A blue JPEG with a red top-left corner, as a phone held upright saves it: the
    pixels sideways and the EXIF ``Orientation`` saying how to turn them, plus a camera
    make and a GPS position."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "Samsung"
    exif[GPS_IFD] = {1: "N", 2: (0.0, 31.0, 12.5), 3: "E", 4: (109.0, 20.0, 1.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A 1-bit PNG whose header says ``width`` x ``height`` but whose data is one row: a
    few hundred bytes that Pillow identifies without decoding a pixel."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" + b"\0" * ((width + 7) // 8))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any image's pixels are decoded."""

    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def test_it_stores_the_photo_upright_without_exif_and_at_most_2560_px(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    sent = camera_jpeg()
    with Image.open(io.BytesIO(sent)) as original:
        assert original.getexif().get_ifd(GPS_IFD), "the test photo carries a GPS position"
    item = report(reporter, photos=[upload("tiang.jpg", sent)]).attachments.get()
    stored = (media / item.file.name).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        # 3000 x 1000 turned upright is 1000 x 3000, scaled to 2560 on the long edge.
        assert image.size == (853, 2560)
        exif = image.getexif()
        assert ORIENTATION not in exif
        assert MAKE not in exif
        assert not exif.get_ifd(GPS_IFD)
        assert b"Samsung" not in stored
        # Orientation 6 means "turn 90 degrees clockwise": the red corner, top left in the
        # pixels as saved, is now top right.
        rgb = image.convert("RGB")
        assert _near(rgb.getpixel((image.width - 5, 5)), RED)
        assert _near(rgb.getpixel((5, 5)), BLUE)
    assert (item.content_type, item.size) == ("image/jpeg", len(stored))


def _near(pixel: object, colour: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(int(a) - b) < 40 for a, b in zip(pixel, colour, strict=True))


def test_it_keeps_a_small_photo_at_its_size(sop_a: SopDefinition, reporter: User) -> None:
    item = report(reporter, photos=[upload("kecil.jpg", camera_jpeg((640, 480), 1))])
    with item.attachments.get().file.open("rb") as handle, Image.open(handle) as image:
        assert image.size == (640, 480)


def test_it_keeps_transparency_as_png(sop_a: SopDefinition, reporter: User) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (3000, 200), (0, 0, 0, 0)).save(out, format="PNG")
    item = report(reporter, photos=[upload("denah.png", out.getvalue())]).attachments.get()
    assert item.content_type == "image/png"
    assert item.file.name.endswith(".png")
    with item.file.open("rb") as handle, Image.open(handle) as image:
        assert (image.mode, image.size) == ("RGBA", (2560, 171))


def test_it_refuses_a_photo_over_40_megapixels_without_decoding_it(
    sop_a: SopDefinition, reporter: User, media: Path, no_decoding: None
) -> None:
    over = png_claiming(8000, 6000)
    assert len(over) < 2000
    with pytest.raises(InvalidInput) as caught:
        report(reporter, photos=[upload("besar.png", over)])
    assert caught.value.errors["photos"] == (
        "besar.png has 48.0 megapixels: photos of at most 40 megapixels are accepted. "
        "Send a smaller photo."
    )
    assert not Incident.objects.exists()
    assert files_under(media) == []


def test_it_refuses_a_decompression_bomb_by_its_header(no_decoding: None) -> None:
    """Above twice the limit Pillow itself refuses to open the file; still a clear refusal."""
    with pytest.raises(images.TooManyPixels) as caught:
        images.inspect(io.BytesIO(png_claiming(100_000, 100_000)))
    assert caught.value.megapixels == 10_000


def test_it_accepts_exactly_40_megapixels_and_refuses_one_row_more(no_decoding: None) -> None:
    header = images.inspect(io.BytesIO(png_claiming(8000, 5000)))
    assert (header.format, header.width, header.height) == ("PNG", 8000, 5000)
    with pytest.raises(images.TooManyPixels):
        images.inspect(io.BytesIO(png_claiming(8000, 5001)))


def test_it_shows_the_megapixel_refusal_as_a_field_error(sop_a: SopDefinition) -> None:
    response = client_for("alpha.dinkes").post(
        URL, form_data(photos=[upload("drone.png", png_claiming(9000, 9000))])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == [
        "drone.png has 81.0 megapixels: photos of at most 40 megapixels are accepted. "
        "Send a smaller photo."
    ]
    assert not Attachment.objects.exists()


def test_it_refuses_a_truncated_jpeg_that_fails_only_when_decoded(
    sop_a: SopDefinition, reporter: User, media: Path
) -> None:
    import weasyprint  # noqa: F401  it allows truncated images in the whole process

    out = io.BytesIO()
    Image.effect_noise((400, 400), 60).convert("RGB").save(out, format="JPEG")
    cut = out.getvalue()[: len(out.getvalue()) // 2]
    images.inspect(io.BytesIO(cut))  # the header is fine
    with pytest.raises(InvalidInput) as caught:
        report(reporter, photos=[upload("rusak.jpg", cut)])
    assert caught.value.errors["photos"] == (
        "rusak.jpg is not a photo: send a JPEG, PNG or WebP image."
    )
    assert files_under(media) == []


def test_it_refuses_a_gif_whose_header_claims_billions_of_pixels(no_decoding: None) -> None:
    with pytest.raises(images.NotAPhoto):
        images.inspect(io.BytesIO(b"GIF89a\xff\xff\xff\xff" + b"\0" * 100))
