"""The inventory's detail pages, NetBox-like: a device, a site, a link with their history,
and the network of one OPD with the uplink tree of each of its sites drawn.

Every lookup goes through ``jaga.inventory.permissions`` (a row the user may not see is a
404) and cases through ``jaga.workflow.permissions.cases_for``; a user of no agency (the
platform administrator) gets 403, as on the inventory's lists. Each page makes a fixed
number of queries, whatever the number of downlinks, addresses, links, cases or events.
Rows a page refers to that the user may not open (the uplink of an OPD's switch, the core
router in the data centre) are named without a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from jaga.inventory.history import object_history
from jaga.inventory.models import Device, DeviceAddress, DeviceStatus, Link, Replacement, Site
from jaga.inventory.permissions import (
    devices_for,
    links_for,
    may_change_inventory,
    sites_for,
)
from jaga.inventory.tree import (
    TREE_STATUSES,
    build_site_tree,
    first_ip_subquery,
    site_forest,
    upstream_ids,
    visible_ids,
)
from jaga.maintenance.checklistviews import HISTORY_PARAM, inspection_card
from jaga.monitoring.availability import checks_of_device, checks_of_opd
from jaga.monitoring.views import availability_card
from jaga.org.models import Opd, User
from jaga.workflow.models import Case
from jaga.workflow.permissions import cases_for

#: How many linked cases a page lists (the newest); the total is counted.
CASE_LIMIT = 50

#: The order device statuses are grouped in on the site page.
STATUS_ORDER = (
    DeviceStatus.IN_SERVICE,
    DeviceStatus.IN_REPAIR,
    DeviceStatus.SPARE,
    DeviceStatus.RETIRED,
)


def _user(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for a user of none (a platform administrator:
    like the SOP pages and the inventory's lists, these pages are an agency's)."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("The inventory belongs to an agency; this account has none."))
    return user


@dataclass(frozen=True)
class LinkRow:
    """A link as seen from one device: the device at the other end (None: an ISP) and
    whether the user may open its page."""

    link: Link
    other: Device | None
    other_visible: bool


@dataclass(frozen=True)
class ReplacementRow:
    """A replacement the device took part in: ``role`` "removed" (it was replaced by
    ``other``) or "installed" (it replaced ``other``)."""

    replacement: Replacement
    role: str
    other: Device
    other_visible: bool
    case_visible: bool


@dataclass(frozen=True)
class StatusGroup:
    """The devices of a site with one status."""

    status: str
    label: str
    devices: list[Device]


@dataclass(frozen=True)
class CaseList:
    """The newest cases linked to a row that the user may see, and how many there are."""

    cases: list[Case]
    total: int


def _cases(cases: QuerySet[Case]) -> CaseList:
    total = cases.count()
    rows = list(cases.select_related("opd").order_by("-started_at", "-pk")[:CASE_LIMIT])
    return CaseList(cases=rows, total=total)


def _visible_case_ids(user: User, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(cases_for(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def _base_context(request: HttpRequest, obj: Site | Device | Link) -> dict[str, Any]:
    user = _user(request)
    return {
        "history": object_history(obj),
        "may_change": may_change_inventory(user),
        "agency_timezone": obj.agency.timezone,
    }


# --- Device -----------------------------------------------------------------------------


@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A device: its fields, management addresses, uplink and downlinks, links, the cases
    it is linked to, its replacements, its history, its availability (the monitor's
    card: ``jaga.monitoring.views.availability_card``) and its inspections (the last one
    and a page of the history: ``jaga.maintenance.checklistviews.inspection_card``). 404 when the
    user may not see it."""
    user = _user(request)
    device = get_object_or_404(
        devices_for(user).select_related("agency", "site", "site__opd", "uplink", "uplink__site"),
        pk=pk,
    )
    addresses = list(DeviceAddress.objects.filter(device=device).order_by("pk"))
    downlinks = list(
        devices_for(user)
        .filter(uplink=device)
        .select_related("site")
        .annotate(first_ip=first_ip_subquery())
        .order_by("name", "pk")
    )
    links = list(
        links_for(user)
        .filter(Q(a_device=device) | Q(b_device=device))
        .select_related("a_device", "a_device__site", "b_device", "b_device__site")
        .order_by("pk")
    )
    replacements = list(
        Replacement.objects.filter(Q(removed=device) | Q(installed=device))
        .select_related("case", "removed", "installed", "site", "store")
        .order_by("-at", "-pk")
    )
    others: set[int] = {device.uplink_id} if device.uplink_id is not None else set()
    for link in links:
        others.update(
            end
            for end in (link.a_device_id, link.b_device_id)
            if end is not None and end != device.pk
        )
    for replacement in replacements:
        others.add(
            replacement.installed_id
            if replacement.removed_id == device.pk
            else replacement.removed_id
        )
    visible = visible_ids(user, others)
    visible_cases = _visible_case_ids(user, {r.case_id for r in replacements})
    link_rows = []
    for link in links:
        other = link.b_device if link.a_device_id == device.pk else link.a_device
        link_rows.append(
            LinkRow(link=link, other=other, other_visible=other is not None and other.pk in visible)
        )
    replacement_rows = []
    for replacement in replacements:
        removed = replacement.removed_id == device.pk
        other = replacement.installed if removed else replacement.removed
        replacement_rows.append(
            ReplacementRow(
                replacement=replacement,
                role="removed" if removed else "installed",
                other=other,
                other_visible=other.pk in visible,
                case_visible=replacement.case_id in visible_cases,
            )
        )
    context = {
        **_base_context(request, device),
        "device": device,
        "addresses": addresses,
        "uplink_visible": device.uplink_id in visible,
        "downlinks": downlinks,
        "links": link_rows,
        "replacements": replacement_rows,
        "case_list": _cases(cases_for(user).filter(devices=device)),
        "availability": availability_card(
            user, checks_of_device(device), ZoneInfo(device.agency.timezone), {"device": device.pk}
        ),
        "inspections": inspection_card(user, device, request.GET.get(HISTORY_PARAM)),
    }
    return render(request, "inventory/device.html", context)


