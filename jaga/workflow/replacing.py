"""The device fields of a step form: the devices near a case, and the replacement of a
broken device by a spare (``jaga.inventory.replacement``).

Issue 13 point 13, "Replacement takes a like device": the form offers only spares of the
broken device's kind (of the kinds of the devices that may be taken out, until the broken
one is known), and when the spare is of another vendor or model it shows a warning that
must be confirmed with a tick before the step completes (a PoE switch replaced by one
without PoE is allowed, knowingly).

Issue 20 point 4, "Devices in the same form as their site" (seed 000 step 3, the routine
check's "penggantian / perbaikan perangkat" at each Perangkat Daerah): the form has a site
field, and the broken device is chosen among the devices in service at that site, so the
technician need not link the site to the case and reopen the form first. A fan-out visit's
form starts on the visit's site. The page asks for the device choices of another site with
htmx (``jaga.workflow.sitedevices``), and without JavaScript with a submit that redraws the
form keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jaga.inventory.fields import IdsChoiceField
from jaga.inventory.models import REMOVED_STATUSES, Device, DeviceStatus, Site
from jaga.inventory.replacement import model_differs, model_of
from jaga.workflow.models import Case

#: The tick that confirms a spare of another model (present only when it is needed).
CONFIRM_MODEL = "confirm_model"
#: The site field: the broken device is chosen among the devices in service there.
SITE = "site"
#: The replacement's fields in the form's order (``CONFIRM_MODEL`` only when needed).
REPLACEMENT_FIELDS = (SITE, "removed", "installed", "removed_status", CONFIRM_MODEL)


def device_label(device: Device) -> str:
    """A device as choices show it: "name · serial · site code"."""
    parts = [device.name, device.serial_number, device.site.code]
    return " · ".join(part for part in parts if part)


def spare_label(device: Device) -> str:
    """A spare as the replacement choice shows it: "name · kind · vendor model · serial ·
    store code"."""
    parts = [
        device.name,
        str(device.get_kind_display()),
        model_of(device),
        device.serial_number,
        device.site.code,
    ]
    return " · ".join(part for part in parts if part)


def site_label(site: Site) -> str:
    """A site as choices show it: "code · name (OPD abbreviation)"."""
    opd = site.opd.abbreviation if site.opd is not None and site.opd.abbreviation else ""
    return f"{site.code} · {site.name}" + (f" ({opd})" if opd else "")


class SiteChoiceField(forms.ModelChoiceField[Site]):
    def label_from_instance(self, obj: Site) -> str:
        return site_label(obj)


