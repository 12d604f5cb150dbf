"""``verify``: intact chains pass; any change made behind the ORM's back shows, at the first
event it breaks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from jaga.audit.models import ChainHead, Event
from jaga.audit.services import event_hash, verify
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several, remove, tamper

pytestmark = pytest.mark.django_db


def test_it_verifies_a_chain_of_several_events(chain: list[Event]) -> None:
    result = verify()
    assert result.ok
    assert (result.events_checked, result.chains, result.broken) == (5, 1, None)
    assert [(head.agency, head.seq, head.hash) for head in result.heads] == [
        ("alpha", 5, chain[-1].hash)
    ]


def test_it_verifies_nothing_without_events(agency_a: Agency) -> None:
    result = verify()
    assert (result.ok, result.events_checked, result.chains) == (True, 0, 0)
    assert verify(agency_a).chains == 0


def _new_at() -> object:
    """Another time, in the form the database backend stores."""
    moved = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    value: object = connection.ops.adapt_datetimefield_value(moved)
    return value


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("after", lambda: json.dumps({"status": "done", "note": "diubah"})),
        ("before", lambda: json.dumps({"status": "closed"})),
        ("actor_label", lambda: "alpha.admin"),
        ("actor_id", lambda: 999),
        ("on_behalf_of", lambda: "Plt Kepala Dinas"),
        ("action", lambda: "step.returned"),
        ("object_id", lambda: "99"),
        ("at", _new_at),
        ("hash", lambda: "f" * 64),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_it_reports_a_tampered_event(chain: list[Event], column: str, value: object) -> None:
    victim = chain[2]
    tamper(victim, column, value() if callable(value) else value)
    result = verify()
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.agency, result.broken.seq, result.broken.event_id) == (
        "alpha",
        3,
        victim.pk,
    )
    assert result.broken.reason == "hash does not match its contents"
    assert result.events_checked == 3, "it stops at the first broken event"


@pytest.mark.parametrize("value", ["kemarin", "2026-13-45 25:61:00"])
def test_it_reports_a_time_overwritten_with_text(chain: list[Event], value: str) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite stores text in a datetime column")
    tamper(chain[1], "at", value)
    broken = verify().broken
    assert broken is not None
    assert (broken.agency, broken.seq, broken.event_id) == ("alpha", 2, chain[1].pk)
    assert broken.reason in (
        "hash does not match its contents",
        "a stored value cannot be read: month must be in 1..12",
    )


def test_it_reports_an_event_rewritten_with_a_fresh_hash_at_the_next_one(
    chain: list[Event],
) -> None:
    victim = chain[2]
    forged_after = {"status": "done", "note": "dipalsukan"}
    forged_hash = event_hash(
        agency_id=victim.agency_id,
        seq=victim.seq,
        at=victim.at,
        actor_id=victim.actor_id,
        actor_label=victim.actor_label,
        on_behalf_of=victim.on_behalf_of,
        action=victim.action,
        object_type=victim.object_type,
        object_id=victim.object_id,
        before=victim.before,
        after=forged_after,
        prev_hash=victim.prev_hash,
    )
    tamper(victim, "after", json.dumps(forged_after))
    tamper(victim, "hash", forged_hash)
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.event_id) == (4, chain[3].pk)
    assert broken.reason == "prev_hash does not match event #3"


def test_it_reports_a_deleted_event_as_missing(chain: list[Event]) -> None:
    remove(chain[2])
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.event_id, broken.reason) == (4, chain[3].pk, "event #3 is missing")


def test_it_reports_deleted_events_as_a_missing_range(chain: list[Event]) -> None:
    remove(chain[1], chain[2])
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.reason) == (4, "events #2–#3 are missing")


def test_it_reports_a_deleted_first_event(chain: list[Event]) -> None:
    remove(chain[0])
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.reason) == (2, "event #1 is missing")


def test_it_reports_a_deleted_last_event_against_the_chain_head(chain: list[Event]) -> None:
    remove(chain[4])
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.event_id) == (4, chain[3].pk)
    assert broken.reason == "chain head says #5 but the last event is #4"


def test_it_reports_a_chain_head_without_events(chain: list[Event]) -> None:
    remove(*chain)
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.event_id) == (None, None)
    assert broken.reason == "chain head says #5 but there are no events"
    assert str(broken) == "agency alpha, chain: chain head says #5 but there are no events"


def test_it_reports_a_deleted_chain_head(agency_a: Agency, chain: list[Event]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_chainhead WHERE agency_id = %s", [agency_a.pk])
    broken = verify().broken
    assert broken is not None
    assert broken.seq == 5
    assert broken.reason == "there is no chain head but the last event is #5"


def test_it_reports_a_chain_head_that_names_another_hash(
    agency_a: Agency, chain: list[Event]
) -> None:
    ChainHead.objects.filter(agency=agency_a).update(hash="e" * 64)
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.reason) == (5, "the chain head's hash does not match event #5")


def test_it_keeps_the_chains_of_agencies_apart(agency_a: Agency, agency_b: Agency) -> None:
    for _ in range(3):
        record_several(agency_a, 1)
        record_several(agency_b, 2)
    assert list(
        Event.objects.filter(agency=agency_a).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2, 3]
    assert list(
        Event.objects.filter(agency=agency_b).order_by("seq").values_list("seq", flat=True)
    ) == [1, 2, 3, 4, 5, 6]
    result = verify()
    assert (result.ok, result.events_checked, result.chains) == (True, 9, 2)
    assert [head.agency for head in result.heads] == ["alpha", "beta"]

    tamper(Event.objects.get(agency=agency_b, seq=4), "actor_label", "penyusup")
    assert verify(agency_a).ok
    broken = verify(agency_b).broken
    assert broken is not None
    assert (broken.agency, broken.seq) == ("beta", 4)
    assert verify().broken == broken


def test_it_reports_events_past_the_chain_head(agency_a: Agency) -> None:
    first, second = record_several(agency_a, 2)
    ChainHead.objects.filter(agency=agency_a).update(seq=1, hash=first.hash)
    broken = verify().broken
    assert broken is not None
    assert (broken.seq, broken.event_id) == (2, second.pk)
    assert broken.reason == "chain head says #1 but the last event is #2"
