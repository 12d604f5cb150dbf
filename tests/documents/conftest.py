"""Fixtures of the document tests: seed 003 run to the end along the replacement branch,
and helpers to find its documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from jaga.documents.models import Document, NumberPattern
from jaga.org.models import Employee
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case
from tests.workflow.seeds_support import run
from tests.workflow.test_seeds import BOLMUT_REPLACED


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """A media directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def replaced(demo_data: None, db: None, media: Path) -> Case:
    """Seed 003 run to the end through the replacement branch (step 11 done twice), with
    the agency's Berita Acara Pekerjaan numbered by a pattern (the demo loaded once for
    the module)."""
    agency = Agency.objects.get(slug="bolmut")
    NumberPattern.objects.update_or_create(
        agency=agency,
        document_type=DocumentType.BERITA_ACARA_PEKERJAAN.value,
        defaults={
            "pattern": "{klasifikasi}/{urut}/{unit}/{bulan_romawi}/{tahun}",
            "klasifikasi": "000.8.3.3",
            "unit_code": "Diskominfo",
            "digits": 3,
        },
    )
    return run(BOLMUT_REPLACED)


def doc_of(case: Case, document_type: DocumentType, version: int = 1) -> Document:
    """The first document of ``document_type`` in ``case`` at ``version``."""
    document = (
        case.documents.filter(document_type=document_type.value, version=version)
        .order_by("pk")
        .first()
    )
    assert document is not None
    return document


def name_of(username: str) -> str:
    """The printed name (with titles) of the employee who logs in as ``username``."""
    return Employee.objects.get(user__username=username).name
