"""Replacing a broken device with a spare from the store, inside an SOP step.

Source: seed 003 (Kabupaten Bolaang Mongondow Utara) step 10, "Tim teknis menyiapkan
perangkat pengganti sesuai yang diajukan dan mengganti perangkat yang rusak"; any step that
declares ``replacement`` in its SOP (docs/sop-format.md) does the same. The engine
(``jaga.workflow.services.complete_step``) calls ``replace_device`` inside the step's
transaction, so the step and the inventory change commit together or not at all.

What changes, each with its own audit event (``inventory.device.changed``,
``inventory.link.changed``) and one ``inventory.device.replaced`` for the swap:

- the spare (status ``spare`` at a store site, of the broken device's kind) goes into
  service at the broken device's site under the broken device's name (issue 13 point 13:
  it takes over its role there), with its uplink; when the spare has no management address
  of its own it takes over the broken device's addresses (the monitor keeps watching the
  same IP);
- the devices whose uplink was the broken one hang off the spare now, the links that ended
  at the broken one end at the spare, and so do the monitor's checks of the broken one
  (listed in the ``inventory.device.replaced`` event): the spare answers them from now on,
  and the outage that opened the case ends when it does;
- the broken device goes to the store the spare came from, with status ``in_repair`` or
  ``retired`` and no uplink;
- both devices and the site are linked to the case (``Case.devices``, ``Case.sites``).

A spare of another kind is refused (a switch is replaced by a switch); a spare of another
vendor or model is allowed, but ``model_differs`` lets the step form warn and ask for a
confirmation first (a PoE switch replaced by one without PoE leaves the access points dark).

Taking the spare and removing the broken device are compare-and-set updates, so two cases
cannot take the same spare: the second gets a ``ValidationError`` and its step stays open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.inventory.models import (
    REMOVED_STATUSES,
    Device,
    DeviceAddress,
    DeviceStatus,
    Link,
    Replacement,
)
from jaga.inventory.services import record_change, snapshot
from jaga.monitoring.models import Check
from jaga.org.models import User

if TYPE_CHECKING:
    from jaga.workflow.models import Case, StepInstance


@dataclass(frozen=True)
class ReplacementChoice:
    """What the technician chose: the broken device in service (``removed``), the spare
    from the store (``installed``), and what the broken one becomes (``removed_status``:
    ``DeviceStatus.IN_REPAIR`` or ``DeviceStatus.RETIRED``)."""

    removed: Device
    installed: Device
    removed_status: str


def _stored(choice: ReplacementChoice) -> tuple[Device | None, Device | None]:
    """The chosen devices as stored now (with their sites), None for one that is gone."""
    rows = Device.objects.filter(pk__in=[choice.removed.pk, choice.installed.pk])
    found = {device.pk: device for device in rows.select_related("site")}
    return found.get(choice.removed.pk), found.get(choice.installed.pk)


def check_choice(case: Case, choice: ReplacementChoice) -> dict[str, str]:
    """The reasons ``choice`` cannot be carried out for ``case``, keyed ``removed``,
    ``installed`` or ``removed_status`` (empty when it can), read from the stored rows."""
    return _problems(case, choice, *_stored(choice))


def _problems(
    case: Case, choice: ReplacementChoice, removed: Device | None, installed: Device | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if removed is None or removed.agency_id != case.agency_id:
        errors["removed"] = _("Choose a device of this agency.")
    elif removed.status != DeviceStatus.IN_SERVICE:
        errors["removed"] = _("The broken device is not in service.")
    if installed is None or installed.agency_id != case.agency_id:
        errors["installed"] = _("Choose a device of this agency.")
    elif installed.status != DeviceStatus.SPARE or not installed.site.is_store:
        errors["installed"] = _("The replacement is not a spare in the store.")
    if removed is not None and installed is not None and removed.pk == installed.pk:
        errors["installed"] = _("A device cannot replace itself.")
    elif removed is not None and installed is not None and removed.kind != installed.kind:
        errors.setdefault(
            "installed",
            _("The replacement is a %(spare)s but the broken device is a %(broken)s.")
            % {"spare": installed.get_kind_display(), "broken": removed.get_kind_display()},
        )
    if choice.removed_status not in REMOVED_STATUSES:
        errors["removed_status"] = _("The broken device goes in repair or is retired.")
    return errors


def model_of(device: Device) -> str:
    """A device's vendor and model as one text ("TP-Link TL-SG1008P"), "" when unknown."""
    return " ".join(part for part in (device.vendor.strip(), device.model.strip()) if part)


