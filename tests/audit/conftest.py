"""Helpers of the audit tests: a short chain and raw-SQL tampering, as an attacker with
database access would do it (bypassing the ORM's append-only guard)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from jaga.audit.models import Event
from jaga.audit.services import record
from jaga.org.models import User
from jaga.tenancy.models import Agency


def record_several(agency: Agency, count: int, actor: User | None = None) -> list[Event]:
    """``count`` events of ``agency``: a case started, then its steps completed."""
    events = [
        record(
            agency=agency,
            actor=actor,
            action="case.started",
            object_type="workflow.case",
            object_id="1",
            after={"status": "open"},
        )
    ]
    for number in range(2, count + 1):
        events.append(
            record(
                agency=agency,
                actor=actor,
                action="step.completed",
                object_type="workflow.step",
                object_id=str(number),
                before={"status": "open"},
                after={"status": "done", "note": f"langkah {number}"},
            )
        )
    return events


def tamper(event: Event, column: str, value: Any) -> None:
    """Overwrite one column of a stored event with raw SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_event SET {connection.ops.quote_name(column)} = %s WHERE id = %s",
            [value, event.pk],
        )


def remove(*events: Event) -> None:
    """Delete stored events with raw SQL."""
    with connection.cursor() as cursor:
        for event in events:
            cursor.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])


@pytest.fixture
def kadis(agency_a: Agency) -> User:
    return User.objects.get(username="alpha.kadis")


@pytest.fixture
def chain(agency_a: Agency, kadis: User) -> list[Event]:
    """Five events of agency alpha by its Kepala Dinas."""
    return record_several(agency_a, 5, kadis)
