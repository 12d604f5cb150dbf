"""Agencies with a reporting SOP, uploads made in memory, and MEDIA_ROOT in a temporary
directory (no test writes into the data directory)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pytest_django.fixtures import Settings

from jaga.incidents.models import Incident
from jaga.incidents.services import report_disruption
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from tests.conftest import PASSWORD

REPORT_SOP = """
format: jaga-sop/1
code: {code}
identity: {{nama: Penanganan Gangguan {code}, instansi: [DINAS UJI]}}
start: [report]
lanes:
  - {{key: opd, label: OPD Pelapor, reporter: true}}
  - {{key: kadis, label: Kepala Dinas, positions: [kadis]}}
steps:
  - {{no: 1, kegiatan: Laporan masuk dari OPD, lane: opd, waktu: 30 menit}}
  - {{no: 2, kegiatan: Kadis menerima laporan, lane: kadis, waktu: 1 jam}}
  - {{no: 3, kegiatan: Kadis menutup laporan, lane: kadis, waktu: kondisional}}
"""

ROUND_SOP = """
format: jaga-sop/1
code: aaa-rutin
identity: {nama: Pengecekan rutin, instansi: [DINAS UJI]}
start: [schedule, manual]
lanes:
  - {key: kadis, label: Kepala Dinas, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Cek, lane: kadis, waktu: 1 jam}
"""


def load_report_sop(agency: Agency, code: str = "gangguan") -> SopDefinition:
    return load_definition(agency, REPORT_SOP.format(code=code), path=f"{code}.yaml").definition


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def sop_a(agency_a: Agency) -> SopDefinition:
    """Agency alpha's reporting SOP (and a routine SOP that never starts from a report)."""
    load_definition(agency_a, ROUND_SOP, path="rutin.yaml")
    return load_report_sop(agency_a)


@pytest.fixture
def sop_b(agency_b: Agency) -> SopDefinition:
    return load_report_sop(agency_b)


@pytest.fixture
def reporter(agency_a: Agency) -> User:
    return User.objects.get(username="alpha.dinkes")


@pytest.fixture
def other_opd_user(agency_a: Agency) -> User:
    """A user of another OPD of agency alpha."""
    opd = Opd.objects.create(agency=agency_a, name="Kecamatan Tengah", abbreviation="Kec. Tengah")
    return User.objects.create_user("alpha.kecamatan", password=PASSWORD, agency=agency_a, opd=opd)


def image_bytes(kind: str = "JPEG", size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


def upload(name: str = "router.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, image_bytes() if content is None else content, content_type="image/jpeg"
    )


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def report(
    user: User, *, problem: str = "Internet mati di ruang pelayanan", **extra: object
) -> Incident:
    """A report by ``user`` with sensible defaults; ``extra`` overrides any argument."""
    arguments: dict[str, object] = {
        "location": "Gedung A lantai 2",
        "problem": problem,
        "since": timezone.now() - dt.timedelta(hours=1),
        "contact_name": "Siti Aminah",
        "contact_phone": "0812 3456 7890",
    }
    arguments.update(extra)
    return report_disruption(user, **arguments)  # type: ignore[arg-type]


def client_for(username: str | None) -> Client:
    """A client in English, logged in as ``username`` (anonymous for None)."""
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if username is not None:
        assert client.login(username=username, password=PASSWORD)
    return client
