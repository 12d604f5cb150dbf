"""Concurrent appends to one chain: compare-and-set on the head gives one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from jaga.audit import services
from jaga.audit.models import ChainHead, Event
from jaga.audit.services import record, verify
from jaga.tenancy.models import Agency
from tests.conftest import make_agency

THREADS = 8
EACH = 25


@pytest.mark.django_db(transaction=True)
def test_it_numbers_concurrent_appends_without_gaps_or_duplicates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, there is no race to test")
    agency = make_agency("alpha")  # no chain head yet: the first appends race to create it
    attempts: list[int] = []
    real_head = services._head

    def counting_head(agency_id: int) -> tuple[int, str]:
        attempts.append(agency_id)
        return real_head(agency_id)

    monkeypatch.setattr(services, "_head", counting_head)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            mine = Agency.objects.get(pk=agency.pk)
            start.wait()
            for number in range(EACH):
                with transaction.atomic():
                    record(
                        agency=mine,
                        actor=None,
                        action="monitor.state_changed",
                        object_type="monitoring.check",
                        object_id=f"{worker}-{number}",
                        after={"worker": worker, "number": number},
                    )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append, args=(i,)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    total = THREADS * EACH
    seqs = list(Event.objects.filter(agency=agency).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    assert Event.objects.values("object_id").distinct().count() == total
    assert ChainHead.objects.get(agency=agency).seq == total
    result = verify()
    assert (result.ok, result.events_checked, result.chains) == (True, total, 1)
    assert len(attempts) > total, "the writers really raced (some compare-and-set failed)"
