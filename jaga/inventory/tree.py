"""The uplink tree of each site: its devices in service (and in repair, marked) nested by
``Device.uplink``, as the OPD network page and the site page draw it.

A device whose uplink is not among the site's tree devices (it stands at another site, such
as the core router in the Diskominfo's data centre, or it is spare or retired) is a root of
the site's tree, shown under its uplink (an ``Upstream``) so that the path towards the core
stays visible. Loading is done in a fixed number of queries (``tree_devices``: the devices,
their uplinks' names and sites and their first management address in one query; plus one
to know which uplinks the user may open); nesting is done in Python, iteratively, and is
safe against loops left in the data (a loop is cut at one of its devices, which becomes a
root marked ``loop``) and against missing parents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery

from jaga.inventory.models import Device, DeviceAddress, DeviceStatus, Site
from jaga.inventory.permissions import devices_for
from jaga.org.models import User

#: The devices a tree shows: those on the network now.
TREE_STATUSES = (DeviceStatus.IN_SERVICE, DeviceStatus.IN_REPAIR)


@dataclass
class TreeNode:
    """One device of a tree with the devices hanging off it. ``loop``: its uplink chain
    loops back to it, so it is drawn as a root to cut the loop."""

    device_id: int
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    first_ip: str
    children: list[TreeNode] = field(default_factory=list)
    loop: bool = False

    @property
    def in_repair(self) -> bool:
        """Whether the device is in repair (drawn marked)."""
        return self.status == DeviceStatus.IN_REPAIR


@dataclass(frozen=True)
class Upstream:
    """The uplink of a tree's roots standing outside the tree: its name, its site, and
    whether the user may open its page (``visible``)."""

    device_id: int
    name: str
    site_code: str
    site_name: str
    visible: bool


@dataclass(frozen=True)
class TreeRow:
    """One node in drawing order (depth first): how deep it is, its parent in the tree
    (None for a root) and how many levels of nested lists close after it (``closes`` is a
    ``range`` a template loops over)."""

    node: TreeNode
    depth: int
    parent_id: int | None
    closes: range


@dataclass
class TreeGroup:
    """Roots hanging off the same ``upstream`` (None: devices without an uplink, or cut
    loops)."""

    upstream: Upstream | None
    roots: list[TreeNode]

    def rows(self) -> list[TreeRow]:
        """The group's nodes depth first, for drawing as nested lists without recursion."""
        return flatten(self.roots)


@dataclass
class SiteTree:
    """The uplink tree of one site, as groups of roots."""

    site: Site
    groups: list[TreeGroup]

    @property
    def size(self) -> int:
        """How many devices the tree holds."""
        return sum(len(group.rows()) for group in self.groups)


def first_ip_subquery() -> Subquery:
    """The device's first management address (the oldest row), for ``annotate``."""
    return Subquery(
        DeviceAddress.objects.filter(device_id=OuterRef("pk")).order_by("pk").values("address")[:1]
    )


def tree_devices(devices: QuerySet[Device]) -> QuerySet[Device]:
    """``devices`` narrowed to ``TREE_STATUSES``, with the site, the uplink and its site
    joined, annotated ``first_ip`` (None without an address), by name: one query."""
    return (
        devices.filter(status__in=TREE_STATUSES)
        .select_related("site", "uplink", "uplink__site")
        .annotate(first_ip=first_ip_subquery())
        .order_by("name", "pk")
    )


def _node(device: Device) -> TreeNode:
    first_ip = getattr(device, "first_ip", None)
    return TreeNode(
        device_id=device.pk,
        name=device.name,
        kind=device.kind,
        kind_label=str(device.get_kind_display()),
        status=device.status,
        status_label=str(device.get_status_display()),
        first_ip=str(first_ip) if first_ip else "",
    )


def _attach(
    root: TreeNode, nodes: dict[int, TreeNode], children: dict[int, list[int]], seen: set[int]
) -> None:
    """Hang the not yet seen descendants of ``root`` under it (iteratively)."""
    stack = [root]
    while stack:
        parent = stack.pop()
        for child_id in children.get(parent.device_id, []):
            if child_id in seen:
                continue
            seen.add(child_id)
            child = nodes[child_id]
            parent.children.append(child)
            stack.append(child)


