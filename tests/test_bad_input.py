"""Every bad web input of issue 13 (points 2, 6, 8 and 9), replayed against the views with
Django's test client: none may answer 5xx (the client returns the 500 instead of raising, so
a failure shows as a status). Portable: runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from jaga.documents.models import Document, NumberPattern
from jaga.inventory.models import Device, DeviceKind, DeviceStatus, Site
from jaga.monitoring.services import create_agent
from jaga.org.models import Opd
from jaga.sop.schema import DocumentType
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, StepStatus
from tests.conftest import PASSWORD
from tests.incidents.conftest import report
from tests.incidents.test_images import png_claiming

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = str(2**70)
ARABIC_INDIC_NIP = "196712261986031002".translate({48 + d: 0x0660 + d for d in range(10)})
FULL_WIDTH_NIP = "198805122011012003".translate({48 + d: 0xFF10 + d for d in range(10)})
RLO = "\u202e"

#: A reporting SOP whose second step issues a document (point 2: a bad number pattern).
NUMBERED_SOP = """
format: jaga-sop/1
code: bernomor
identity: {nama: Penanganan Gangguan bernomor, instansi: [DINAS UJI]}
start: [report]
lanes:
  - {key: opd, label: OPD Pelapor, reporter: true}
  - {key: kadis, label: Kepala Dinas, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Laporan masuk dari OPD, lane: opd, waktu: 30 menit}
  - {no: 2, kegiatan: Kadis membuat laporan, lane: kadis, waktu: 1 jam, output: Laporan,
     document: laporan_tindak_lanjut}
  - {no: 3, kegiatan: Kadis menutup laporan, lane: kadis, waktu: kondisional}
