"""PDF helpers for tests: the text of a PDF (pypdf) and PNG renderings of its pages
(Debian's ``pdftoppm``, from poppler-utils) saved under tests/artifacts/ for people to look at.
With CI=true a missing ``pdftoppm`` fails the test; elsewhere it skips with the reason."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


#: A line broken after the slash of a document number ("500.12/003/Diskominfo/XII/" and
#: "2026" on the next line): the number is read whole again.
_BROKEN_NUMBER = re.compile(r"(?<=[0-9A-Za-z]/)\n(?=[0-9A-Za-z])")


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, whitespace collapsed to single spaces; a document number
    broken across lines after one of its slashes is joined again."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        " ".join(_BROKEN_NUMBER.sub("", page.extract_text() or "").split()) for page in reader.pages
    ]


def pdf_text(pdf: bytes) -> str:
    """The text of the whole PDF, whitespace collapsed."""
    return " ".join(pdf_pages(pdf))


def save_pngs(pdf: bytes, folder: str, name: str, dpi: int = 60) -> list[Path]:
    """Render every page to ``tests/artifacts/<database>/<folder>/<name>-N.png`` (``sqlite``
    or ``postgresql``); returns the paths."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        reason = "pdftoppm is missing (Debian package poppler-utils; `make test` installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
    # A directory per database: ``make pytest`` runs SQLite and PostgreSQL at once, and
    # both would rewrite the same PDF while the other's pdftoppm reads it.
    from django.db import connection

    target = ARTIFACTS / connection.vendor / folder
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob(f"{name}-*.png"):
        old.unlink(missing_ok=True)
    source = target / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run([tool, "-png", "-r", str(dpi), str(source), str(target / name)], check=True)
    return sorted(target.glob(f"{name}-*.png"))