class DeviceChoiceField(forms.ModelChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return device_label(obj)


class DevicesChoiceField(IdsChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return device_label(obj)


class SpareChoiceField(forms.ModelChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return spare_label(obj)


def near_case(case: Case, sites: Any = None) -> Q:
    """Devices linked to ``case``, or standing at its sites or at its OPD's sites (by ids
    of small subqueries, so that it stays cheap in an agency of many devices). ``sites``
    (site ids, or a values query of them) stands for the case's linked sites when given:
    the sites chosen in a form not saved yet (issue 20 point 4)."""
    if sites is None:
        sites = Site.objects.filter(cases=case).values("pk")
    near = Q(pk__in=case.devices.values("pk")) | Q(site_id__in=sites)
    if case.opd_id is not None:
        near |= Q(site_id__in=Site.objects.filter(opd_id=case.opd_id).values("pk"))
    return near


def device_sites(case: Case) -> QuerySet[Site]:
    """The sites a form about ``case`` offers to choose devices from: the agency's sites
    outside its stores (a store holds spares, not devices in service), by code."""
    return (
        Site.objects.filter(agency_id=case.agency_id, is_store=False)
        .select_related("opd")
        .order_by("code", "pk")
    )


def removable_devices(case: Case, site: Site | None = None) -> QuerySet[Device]:
    """The devices in service a replacement step may take out: those at ``site`` when one
    is chosen, else ``near_case`` ones."""
    devices = Device.objects.filter(agency_id=case.agency_id, status=DeviceStatus.IN_SERVICE)
    devices = (
        devices.filter(site_id=site.pk) if site is not None else devices.filter(near_case(case))
    )
    return devices.select_related("site").order_by("site__code", "name", "pk")


def spare_devices(case: Case, kinds: Any = None) -> QuerySet[Device]:
    """The spares in the agency's stores, of ``kinds`` (device kinds, or a values query of
    them) when given."""
    spares = Device.objects.filter(
        agency_id=case.agency_id, status=DeviceStatus.SPARE, site__is_store=True
    )
    if kinds is not None:
        spares = spares.filter(kind__in=kinds)
    return spares.select_related("site").order_by("kind", "name", "pk")


def posted_id(data: Mapping[str, Any] | None, name: str) -> int | None:
    """The row id ``data`` gives for field ``name`` (None when absent, empty, not digits or
    longer than 18 digits, so always within the 64-bit id columns)."""
    raw = data.get(name) if data is not None else None
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


def _posted(queryset: QuerySet[Device], data: Any, name: str) -> Device | None:
    """The device ``data`` names in field ``name``, when it is one of ``queryset``."""
    pk = posted_id(data, name)
    return queryset.filter(pk=pk).first() if pk is not None else None


def chosen_site(case: Case, data: Mapping[str, Any] | None) -> tuple[Site | None, bool]:
    """The site ``data`` names in the ``site`` field among ``device_sites(case)``, and
    whether a site was named but refused (not an id, or not one of them: another agency's
    site, a store, a site that does not exist)."""
    raw = data.get(SITE) if data is not None else None
    if raw in (None, ""):
        return None, False
    pk = posted_id(data, SITE)
    site = device_sites(case).filter(pk=pk).first() if pk is not None else None
    return site, site is None


def replacement_fields(
    case: Case,
    required: bool,
    data: Any,
    *,
    kept: Mapping[str, Any] | None = None,
    visit_site: Site | None = None,
) -> dict[str, forms.Field]:
    """The replacement's fields of a step form for ``case``: the site, the broken device
    (in service at the site, else ``near_case``), the spare (of the broken device's kind),
    what the broken one becomes, and, when the posted ``data`` pairs devices of different
    models, the tick confirming it.

    ``data`` is a bound form's data; ``kept`` the values of a form being redrawn unsaved
    (another site chosen: the htmx request's query or the no-JavaScript submit); with
    neither, the form starts at ``visit_site`` (a fan-out visit's site) and at the first
    device in service linked to the case."""
    chosen = data if data is not None else kept
    site = chosen_site(case, chosen)[0]
    initial: int | None = None
    if chosen is None:
        site = visit_site
        linked = case.devices.filter(status=DeviceStatus.IN_SERVICE)
        if site is not None:
            linked = linked.filter(site_id=site.pk)
        initial = linked.order_by("pk").values_list("pk", flat=True).first()
    removable = removable_devices(case, site)
    if chosen is None:
        broken = removable.filter(pk=initial).first() if initial is not None else None
    else:
        broken = _posted(removable, chosen, "removed")
        initial = broken.pk if broken is not None else None
    # A bound form accepts a spare of any kind it may show, so that a spare of another kind
    # gets check_like_device's message rather than "not one of the choices".
    kinds = [broken.kind] if broken is not None and data is None else removable.values("kind")
    fields: dict[str, forms.Field] = {
        SITE: SiteChoiceField(
            queryset=device_sites(case),
            label=_("Site of the broken device"),
            required=False,
            empty_label=_("— the case's office and affected sites —"),
            help_text=_("Choosing a site offers its devices in service below."),
            initial=site.pk if site is not None else None,
        ),
        "removed": DeviceChoiceField(
            queryset=removable,
            label=_("Broken device"),
            required=required,
            empty_label="—",
            help_text=_("Devices in service at the chosen site.")
            if site is not None
            else _("Devices in service at the case's office and affected sites."),
            initial=initial,
        ),
        "installed": SpareChoiceField(
            queryset=spare_devices(case, kinds),
            label=_("Replacement from the store"),
            required=required,
            empty_label="—",
            help_text=_(
                "Spares of the broken device's kind; it takes over the broken device's name, "
                "place and connections."
            ),
            initial=posted_id(kept, "installed") if data is None else None,
        ),
        "removed_status": forms.ChoiceField(
            label=_("The broken device goes"),
            choices=[(status.value, status.label) for status in REMOVED_STATUSES],
            initial=DeviceStatus.IN_REPAIR.value,
            required=required,
            widget=forms.RadioSelect,
        ),
    }
    spare = _posted(spare_devices(case), data, "installed") if data is not None else None
    if broken is not None and spare is not None and model_differs(broken, spare):
        fields[CONFIRM_MODEL] = forms.BooleanField(
            label=_("Use this spare although its model differs"), required=False
        )
    return fields


def check_like_device(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """Add the form errors of a chosen pair: a spare of another kind is refused, one of
    another model needs the confirmation tick (with the warning as its error)."""
    removed, installed = cleaned.get("removed"), cleaned.get("installed")
    if not isinstance(removed, Device) or not isinstance(installed, Device):
        return
    if removed.kind != installed.kind:
        form.add_error(
            "installed",
            _("Choose a spare of the broken device's kind (%(kind)s).")
            % {"kind": removed.get_kind_display()},
        )
        return
    if model_differs(removed, installed) and not cleaned.get(CONFIRM_MODEL):
        warning = _(
            "The spare is %(spare)s but the broken device is %(broken)s. Check that it does "
            "the same job (PoE, number of ports, speed), then tick to confirm."
        ) % {
            "spare": model_of(installed) or _("of an unrecorded model"),
            "broken": model_of(removed) or _("of an unrecorded model"),
        }
        if CONFIRM_MODEL not in form.fields:
            form.fields[CONFIRM_MODEL] = forms.BooleanField(
                label=_("Use this spare although its model differs"), required=False
            )
        form.add_error(CONFIRM_MODEL, warning)
