"""``record`` appends from the chain head this process last wrote (issue 19 point 2: two
statements an event instead of three) and reads the stored head again whenever that one
is stale: another process appended, or the transaction that wrote it rolled back."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jaga.audit import services
from jaga.audit.models import ChainHead, Event
from jaga.audit.services import record, verify
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several

pytestmark = pytest.mark.django_db


def statements_of_one_event(agency: Agency, actor: User) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        record(agency=agency, actor=actor, action="step.completed", object_id="9")
    return [query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries]


def failing_step(agency: Agency, actor: User) -> None:
    """A step's transaction that records its event, then fails."""
    with transaction.atomic():
        record(agency=agency, actor=actor, action="step.completed", object_id="lost")
        raise RuntimeError("the step's transaction fails")


def test_it_appends_after_its_own_last_event_without_reading_the_head(
    agency_a: Agency, kadis: User
) -> None:
    record_several(agency_a, 2, kadis)
    assert statements_of_one_event(agency_a, kadis) == ["UPDATE", "INSERT"]
    assert verify(agency_a).ok


def test_it_reads_the_head_again_after_another_process_appended(
    agency_a: Agency, kadis: User
) -> None:
    record_several(agency_a, 2, kadis)
    # Another process's append: this process's memory still holds seq 2.
    services._last_heads.clear()
    record(agency=agency_a, actor=kadis, action="elsewhere.appended")
    services._last_heads[services._head_key(agency_a.pk)] = (
        2,
        Event.objects.get(agency=agency_a, seq=2).hash,
    )
    statements = statements_of_one_event(agency_a, kadis)
    assert statements == ["UPDATE", "SELECT", "UPDATE", "INSERT"]
    assert list(Event.objects.filter(agency=agency_a).values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert verify(agency_a).ok


def test_it_never_chains_to_an_event_that_was_rolled_back(agency_a: Agency, kadis: User) -> None:
    record_several(agency_a, 2, kadis)
    with pytest.raises(RuntimeError):
        failing_step(agency_a, kadis)
    # Memory says seq 3 (rolled back); another writer then takes seq 3 with another hash.
    remembered = services._last_heads[services._head_key(agency_a.pk)]
    assert remembered[0] == 3
    services._last_heads.clear()
    other = record(agency=agency_a, actor=kadis, action="elsewhere.appended")
    services._last_heads[services._head_key(agency_a.pk)] = remembered
    event = record(agency=agency_a, actor=kadis, action="step.completed", object_id="kept")
    assert (event.seq, event.prev_hash) == (4, other.hash)
    head = ChainHead.objects.get(agency=agency_a)
    assert (head.seq, head.hash) == (4, event.hash)
    assert verify(agency_a).ok
