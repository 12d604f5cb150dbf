"""Agencies (the tenants: a Diskominfo or the unit of a Setda that runs the network) and
the data behind their working calendar.

Every domain row of Jaga belongs to exactly one agency through ``AgencyScoped``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    KOTA = "kota", _("City (Kota)")
    KABUPATEN = "kabupaten", _("Regency (Kabupaten)")
    PROVINSI = "provinsi", _("Province (Provinsi)")


class IndonesianTimezone(models.TextChoices):
    """The zones of Indonesia's three time regions (domain.md): WIB has two IANA names."""

    JAKARTA = "Asia/Jakarta", _("WIB (Asia/Jakarta)")
    PONTIANAK = "Asia/Pontianak", _("WIB (Asia/Pontianak)")
    MAKASSAR = "Asia/Makassar", _("WITA (Asia/Makassar)")
    JAYAPURA = "Asia/Jayapura", _("WIT (Asia/Jayapura)")


class CalendarMode(models.TextChoices):
    WORKING = "working", _("Working hours and working days")
    ALWAYS = "24x7", _("24x7 (clock time)")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


kemendagri_code_validator = RegexValidator(
    r"^\d{2}(\.\d{2})?$",
    _("A Kemendagri region code looks like 32 (province) or 32.71 (city or regency)."),
)


def new_token() -> str:
    """A fresh random calendar token (32 hex digits)."""
    return uuid.uuid4().hex


class Agency(models.Model):
    """The tenant: the Diskominfo (or equivalent unit) that runs the network of one region.

    ``timezone`` is an IANA name; all times are stored in UTC and shown in this zone.
    ``letterhead`` holds the kop lines, one per line, top to bottom.
    """

    slug = models.SlugField(_("short code"), max_length=40, unique=True)
    name = models.CharField(_("official name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    government_name = models.CharField(
        _("government"), max_length=150, help_text=_("For example: Pemerintah Kota Bogor")
    )
    region_kind = models.CharField(_("region kind"), max_length=12, choices=RegionKind.choices)
    region_name = models.CharField(_("region name"), max_length=120)
    town = models.CharField(
        _("town of the documents"),
        max_length=80,
        blank=True,
        help_text=_(
            "The place printed before the date of documents, usually the capital of the "
            "region (Boroko for Kabupaten Bolaang Mongondow Utara). Empty: the region name."
        ),
    )
    kemendagri_code = models.CharField(
        _("Kemendagri region code"), max_length=5, validators=[kemendagri_code_validator]
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=40,
        choices=IndonesianTimezone.choices,
        default=IndonesianTimezone.JAKARTA,
    )
    logo = models.ImageField(_("logo"), upload_to="agencies/logos/", blank=True)
    letterhead = models.TextField(
        _("letterhead lines"), blank=True, help_text=_("One line of the letterhead (kop) per line.")
    )
    calendar_mode = models.CharField(
        _("deadline calendar"),
        max_length=10,
        choices=CalendarMode.choices,
        default=CalendarMode.WORKING,
        help_text=_(
            "Working time follows the working hours and days off below; 24x7 counts clock time."
        ),
    )
    national_holidays = models.BooleanField(
        _("observe national holidays and cuti bersama"), default=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # A new random value whenever anything the working calendar is built from changes
    # (jaga.tenancy.signals); built calendars are cached under it.
    calendar_token = models.CharField(max_length=32, default=new_token, editable=False)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return f"{self.short_name or self.name} {self.region_name}"

    @property
    def place(self) -> str:
        """The place line of documents: ``town``, else the region name (Permendagri 1/2023,
        Lampiran: the place and date above the signature block)."""
        return self.town.strip() or self.region_name

    @property
    def letterhead_lines(self) -> list[str]:
        """The kop lines without blank ones."""
        return [line.strip() for line in self.letterhead.splitlines() if line.strip()]


class AgencyScoped(models.Model):
    """Abstract base of every domain row: it belongs to exactly one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name=_("agency"))

    class Meta:
        abstract = True


class DateRange(models.Model):
    """Abstract: an inclusive range of local dates, ``start_date`` to ``end_date``; the
    database refuses one that ends before it starts and ``clean`` says so."""

    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))

    class Meta:
        abstract = True
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="%(app_label)s_%(class)s_ends_after_start",
            )
        ]

    def covers(self, day: date) -> bool:
        """Whether local date ``day`` is inside the range."""
        return self.start_date <= day <= self.end_date

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end cannot be before the start.")})


class SpecialPeriod(AgencyScoped, DateRange):
    """A date range with its own working hours, e.g. Ramadan (Perpres 21/2023: 32.5 hours a
    week starting 08:00). Dates are local and inclusive."""

    name = models.CharField(_("name"), max_length=100, help_text=_("For example: Ramadan 1448 H"))

    class Meta(DateRange.Meta):
        verbose_name = _("special working-hours period")
        verbose_name_plural = _("special working-hours periods")
        ordering: ClassVar = ["start_date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date:%d-%m-%Y} – {self.end_date:%d-%m-%Y})"

    def clean(self) -> None:
        """Rejects a range that ends before it starts or overlaps another period of the
        agency (a day has one schedule)."""
        super().clean()
        if self.agency_id is None or not (self.start_date and self.end_date):
            return
        overlapping = (
            SpecialPeriod.objects.filter(
                agency_id=self.agency_id,
                start_date__lte=self.end_date,
                end_date__gte=self.start_date,
            )
            .exclude(pk=self.pk)
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                _("The dates overlap the period %(period)s.") % {"period": overlapping}
            )


class WorkingHours(AgencyScoped):
    """One working interval of a weekday in local wall time: of the regular week when
    ``period`` is empty, else of that special period. Several rows per weekday model the
    breaks (07:30–12:00 and 13:00–16:00)."""

    period = models.ForeignKey(
        SpecialPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hours",
        verbose_name=_("special period"),
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering: ClassVar = ["weekday", "start"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="working_hours_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        period = self.period if self.period_id is not None else None
        if period is not None and period.agency_id != self.agency_id:
            raise ValidationError({"period": _("The period belongs to another agency.")})


class DayOff(AgencyScoped):
    """A non-working day of this agency on top of national holidays and cuti bersama
    (a local holiday, a regional anniversary set as a day off, …)."""

    date = models.DateField(_("date"))
    name = models.CharField(_("description"), max_length=150)

    class Meta:
        verbose_name = _("agency day off")
        verbose_name_plural = _("agency days off")
        ordering: ClassVar = ["date"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "date"], name="one_day_off_per_date")
        ]

    def __str__(self) -> str:
        day: date = self.date
        return f"{day:%d-%m-%Y} {self.name}"
