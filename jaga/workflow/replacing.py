"""The device fields of a step form: the devices near a case, and the replacement of a
broken device by a spare (``jaga.inventory.replacement``).

Issue 13 point 13, "Replacement takes a like device": the form offers only spares of the
broken device's kind (of the kinds of the devices that may be taken out, until the broken
one is known), and when the spare is of another vendor or model it shows a warning that
must be confirmed with a tick before the step completes (a PoE switch replaced by one
without PoE is allowed, knowingly).
"""

from __future__ import annotations

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


class DeviceChoiceField(forms.ModelChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return device_label(obj)


class DevicesChoiceField(IdsChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return device_label(obj)


class SpareChoiceField(forms.ModelChoiceField[Device]):
    def label_from_instance(self, obj: Device) -> str:
        return spare_label(obj)


def near_case(case: Case) -> Q:
    """Devices linked to ``case``, or standing at its sites or at its OPD's sites (by ids
    of small subqueries, so that it stays cheap in an agency of many devices)."""
    sites = Site.objects.filter(cases=case).values("pk")
    near = Q(pk__in=case.devices.values("pk")) | Q(site_id__in=sites)
    if case.opd_id is not None:
        near |= Q(site_id__in=Site.objects.filter(opd_id=case.opd_id).values("pk"))
    return near


def removable_devices(case: Case) -> QuerySet[Device]:
    """The devices in service a replacement step may take out: ``near_case`` ones (to
    offer others, link their sites to the case first)."""
    return (
        Device.objects.filter(agency_id=case.agency_id, status=DeviceStatus.IN_SERVICE)
        .filter(near_case(case))
        .select_related("site")
        .order_by("site__code", "name")
    )


def spare_devices(case: Case, kinds: Any = None) -> QuerySet[Device]:
    """The spares in the agency's stores, of ``kinds`` (device kinds, or a values query of
    them) when given."""
    spares = Device.objects.filter(
        agency_id=case.agency_id, status=DeviceStatus.SPARE, site__is_store=True
    )
    if kinds is not None:
        spares = spares.filter(kind__in=kinds)
    return spares.select_related("site").order_by("kind", "name", "pk")


def _posted(queryset: QuerySet[Device], data: Any, name: str) -> Device | None:
    """The device ``data`` names in field ``name``, when it is one of ``queryset``."""
    raw = data.get(name) if data is not None else None
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        return None
    return queryset.filter(pk=int(raw)).first()


def replacement_fields(case: Case, required: bool, data: Any) -> dict[str, forms.Field]:
    """The replacement's fields of a step form for ``case``: the broken device, the spare
    (of the broken device's kind), what the broken one becomes, and, when the posted
    ``data`` pairs devices of different models, the tick confirming it."""
    removable = removable_devices(case)
    initial = (
        case.devices.filter(status=DeviceStatus.IN_SERVICE).values_list("pk", flat=True).first()
    )
    broken = _posted(removable, data, "removed") if data is not None else None
    if data is None and initial is not None:
        broken = removable.filter(pk=initial).first()
    kinds = [broken.kind] if broken is not None and data is None else removable.values("kind")
    fields: dict[str, forms.Field] = {
        "removed": DeviceChoiceField(
            queryset=removable,
            label=_("Broken device"),
            required=required,
            empty_label="—",
            help_text=_(
                "Devices in service at the case's office and affected sites; link another "
                "site to the case to choose among its devices."
            ),
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
