"""Electronic signatures (TTE) of issued documents through BSrE's esign-client
(issue 18 point 6; docs/signatures.md).

- ``EsignClient``: the esign-client service an agency installed on its premises (API v1 or
  v2), with the service account Jaga signs in with (HTTP Basic auth) and, for the agency's
  e-seal, its ``idSubscriber``.
- ``Signer``: the NIK (16-digit population number) the esign-client knows a user by.
- ``Signature``: one attempt to sign one document, and its outcome. The signer's passphrase
  or TOTP is never stored: there is no column for it, here or anywhere (PP 71/2019 puts the
  signature creation data under the signer's sole control).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.tenancy.models import AgencyScoped

nik_validator = RegexValidator(r"^\d{16}$", _("A NIK has exactly 16 digits."), code="invalid_nik")


#: The longest call to the esign-client: gunicorn's sync workers are killed after 30 s
#: (``jaga run``), which would leave an attempt ``pending`` until it goes stale.
MAX_TIMEOUT_SECONDS = 25


class ApiVersion(models.IntegerChoices):
    """The esign-client API an agency's service speaks: v1 (multipart, passphrase only) or
    v2 (JSON with base64 files, passphrase or TOTP, the e-seal)."""

    V1 = 1, _("API v1 (multipart)")
    V2 = 2, _("API v2 (JSON)")


class EsignClient(AgencyScoped):
    """The agency's esign-client service (at most one active per agency).

    ``base_url`` is where Jaga reaches it (e.g. ``http://10.0.0.5``, no path);
    ``username``/``password`` are the service account BSrE's installation created (sent as
    HTTP Basic auth on every call, v1 and v2); ``seal_id_subscriber`` is the agency's
    ``idSubscriber`` for the e-seal (v2 only; empty: no e-seal); ``timeout_seconds`` bounds
    every call, at most ``MAX_TIMEOUT_SECONDS`` (a signing call that times out after it was
    sent leaves its outcome unknown until reconciled)."""

    name = models.CharField(_("name"), max_length=100, default="esign-client")
    base_url = models.URLField(_("base URL"), max_length=200)
    api_version = models.PositiveSmallIntegerField(
        _("API version"), choices=ApiVersion.choices, default=ApiVersion.V2
    )
    username = models.CharField(_("service username"), max_length=100, blank=True)
    password = models.CharField(_("service password"), max_length=200, blank=True)
    seal_id_subscriber = models.CharField(
        _("e-seal idSubscriber"),
        max_length=100,
        blank=True,
        help_text=_("The agency's subscriber id for the electronic seal (API v2 only)."),
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        _("timeout (seconds)"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIMEOUT_SECONDS)],
        help_text=_(
            "How long a call may take. Below the web server's worker timeout (30 seconds), "
            "so that a slow signing ends as 'outcome unknown' rather than a killed request."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("TTE client")
        verbose_name_plural = _("TTE clients")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(is_active=True),
                name="one_active_esign_client_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.base_url}, v{self.api_version})"


class Signer(AgencyScoped):
    """A user who may sign electronically, with the NIK BSrE's certificate and the
    esign-client identify them by (16 digits, validated)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tte_signer",
        verbose_name=_("user"),
    )
    nik = models.CharField(_("NIK"), max_length=16, validators=[nik_validator])

    class Meta:
        verbose_name = _("electronic signer")
        verbose_name_plural = _("electronic signers")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["agency", "nik"], name="one_signer_per_nik")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.nik})"


class SignatureKind(models.TextChoices):
    """A person's signature (TTE) or the agency's electronic seal (segel elektronik)."""

    PERSONAL = "personal", _("personal signature")
    SEAL = "seal", _("electronic seal")


class SignatureStatus(models.TextChoices):
    """``pending`` while the call runs; ``signed``/``failed`` once known; ``unknown`` when
    the call timed out after it was sent, until reconciled."""

    PENDING = "pending", _("in progress")
    SIGNED = "signed", _("signed")
    FAILED = "failed", _("failed")
    UNKNOWN = "unknown", _("outcome unknown")


#: The states that hold a document: while one of them exists no new attempt may start.
LIVE_STATUSES = (SignatureStatus.PENDING, SignatureStatus.UNKNOWN, SignatureStatus.SIGNED)


def signed_path(signature: Signature, filename: str) -> str:
    return f"signed/{signature.agency_id}/{signature.started_at:%Y}/{filename}"


class Signature(AgencyScoped):
    """One attempt to sign ``document`` through the esign-client, and its outcome.

    At most one attempt per document is pending, unknown or signed (database constraint):
    no double signing, and no new attempt while an outcome is unknown. ``started_at``,
    ``finished_at`` and ``reconciled_at`` are UTC. ``signed_pdf`` is the signed version
    archived under the media directory and ``signed_sha256`` the hex SHA-256 of its
    bytes; ``signer_name``, ``signer_serial`` and ``signing_time`` come from the
    certificate and the timestamp of the signed file (pyHanko), not from the service's
    answer. ``error`` is the message shown (no secret: the service never echoes one)."""

    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("document"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SignatureKind.choices, default=SignatureKind.PERSONAL
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    client = models.ForeignKey(
        EsignClient,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("esign client"),
    )
    api_version = models.PositiveSmallIntegerField(_("API version"), choices=ApiVersion.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SignatureStatus.choices,
        default=SignatureStatus.PENDING,
    )
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    signed_pdf = models.FileField(
        _("signed PDF"), upload_to=signed_path, max_length=255, blank=True
    )
    signed_sha256 = models.CharField(
        _("SHA-256 of the signed PDF"), max_length=64, blank=True, db_index=True
    )
    signer_name = models.CharField(_("name in the certificate"), max_length=200, blank=True)
    signer_serial = models.CharField(_("serial in the certificate"), max_length=100, blank=True)
    issuer = models.CharField(_("issuer of the certificate"), max_length=300, blank=True)
    signing_time = models.DateTimeField(_("signing time"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reconciled by"),
    )
    reconciled_at = models.DateTimeField(_("reconciled"), null=True, blank=True)

    class Meta:
        verbose_name = _("electronic signature")
        verbose_name_plural = _("electronic signatures")
        ordering: ClassVar = ["-started_at", "-pk"]
        permissions: ClassVar = [
            ("apply_seal", _("Can apply the agency's electronic seal to its reports")),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["document"],
                condition=models.Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="one_live_signature_per_document",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.document_id}: {self.status}"
