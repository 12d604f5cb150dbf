"""``jaga run`` collects the static files only when their sources changed
(``jaga.web.collected``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from jaga.web.collected import FINGERPRINT_FILE, collect_static

# Hashing without compressing: the same manifest logic, a fraction of the time.
MANIFEST = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """An extra static source directory holding ``extra/site.css``."""
    directory = tmp_path / "sources"
    (directory / "extra").mkdir(parents=True)
    (directory / "extra" / "site.css").write_text("body { color: black; }\n")
    return directory


@pytest.fixture
def root(tmp_path: Path, sources: Path) -> Iterator[Path]:
    """A fresh STATIC_ROOT with ``sources`` among the static sources."""
    static_root = tmp_path / "static"
    static_root.mkdir()
    with override_settings(STATIC_ROOT=static_root, STATICFILES_DIRS=[sources], STORAGES=MANIFEST):
        yield static_root


def test_it_collects_on_the_first_start_and_skips_while_nothing_changed(root: Path) -> None:
    assert collect_static() is True
    assert (root / "staticfiles.json").exists()
    assert list((root / "extra").glob("site.*.css"))
    assert collect_static() is False
    assert collect_static() is False


def test_it_collects_again_when_a_source_changes(root: Path, sources: Path) -> None:
    collect_static()
    css = sources / "extra" / "site.css"
    css.write_text("body { color: navy; }\n")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert collect_static() is True
    hashed = {path.read_text() for path in (root / "extra").glob("site.*.css")}
    assert "body { color: navy; }\n" in hashed


def test_it_collects_again_when_a_source_is_added(root: Path, sources: Path) -> None:
    collect_static()
    (sources / "extra" / "print.css").write_text("@page { size: A4; }\n")
    assert collect_static() is True
    assert list((root / "extra").glob("print.*.css"))


def test_it_collects_again_after_a_run_cut_short_or_a_lost_manifest(root: Path) -> None:
    collect_static()
    (root / FINGERPRINT_FILE).unlink()  # killed before the fingerprint was written
    assert collect_static() is True
    (root / "staticfiles.json").unlink()
    assert collect_static() is True
    assert (root / "staticfiles.json").exists()
