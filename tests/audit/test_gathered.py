"""``record`` inside a ``jaga.deferred.gathering()`` (every SOP engine call opens one): the
call's events are chained in memory and written at its end with one move of the head and
one insert, in the order recorded, per agency (issue 19 point 2)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jaga import deferred
from jaga.audit.models import Event
from jaga.audit.services import _stored_hash, record, verify
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several

pytestmark = pytest.mark.django_db


def kinds(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries]


def test_it_writes_a_calls_events_with_one_head_move_and_one_insert(
    agency_a: Agency, kadis: User
) -> None:
    record_several(agency_a, 2, kadis)
    with CaptureQueriesContext(connection) as captured, deferred.gathering():
        first = record(agency=agency_a, actor=kadis, action="step.completed", object_id="1")
        second = record(agency=agency_a, actor=kadis, action="document.issued", object_id="2")
        third = record(agency=agency_a, actor=None, action="case.closed", object_id="3")
        assert Event.objects.filter(agency=agency_a).count() == 2  # nothing written yet
        assert first.seq is None
    assert kinds(captured) == ["SELECT", "UPDATE", "INSERT"]  # the count, then the append
    stored = list(Event.objects.filter(agency=agency_a).order_by("seq"))
    assert [(e.seq, e.action) for e in stored[2:]] == [
        (3, "step.completed"),
        (4, "document.issued"),
        (5, "case.closed"),
    ]
    # The returned events carry what was stored, as a lone ``record`` would have.
    assert [(e.seq, e.prev_hash, e.hash) for e in (first, second, third)] == [
        (e.seq, e.prev_hash, e.hash) for e in stored[2:]
    ]
    assert stored[3].prev_hash == stored[2].hash
    assert verify(agency_a).ok


def test_it_hashes_gathered_events_as_lone_ones_are_hashed(agency_a: Agency, kadis: User) -> None:
    with deferred.gathering():
        record(agency=agency_a, actor=kadis, action="step.completed", after={"n": 1})
        record(agency=agency_a, actor=kadis, action="step.completed", after={"n": 2})
    record(agency=agency_a, actor=kadis, action="step.completed", after={"n": 3})
    stored = list(Event.objects.filter(agency=agency_a).order_by("seq"))
    assert [event.after for event in stored] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert all(event.hash == _stored_hash(event) for event in stored)
    assert stored[2].prev_hash == stored[1].hash  # a lone event chains onto gathered ones


def test_it_keeps_each_agencys_chain_apart(agency_a: Agency, agency_b: Agency, kadis: User) -> None:
    with deferred.gathering():
        record(agency=agency_a, actor=None, action="a.first")
        record(agency=agency_b, actor=None, action="b.first")
        record(agency=agency_a, actor=None, action="a.second")
    assert list(
        Event.objects.filter(agency=agency_a).order_by("seq").values_list("seq", "action")
    ) == [(1, "a.first"), (2, "a.second")]
    assert list(Event.objects.filter(agency=agency_b).values_list("seq", "action")) == [
        (1, "b.first")
    ]
    assert verify(agency_a).ok
    assert verify(agency_b).ok


def test_it_writes_nothing_of_a_call_that_fails(agency_a: Agency, kadis: User) -> None:
    record_several(agency_a, 1, kadis)

    def failing_call() -> None:
        with transaction.atomic(), deferred.gathering():
            record(agency=agency_a, actor=kadis, action="step.completed", object_id="lost")
            raise RuntimeError("the step fails after recording")

    with pytest.raises(RuntimeError):
        failing_call()
    record(agency=agency_a, actor=kadis, action="step.completed", object_id="kept")
    assert list(Event.objects.filter(agency=agency_a).values_list("seq", "object_id")) == [
        (1, "1"),
        (2, "kept"),
    ]
    assert verify(agency_a).ok


def test_it_refuses_a_bad_event_when_recorded_not_at_the_end(agency_a: Agency) -> None:
    with deferred.gathering(), pytest.raises(ValueError, match="action is required"):
        record(agency=agency_a, actor=None, action="")
