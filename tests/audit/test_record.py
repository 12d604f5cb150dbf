"""``record``: numbering, chaining, what is stored and hashed, and the arguments it refuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import uuid
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from jaga.audit.models import GENESIS_HASH, ChainHead, Event
from jaga.audit.services import history, record, verify
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency, DayOff

pytestmark = pytest.mark.django_db


def test_it_numbers_an_agencys_events_from_one(chain: list[Event]) -> None:
    assert [event.seq for event in chain] == [1, 2, 3, 4, 5]
    assert list(Event.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]


def test_it_links_each_event_to_the_previous_ones_hash(
    agency_a: Agency, chain: list[Event]
) -> None:
    assert chain[0].prev_hash == GENESIS_HASH == "0" * 64
    for previous, event in itertools.pairwise(chain):
        assert event.prev_hash == previous.hash
    assert len({event.hash for event in chain}) == 5
    head = ChainHead.objects.get(agency=agency_a)
    assert (head.seq, head.hash) == (5, chain[-1].hash)


def test_it_follows_the_documented_hash_recipe(agency_a: Agency, kadis: User) -> None:
    at = dt.datetime(2026, 11, 23, 8, 30, 0, 250000, tzinfo=ZoneInfo("Asia/Jakarta"))
    event = record(
        agency=agency_a,
        actor=kadis,
        action="step.completed",
        object_type="workflow.step",
        object_id="42",
        before={"status": "open"},
        after={"status": "done", "catatan": "Selesai ✓", "jumlah": Decimal("1.50")},
        on_behalf_of="Plh Kepala Dinas",
        at=at,
    )
    text = (
        f'{{"action":"step.completed","actor_id":{kadis.pk},"actor_label":"alpha.kadis",'
        '"after":{"catatan":"Selesai ✓","jumlah":"1.50","status":"done"},'
        f'"agency_id":{agency_a.pk},"at":"2026-11-23T01:30:00.250000+00:00",'
        '"before":{"status":"open"},"object_id":"42","object_type":"workflow.step",'
        f'"on_behalf_of":"Plh Kepala Dinas","prev_hash":"{"0" * 64}","seq":1}}'
    )
    assert event.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_it_stores_exactly_what_it_hashed(agency_a: Agency, kadis: User) -> None:
    when = dt.datetime(2026, 11, 23, 9, 15, 30, 123456, tzinfo=ZoneInfo("Asia/Makassar"))
    after: dict[Any, Any] = {
        "due_at": when,
        "cost": Decimal("1250000.50"),
        "ref": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "day": dt.date(2026, 11, 23),
        "steps": [1, 2.5, None, True],
        7: "a non-string key",
    }
    event = record(agency=agency_a, actor=kadis, action="case.started", after=after)
    expected = {
        "due_at": "2026-11-23T01:15:30.123456+00:00",
        "cost": "1250000.50",
        "ref": "12345678-1234-5678-1234-567812345678",
        "day": "2026-11-23",
        "steps": [1, 2.5, None, True],
        "7": "a non-string key",
    }
    assert event.after == expected
    stored = Event.objects.get(pk=event.pk)
    assert stored.after == expected
    assert stored.before is None
    assert stored.at == event.at
    assert verify(agency_a).ok


def test_it_keeps_numbers_stable_through_the_database(agency_a: Agency) -> None:
    """PostgreSQL's jsonb stores numbers as numeric; what comes back still hashes the same."""
    after = {"big": 1e20, "tiny": 1.5e-7, "zero": -0.0, "pi": 3.141592653589793, "n": 10**30}
    event = record(agency=agency_a, actor=None, action="monitor.sampled", after=after)
    assert Event.objects.get(pk=event.pk).after == event.after
    assert event.after == {
        "big": 10**20,
        "tiny": 1.5e-7,
        "zero": 0.0,
        "pi": 3.141592653589793,
        "n": 10**30,
    }
    assert verify(agency_a).ok


def test_it_stores_the_time_in_utc_with_microseconds(agency_a: Agency) -> None:
    at = dt.datetime(2026, 11, 23, 7, 0, 0, 1, tzinfo=ZoneInfo("Asia/Jayapura"))
    event = record(agency=agency_a, actor=None, action="case.started", at=at)
    stored = Event.objects.get(pk=event.pk)
    assert stored.at == at
    assert stored.at.utcoffset() == dt.timedelta(0)
    assert stored.at.microsecond == 1


def test_it_derives_the_object_from_a_model_instance(agency_a: Agency, kadis: User) -> None:
    opd = Opd.objects.get(agency=agency_a)
    event = record(agency=agency_a, actor=kadis, action="opd.renamed", obj=opd)
    assert (event.object_type, event.object_id) == ("org.opd", str(opd.pk))


