"""The organisation of an agency and the offices it serves.

``Opd`` are the Perangkat Daerah served by the network; ``OrgUnit`` the tree of Bidang,
Seksi, Sub Bagian and Tim inside the agency; ``Position`` a jabatan in a unit; ``Employee``
a pegawai holding positions; ``ActingAssignment`` a Plt/Plh covering a position for a date
range; ``User`` a login that belongs to one agency (and, for reporters, one OPD).
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.org.fields import NipField
from jaga.org.nip import format_nip
from jaga.tenancy.models import Agency, AgencyScoped, DateRange
from jaga.web.bidi import refuse_bidi_controls


def refuse_direction_controls(instance: models.Model, *fields: str) -> None:
    """``ValidationError`` keyed by field for each of ``fields`` of ``instance`` whose text
    holds a bidirectional control character (issue 13 point 9; ``jaga.web.bidi``)."""
    errors: dict[str, list[str]] = {}
    for field in fields:
        try:
            refuse_bidi_controls(getattr(instance, field))
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


class Opd(AgencyScoped):
    """A Perangkat Daerah (OPD) the agency's network serves: Dinas Kesehatan, Kecamatan X…"""

    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=40)
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    head_name = models.CharField(_("head's name"), max_length=150, blank=True)
    head_title = models.CharField(
        _("head's position"),
        max_length=150,
        blank=True,
        help_text=_("For example: Camat Bogor Tengah"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("regional office (OPD)")
        verbose_name_plural = _("regional offices (OPD)")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "name"], name="opd_name_unique_in_agency"),
            models.UniqueConstraint(
                fields=["agency", "abbreviation"], name="opd_abbreviation_unique_in_agency"
            ),
        ]

    def __str__(self) -> str:
        return self.abbreviation or self.name

    def clean(self) -> None:
        refuse_direction_controls(self, "name", "abbreviation", "head_name", "head_title")


class OrgUnitKind(models.TextChoices):
    DINAS = "dinas", _("Agency (Dinas)")
    BAGIAN = "bagian", _("Division (Bagian)")
    BIDANG = "bidang", _("Division (Bidang)")
    SEKSI = "seksi", _("Section (Seksi)")
    SUBBAGIAN = "subbagian", _("Subdivision (Sub Bagian)")
    TIM = "tim", _("Team (Tim)")


class OrgUnit(AgencyScoped):
    """A unit of the agency's organisation tree (Bidang, Seksi, Sub Bagian, Tim)."""

    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "parent", "name"], name="org_unit_name_unique_under_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[OrgUnit]:
        """Parent, grandparent, … up to the top unit (one query per level); stops at a
        unit seen before, so an unsaved cycle cannot loop."""
        chain: list[OrgUnit] = []
        seen = {self.pk}
        node = self.parent if self.parent_id is not None else None
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent if node.parent_id is not None else None
        return chain

    def clean(self) -> None:
        refuse_direction_controls(self, "name", "abbreviation")
        parent = self.parent if self.parent_id is not None else None
        if parent is None:
            return
        if parent.agency_id != self.agency_id:
            raise ValidationError({"parent": _("The parent unit belongs to another agency.")})
        if self.pk is not None and (
            parent.pk == self.pk or any(a.pk == self.pk for a in parent.ancestors())
        ):
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})


