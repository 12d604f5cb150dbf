"""The ORM refuses to change or delete an audit event, however it is asked."""

from __future__ import annotations

import pytest

from jaga.audit.models import AuditLogIsAppendOnly, Event
from jaga.audit.services import verify

pytestmark = pytest.mark.django_db


def test_it_refuses_to_save_a_stored_event(chain: list[Event]) -> None:
    event = Event.objects.get(pk=chain[0].pk)
    event.action = "case.cancelled"
    with pytest.raises(AuditLogIsAppendOnly, match="append-only"):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.save(update_fields=["action"])
    assert Event.objects.get(pk=event.pk).action == "case.started"


def test_it_refuses_to_delete_an_event(chain: list[Event]) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        chain[0].delete()
    assert Event.objects.count() == 5


def test_it_refuses_to_update_events_through_a_queryset(chain: list[Event]) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        Event.objects.filter(seq=2).update(actor_label="orang lain")
    with pytest.raises(AuditLogIsAppendOnly):
        Event.objects.all().update(action="x")
    event = chain[1]
    event.actor_label = "orang lain"
    with pytest.raises(AuditLogIsAppendOnly):
        Event.objects.bulk_update([event], ["actor_label"])
    assert set(Event.objects.values_list("actor_label", flat=True)) == {"alpha.kadis"}


def test_it_refuses_to_delete_events_through_a_queryset(chain: list[Event]) -> None:
    with pytest.raises(AuditLogIsAppendOnly):
        Event.objects.filter(seq__gte=4).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        Event._base_manager.all().delete()
    assert Event.objects.count() == 5


def test_it_refuses_bulk_creation_past_the_chain(chain: list[Event]) -> None:
    with pytest.raises(AuditLogIsAppendOnly, match="record"):
        Event.objects.bulk_create([Event(agency_id=chain[0].agency_id, seq=6, at=chain[0].at)])
    assert verify().ok
