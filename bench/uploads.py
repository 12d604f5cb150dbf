"""Benchmark of report photos (issue 13 point 6): intake re-encoding and the Berita Acara
Pekerjaan with five photos.

Run: ``.venv/bin/python -m bench.uploads [--repeats 3] [--giant]`` (no database needed).

Each scenario runs in its own process, so that its peak resident memory (``ru_maxrss``) is
its own; each process renders one Berita Acara first to load WeasyPrint and the fonts,
then times the scenario (median of ``--repeats``). The reference, measured in the same run,
is the same Berita Acara without photos; every figure is also printed as a ratio to it.

Scenarios:

- ``reference``: the Berita Acara Pekerjaan without photos.
- ``intake``: five 6,000 x 4,000 camera JPEGs (24 megapixels, EXIF orientation, GPS)
  re-encoded as intake does (``jaga.incidents.images.reencode``): time for the five.
- ``five-photos``: the Berita Acara with those five stored photos (2,560 px) in its annex.
- ``five-legacy``: the same with five photos stored before intake re-encoded them: four
  6,000 x 4,000 JPEGs and one 12,000 x 12,000 PNG, each as uploaded.
- ``giant-as-before`` (only with ``--giant``; about 25 s and more than 1 GB): one 12,000 x
  12,000 PNG handed to WeasyPrint as the file itself, as the annex did before.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIOS = ("reference", "intake", "five-photos", "five-legacy")


def camera_jpeg(size: tuple[int, int] = (6000, 4000)) -> bytes:
    """A smooth gradient photo with mild noise, EXIF orientation 6 and a GPS position."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 12)
    image = Image.merge("RGB", (gradient, noise, Image.eval(gradient, lambda v: 255 - v)))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (0.0, 31.0, 12.5), 3: "E", 4: (109.0, 20.0, 1.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif)
    return out.getvalue()


