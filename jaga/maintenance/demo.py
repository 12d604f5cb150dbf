"""The demo agencies' checklists (``jaga demo``): for the agencies that run the periodic
SOPs (seed 000 Kota Bogor, seed 004 Kota Batam), one template each for routers, switches,
access points and ONT/modems, with the checks of a preventive visit. Written without
audit events: it is demo data, not something anyone did."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from jaga.inventory.models import DeviceKind
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate, ItemKind
from jaga.org.demo.agencies import AGENCIES
from jaga.org.demo.schema import DemoAgency
from jaga.tenancy.models import Agency

#: The agencies whose seed SOP is a periodic maintenance round.
PERIODIC_AGENCIES = ("bogor", "batam")

#: (kind, label, unit, minimum, maximum, required, guidance) of every demo template.
_COMMON: tuple[tuple[str, str, str, Decimal | None, Decimal | None, bool, str], ...] = (
    (
        ItemKind.PASS_FAIL,
        "Lampu indikator normal",
        "",
        None,
        None,
        True,
        "Lampu power dan link menyala hijau, tidak ada lampu merah.",
    ),
    (
        ItemKind.MEASURE,
        "Suhu perangkat",
        "°C",
        Decimal(0),
        Decimal(45),
        True,
        "Ukur dengan termometer inframerah di sisi perangkat.",
    ),
    (
        ItemKind.MEASURE,
        "Kecepatan unduh",
        "Mbps",
        Decimal(10),
        None,
        True,
        "Uji kecepatan dari laptop yang tersambung ke perangkat.",
    ),
    (ItemKind.PASS_FAIL, "Kabel dan konektor rapi", "", None, None, True, ""),
    (ItemKind.PHOTO, "Foto rak perangkat", "", None, None, True, ""),
    (ItemKind.TEXT, "Catatan kondisi", "", None, None, False, ""),
)

_NAMES = {
    DeviceKind.ROUTER: "Pemeriksaan router",
    DeviceKind.SWITCH: "Pemeriksaan switch",
    DeviceKind.ACCESS_POINT: "Pemeriksaan access point",
    DeviceKind.ONT_MODEM: "Pemeriksaan ONT / modem",
}


def load_demo_checklists(agencies: tuple[DemoAgency, ...] = AGENCIES) -> int:
    """Create the demo templates of the periodic agencies among ``agencies`` that have
    none yet, one transaction per agency; returns the number of templates created (0 when
    run again)."""
    created = 0
    for data in agencies:
        if data.slug not in PERIODIC_AGENCIES:
            continue
        agency = Agency.objects.get(slug=data.slug)
        if ChecklistTemplate.objects.filter(agency=agency).exists():
            continue
        with transaction.atomic():
            for kind, name in _NAMES.items():
                template = ChecklistTemplate.objects.create(
                    agency=agency,
                    name=name,
                    device_kind=kind,
                    description="Daftar periksa pemeliharaan jaringan berkala.",
                )
                ChecklistItem.objects.bulk_create(
                    ChecklistItem(
                        agency=agency,
                        template=template,
                        position=position,
                        kind=item_kind,
                        label=label,
                        unit=unit,
                        minimum=low,
                        maximum=high,
                        required=required,
                        guidance=guidance,
                    )
                    for position, (
                        item_kind,
                        label,
                        unit,
                        low,
                        high,
                        required,
                        guidance,
                    ) in enumerate(_COMMON, start=1)
                )
                created += 1
    return created
