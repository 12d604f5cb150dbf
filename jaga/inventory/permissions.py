"""What a user may see of the inventory, and who may change it: the one place that decides
(architecture.md, "for_user querysets").

- Platform administrators see every agency's inventory in these querysets (the admin);
  the inventory's web pages belong to an agency and answer 403 to an account of none, as
  the SOP pages do.
- Diskominfo employees and agency administrators see all of their agency's.
- An OPD user sees the sites of their own OPD, the devices standing there, and the links
  that touch those devices.
- Only the agency's administrator changes the inventory by hand or by import; devices also
  move through the SOP's replacement step (``jaga.inventory.replacement``). The import
  jobs of an agency are its administrator's alone (issue 13 point 7).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jaga.inventory.models import Device, ImportJob, Link, Site
from jaga.org.models import User


def _agency_wide(user: User) -> bool:
    return bool(user.is_staff or hasattr(user, "employee"))


def sites_for(user: User) -> QuerySet[Site]:
    """The sites ``user`` may see (none for anonymous or inactive users)."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    if user.agency_id is None:
        return Site.objects.none()
    sites = Site.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        return sites.filter(opd_id=user.opd_id)
    return sites if _agency_wide(user) else Site.objects.none()


def devices_for(user: User) -> QuerySet[Device]:
    """The devices ``user`` may see: those standing at the sites of ``sites_for``."""
    if not user.is_authenticated or not user.is_active:
        return Device.objects.none()
    if user.is_superuser:
        return Device.objects.all()
    if user.agency_id is None:
        return Device.objects.none()
    devices = Device.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        return devices.filter(site__opd_id=user.opd_id)
    return devices if _agency_wide(user) else Device.objects.none()


def links_for(user: User) -> QuerySet[Link]:
    """The links ``user`` may see: for an OPD user, those with an end at their OPD."""
    if not user.is_authenticated or not user.is_active:
        return Link.objects.none()
    if user.is_superuser:
        return Link.objects.all()
    if user.agency_id is None:
        return Link.objects.none()
    links = Link.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        return links.filter(
            Q(a_device__site__opd_id=user.opd_id) | Q(b_device__site__opd_id=user.opd_id)
        )
    return links if _agency_wide(user) else Link.objects.none()


def may_change_inventory(user: User) -> bool:
    """Whether ``user`` edits and imports the inventory of their agency: its administrator."""
    return user.is_authenticated and user.is_active and user.is_agency_admin


def import_jobs_for(user: User) -> QuerySet[ImportJob]:
    """The import jobs ``user`` may see: their agency's, for its administrator only (issue
    13 point 7); none for anyone else."""
    if not may_change_inventory(user) or user.agency_id is None:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(agency_id=user.agency_id)
