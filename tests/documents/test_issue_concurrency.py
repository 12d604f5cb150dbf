"""Documents issued at once from eight threads on PostgreSQL: 200 documents get 200
distinct consecutive numbers (issue 5's acceptance), and every one is stored."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from jaga.documents.models import Document
from jaga.documents.services import issue
from jaga.org.models import User
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case, CaseSource, StepInstance
from jaga.workflow.services import complete_step, start_case
from tests.conftest import make_agency
from tests.workflow.conftest import MINI_SOP, add_holder

AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_it_numbers_200_documents_from_eight_threads_consecutively() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from jaga.sop.services import load_definition

    agency = make_agency("paralel")
    unit = agency.orgunit_set.get()
    for code, username, nip in [
        ("kabid", "paralel.kabid", "197001012000031001"),
        ("kasi", "paralel.kasi", "198001012005031002"),
        ("teknisi", "paralel.tek", "199001012015031003"),
    ]:
        add_holder(agency, code, code.title(), unit, username, nip)
    definition = load_definition(agency, MINI_SOP, path="mini.yaml").definition
    reporter = User.objects.get(username="paralel.dinkes")
    case: Case = start_case(definition, source=CaseSource.REPORT, title="Uji", reporter=reporter)
    step = StepInstance.objects.get(case=case, status="open")
    kadis = User.objects.get(username="paralel.kadis")
    complete_step(step, kadis, named=[User.objects.get(username="paralel.kabid")], at=AT)
    spec_step = definition.spec.step(step.step_no)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def issue_many(count: int) -> None:
        try:
            barrier.wait(timeout=10)
            done = StepInstance.objects.get(pk=step.pk)
            for _ in range(count):
                issue(DocumentType.BERITA_ACARA_PEKERJAAN, done, spec_step, kadis, AT)
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue_many, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    issued = Document.objects.filter(
        agency=agency, document_type=DocumentType.BERITA_ACARA_PEKERJAAN.value
    )
    sequences = [sequence or 0 for sequence in issued.values_list("sequence", flat=True)]
    assert sorted(sequences) == list(range(1, 201))
    assert len(set(issued.values_list("number", flat=True))) == 200