def model_differs(removed: Device, installed: Device) -> bool:
    """Whether the spare is of another vendor or model than the broken device (compared
    without regard to case or surrounding spaces; an unrecorded model counts as different
    from a recorded one). Issue 13 point 13: the form warns, the replacement is allowed."""
    return model_of(removed).casefold() != model_of(installed).casefold()


def _taken(field: str) -> ValidationError:
    return ValidationError({field: _("The device changed meanwhile; choose again.")})


def replace_device(
    case: Case,
    step: StepInstance,
    choice: ReplacementChoice,
    user: User,
    *,
    at: dt.datetime,
) -> Replacement:
    """Carry out ``choice`` in ``step`` of ``case`` (module docstring) at ``at`` (aware) on
    behalf of ``user``; returns the ``Replacement`` row. Raises ``ValidationError`` with a
    dict keyed like ``check_choice`` when the choice is not possible, or when another case
    took the spare or the broken device first. Runs in the caller's transaction (opens one
    of its own when there is none)."""
    with transaction.atomic():
        removed, installed = _stored(choice)
        errors = _problems(case, choice, removed, installed)
        if errors or removed is None or installed is None:
            raise ValidationError(errors)
        site, store = removed.site, installed.site
        removed_before, installed_before = snapshot(removed), snapshot(installed)
        claimed = Device.objects.filter(
            pk=installed.pk, status=DeviceStatus.SPARE, site_id=store.pk
        ).update(
            status=DeviceStatus.IN_SERVICE,
            site_id=site.pk,
            uplink_id=removed.uplink_id,
            name=removed.name,
        )
        if claimed != 1:
            raise _taken("installed")
        taken_out = Device.objects.filter(
            pk=removed.pk, status=DeviceStatus.IN_SERVICE, site_id=site.pk
        ).update(status=choice.removed_status, site_id=store.pk, uplink_id=None)
        if taken_out != 1:
            raise _taken("removed")
        if not DeviceAddress.objects.filter(device_id=installed.pk).exists():
            DeviceAddress.objects.filter(device_id=removed.pk).update(device_id=installed.pk)
        watched = list(Check.objects.filter(device_id=removed.pk).values_list("pk", flat=True))
        Check.objects.filter(pk__in=watched).update(device_id=installed.pk)
        for child in Device.objects.filter(uplink_id=removed.pk).exclude(pk=installed.pk):
            before = snapshot(child)
            child.uplink_id = installed.pk
            child.save(update_fields=["uplink"])
            record_change(child, user, before, at=at)
        for link in Link.objects.filter(Q(a_device_id=removed.pk) | Q(b_device_id=removed.pk)):
            before = snapshot(link)
            if link.a_device_id == removed.pk:
                link.a_device_id = installed.pk
            if link.b_device_id == removed.pk:
                link.b_device_id = installed.pk
            link.save(update_fields=["a_device", "b_device"])
            record_change(link, user, before, at=at)
        installed.refresh_from_db()
        removed.refresh_from_db()
        record_change(installed, user, installed_before, at=at)
        record_change(removed, user, removed_before, at=at)
        replacement = Replacement.objects.create(
            agency_id=case.agency_id,
            case=case,
            step=step,
            removed=removed,
            installed=installed,
            site=site,
            store=store,
            removed_status=choice.removed_status,
            at=at,
            by=user,
        )
        record(
            agency=case.agency,
            actor=user,
            action="inventory.device.replaced",
            obj=removed,
            before={"device": removed.pk, "site": site.code},
            after={
                "installed": installed.pk,
                "removed_status": choice.removed_status,
                "store": store.code,
                "case": case.pk,
                "step": step.step_no,
                "checks": watched,
            },
            at=at,
        )
        case.devices.add(removed, installed)
        case.sites.add(site)
    return replacement
