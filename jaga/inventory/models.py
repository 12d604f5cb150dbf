"""The network inventory of an agency, NetBox-like but in the field's terms.

``Site`` is a lokasi (an OPD's office, a tower, the data centre) or the agency's spare store
(``is_store``); ``Device`` a perangkat at a site, with its management addresses
(``DeviceAddress``) and its uplink (the parent device it hangs off); ``Link`` a cable or
radio path between two devices, or between a device and an ISP (``b_device`` empty).
Spare stock is simply devices with status ``spare`` at a store site.

Management addresses live in a related table (``DeviceAddress``, one
``GenericIPAddressField`` per row) rather than an array or JSON column: it works the same on
SQLite and PostgreSQL, the database normalises and validates each address, and a later
monitor can index and join on them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd
from jaga.tenancy.models import AgencyScoped


class DeviceKind(models.TextChoices):
    ROUTER = "router", _("Router")
    SWITCH = "switch", _("Switch")
    ACCESS_POINT = "access_point", _("Access point")
    SERVER = "server", _("Server")
    FIREWALL = "firewall", _("Firewall")
    ONT_MODEM = "ont_modem", _("ONT / modem")
    RADIO = "radio", _("Radio")
    OTHER = "other", _("Other")


class DeviceStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    SPARE = "spare", _("Spare")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


class LinkMedium(models.TextChoices):
    FIBRE = "fibre", _("Fibre optic")
    UTP = "utp", _("UTP copper")
    WIRELESS = "wireless", _("Wireless")
    LEASED_LINE = "leased_line", _("Leased line")


class Site(AgencyScoped):
    """A lokasi: where devices stand. ``code`` is the short stable name imports match on.

    ``latitude``/``longitude`` are WGS 84 decimal degrees (6 decimals, about 0.1 m);
    Indonesia lies roughly at latitude -11…6 and longitude 95…141, but any valid coordinate
    is accepted. A site belongs to an OPD, or, with no OPD, to the Diskominfo itself: its data
    centre, a tower, the store (``is_store``, the agency's gudang for spares).
    """

    code = models.SlugField(
        _("site code"), max_length=60, help_text=_("Short stable name, e.g. dinkes-pusat")
    )
    name = models.CharField(_("name"), max_length=200)
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("regional office (OPD)"),
    )
    address = models.TextField(_("address"), blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_store = models.BooleanField(
        _("spare store"), default=False, help_text=_("The agency's store (gudang) for spares.")
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "code"], name="site_code_unique_in_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def clean(self) -> None:
        opd = self.opd if self.opd_id is not None else None
        if opd is not None and opd.agency_id != self.agency_id:
            raise ValidationError({"opd": _("The OPD belongs to another agency.")})


class Device(AgencyScoped):
    """A perangkat. ``serial_number`` is unique within the agency when given (imports
    match on it); ``asset_code`` is the kode barang of the regional asset register.
    ``uplink`` is the device this one hangs off (same agency, never a loop)."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    asset_code = models.CharField(_("asset code (kode barang)"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="devices", verbose_name=_("site")
    )
    uplink = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="downlinks",
        verbose_name=_("uplink"),
        help_text=_("The device this one is connected up to."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering: ClassVar = ["name", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "serial_number"],
                condition=~models.Q(serial_number=""),
                name="device_serial_unique_in_agency",
                violation_error_message=_("Another device of the agency has this serial number."),
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["agency", "status"]),
            # The device list's order, the keyset of its pages (jaga.web.keyset).
            models.Index(fields=["agency", "name", "id"], name="device_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial_number})" if self.serial_number else self.name

    def clean(self) -> None:
        if self.site_id is not None and self.site.agency_id != self.agency_id:
            raise ValidationError({"site": _("The site belongs to another agency.")})
        if self.uplink_id is None:
            return
        if self.uplink_id == self.pk:
            raise ValidationError({"uplink": _("A device cannot be its own uplink.")})
        uplink = self.uplink
        if uplink is None or uplink.agency_id != self.agency_id:
            raise ValidationError({"uplink": _("The uplink belongs to another agency.")})
        if self.pk is not None and uplink_loops(self.pk, self.uplink_id):
            raise ValidationError({"uplink": _("This uplink would make a loop.")})


def uplink_loops(device_id: int, uplink_id: int) -> bool:
    """Whether making ``uplink_id`` the uplink of ``device_id`` closes a loop: walks up from
    the uplink (one query per level) and stops at the top or at a device seen before."""
    seen: set[int] = set()
    current: int | None = uplink_id
    while current is not None and current not in seen:
        if current == device_id:
            return True
        seen.add(current)
        current = Device.objects.filter(pk=current).values_list("uplink_id", flat=True).first()
    return False


class DeviceAddress(AgencyScoped):
    """One management IP address (IPv4 or IPv6, stored normalised) of a device."""

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("device")
    )
    address = models.GenericIPAddressField(_("management IP address"))

    class Meta:
        verbose_name = _("management address")
        verbose_name_plural = _("management addresses")
        ordering: ClassVar = ["device", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["device", "address"], name="device_address_once")
        ]

    def __str__(self) -> str:
        return str(self.address)


