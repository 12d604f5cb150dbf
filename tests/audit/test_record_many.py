"""``record_many``: the bulk append of an import (issue 13 point 7) writes exactly the events
``record`` would, continuing the chain, in one compare-and-set of the head."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jaga.audit.models import ChainHead, Event
from jaga.audit.services import Change, record, record_many, verify
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency
from tests.audit.conftest import record_several

pytestmark = pytest.mark.django_db

FIELDS = [
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "on_behalf_of",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "prev_hash",
    "hash",
]


def changes(agency: Agency) -> list[Change]:
    opds = [
        Opd.objects.create(agency=agency, name=f"Dinas {n}", abbreviation=f"D{n}") for n in range(3)
    ]
    return [
        Change("org.opd.created", opds[0], None, {"name": "Dinas 0", "luas": Decimal("1.50")}),
        Change("org.opd.changed", opds[1], {"name": "Lama"}, {"name": "Dinas 1 ✓"}),
        Change("org.opd.created", opds[2], None, None),
    ]


def test_it_appends_the_same_events_record_would(agency_a: Agency, agency_b: Agency) -> None:
    actor = User.objects.get(username="alpha.admin")
    at = timezone.now() - dt.timedelta(minutes=5)
    record_several(agency_a, 2)
    record_several(agency_b, 2)
    assert record_many(agency=agency_a, actor=actor, changes=changes(agency_a), at=at) == 3
    for change in changes(agency_b):
        record(
            agency=agency_b,
            actor=User.objects.get(username="beta.admin"),
            action=change.action,
            obj=change.obj,
            before=change.before,
            after=change.after,
            at=at,
        )
    bulk = list(Event.objects.filter(agency=agency_a, seq__gt=2).values(*FIELDS))
    assert [event["seq"] for event in bulk] == [3, 4, 5]
    assert bulk[0]["after"] == {"name": "Dinas 0", "luas": "1.50"}
    assert ChainHead.objects.get(agency=agency_a).hash == bulk[-1]["hash"]
    assert verify().ok
    one_by_one = Event.objects.filter(agency=agency_b, seq__gt=2).values(*FIELDS)
    differing = {"actor_id", "actor_label", "object_id", "hash", "prev_hash"}
    assert [{k: v for k, v in e.items() if k not in differing} for e in bulk] == [
        {k: v for k, v in e.items() if k not in differing} for e in one_by_one
    ]


def test_it_refuses_an_object_of_another_agency_before_writing(
    agency_a: Agency, agency_b: Agency
) -> None:
    mixed = [*changes(agency_a), *changes(agency_b)]
    with pytest.raises(ValueError, match="belongs to another agency"):
        record_many(agency=agency_a, actor=None, changes=mixed)
    assert not Event.objects.exists()
    assert record_many(agency=agency_a, actor=None, changes=[]) == 0