# --- Site -------------------------------------------------------------------------------


def _status_groups(devices: Sequence[Device]) -> list[StatusGroup]:
    labels = dict(DeviceStatus.choices)
    groups = []
    for status in STATUS_ORDER:
        members = [device for device in devices if device.status == status]
        if members:
            groups.append(StatusGroup(status=status, label=str(labels[status]), devices=members))
    return groups


def osm_url(site: Site) -> str:
    """An OpenStreetMap link centred on the site ("" without coordinates)."""
    if site.latitude is None or site.longitude is None:
        return ""
    lat, lon = site.latitude, site.longitude
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A site: its fields, its devices grouped by status, the uplink tree of those in
    service or in repair, the cases linked to it and its history. 404 when not visible."""
    user = _user(request)
    site = get_object_or_404(sites_for(user).select_related("agency", "opd"), pk=pk)
    devices = list(
        devices_for(user)
        .filter(site=site)
        .select_related("site", "uplink", "uplink__site")
        .annotate(first_ip=first_ip_subquery())
        .order_by("name", "pk")
    )
    on_network = [device for device in devices if device.status in TREE_STATUSES]
    visible = visible_ids(user, upstream_ids(on_network))
    context = {
        **_base_context(request, site),
        "site": site,
        "osm_url": osm_url(site),
        "device_count": len(devices),
        "status_groups": _status_groups(devices),
        "tree": build_site_tree(site, on_network, visible),
        "case_list": _cases(cases_for(user).filter(sites=site)),
    }
    return render(request, "inventory/site.html", context)


# --- Link -------------------------------------------------------------------------------


@login_required
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A link: both ends (or the ISP), medium, bandwidth, provider, circuit id, notes and
    its history. 404 when not visible."""
    user = _user(request)
    link = get_object_or_404(
        links_for(user).select_related(
            "agency", "a_device", "a_device__site", "b_device", "b_device__site"
        ),
        pk=pk,
    )
    ends = {link.a_device_id} | ({link.b_device_id} if link.b_device_id is not None else set())
    visible = visible_ids(user, ends)
    context = {
        **_base_context(request, link),
        "link": link,
        "a_visible": link.a_device_id in visible,
        "b_visible": link.b_device_id in visible,
    }
    return render(request, "inventory/link.html", context)


# --- The network of an OPD --------------------------------------------------------------


def opds_for(user: User) -> QuerySet[Opd]:
    """The OPDs whose network ``user`` may see: an OPD user their own; Diskominfo employees
    and agency administrators those of their agency; platform administrators all (as
    ``jaga.inventory.permissions.sites_for`` decides for sites; the pages refuse them
    earlier)."""
    if not user.is_authenticated or not user.is_active:
        return Opd.objects.none()
    if user.is_superuser:
        return Opd.objects.all()
    if user.agency_id is None:
        return Opd.objects.none()
    opds = Opd.objects.filter(agency_id=user.agency_id)
    if user.opd_id is not None:
        return opds.filter(pk=user.opd_id)
    if user.is_staff or hasattr(user, "employee"):
        return opds
    return Opd.objects.none()


@login_required
def opd_network(request: HttpRequest, pk: int) -> HttpResponse:
    """The network of one OPD: its sites, each with the uplink tree of its devices in
    service or in repair (roots hanging off a device elsewhere, such as the core router,
    shown under it), its links to ISPs and other links, and the availability of its checks
    combined (``availability_card``). 404 when not visible."""
    user = _user(request)
    opd = opds_for(user).select_related("agency").filter(pk=pk).first()
    if opd is None:
        raise Http404
    sites = list(sites_for(user).filter(opd=opd).order_by("code"))
    forest = site_forest(user, sites) if sites else []
    links = list(
        links_for(user)
        .filter(Q(a_device__site__opd=opd) | Q(b_device__site__opd=opd))
        .select_related("a_device", "a_device__site", "b_device", "b_device__site")
        .order_by("pk")
    )
    ends = {link.a_device_id for link in links} | {
        link.b_device_id for link in links if link.b_device_id is not None
    }
    visible = visible_ids(user, ends)
    context = {
        "opd": opd,
        "agency_timezone": opd.agency.timezone,
        "forest": forest,
        "isp_links": [link for link in links if link.b_device_id is None],
        "other_links": [link for link in links if link.b_device_id is not None],
        "visible_devices": visible,
        "may_change": may_change_inventory(user),
        "availability": availability_card(
            user,
            checks_of_opd(opd),
            ZoneInfo(opd.agency.timezone),
            {"opd": opd.pk},
            problems_only=True,
        ),
    }
    return render(request, "inventory/opd.html", context)
