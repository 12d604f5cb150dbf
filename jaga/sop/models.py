"""An agency's SOP definitions: each loaded version is kept, with its source and hash.

The library files in ``jaga/sop/library`` are templates; what an agency runs is the
definition loaded for it (``jaga sop load``). A running case keeps the version it started
with (``workflow.Case.definition``).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.sop.schema import SopSpec, StartMode
from jaga.sop.validate import load_spec
from jaga.tenancy.models import AgencyScoped


class SopDefinition(AgencyScoped):
    """One version of one SOP of an agency. ``content_hash`` is the SHA-256 of the
    definition's canonical JSON (so reformatting the YAML is not a new version);
    ``is_current`` marks the version new cases start with."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("SOP name"), max_length=250)
    number = models.CharField(_("SOP number"), max_length=100, blank=True)
    source = models.TextField(_("definition (YAML)"))
    content_hash = models.CharField(_("content hash (SHA-256)"), max_length=64)
    starts_by_report = models.BooleanField(_("starts from a report"), default=False)
    starts_by_schedule = models.BooleanField(_("starts on a schedule"), default=False)
    starts_manually = models.BooleanField(_("starts by hand"), default=False)
    is_current = models.BooleanField(_("current version"), default=True)
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loaded by"),
    )

    class Meta:
        verbose_name = _("SOP definition")
        verbose_name_plural = _("SOP definitions")
        ordering: ClassVar = ["code", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "code", "version"], name="sop_version_unique_in_agency"
            ),
            models.UniqueConstraint(
                fields=["agency", "code"],
                condition=models.Q(is_current=True),
                name="one_current_sop_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def spec(self) -> SopSpec:
        """The parsed definition (``load_spec`` keeps it parsed, by its source text)."""
        return load_spec(self.source, f"sop:{self.content_hash[:12]}")

    def starts_by(self, mode: StartMode) -> bool:
        """Whether a case of this SOP may start by ``mode``."""
        return {
            StartMode.REPORT: self.starts_by_report,
            StartMode.SCHEDULE: self.starts_by_schedule,
            StartMode.MANUAL: self.starts_manually,
        }[mode]


class SopDraft(AgencyScoped):
    """An SOP being written in the builder (issue 17 point 4): the YAML ``source`` as it
    stands, valid or not, until an agency administrator publishes it as a new version
    (``jaga.sop.builder.publish``). ``based_on`` is the version it started from or was last
    published as (None for a new SOP); ``code`` is the definition's ``code`` as last read
    from ``source`` ("" while it has none)."""

    code = models.CharField(_("code"), max_length=60, blank=True)
    source = models.TextField(_("definition (YAML)"), blank=True)
    based_on = models.ForeignKey(
        SopDefinition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drafts",
        verbose_name=_("based on"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("SOP draft")
        verbose_name_plural = _("SOP drafts")
        ordering: ClassVar = ["-updated_at"]
        indexes: ClassVar = [models.Index(fields=["agency", "code"], name="sop_draft_agency_code")]

    def __str__(self) -> str:
        return self.code or f"draft {self.pk}"
