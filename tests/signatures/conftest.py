"""Fixtures of the TTE tests: a test PKI (made once per session), the trust bundle
setting, the fake esign-client on loopback, and a Lembar Disposisi issued by agency
alpha's Kepala Dinas whose archived PDF prints the signature tag."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from pytest_django.fixtures import Settings

from jaga.documents.models import Document, ReportType
from jaga.documents.pdf import font_face_css, html_to_pdf
from jaga.org.models import User
from jaga.signatures.models import ApiVersion, EsignClient, Signer
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case
from tests.incidents.conftest import load_report_sop, report
from tests.signatures.fake_esign import PASSWORD, USERNAME, FakeEsign, serve
from tests.signatures.pki import NIK_KADIS, Pki, make_pki

_PDF_HTML = """<!doctype html><html><head><style>{fonts}
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: 'Liberation Sans'; font-size: 11pt; }}
.tte-tag {{ color: white; font-size: 2pt; }}
.space {{ height: 70pt; }}
</style></head><body>
<h1>LEMBAR DISPOSISI</h1><p>Nomor: 1/2026</p>
<p>Diteruskan kepada: Kepala Bidang</p>
<div style="margin-left: 55%"><p>Kepala Dinas</p>
<div class="space"><span class="tte-tag">#ttd#</span></div>
<p>Kadis alpha</p><p>NIP. 19671226 198603 1 002</p></div>
</body></html>"""


@pytest.fixture(scope="session")
def pki() -> Pki:
    return make_pki("Kadis alpha")


@pytest.fixture(scope="session")
def base_pdf() -> bytes:
    """A PDF rendered by WeasyPrint like Jaga's documents, with the invisible tag."""
    return html_to_pdf(_PDF_HTML.format(fonts=font_face_css()))


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def trusted(settings: Settings, tmp_path: Path, pki: Pki) -> Path:
    """``JAGA_TTE_TRUST_ROOTS`` names a bundle holding the test root only."""
    path = pki.write_roots(tmp_path)
    settings.JAGA_TTE_TRUST_ROOTS = str(path)
    return path


@pytest.fixture
def fake(pki: Pki) -> Iterator[FakeEsign]:
    with serve(pki) as server:
        yield server


@pytest.fixture
def kadis(agency_a: Agency) -> User:
    user = User.objects.get(username="alpha.kadis")
    Signer.objects.create(agency=agency_a, user=user, nik=NIK_KADIS)
    return user


def make_client(agency: Agency, url: str, version: int, timeout: int = 20) -> EsignClient:
    return EsignClient.objects.create(
        agency=agency,
        base_url=url,
        api_version=version,
        username=USERNAME,
        password=PASSWORD,
        seal_id_subscriber="SUB-0001" if version == ApiVersion.V2 else "",
        timeout_seconds=timeout,
    )


def archived_document(
    agency: Agency, pdf: bytes, *, issued_by: User | None, case: Case | None = None, kind: str = ""
) -> Document:
    """A document whose archived PDF is ``pdf`` (rendered already)."""
    now = timezone.now()
    sequence = Document.objects.filter(agency=agency).count() + 1
    name = default_storage.save(
        f"documents/{agency.pk}/{now.year}/tte-{sequence}.pdf", ContentFile(pdf)
    )
    return Document.objects.create(
        agency=agency,
        document_type=kind or DocumentType.LEMBAR_DISPOSISI.value,
        number=f"{sequence}/{now.year}",
        year=now.year,
        sequence=sequence,
        title="Lembar Disposisi" if case is not None else "Laporan Berkala",
        case=case,
        issued_at=now,
        issued_on=now.date(),
        issued_by=issued_by,
        content={"signer": {"name": "Kadis alpha", "position": "Kepala Dinas", "nip": ""}},
        token=f"tte-token-{sequence}-{agency.pk}",
        pdf=name,
        sha256=hashlib.sha256(pdf).hexdigest(),
        rendered_at=now,
    )


@pytest.fixture
def disposisi(agency_a: Agency, kadis: User, media: Path, base_pdf: bytes) -> Document:
    """A Lembar Disposisi of a case of agency alpha, issued by its Kepala Dinas."""
    load_report_sop(agency_a)
    case = report(agency_a.users.get(username="alpha.dinkes")).case
    return archived_document(agency_a, base_pdf, issued_by=kadis, case=case)


@pytest.fixture
def laporan(agency_a: Agency, media: Path, base_pdf: bytes) -> Document:
    """A report document of agency alpha (no case): it gets the agency's e-seal."""
    return archived_document(
        agency_a,
        base_pdf,
        issued_by=agency_a.users.get(username="alpha.admin"),
        kind=ReportType.LAPORAN_BERKALA.value,
    )