"""


@dataclass
class Setting:
    agency: Agency
    case: Case
    site: Site
    device: Device
    lost: Document


def client(username: str | None) -> Client:
    """A client in English that returns a server error as a response instead of raising."""
    browser = Client(raise_request_exception=False)
    browser.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    if username is not None:
        assert browser.login(username=username, password=PASSWORD)
    return browser


@pytest.fixture
def world(agency_a: Agency, settings: Settings, tmp_path: Path) -> Setting:
    settings.MEDIA_ROOT = tmp_path
    load_definition(agency_a, NUMBERED_SOP, path="bernomor.yaml")
    opd = Opd.objects.get(agency=agency_a, name="Dinas Kesehatan")
    site = Site.objects.create(agency=agency_a, opd=opd, code="dinkes-pusat", name="Dinkes")
    device = Device.objects.create(
        agency=agency_a,
        site=site,
        name="SW-1",
        kind=DeviceKind.SWITCH,
        status=DeviceStatus.IN_SERVICE,
    )
    case = report(agency_a.users.get(username="alpha.dinkes")).case
    now = timezone.now()
    lost = Document.objects.create(  # rendered once, its file gone since
        agency=agency_a,
        document_type=DocumentType.SURAT_TUGAS.value,
        number=f"9/{now.year}",
        year=now.year,
        sequence=9,
        title="Surat Tugas",
        case=case,
        issued_at=now,
        issued_on=now.date(),
        token="berkas-hilang",
        pdf=f"documents/{agency_a.pk}/{now.year}/hilang.pdf",
        sha256="0" * 64,
        rendered_at=now,
    )
    return Setting(agency_a, case, site, device, lost)


def report_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "location": "Gedung B",
        "problem": "Switch mati",
        "since": (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "contact_name": "Budi Santoso",
        "contact_phone": "0251 8321075",
    }
    data.update(extra)
    return data


def pattern_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "document_type": DocumentType.SURAT_TUGAS.value,
        "pattern": "{urut}/{tahun}",
        "klasifikasi": "",
        "unit_code": "",
        "digits": "0",
    }
    data.update(extra)
    return data


def employee_form(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Budi",
        "nip": "",
        "rank": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "acting-TOTAL_FORMS": "0",
        "acting-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


Replay = Callable[[Setting], int]
REPORT = "incidents:report"


def post(username: str, url: str, data: dict[str, object]) -> int:
    """The status of a POST of ``data`` to ``url`` by ``username``."""
    return client(username).post(url, data).status_code


def get(username: str | None, url: str, query: dict[str, str] | None = None) -> int:
    """The status of a GET of ``url`` with ``query`` by ``username`` (None: anonymous)."""
    return client(username).get(url, query or {}).status_code


def complete_numbered_step(w: Setting) -> int:
    """Point 2: a pattern saved before validation existed, then the step that uses it."""
    NumberPattern.objects.create(
        agency=w.agency,
        document_type=DocumentType.LAPORAN_TINDAK_LANJUT.value,
        pattern="{urut:d}/{tahun}",
        digits=200,
    )
    case = report(w.agency.users.get(username="alpha.dinkes"), sop="bernomor").case
    step = case.steps.get(status=StepStatus.OPEN)
    url = reverse("workflow:act", args=[case.pk, step.pk])
    status = post("alpha.kadis", url, {"note": "Sudah ditangani"})
    assert Document.objects.filter(case=case).exists(), "the step issued no document"
    return status


REPLAYS: dict[str, Replay] = {
    # Point 2: number patterns.
    "pattern with a format spec": lambda w: post(
        "alpha.admin",
        reverse("admin:documents_numberpattern_add"),
        pattern_form(pattern="{urut:d}/{tahun}"),
    ),
    "pattern with a conversion": lambda w: post(
        "alpha.admin",
        reverse("admin:documents_numberpattern_add"),
        pattern_form(pattern="{urut!r}/{tahun}"),
    ),
    "pattern padded to 200 digits": lambda w: post(
        "alpha.admin", reverse("admin:documents_numberpattern_add"), pattern_form(digits="200")
    ),
    "pattern longer than a number": lambda w: post(
        "alpha.admin",
        reverse("admin:documents_numberpattern_add"),
        pattern_form(pattern="{unit}/{unit}/{unit}/{urut}/{tahun}", unit_code="U" * 60),
    ),
    "step with a bad stored pattern": complete_numbered_step,
    # Point 9: since.
    "report since 0001-01-01": lambda w: post(
        "alpha.dinkes", reverse(REPORT), report_form(since="0001-01-01T00:00")
    ),
    "report form ?since=0001-01-01": lambda w: get(
        "alpha.dinkes", reverse(REPORT), {"since": "0001-01-01"}
    ),
    "report since 9999-12-31": lambda w: post(
        "alpha.dinkes", reverse(REPORT), report_form(since="9999-12-31T23:59")
    ),
    # Point 9: ids beyond 64 bits.
    "report sites beyond 64 bits": lambda w: post(
        "alpha.dinkes", reverse(REPORT), report_form(sites=[BEYOND_64_BITS])
    ),
    "report devices beyond 64 bits": lambda w: post(
        "alpha.dinkes", reverse(REPORT), report_form(devices=[str(w.device.pk), BEYOND_64_BITS])
    ),
    "affected sites beyond 64 bits": lambda w: post(
        "alpha.admin",
        reverse("workflow:affected", args=[w.case.pk]),
        {"sites": [BEYOND_64_BITS], "devices": [BEYOND_64_BITS]},
    ),
    "site list opd beyond 64 bits": lambda w: get(
        "alpha.admin", reverse("inventory:sites"), {"opd": BEYOND_64_BITS}
    ),
    "device list filters beyond 64 bits": lambda w: get(
        "alpha.admin",
        reverse("inventory:devices"),
        {"opd": BEYOND_64_BITS, "site": BEYOND_64_BITS, "sites": BEYOND_64_BITS},
    ),
    "link list opd beyond 64 bits": lambda w: get(
        "alpha.admin", reverse("inventory:links"), {"opd": BEYOND_64_BITS}
    ),
    "device export opd beyond 64 bits": lambda w: get(
        "alpha.admin", reverse("inventory:export", args=["devices"]), {"opd": BEYOND_64_BITS}
    ),
    # Point 9: a missing archived PDF.
    "download of a missing archive": lambda w: get(
        "alpha.dinkes", reverse("documents:download", args=[w.lost.pk])
    ),
    "verification of a missing archive": lambda w: get(
        None, reverse("verify", args=[w.lost.token])
    ),
    # Point 9: bidi controls.
    "report problem with U+202E": lambda w: post(
        "alpha.dinkes", reverse(REPORT), report_form(problem=f"Tagihan {RLO}gnp.exe")
    ),
    "report location and contact with U+2066": lambda w: post(
        "alpha.dinkes",
        reverse(REPORT),
        report_form(location="Ruang \u2066A", contact_name="Budi \u200f"),
    ),
    "employee name with U+202E": lambda w: post(
        "alpha.admin", reverse("admin:org_employee_add"), employee_form(name=f"Budi {RLO}x")
    ),
    # Point 9: NIPs.
    "NIP in Arabic-Indic digits": lambda w: post(
        "alpha.admin", reverse("admin:org_employee_add"), employee_form(nip=ARABIC_INDIC_NIP)
    ),
    "NIP in full-width digits": lambda w: post(
        "alpha.admin", reverse("admin:org_employee_add"), employee_form(nip=FULL_WIDTH_NIP)
    ),
    "NIP of another employee of the agency": lambda w: post(
        "alpha.admin",
        reverse("admin:org_employee_add"),
        employee_form(nip="19671226 198603 1 002"),
    ),
    # Point 6: uploads.
    "anonymous 200 MB POST to the verification page": lambda w: (
        client(None)
        .generic(
            "POST",
            reverse("verify_upload"),
            b"x" * 1024,
            content_type="application/pdf",
            CONTENT_LENGTH=str(200 * 1024 * 1024),
        )
        .status_code
    ),
    "report photo of 144 megapixels": lambda w: post(
        "alpha.dinkes",
        reverse(REPORT),
        report_form(photos=[SimpleUploadedFile("besar.png", png_claiming(12_000, 12_000))]),
    ),
    # Point 8: the agents' protocol.
    "agent result with a NUL byte": lambda w: agent_post(w, _nul_body()),
    "agent JSON nested 100,000 deep": lambda w: agent_post(
        w, '{"results": ' + "[" * 100_000 + "]" * 100_000 + "}"
    ),
}


def agent_post(w: Setting, body: str) -> int:
    """The status of ``body`` posted to the agents' results endpoint with a valid token."""
    _, token = create_agent(w.agency, "kecamatan-uji", by=None)
    return (
        client(None)
        .post(
            reverse("monitoring_api:results"),
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        .status_code
    )


def _nul_body() -> str:
    at = timezone.now().timestamp()
    return json.dumps({"results": [{"check": 1, "at": at, "ok": False, "reason": "a\x00b"}]})


@pytest.mark.parametrize("name", list(REPLAYS))
def test_no_bad_input_gets_a_server_error(world: Setting, name: str) -> None:
    status = REPLAYS[name](world)
    assert status < 500, f"{name}: {status}"