class Position(AgencyScoped):
    """A jabatan in a unit (Kepala Dinas, Kepala Seksi Infrastruktur, Tenaga Teknis…).

    ``code`` is stable within the agency; SOP lanes name positions by it.
    """

    code = models.SlugField(_("code"), max_length=60, help_text=_("Short stable name, e.g. kadis"))
    title = models.CharField(_("position title"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="positions", verbose_name=_("unit")
    )
    is_head = models.BooleanField(
        _("head of unit"), default=False, help_text=_("The position leads its unit.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering: ClassVar = ["unit__name", "-is_head", "title"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "code"], name="position_code_unique_in_agency"
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(is_head=True), name="one_head_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        refuse_direction_controls(self, "title")
        if self.unit_id is not None and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": _("The unit belongs to another agency.")})


class Employee(AgencyScoped):
    """A pegawai of the agency. ``name`` includes academic titles as printed
    ("Drs. Firdaus, M.Si"); ``nip`` is stored as 18 digits (empty for non-ASN staff) and
    printed grouped via ``nip_display``."""

    name = models.CharField(_("name with titles"), max_length=150)
    nip = NipField(_("NIP"), help_text=_("18 digits; leave empty for non-civil-servant staff."))
    rank = models.CharField(
        _("rank and grade"), max_length=80, blank=True, help_text=_("For example: Pembina (IV/a)")
    )
    positions = models.ManyToManyField(
        Position, blank=True, related_name="employees", verbose_name=_("positions")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        "org.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("user account"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            # Issue 13 point 9: one NIP per agency, as a clear form error in the admin;
            # migration 0002 brings older spellings of a NIP to ASCII digits first.
            models.UniqueConstraint(
                fields=["agency", "nip"],
                condition=~models.Q(nip=""),
                name="nip_unique_in_agency",
                violation_error_message=_("Another employee of this agency has this NIP."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def nip_display(self) -> str:
        """The NIP grouped for print: ``19671226 198603 1 002``."""
        return format_nip(self.nip)

    def clean(self) -> None:
        refuse_direction_controls(self, "name", "rank")
        if (
            self.user_id is not None
            and self.user is not None
            and self.user.agency_id != self.agency_id
        ):
            raise ValidationError({"user": _("The user account belongs to another agency.")})


class ActingKind(models.TextChoices):
    PLT = "plt", _("Plt (Pelaksana Tugas)")
    PLH = "plh", _("Plh (Pelaksana Harian)")


class ActingAssignment(AgencyScoped, DateRange):
    """An acting official (Plt or Plh) covering ``position`` from ``start_date`` to
    ``end_date`` inclusive (local dates), by a surat perintah (BKN SE 1/2021)."""

    position = models.ForeignKey(
        Position, on_delete=models.CASCADE, related_name="acting", verbose_name=_("position")
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.CASCADE,
        related_name="acting",
        verbose_name=_("acting official"),
    )
    kind = models.CharField(_("kind"), max_length=3, choices=ActingKind.choices)
    decree_number = models.CharField(_("appointment order number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(DateRange.Meta):
        verbose_name = _("acting official (Plt/Plh)")
        verbose_name_plural = _("acting officials (Plt/Plh)")
        ordering: ClassVar = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position} – {self.employee}"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.position_id is not None and self.position.agency_id != self.agency_id:
            errors["position"] = str(_("The position belongs to another agency."))
        if self.employee_id is not None and self.employee.agency_id != self.agency_id:
            errors["employee"] = str(_("The employee belongs to another agency."))
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A login. A platform administrator (``is_superuser``) sees every agency; everyone else
    belongs to exactly one ``agency``. ``is_staff`` on an agency user makes them that
    agency's administrator. An OPD user (a reporter) also names their ``opd``."""

    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("agency"),
    )
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("regional office (OPD)"),
        help_text=_("Set for OPD staff who report disruptions."),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined,misc]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(agency__isnull=False),
                name="user_has_agency_unless_platform_admin",
                violation_error_message=_(
                    "Every user except a platform administrator belongs to an agency."
                ),
            )
        ]

    @property
    def is_platform_admin(self) -> bool:
        """Sees and configures every agency."""
        return bool(self.is_superuser)

    @property
    def is_agency_admin(self) -> bool:
        """Configures their own agency in the admin."""
        return bool(self.is_staff and self.agency_id is not None and not self.is_superuser)

    def clean(self) -> None:
        super().clean()
        if not self.is_superuser and self.agency_id is None:
            raise ValidationError(
                {"agency": _("Every user except a platform administrator belongs to an agency.")}
            )
        if (
            self.opd_id is not None
            and self.opd is not None
            and self.opd.agency_id != self.agency_id
        ):
            raise ValidationError({"opd": _("The OPD belongs to another agency.")})
