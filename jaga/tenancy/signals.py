"""Keep cached working calendars fresh: any change to what a calendar is built from gives
the agency a new ``calendar_token``."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from jaga.tenancy.models import Agency, DayOff, SpecialPeriod, WorkingHours, new_token
from jaga.tenancy.services import calendar_changed


@receiver([post_save, post_delete], sender=WorkingHours)
@receiver([post_save, post_delete], sender=SpecialPeriod)
@receiver([post_save, post_delete], sender=DayOff)
def calendar_rows_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    """Hours, special periods or days off of an agency changed."""
    calendar_changed(instance.agency_id)


CALENDAR_FIELDS = ("calendar_mode", "national_holidays", "timezone")


@receiver(pre_save, sender=Agency)
def agency_saving(sender: type, instance: Agency, **kwargs: Any) -> None:
    """A new token when the calendar mode, the holiday setting or the zone changes."""
    if instance.pk is None:
        return
    before = Agency.objects.filter(pk=instance.pk).values(*CALENDAR_FIELDS).first()
    if before is not None and any(before[f] != getattr(instance, f) for f in CALENDAR_FIELDS):
        instance.calendar_token = new_token()
