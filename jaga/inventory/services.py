"""Every write to the inventory: save or delete a site, device or link, each in one
transaction together with its audit event.

Events (``jaga.audit.services.record``) are ``inventory.<model>.created`` with ``after`` the
whole row, ``inventory.<model>.changed`` with ``before``/``after`` holding only the fields
that changed (a save that changes nothing writes no event), and ``inventory.<model>.deleted``
with ``before`` the whole row. Rows are keyed by attribute name (``site_id``, not ``site``);
a device's row also holds ``management_ips``, the sorted list of its addresses.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from jaga.audit.services import Change, record
from jaga.inventory.models import Device, DeviceAddress, Link, Site
from jaga.org.models import User

InventoryObject = Site | Device | Link


def snapshot(obj: models.Model, *, addresses: Sequence[str] | None = None) -> dict[str, Any]:
    """The row's stored fields by attribute name, without the id and the agency; for a
    device also ``management_ips``, sorted: ``addresses`` when given, else (saved device)
    as in the database."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name == "agency":
            continue
        data[field.attname] = getattr(obj, field.attname)
    if isinstance(obj, Device) and addresses is not None:
        data["management_ips"] = sorted(addresses)
    elif isinstance(obj, Device) and obj.pk is not None:
        data["management_ips"] = sorted(
            DeviceAddress.objects.filter(device_id=obj.pk).values_list("address", flat=True)
        )
    return data


def stored_snapshot(obj: models.Model) -> dict[str, Any] | None:
    """``snapshot`` of the row as stored now, or None if ``obj`` is not saved yet."""
    if obj.pk is None:
        return None
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else None


def _action(obj: models.Model, verb: str) -> str:
    return f"inventory.{obj._meta.model_name}.{verb}"


def change_of(
    obj: InventoryObject, before: dict[str, Any] | None, after: dict[str, Any]
) -> Change | None:
    """The audit event of saving ``obj`` from ``before`` (None: created) to ``after``:
    ``created`` with the whole row, ``changed`` with the changed fields only, or None when
    nothing changed."""
    if before is None:
        return Change(_action(obj, "created"), obj, None, after)
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed:
        return None
    return Change(
        _action(obj, "changed"),
        obj,
        {key: before.get(key) for key in changed},
        {key: after[key] for key in changed},
    )


def record_change(
    obj: InventoryObject,
    user: User | None,
    before: dict[str, Any] | None,
    *,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Audit the save of ``obj`` given its ``before`` snapshot (None: it was created);
    ``after`` defaults to its snapshot now. Nothing is written when nothing changed."""
    change = change_of(obj, before, after if after is not None else snapshot(obj))
    if change is None:
        return
    record(
        agency=obj.agency,
        actor=user,
        action=change.action,
        obj=obj,
        before=change.before,
        after=change.after,
        at=at,
    )


def normalise_addresses(values: Sequence[str]) -> list[str]:
    """The addresses parsed with ``ipaddress`` and written in their compressed form (as
    ``GenericIPAddressField`` stores them), duplicates dropped, order kept; raises
    ``ValueError`` naming the first one that is not an IPv4 or IPv6 address."""
    result: list[str] = []
    for value in values:
        text = value.strip()
        try:
            address = ipaddress.ip_address(text).compressed
        except ValueError:
            raise ValueError(text) from None
        if address not in result:
            result.append(address)
    return result


def save_site(site: Site, user: User | None, *, at: dt.datetime | None = None) -> Site:
    """Validate (``full_clean``) and save ``site``, with its audit event."""
    with transaction.atomic():
        before = stored_snapshot(site)
        site.full_clean()
        site.save()
        record_change(site, user, before, at=at)
    return site


def save_device(
    device: Device,
    user: User | None,
    *,
    addresses: Sequence[str] | None = None,
    at: dt.datetime | None = None,
) -> Device:
    """Validate and save ``device``; with ``addresses``, its management addresses become
    exactly those. An uplink that would make a loop is refused (``Device.clean``) with a
    ``ValidationError``, as is an address that is not one."""
    with transaction.atomic():
        before = stored_snapshot(device)
        device.full_clean()
        if addresses is not None:
            try:
                wanted = normalise_addresses(addresses)
            except ValueError as exc:
                raise ValidationError(
                    {"addresses": _("%(value)s is not an IP address.") % {"value": exc}}
                ) from None
        device.save()
        if addresses is not None:
            DeviceAddress.objects.filter(device=device).exclude(address__in=wanted).delete()
            have = set(
                DeviceAddress.objects.filter(device=device).values_list("address", flat=True)
            )
            DeviceAddress.objects.bulk_create(
                DeviceAddress(agency_id=device.agency_id, device=device, address=address)
                for address in wanted
                if address not in have
            )
        record_change(device, user, before, at=at)
    return device


def save_link(link: Link, user: User | None, *, at: dt.datetime | None = None) -> Link:
    """Validate (``full_clean``) and save ``link``, with its audit event."""
    with transaction.atomic():
        before = stored_snapshot(link)
        link.full_clean()
        link.save()
        record_change(link, user, before, at=at)
    return link


def _delete(obj: InventoryObject, user: User | None, at: dt.datetime | None) -> None:
    with transaction.atomic():
        before = snapshot(obj)
        agency = obj.agency
        record(
            agency=agency,
            actor=user,
            action=_action(obj, "deleted"),
            obj=obj,
            before=before,
            at=at,
        )
        obj.delete()


def delete_site(site: Site, user: User | None, *, at: dt.datetime | None = None) -> None:
    """Delete ``site`` (refused with ``ProtectedError`` while devices stand there)."""
    _delete(site, user, at)


def delete_device(device: Device, user: User | None, *, at: dt.datetime | None = None) -> None:
    """Delete ``device`` (refused with ``ProtectedError`` while links use it); its downlinks
    lose their uplink, each with its own ``inventory.device.changed`` event."""
    with transaction.atomic():
        for child in Device.objects.filter(uplink_id=device.pk):
            before = snapshot(child)
            child.uplink = None
            child.save(update_fields=["uplink"])
            record_change(child, user, before, at=at)
        _delete(device, user, at)


def delete_link(link: Link, user: User | None, *, at: dt.datetime | None = None) -> None:
    """Delete ``link``."""
    _delete(link, user, at)