def giant_png() -> bytes:
    """A 12,000 x 12,000 RGB PNG of one colour (small in bytes, 432 MB decoded)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (12000, 12000), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _document(photos: list[str]) -> Any:
    """An unsaved Berita Acara Pekerjaan with a plausible frozen content and ``photos``."""
    from jaga.documents.models import Document

    party = {"name": "Rahmat Hidayat", "nip": "198703152010011002", "position": "Teknisi"}
    content = {
        "kop": {
            "headings": ["PEMERINTAH KABUPATEN UJI", "DINAS KOMUNIKASI DAN INFORMATIKA"],
            "details": ["Jl. Merdeka No. 1, Telp. (0434) 21000"],
            "logo": "",
        },
        "title": "BERITA ACARA PEKERJAAN",
        "place": "Kabupaten Uji",
        "date": "24 November 2026",
        "opening": "Pada hari ini Selasa tanggal dua puluh empat bulan November tahun dua "
        "ribu dua puluh enam",
        "case": {
            "opd": "Dinas Kesehatan",
            "location": "Ruang server",
            "problem": "Switch mati",
            "title": "Switch mati",
        },
        "signer": party,
        "parties": [party, {**party, "name": "Nurlela", "position": "Kepala Dinas"}],
        "fields": [{"label": "Pekerjaan", "value": "Switch diganti"}],
        "items": [],
        "mengetahui": party,
        "basis": "laporan gangguan",
        "photos": photos,
    }
    return Document(
        document_type="berita_acara_pekerjaan",
        number="000.8.3.3/1/Diskominfo/XI/2026",
        version=1,
        content=content,
        token="bench-uploads",
    )


def _old_render(document: Any) -> bytes:
    """The annex as it was before issue 13 point 6: the stored files themselves."""
    from django.conf import settings

    from jaga.documents.pdf import render_pdf
    from jaga.documents.qr import qr_svg
    from jaga.documents.services import template_for, verify_url

    url = verify_url(document)
    root = Path(settings.MEDIA_ROOT).resolve()
    context = {
        "doc": document.content,
        "number": document.number,
        "version": 1,
        "supersedes": "",
        "verify_url": url,
        "qr": qr_svg(url),
        "logo_uri": "",
        "photo_uris": [(root / name).as_uri() for name in document.content["photos"]],
    }
    return render_pdf(template_for(document.document_type), context)


def _store(media: Path, name: str, content: bytes) -> str:
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return name


def _median(call: Any, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def prepare(media: Path) -> None:
    """Write the photos every scenario reads (made here, so that making them counts in no
    scenario's memory): a camera JPEG, the file intake stores for it, and a giant PNG."""
    os.environ["JAGA_DATA_DIR"] = tempfile.mkdtemp(prefix="jaga-bench-uploads-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jaga.settings"
    import django

    django.setup()
    from jaga.incidents.images import reencode

    photo = camera_jpeg()
    _store(media, "camera.jpg", photo)
    _store(media, "stored.jpg", reencode(io.BytesIO(photo)).content)
    _store(media, "giant.png", giant_png())


def scenario(name: str, media: Path, repeats: int) -> dict[str, Any]:
    """Run one scenario in this process over the photos in ``media``; returns seconds
    (median) and the process's peak RSS in MB."""
    os.environ["JAGA_DATA_DIR"] = tempfile.mkdtemp(prefix="jaga-bench-uploads-")
    os.environ["JAGA_MEDIA_DIR"] = str(media)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jaga.settings"
    import django

    django.setup()
    from jaga.documents.services import render
    from jaga.incidents.images import reencode

    render(_document([]))  # load WeasyPrint, Pango and the fonts
    documents = {
        "reference": _document([]),
        "five-photos": _document(["stored.jpg"] * 5),
        "five-legacy": _document(["camera.jpg"] * 4 + ["giant.png"]),
    }
    pdf_size = 0
    if name == "intake":
        photo = (media / "camera.jpg").read_bytes()
        seconds = _median(lambda: [reencode(io.BytesIO(photo)) for _ in range(5)], repeats)
    elif name == "giant-as-before":
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = 89_478_485  # Pillow's default, as before (it only warns)
        document = _document(["giant.png"])
        seconds = _median(lambda: _old_render(document), 1)
    elif name in documents:
        document = documents[name]
        seconds = _median(lambda: render(document), repeats)
        pdf_size = len(render(document))
    else:
        raise SystemExit(f"unknown scenario {name!r}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"scenario": name, "seconds": seconds, "peak_mb": peak_mb, "pdf_bytes": pdf_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--giant", action="store_true", help="also the annex as it was before")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.scenario == "prepare":
        prepare(Path(options.media))
        return
    if options.scenario:
        print(json.dumps(scenario(options.scenario, Path(options.media), options.repeats)))
        return
    media = Path(tempfile.mkdtemp(prefix="jaga-bench-uploads-media-"))
    subprocess.run(
        [sys.executable, "-m", "bench.uploads", "--scenario", "prepare", "--media", str(media)],
        check=True,
    )
    names = [*SCENARIOS, *(["giant-as-before"] if options.giant else [])]
    results = []
    for name in names:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.uploads",
                "--scenario",
                name,
                "--media",
                str(media),
                "--repeats",
                str(options.repeats),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    shutil.rmtree(media, ignore_errors=True)
    reference = results[0]
    print(f"{'scenario':<16} {'seconds':>8} {'x ref':>7} {'peak MB':>8} {'x ref':>7} {'PDF KB':>7}")
    for result in results:
        print(
            f"{result['scenario']:<16} {result['seconds']:8.2f} "
            f"{result['seconds'] / reference['seconds']:7.1f} {result['peak_mb']:8.0f} "
            f"{result['peak_mb'] / reference['peak_mb']:7.2f} "
            + (f"{result['pdf_bytes'] / 1024:7.0f}" if result["pdf_bytes"] else f"{'-':>7}")
        )


if __name__ == "__main__":
    main()