class Link(AgencyScoped):
    """A connection from ``a_device`` to ``b_device``, or to an ISP when ``b_device`` is
    empty (then ``provider`` names the ISP: database constraint ``isp_link_names_provider``).
    ``bandwidth_mbps`` is the contracted or nominal capacity in Mbit/s; ``circuit_id`` the
    provider's circuit id, unique per provider within the agency (imports match on it)."""

    a_device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="links_a", verbose_name=_("device A")
    )
    b_device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="links_b",
        verbose_name=_("device B"),
        help_text=_("Leave empty when the other end is an ISP."),
    )
    medium = models.CharField(_("medium"), max_length=20, choices=LinkMedium.choices)
    bandwidth_mbps = models.PositiveIntegerField(
        _("bandwidth (Mbps)"), validators=[MinValueValidator(1)]
    )
    provider = models.CharField(_("provider"), max_length=150, blank=True)
    circuit_id = models.CharField(_("circuit id"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering: ClassVar = ["pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(b_device__isnull=False) | ~models.Q(provider=""),
                name="isp_link_names_provider",
                violation_error_message=_("A link to an ISP names the provider."),
            ),
            models.CheckConstraint(
                condition=models.Q(bandwidth_mbps__gt=0), name="link_bandwidth_positive"
            ),
            models.UniqueConstraint(
                fields=["agency", "provider", "circuit_id"],
                condition=~models.Q(circuit_id=""),
                name="link_circuit_unique_in_agency",
                violation_error_message=_("Another link of this provider has this circuit id."),
            ),
        ]

    def __str__(self) -> str:
        other = str(self.b_device) if self.b_device_id is not None else self.provider
        return f"{self.a_device} ↔ {other}"

    def clean(self) -> None:
        if self.a_device_id is not None and self.a_device.agency_id != self.agency_id:
            raise ValidationError({"a_device": _("The device belongs to another agency.")})
        if self.b_device_id is not None:
            if self.b_device_id == self.a_device_id:
                raise ValidationError({"b_device": _("A link joins two different devices.")})
            if self.b_device is None or self.b_device.agency_id != self.agency_id:
                raise ValidationError({"b_device": _("The device belongs to another agency.")})
        elif not self.provider:
            raise ValidationError({"provider": _("A link to an ISP names the provider.")})


#: What a replaced device becomes (seed 003 step 10: "mengganti perangkat yang rusak").
REMOVED_STATUSES = (DeviceStatus.IN_REPAIR, DeviceStatus.RETIRED)


class Replacement(AgencyScoped):
    """A broken device (``removed``) replaced by a spare from the store (``installed``) in
    a step of a case (the SOP step declares ``replacement``): the spare went into service at
    ``site`` and the broken one went to ``store`` with ``removed_status`` (in repair or
    retired). Written only by ``jaga.inventory.replacement.replace_device``; ``at`` is UTC."""

    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.PROTECT,
        related_name="replacements",
        verbose_name=_("case"),
    )
    step = models.ForeignKey(
        "workflow.StepInstance",
        on_delete=models.PROTECT,
        related_name="replacements",
        verbose_name=_("step"),
    )
    removed = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="removals", verbose_name=_("removed device")
    )
    installed = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        related_name="installations",
        verbose_name=_("installed device"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    store = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("spare store")
    )
    removed_status = models.CharField(
        _("removed device becomes"), max_length=20, choices=DeviceStatus.choices
    )
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("device replacement")
        verbose_name_plural = _("device replacements")
        ordering: ClassVar = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.removed} → {self.installed}"


class SpareMinimum(AgencyScoped):
    """How many spare devices of a kind the agency wants in its stores (issue 16 point 3):
    the reports warn when the spares of ``device_kind`` fall below ``minimum``."""

    device_kind = models.CharField(_("device kind"), max_length=20, choices=DeviceKind.choices)
    minimum = models.PositiveIntegerField(_("minimum spares"))

    class Meta:
        verbose_name = _("spare minimum")
        verbose_name_plural = _("spare minimums")
        ordering: ClassVar = ["device_kind"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "device_kind"],
                name="one_spare_minimum_per_kind",
                violation_error_message=_("This device kind has a minimum already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_device_kind_display()} ≥ {self.minimum}"


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(AgencyScoped):
    """An import started from the import page and run by the background worker (issue 13
    point 7): ``queued`` → ``running`` → ``done`` or ``failed``, moved only by
    ``jaga.inventory.jobs`` with compare-and-set updates.

    While it runs, ``stage`` says what it does (``reading``, ``checking``, ``writing``) and
    ``rows_done`` of ``rows_total`` rows are checked; ``heartbeat_at`` (UTC) moves with the
    progress and ``worker`` is ``host:pid`` of the process running it, so a job whose worker
    died is found and failed (``jobs.expire_stale``). ``stored_as`` is the uploaded file under
    the data directory's ``imports/`` while the job is queued or running (empty once deleted).
    A failed job holds ``errors`` (``[line, column, reason]`` lists, every bad cell) or a
    ``message``; nothing of a failed job was written. ``language`` is the uploader's, in which
    the messages are written."""

    kind = models.CharField(_("kind"), max_length=10)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4)
    stored_as = models.CharField(_("stored file"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=10, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.JSONField(_("bad cells"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    worker = models.CharField(_("worker"), max_length=300, blank=True)
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering: ClassVar = ["-queued_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["agency", "state"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (ImportState.DONE, ImportState.FAILED)
