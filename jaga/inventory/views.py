"""The inventory's list pages (sites, devices, links), the export of any filtered list, the
empty import templates (docs/inventory.md, "Pages").

What a user sees comes from ``jaga.inventory.permissions``: the Diskominfo side sees its whole
agency, an OPD user the sites of their OPD, the devices there and the links that touch them.
A user of no agency (a platform administrator) has no inventory here (403), like the SOP
pages. Only the agency's administrator imports. The detail pages live in
``jaga.inventory.pages``, the import pages in ``jaga.inventory.importpages``.

Each list loads in a fixed number of queries whatever its length (``*_rows``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from jaga.inventory import tabular
from jaga.inventory.filters import DeviceFilter, LinkFilter, SiteFilter
from jaga.inventory.forms import KIND_LABELS
from jaga.inventory.models import Device, Link, Site
from jaga.inventory.permissions import (
    devices_for,
    links_for,
    may_change_inventory,
    sites_for,
)
from jaga.inventory.tabular import FORMATS, KINDS, Format, Kind
from jaga.org.models import User
from jaga.web import keyset

PAGE_SIZE = 50
#: Beyond any list (50 million rows); a larger page number is not turned into an OFFSET.
MAX_PAGE = 1_000_000
#: Indonesian stems of the downloaded files' names, as in the URLs.
FILE_STEMS: dict[Kind, str] = {"sites": "lokasi", "devices": "perangkat", "links": "tautan"}
CONTENT_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _agency_user(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for a user of none (a platform administrator)."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("The inventory belongs to an agency; this account has none."))
    return user


@dataclass(frozen=True)
class SiteRow:
    """A site of the list and the number of devices standing there."""

    site: Site
    devices: int


def site_rows(user: User, ids: list[int]) -> list[SiteRow]:
    """The sites ``ids`` by code, with their OPD and their number of devices (that ``user``
    sees), in two queries."""
    sites = Site.objects.filter(pk__in=ids).select_related("opd").order_by("code", "pk")
    counts = dict(
        devices_for(user)
        .filter(site_id__in=ids)
        .order_by()
        .values_list("site_id")
        .annotate(count=Count("pk"))
        .values_list("site_id", "count")
    )
    return [SiteRow(site, counts.get(site.pk, 0)) for site in sites]


def device_rows(user: User, ids: list[int]) -> list[Device]:
    """The devices ``ids`` by name, with their site (and its OPD), uplink and management
    addresses, in two queries."""
    return list(
        Device.objects.filter(pk__in=ids)
        .select_related("site", "site__opd", "uplink")
        .prefetch_related("addresses")
        .order_by("name", "pk")
    )


def link_rows(user: User, ids: list[int]) -> list[Link]:
    """The links ``ids``, oldest first, with both ends and their sites, in one query."""
    return list(
        Link.objects.filter(pk__in=ids)
        .select_related("a_device", "a_device__site", "b_device", "b_device__site")
        .order_by("pk")
    )


@dataclass(frozen=True)
class InventoryList:
    """What makes one of the three lists: its filter, the rows the user may see and their
    order, how a page's rows are loaded, and its templates."""

    kind: Kind
    filterset: type[Any]
    visible: Callable[[User], QuerySet[Any]]
    order: tuple[str, ...]
    rows: Callable[[User, list[int]], list[Any]]
    page_template: str
    results_template: str


LISTS: dict[Kind, InventoryList] = {
    "sites": InventoryList(
        "sites",
        SiteFilter,
        sites_for,
        ("code", "pk"),
        site_rows,
        "inventory/sites.html",
        "inventory/_site_results.html",
    ),
    "devices": InventoryList(
        "devices",
        DeviceFilter,
        devices_for,
        ("name", "pk"),
        device_rows,
        "inventory/devices.html",
        "inventory/_device_results.html",
    ),
    "links": InventoryList(
        "links",
        LinkFilter,
        links_for,
        ("pk",),
        link_rows,
        "inventory/links.html",
        "inventory/_link_results.html",
    ),
}


def _is_partial(request: HttpRequest) -> bool:
    """An htmx request for the results only (not a boosted page or a history restore)."""
    htmx = getattr(request, "htmx", None)
    return (
        isinstance(htmx, HtmxDetails)
        and bool(htmx)
        and not htmx.boosted
        and not htmx.history_restore_request
    )


def _kind(kind: str) -> Kind:
    """``kind`` as one of ``tabular.KINDS``; 404 otherwise."""
    for known in KINDS:
        if kind == known:
            return known
    raise Http404


def _format(request: HttpRequest) -> Format | None:
    """The ``format`` parameter (default csv) as one of ``tabular.FORMATS``, else None."""
    value = request.GET.get("format", "csv")
    for known in FORMATS:
        if value == known:
            return known
    return None


def _filtered(request: HttpRequest, kind: Kind, user: User) -> Any:
    """The list's filter bound to the request, over the rows ``user`` may see, in order."""
    listing = LISTS[kind]
    rows = listing.visible(user).order_by(*listing.order)
    return listing.filterset(request.GET or None, queryset=rows, request=request)


def _narrowed(filterset: Any) -> bool:
    """Whether any filter of the bound ``filterset`` has a (valid) value."""
    if not filterset.is_bound:
        return False
    filterset.form.is_valid()  # cleaned_data: the valid fields only
    return any(value not in (None, "") for value in filterset.form.cleaned_data.values())


