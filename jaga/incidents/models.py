"""Disruption reports from an OPD ("Laporan / Pengaduan gangguan jaringan") and their photos.

An ``Incident`` is what the reporter typed; the case it started (``case``) carries the work.
Photos are ``Attachment`` rows whose files live under MEDIA_ROOT, outside the database, in
``attachments/<agency id>/<yyyy>/<mm>/<random hex>.<ext>`` (month of the upload, UTC): the
names are random so they cannot be guessed, and files are only served through the
permission-checked download view, never by their URL.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jaga.org.models import Opd
from jaga.tenancy.models import AgencyScoped
from jaga.workflow.models import Case


class Incident(AgencyScoped):
    """A disruption reported by a user of an OPD; it started ``case``."""

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, related_name="incident", verbose_name=_("case")
    )
    opd = models.ForeignKey(
        Opd,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("regional office (OPD)"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("reporter"),
    )
    location = models.CharField(
        _("location"), max_length=200, help_text=_("Building, floor or room.")
    )
    problem = models.TextField(_("problem"))
    since = models.DateTimeField(_("since"))
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_phone = models.CharField(_("contact phone"), max_length=40)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("disruption report")
        verbose_name_plural = _("disruption reports")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["agency", "opd", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.case_id} {self.location}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """``attachments/<agency id>/<yyyy>/<mm>/<32 random hex digits><suffix of filename>``."""
    when = instance.uploaded_at or timezone.now()
    suffix = PurePosixPath(filename).suffix.lower()
    return f"attachments/{instance.agency_id}/{when:%Y}/{when:%m}/{secrets.token_hex(16)}{suffix}"


class Attachment(AgencyScoped):
    """A file attached to a report (a photo of the disruption), stored on disk."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("disruption report"),
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering: ClassVar = ["incident", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
