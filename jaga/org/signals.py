"""Guards that keep many-to-many links inside one agency (model ``clean`` cannot see them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from jaga.org.models import Employee, Position


@receiver(m2m_changed, sender=Employee.positions.through)
def positions_stay_in_the_agency(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Refuse to give an employee a position of another agency (either direction of the
    relation); raises ``ValidationError`` before anything is written."""
    if action != "pre_add" or not pk_set:
        return
    # reverse: position.employees.add(...); otherwise employee.positions.add(...)
    added = Employee if reverse else Position
    if added.objects.filter(pk__in=pk_set).exclude(agency_id=instance.agency_id).exists():
        raise ValidationError(_("A position and its holders belong to the same agency."))
