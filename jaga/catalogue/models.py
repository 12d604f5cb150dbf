"""The service catalogue (katalog layanan; glossary: "Layanan, katalog layanan").

A ``Service`` is what the agency offers to its OPDs and employees, backed by one SOP
(``sop_code``: the agency's current version of that code runs each request). Loading an SOP
that declares a service (format 2 ``service``) or starts by report (format 1) registers one
(``jaga.catalogue.services.register_service``); loading never changes which SOP an existing
service uses: only an administrator does, in the admin. One disruption service per agency is
the default: the OPD's "Lapor Gangguan" form, the monitor's automatic reports and the
maintenance's corrective cases start it.

A ``Request`` (permohonan) is one request of a service: the case it started, how it arrived
(``Case.channel``), who asked (an OPD, an employee, a caller), and who recorded it when
help-desk staff did.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd
from jaga.tenancy.models import AgencyScoped
from jaga.workflow.models import Case, IntakeChannel


class ServiceCategory(models.TextChoices):
    """What a service handles (SOP format 2 ``service.category``)."""

    DISRUPTION = "disruption", _("Disruption (gangguan)")
    REQUEST = "request", _("Service request")


class Service(AgencyScoped):
    """One service of the agency's catalogue. ``requesters`` lists who may request it:
    ``opd`` (OPD users for their office), ``employee`` (the agency's employees for
    themselves), ``staff`` (help-desk staff on a caller's behalf). ``is_default`` marks
    the agency's disruption service (at most one)."""

    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(
        _("category"),
        max_length=12,
        choices=ServiceCategory.choices,
        default=ServiceCategory.REQUEST,
    )
    sop_code = models.SlugField(
        _("SOP"), max_length=60, help_text=_("The code of the SOP each request runs.")
    )
    requesters = models.JSONField(_("who may request"), default=list)
    is_default = models.BooleanField(
        _("default disruption service"),
        default=False,
        help_text=_("The OPDs' Lapor Gangguan form and the network monitor start this one."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering: ClassVar = ["name", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "code"], name="service_code_unique_in_agency"
            ),
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(is_default=True),
                name="one_default_disruption_service",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def allows(self, requester: str) -> bool:
        """Whether ``requester`` (``opd``, ``employee`` or ``staff``) may request it."""
        return requester in (self.requesters or [])


class Request(AgencyScoped):
    """One request of a ``service``: the ``case`` it started. ``opd`` is the requesting
    office (None for an employee's own request); ``requester`` the person with an account
    who asked (an OPD user, an employee), None for a caller without one; ``caller_name``
    and ``caller_contact`` who called or wrote; ``recorded_by`` the help-desk clerk when
    the channel is not Jaga itself."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="request", verbose_name=_("case")
    )
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="requests", verbose_name=_("service")
    )
    channel = models.CharField(
        _("received through"),
        max_length=10,
        choices=IntakeChannel.choices,
        default=IntakeChannel.WEB,
    )
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("regional office (OPD)"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("requester"),
    )
    caller_name = models.CharField(_("caller"), max_length=150, blank=True)
    caller_contact = models.CharField(_("caller's contact"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["agency", "-created_at"]),
            models.Index(fields=["agency", "opd", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.service} #{self.case_id}"
