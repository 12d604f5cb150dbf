"""Reads and writes of the organisation: who holds a position on a given day."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from jaga.org.models import Employee, Position


def position_holders(position: Position, on: dt.date) -> QuerySet[Employee]:
    """Active employees who may act for ``position`` on local date ``on``: its definitive
    holders and any Plt/Plh whose assignment covers that day (inclusive range). One query;
    ordered by name."""
    return (
        Employee.objects.filter(agency_id=position.agency_id, is_active=True)
        .filter(
            Q(positions=position)
            | Q(acting__position=position, acting__start_date__lte=on, acting__end_date__gte=on)
        )
        .distinct()
        .order_by("name")
    )


def may_act_for(employee: Employee, position: Position, on: dt.date) -> bool:
    """Whether ``employee`` holds ``position`` or acts for it (Plt/Plh) on ``on``."""
    return position_holders(position, on).filter(pk=employee.pk).exists()
