"""A step that issues a document completes whatever the agency's number pattern is
(issue 13 point 2): a bad pattern saved before patterns were validated gives the default
number and a warning."""

from __future__ import annotations

import logging

import pytest
from django.utils import timezone

from jaga.documents.models import Document, NumberPattern
from jaga.sop.schema import DocumentType
from jaga.workflow.models import CaseSource
from jaga.workflow.services import complete_step, open_step, start_case
from tests.workflow.conftest import World


@pytest.mark.django_db
def test_a_step_issuing_a_document_completes_despite_a_bad_pattern(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    NumberPattern.objects.create(
        agency=world.agency,
        document_type=DocumentType.LEMBAR_DISPOSISI.value,
        pattern="{urut}/{tahun}",
        digits=200,
    )
    now = timezone.now()
    case = start_case(
        world.definition,
        source=CaseSource.REPORT,
        title="Internet mati",
        reporter=world.reporter,
        at=now,
    )
    step = open_step(case)
    assert step is not None
    with caplog.at_level(logging.WARNING, logger="jaga.documents.numbering"):
        complete_step(step, world.kadis, named=[world.kabid], at=now)
    document = Document.objects.get(case=case)
    assert document.number == f"1/{document.year}"
    assert "cannot be used" in caplog.text