def test_it_records_the_system_as_an_actor_without_a_user(agency_a: Agency) -> None:
    event = record(agency=agency_a, actor=None, action="case.escalated")
    assert (event.actor_id, event.actor_label) == (None, "")


def test_it_records_on_whose_behalf_the_actor_acted(agency_a: Agency, kadis: User) -> None:
    event = record(
        agency=agency_a, actor=kadis, action="step.approved", on_behalf_of="Plh Kepala Dinas"
    )
    assert Event.objects.get(pk=event.pk).on_behalf_of == "Plh Kepala Dinas"


def test_it_keeps_the_actor_when_the_user_is_deleted(agency_a: Agency) -> None:
    user = User.objects.create_user("alpha.sementara", agency=agency_a)
    user_id = user.pk
    event = record(agency=agency_a, actor=user, action="step.completed")
    user.delete()
    stored = Event.objects.get(pk=event.pk)
    assert (stored.actor_id, stored.actor_label) == (user_id, "alpha.sementara")
    assert verify(agency_a).ok


def test_it_commits_or_rolls_back_with_the_callers_transaction(agency_a: Agency) -> None:
    def start_case_and_fail() -> None:
        with transaction.atomic():
            record(agency=agency_a, actor=None, action="case.started")
            raise RuntimeError("the state change failed")

    with pytest.raises(RuntimeError):
        start_case_and_fail()
    assert not Event.objects.exists()
    assert record(agency=agency_a, actor=None, action="case.started").seq == 1
    assert verify(agency_a).ok


def test_it_lists_the_history_of_one_object_in_order(
    agency_a: Agency, agency_b: Agency, kadis: User
) -> None:
    day_a = DayOff.objects.create(agency=agency_a, date="2026-11-30", name="HUT Kota")
    day_b = DayOff.objects.create(agency=agency_b, date="2026-11-30", name="HUT Kota")
    record(agency=agency_a, actor=kadis, action="dayoff.created", obj=day_a)
    record(agency=agency_a, actor=kadis, action="case.started", object_type="workflow.case")
    record(agency=agency_b, actor=None, action="dayoff.created", obj=day_b)
    record(agency=agency_a, actor=kadis, action="dayoff.renamed", obj=day_a)
    assert [event.action for event in history(day_a)] == ["dayoff.created", "dayoff.renamed"]
    assert [event.seq for event in history(day_a)] == [1, 3]
    assert [event.agency_id for event in history(day_b)] == [agency_b.pk]


def test_it_refuses_an_object_of_another_agency(agency_a: Agency, agency_b: Agency) -> None:
    opd_b = Opd.objects.get(agency=agency_b)
    with pytest.raises(ValueError, match="belongs to another agency"):
        record(agency=agency_a, actor=None, action="opd.renamed", obj=opd_b)
    assert not Event.objects.exists()


def test_it_refuses_an_object_given_twice(agency_a: Agency) -> None:
    opd = Opd.objects.get(agency=agency_a)
    with pytest.raises(ValueError, match="not both"):
        record(agency=agency_a, actor=None, action="x.y", obj=opd, object_type="org.opd")


def test_it_refuses_a_naive_time(agency_a: Agency) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        record(agency=agency_a, actor=None, action="x.y", at=dt.datetime(2026, 11, 23, 8))
    with pytest.raises(ValueError, match="naive datetime"):
        record(agency=agency_a, actor=None, action="x.y", after={"at": dt.datetime(2026, 1, 1)})


@pytest.mark.parametrize(
    ("after", "error"),
    [
        (["not", "a", "dict"], TypeError),
        ({"value": float("nan")}, ValueError),
        ({"value": object()}, TypeError),
        ({"text": "nul \x00 byte"}, ValueError),
    ],
    ids=["list", "nan", "object", "nul"],
)
def test_it_refuses_state_that_json_cannot_hold(
    agency_a: Agency, after: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        record(agency=agency_a, actor=None, action="x.y", after=after)  # type: ignore[arg-type]
    assert not Event.objects.exists()
    assert not ChainHead.objects.filter(seq__gt=0).exists()


def test_it_refuses_an_empty_or_overlong_action(agency_a: Agency) -> None:
    with pytest.raises(ValueError, match="action is required"):
        record(agency=agency_a, actor=None, action="")
    with pytest.raises(ValueError, match="at most 100"):
        record(agency=agency_a, actor=None, action="x" * 101)


def test_it_hashes_the_canonical_json_of_before_and_after(agency_a: Agency) -> None:
    """Key order and how a value was spelled in Python do not change what is stored."""
    one = record(agency=agency_a, actor=None, action="x.y", after={"b": 1, "a": Decimal("2")})
    two = record(agency=agency_a, actor=None, action="x.y", after={"a": "2", "b": 1})
    assert json.dumps(one.after, sort_keys=True) == json.dumps(two.after, sort_keys=True)