def build_site_tree(site: Site, devices: Sequence[Device], visible: set[int]) -> SiteTree:
    """The tree of ``site`` from ``devices`` (those of the site to draw, in drawing order,
    with ``uplink`` and ``uplink.site`` loaded as ``tree_devices`` does). ``visible`` holds
    the ids of the uplinks outside the tree the user may open. No queries."""
    nodes = {device.pk: _node(device) for device in devices}
    children: dict[int, list[int]] = {}
    roots: list[Device] = []
    for device in devices:
        parent_id = device.uplink_id
        if parent_id is not None and parent_id in nodes and parent_id != device.pk:
            children.setdefault(parent_id, []).append(device.pk)
        else:
            roots.append(device)
    seen: set[int] = set()
    groups: dict[int | None, TreeGroup] = {}
    for device in roots:
        seen.add(device.pk)
        node = nodes[device.pk]
        _attach(node, nodes, children, seen)
        upstream = _upstream(device, visible)
        key = upstream.device_id if upstream is not None else None
        groups.setdefault(key, TreeGroup(upstream=upstream, roots=[])).roots.append(node)
    for device in devices:  # what is left sits on a loop: cut it here
        if device.pk in seen:
            continue
        seen.add(device.pk)
        node = nodes[device.pk]
        node.loop = True
        _attach(node, nodes, children, seen)
        groups.setdefault(None, TreeGroup(upstream=None, roots=[])).roots.append(node)
    ordered = sorted((group for key, group in groups.items() if key is not None), key=_group_order)
    if None in groups:
        ordered.append(groups[None])
    return SiteTree(site=site, groups=ordered)


def _group_order(group: TreeGroup) -> tuple[str, int]:
    upstream = group.upstream
    return (upstream.name, upstream.device_id) if upstream is not None else ("", 0)


def _upstream(device: Device, visible: set[int]) -> Upstream | None:
    if device.uplink_id is None or device.uplink_id == device.pk:
        return None
    if not Device.uplink.is_cached(device):  # not loaded along: name nothing, query nothing
        return None
    uplink = device.uplink
    if uplink is None:
        return None
    return Upstream(
        device_id=uplink.pk,
        name=uplink.name,
        site_code=uplink.site.code,
        site_name=uplink.site.name,
        visible=uplink.pk in visible,
    )


def build_forest(
    sites: Iterable[Site], devices: Iterable[Device], visible: set[int]
) -> list[SiteTree]:
    """One ``SiteTree`` per site of ``sites`` (in their order, empty ones too) from
    ``devices`` (of those sites, in drawing order). No queries."""
    by_site: dict[int, list[Device]] = {}
    for device in devices:
        by_site.setdefault(device.site_id, []).append(device)
    return [build_site_tree(site, by_site.get(site.pk, []), visible) for site in sites]


def upstream_ids(devices: Iterable[Device]) -> set[int]:
    """The uplinks of ``devices`` that are not among them (candidates for ``Upstream``)."""
    listed = list(devices)
    ids = {device.pk for device in listed}
    return {device.uplink_id for device in listed if device.uplink_id is not None} - ids


def visible_ids(user: User, ids: Iterable[int]) -> set[int]:
    """Those of the device ids ``ids`` that ``user`` may open (one query, none when empty)."""
    wanted = set(ids)
    if not wanted:
        return set()
    rows = devices_for(user).filter(pk__in=wanted).order_by().values_list("pk", flat=True)
    return set(rows)


def site_forest(user: User, sites: Sequence[Site]) -> list[SiteTree]:
    """The trees of ``sites`` with what ``user`` may see of their devices: two queries (the
    devices with their uplinks, the uplinks the user may open)."""
    devices = list(tree_devices(devices_for(user).filter(site__in=[site.pk for site in sites])))
    visible = visible_ids(user, upstream_ids(devices))
    return build_forest(sites, devices, visible)


def flatten(roots: Sequence[TreeNode]) -> list[TreeRow]:
    """The nodes under ``roots`` depth first, children in their order, with the number of
    nested lists to close after each (a leaf closes ``depth - next depth`` levels; the last
    node closes down to depth 0). Iterative, so any depth is fine."""
    ordered: list[tuple[TreeNode, int, int | None]] = []
    stack: list[tuple[TreeNode, int, int | None]] = [(root, 0, None) for root in reversed(roots)]
    while stack:
        node, depth, parent_id = stack.pop()
        ordered.append((node, depth, parent_id))
        stack.extend((child, depth + 1, node.device_id) for child in reversed(node.children))
    rows = []
    for index, (node, depth, parent_id) in enumerate(ordered):
        next_depth = ordered[index + 1][1] if index + 1 < len(ordered) else 0
        closes = 0 if node.children else depth - next_depth
        rows.append(TreeRow(node=node, depth=depth, parent_id=parent_id, closes=range(closes)))
    return rows
