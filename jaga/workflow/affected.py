"""The sites and devices a case is about (issue 6: "a case links to the affected sites and
devices, chosen when reporting or by the technician").

``set_affected`` is the only writer of ``Case.sites`` and ``Case.devices`` besides the
replacement step (``jaga.inventory.replacement``, which adds both devices and the site).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.inventory.models import Device, Site
from jaga.org.models import User
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import Case, CaseStatus


def may_set_affected(user: User, case: Case) -> bool:
    """Whether ``user`` chooses the affected sites and devices of ``case`` on its page:
    Diskominfo employees and the administrator of the case's agency, while it is open.
    (The reporting OPD chooses them in its report.)"""
    if not user.is_authenticated or not user.is_active or case.status != CaseStatus.OPEN:
        return False
    if user.agency_id != case.agency_id or user.opd_id is not None:
        return False
    return bool(user.is_agency_admin or hasattr(user, "employee"))


def _labels(sites: Iterable[Site], devices: Iterable[Device]) -> dict[str, list[str]]:
    return {
        "sites": sorted(site.code for site in sites),
        "devices": sorted(f"{device.pk}:{device.name}" for device in devices),
    }


def set_affected(
    case: Case,
    user: User | None,
    *,
    sites: Iterable[Site],
    devices: Iterable[Device],
    at: dt.datetime | None = None,
) -> bool:
    """Make ``sites`` and ``devices`` exactly the case's affected ones, with an audit event
    ``case.affected_changed`` (before/after: site codes and "id:name" of devices); returns
    whether anything changed. ``user`` None is the system (the monitor). Raises
    ``InvalidInput`` (keys ``sites``, ``devices``) for a row of another agency; the caller
    decides who may (``may_set_affected``)."""
    wanted_sites = list(dict.fromkeys(sites))
    wanted_devices = list(dict.fromkeys(devices))
    errors: dict[str, str] = {}
    if any(site.agency_id != case.agency_id for site in wanted_sites):
        errors["sites"] = _("A site belongs to another agency.")
    if any(device.agency_id != case.agency_id for device in wanted_devices):
        errors["devices"] = _("A device belongs to another agency.")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        before = _labels(case.sites.all(), case.devices.all())
        after = _labels(wanted_sites, wanted_devices)
        if before == after:
            return False
        case.sites.set(wanted_sites)
        case.devices.set(wanted_devices)
        record(
            agency=case.agency,
            actor=user,
            action="case.affected_changed",
            obj=case,
            before=before,
            after=after,
            at=at,
        )
    return True
