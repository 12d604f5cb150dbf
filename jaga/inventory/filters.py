"""The filters of the inventory lists (``inventory:sites``, ``inventory:devices``,
``inventory:links``) and of their exports. The querysets they narrow come from
``jaga.inventory.permissions``; their choices (OPDs, link providers) come from what the user
may see of their own agency only.

A value that is not one of the choices (another agency's OPD, a stale id) is a form error:
the list shows it next to the field, and the export refuses with 400 rather than export the
unfiltered list. Text filters (search, site code, vendor) only narrow the user's own rows.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jaga.inventory.models import (
    Device,
    DeviceAddress,
    DeviceKind,
    DeviceStatus,
    Link,
    LinkMedium,
    Site,
)
from jaga.inventory.permissions import links_for
from jaga.org.models import Opd, User

YES, NO = "yes", "no"
ISP, DEVICE = "isp", "device"
#: Text that may be (the start of) an IPv4 or IPv6 address.
_ADDRESS_LIKE = re.compile(r"^[0-9a-fA-F:.]+$")


def _user(request: HttpRequest | None) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def opds_of(request: HttpRequest | None) -> QuerySet[Opd]:
    """The OPDs a user may filter by: their agency's, by name (an OPD user: only their own;
    a user of no agency: none)."""
    user = _user(request)
    if user is None or user.agency_id is None:
        return Opd.objects.none()
    if user.opd_id is not None:
        return Opd.objects.filter(pk=user.opd_id)
    return Opd.objects.filter(agency_id=user.agency_id).order_by("name")


def _distinct(queryset: QuerySet[Any], field: str) -> list[tuple[str, str]]:
    """(value, value) of the non-empty values of ``field`` in ``queryset``, sorted."""
    values = queryset.exclude(**{field: ""}).order_by(field).values_list(field, flat=True)
    return [(value, value) for value in values.distinct()]


class SiteFilter(django_filters.FilterSet):  # type: ignore[misc]
    """Sites by text (code, name, address), OPD, and whether the site is the store."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    opd = django_filters.ModelChoiceFilter(
        queryset=opds_of, label=_("Regional office (OPD)"), empty_label=_("Any OPD")
    )
    store = django_filters.ChoiceFilter(
        method="filter_store",
        choices=[(YES, _("Spare store")), (NO, _("Not the store"))],
        label=_("Store"),
        empty_label=_("Store or not"),
    )

    class Meta:
        model = Site
        fields: list[str] = []

    def search(self, queryset: QuerySet[Site], name: str, value: str) -> QuerySet[Site]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(code__icontains=text) | Q(name__icontains=text) | Q(address__icontains=text)
        )

    def filter_store(self, queryset: QuerySet[Site], name: str, value: str) -> QuerySet[Site]:
        if value == YES:
            return queryset.filter(is_store=True)
        if value == NO:
            return queryset.filter(is_store=False)
        return queryset


def _address_match(text: str) -> Q | None:
    """Devices with a management address equal to ``text`` (a whole address) or starting
    with it (``10.0.3.``); None when ``text`` cannot be part of an address."""
    if not _ADDRESS_LIKE.match(text) or not any(c in text for c in ".:"):
        return None
    try:
        whole = str(ipaddress.ip_address(text))
    except ValueError:
        addresses = DeviceAddress.objects.filter(
            device=OuterRef("pk"), address__startswith=text.lower()
        )
    else:
        addresses = DeviceAddress.objects.filter(device=OuterRef("pk"), address=whole)
    return Q(Exists(addresses))


class DeviceFilter(django_filters.FilterSet):  # type: ignore[misc]
    """Devices by text (name, serial number, asset code, model, vendor, management
    address), kind, status, OPD (of the site), site (its code) and vendor (either ignoring
    case)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=DeviceKind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    status = django_filters.ChoiceFilter(
        choices=DeviceStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    opd = django_filters.ModelChoiceFilter(
        field_name="site__opd",
        queryset=opds_of,
        label=_("Regional office (OPD)"),
        empty_label=_("Any OPD"),
    )
    # Text, not a list of choices: an agency has hundreds of sites and many vendors, and a
    # select of every one of them costs more to render than the rest of the page. The
    # queryset is the user's already, so a code or vendor of someone else's matches nothing.
    site = django_filters.CharFilter(
        field_name="site__code",
        lookup_expr="iexact",
        label=_("Site code"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. dinkes-pusat")}),
    )
    vendor = django_filters.CharFilter(lookup_expr="iexact", label=_("Vendor"))

    class Meta:
        model = Device
        fields: list[str] = []

    def search(self, queryset: QuerySet[Device], name: str, value: str) -> QuerySet[Device]:
        text = value.strip()
        if not text:
            return queryset
        match = (
            Q(name__icontains=text)
            | Q(serial_number__icontains=text)
            | Q(asset_code__icontains=text)
            | Q(model__icontains=text)
            | Q(vendor__icontains=text)
        )
        address = _address_match(text)
        if address is not None:
            match |= address
        return queryset.filter(match)


class LinkFilter(django_filters.FilterSet):  # type: ignore[misc]
    """Links by text (provider, circuit id, the names of the devices at either end),
    medium, provider, whether the far end is an ISP or a device, and OPD (of either end)."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    medium = django_filters.ChoiceFilter(
        choices=LinkMedium.choices, label=_("Medium"), empty_label=_("Any medium")
    )
    provider = django_filters.ChoiceFilter(label=_("Provider"), empty_label=_("Any provider"))
    end = django_filters.ChoiceFilter(
        method="filter_end",
        choices=[(ISP, _("To an ISP")), (DEVICE, _("Between devices"))],
        label=_("Other end"),
        empty_label=_("ISP or device"),
    )
    opd = django_filters.ModelChoiceFilter(
        method="filter_opd",
        queryset=opds_of,
        label=_("Regional office (OPD)"),
        empty_label=_("Any OPD"),
    )

    class Meta:
        model = Link
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = _user(self.request)
        visible = links_for(user) if user is not None else Link.objects.none()
        self.filters["provider"].extra["choices"] = _distinct(visible, "provider")

    def search(self, queryset: QuerySet[Link], name: str, value: str) -> QuerySet[Link]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(provider__icontains=text)
            | Q(circuit_id__icontains=text)
            | Q(a_device__name__icontains=text)
            | Q(b_device__name__icontains=text)
        )

    def filter_end(self, queryset: QuerySet[Link], name: str, value: str) -> QuerySet[Link]:
        if value == ISP:
            return queryset.filter(b_device__isnull=True)
        if value == DEVICE:
            return queryset.filter(b_device__isnull=False)
        return queryset

    def filter_opd(self, queryset: QuerySet[Link], name: str, value: Opd | None) -> QuerySet[Link]:
        if value is None:
            return queryset
        return queryset.filter(Q(a_device__site__opd=value) | Q(b_device__site__opd=value))