def paginate(queryset: QuerySet[Any], number: str | None, narrowed: bool) -> Page[int]:
    """The page ``number`` of the ids of the ordered ``queryset``, ``PAGE_SIZE`` to a page,
    by offset (the monitor's overview; the inventory's own lists page by keyset, ``_list``),
    as ``Paginator.get_page`` gives it: the first for what is not a number, the last for one
    out of range.

    The whole list counts its rows (an index scan) and sorts the top of them. A
    ``narrowed`` list, whose filter (a text search above all) costs more than the sort,
    runs it once: one query gives the page's ids and the total (``COUNT(*) OVER ()``); a
    page out of range then costs a count and a second try."""
    paginator = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE)
    if not narrowed:
        return paginator.get_page(number)
    try:
        wanted = int(number or 1)
    except (TypeError, ValueError):
        wanted = 1
    if not 1 <= wanted <= MAX_PAGE:  # Paginator checks the number against the count
        return paginator.get_page(number)
    start = (wanted - 1) * PAGE_SIZE
    counted = queryset.annotate(total=Window(Count("pk"))).values_list("pk", "total")
    found = list(counted[start : start + PAGE_SIZE])
    if found:
        paginator.__dict__["count"] = found[0][1]  # Paginator.count is a cached_property
        return Page([pk for pk, _total in found], wanted, paginator)
    if wanted == 1:
        paginator.__dict__["count"] = 0
        return Page([], 1, paginator)
    return paginator.get_page(number)


def _list(request: HttpRequest, kind: Kind) -> HttpResponse:
    """One page of the list: the page's ids and the total first (``keyset.paginate``: the
    one table with the filter's joins), then those rows with what the list shows."""
    user = _agency_user(request)
    listing = LISTS[kind]
    filterset = _filtered(request, kind, user)
    # Keyset pages (jaga.web.keyset): the page's ids along the list's order, after or
    # before the cursor in the URL, so a deep page costs what the first does; the total is
    # counted exactly (an inventory does not grow with the cases).
    page = keyset.paginate(
        filterset.qs,
        listing.order,
        request.GET,
        PAGE_SIZE,
        cap=None,
        values="pk",
        # A text search scans the table whatever the order: its first page takes the rows
        # and the total in one scan. Other filters find the page along the index (under a
        # millisecond) and count apart (15 ms for 30,000 devices); one windowed query
        # there walks the whole index in name order (40 ms).
        narrowed=_narrowed(filterset) and bool(request.GET.get("q", "").strip()),
    )
    context = {
        "filter": filterset,
        "page": page,
        "rows": listing.rows(user, list(page.object_list)),
        "kind": kind,
        "title": KIND_LABELS[kind],
        "can_change": may_change_inventory(user),
    }
    template = listing.results_template if _is_partial(request) else listing.page_template
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def sites(request: HttpRequest) -> HttpResponse:
    """The sites I may see, filtered (``SiteFilter``) and 50 to a page. An htmx request
    gets the results only."""
    return _list(request, "sites")


@login_required
@require_safe
def devices(request: HttpRequest) -> HttpResponse:
    """The devices I may see, filtered (``DeviceFilter``) and 50 to a page. An htmx request
    gets the results only."""
    return _list(request, "devices")


@login_required
@require_safe
def links(request: HttpRequest) -> HttpResponse:
    """The links I may see, filtered (``LinkFilter``) and 50 to a page. An htmx request gets
    the results only."""
    return _list(request, "links")


def _download(content: bytes, fmt: Format, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def export(request: HttpRequest, kind: str) -> HttpResponse | StreamingHttpResponse | FileResponse:
    """The list of ``kind`` (sites, devices, links; else 404) that I see with the same
    filter parameters as the list page, as ``?format=csv`` (default) or ``xlsx``: an
    attachment ``<lokasi|perangkat|tautan>-<agency>-<YYYY-MM-DD>.<format>``, dated in the
    agency's zone. An unknown format or a bad filter value answers 400, not a wider export."""
    user = _agency_user(request)
    known = _kind(kind)
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Unknown format; use csv or xlsx."))
    filterset = _filtered(request, known, user)
    if filterset.is_bound and not filterset.is_valid():
        return HttpResponseBadRequest(_("A filter value is not valid; nothing was exported."))
    agency = user.agency
    assert agency is not None  # _agency_user
    filename = f"{FILE_STEMS[known]}-{agency.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        # Streamed: rows are read in chunks (a server-side cursor) and sent as written, so
        # the first bytes leave at once and memory stays flat at any size.
        body = _in_language(translation.get_language(), tabular.export_csv(known, filterset.qs))
        streaming = StreamingHttpResponse(body, content_type=CONTENT_TYPES[fmt])
        streaming["Content-Disposition"] = f'attachment; filename="{filename}"'
        streaming["X-Content-Type-Options"] = "nosniff"
        return streaming
    # Written to a temporary file (deleted when the response is closed) and sent from it.
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        tabular.write_xlsx(known, filterset.qs, target)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    sent = FileResponse(
        target, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
    )
    sent["X-Content-Type-Options"] = "nosniff"
    return sent


def _in_language(language: str | None, pieces: Iterator[bytes]) -> Iterator[bytes]:
    """``pieces`` produced in ``language``: a streamed body is read after the view returned,
    where the request's language is no longer active."""
    with translation.override(language):
        yield from pieces


@login_required
@require_safe
def template(request: HttpRequest, kind: str) -> HttpResponse:
    """The empty import file of ``kind`` (404 for an unknown kind), ``?format=csv``
    (default) or ``xlsx`` (400 for another): ``templat-<lokasi|perangkat|tautan>.<format>``."""
    _agency_user(request)
    known = _kind(kind)
    fmt = _format(request)
    if fmt is None:
        return HttpResponseBadRequest(_("Unknown format; use csv or xlsx."))
    return _download(tabular.template(known, fmt), fmt, f"templat-{FILE_STEMS[known]}.{fmt}")
