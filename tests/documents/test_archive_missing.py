"""A document whose archived PDF is missing from the media storage (a lost disk, a partial
restore) answers a clear page in Jaga's layout, 410 Gone, and logs an error, on both the
download and the public verification page (issue 13 point 9)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from jaga.documents.models import Document
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from tests.incidents.conftest import client_for, load_report_sop, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost(agency_a: Agency, settings: Settings, tmp_path: Path) -> Document:
    """A rendered document of a case reported by ``alpha.dinkes`` whose file is gone."""
    settings.MEDIA_ROOT = tmp_path
    load_report_sop(agency_a)
    case = report(agency_a.users.get(username="alpha.dinkes")).case
    now = timezone.now()
    return Document.objects.create(
        agency=agency_a,
        document_type=DocumentType.SURAT_TUGAS.value,
        number=f"7/{now.year}",
        year=now.year,
        sequence=7,
        title="Surat Tugas",
        case=case,
        issued_at=now,
        issued_on=now.date(),
        token="hilang-token",
        pdf=f"documents/{agency_a.pk}/{now.year}/hilang.pdf",
        sha256="0" * 64,
        rendered_at=now,
    )


@pytest.mark.parametrize("page", ["download", "verify"])
def test_it_explains_a_missing_archived_pdf_instead_of_failing(
    lost: Document, page: str, caplog: pytest.LogCaptureFixture
) -> None:
    if page == "download":
        client = client_for("alpha.dinkes")
        url = reverse("documents:download", args=[lost.pk])
    else:
        client = client_for(None)
        url = reverse("verify", args=[lost.token])
    with caplog.at_level(logging.ERROR, logger="jaga.documents.views"):
        response = client.get(url)
    assert response.status_code == 410
    page_text = response.content.decode()
    assert "its archived PDF file is missing" in page_text
    assert "contact the administrator" in page_text
    assert "<html" in page_text  # Jaga's layout, not a bare message
    assert "hilang.pdf" in caplog.text
