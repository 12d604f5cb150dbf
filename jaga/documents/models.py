"""Numbering of official documents: a pattern per agency and document type, and one
counter per agency, document type and year (the sequence restarts every year)."""

from __future__ import annotations

import string
from enum import StrEnum
from typing import Any, ClassVar, TypeAlias

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jaga.sop.schema import DocumentType
from jaga.tenancy.models import AgencyScoped


class ReportType(StrEnum):
    """The official documents issued by a report over a period rather than by an SOP step
    (issue 16): a Diskominfo's reports to the Kepala Dinas and the OPDs (glossary: Laporan,
    Rekapitulasi).

    Kept apart from ``jaga.sop.schema.DocumentType`` on purpose: that enum is what an SOP
    row may declare as its ``document:``, and a step could not issue these (their content
    is a period's figures gathered by ``jaga.reports``, not a case's, and they have no case
    nor step). Both share ``Document``, ``NumberPattern``, the yearly counters and the
    issuing rules (``jaga.documents.services.issue_report``)."""

    LAPORAN_KETERSEDIAAN = "laporan_ketersediaan"  # availability of an OPD's network, a month
    REKAPITULASI = "rekapitulasi"  # recap of cases over a period
    LAPORAN_BERKALA = "laporan_berkala"  # monthly, quarterly or yearly report
    DAFTAR_BUKTI_DUKUNG = "daftar_bukti_dukung"  # index of a year's SPBE evidence bundle


#: Any document type Jaga numbers: issued by an SOP step, or by a report.
AnyDocumentType: TypeAlias = DocumentType | ReportType
#: The choices of the ``document_type`` columns: the step documents, then the reports.
DOCUMENT_TYPE_CHOICES = [(t.value, t.value) for t in (*DocumentType, *ReportType)]


def document_type_of(value: str) -> AnyDocumentType:
    """The document type stored as ``value`` (a step's ``DocumentType`` or a
    ``ReportType``); ``ValueError`` for an unknown value."""
    try:
        return DocumentType(value)
    except ValueError:
        return ReportType(value)


PLACEHOLDERS = {"klasifikasi", "urut", "unit", "bulan", "bulan_romawi", "tahun"}
REQUIRED_PLACEHOLDERS = {"urut", "tahun"}
#: The length of ``Document.number``: every number a valid pattern gives must fit it.
NUMBER_MAX_LENGTH = 160
#: The largest sequence a pattern must fit (issue 13 point 2: any sequence up to 99,999).
MAX_SEQUENCE = 99_999
#: The most digits ``{urut}`` may be zero-padded to (issue 13 point 2: bounded padding).
MAX_DIGITS = 6
#: The widest text of the placeholders that do not come from the pattern's own fields, for
#: any date: a year has at most 4 digits (``datetime.date``: 1..9999), ``{bulan}`` 2,
#: ``{bulan_romawi}`` at most 4 ("VIII").
_DATE_WIDTHS = {"tahun": 4, "bulan": 2, "bulan_romawi": 4}


def _fields(pattern: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ValidationError(
            _("The pattern cannot be read: %(error)s") % {"error": exc}, code="unreadable"
        ) from None


def check_pattern(pattern: str) -> None:
    """Raise ``ValidationError`` unless ``pattern`` uses only the documented placeholders
    (docs/documents.md), each plain (no format spec such as ``{urut:d}``, no conversion such
    as ``{urut!r}``: padding is the pattern's *digits*), and has ``{urut}`` and ``{tahun}``
    (the sequence restarts yearly, so the year keeps numbers unique). Issue 13 point 2."""
    fields = _fields(pattern)
    names = {name for _, name, _, _ in fields if name is not None}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise ValidationError(
            _("Unknown placeholder(s) %(names)s; use %(known)s.")
            % {
                "names": ", ".join(sorted(unknown)) or "{}",
                "known": ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS)),
            },
            code="unknown_placeholder",
        )
    for _literal, name, spec, conversion in fields:
        if name is not None and (spec or conversion):
            raise ValidationError(
                _(
                    "Write placeholders plainly, like {%(name)s}: no format or conversion "
                    "after the name (set the digits of the sequence for leading zeros)."
                )
                % {"name": name},
                code="format_spec",
            )
    missing = REQUIRED_PLACEHOLDERS - names
    if missing:
        raise ValidationError(
            _("A number pattern needs %(names)s.")
            % {"names": ", ".join(f"{{{name}}}" for name in sorted(missing))},
            code="missing_placeholder",
        )


def longest_number(pattern: str, klasifikasi: str, unit_code: str, digits: int) -> int:
    """The length of the longest number ``pattern`` (valid per ``check_pattern``) gives with
    these codes and ``digits``, for any sequence up to ``MAX_SEQUENCE`` and any date."""
    widths = {
        **_DATE_WIDTHS,
        "urut": max(digits, len(str(MAX_SEQUENCE))),
        "klasifikasi": len(klasifikasi),
        "unit": len(unit_code),
    }
    return sum(
        len(literal) + (widths[name] if name is not None else 0)
        for literal, name, _spec, _conversion in _fields(pattern)
    )


def check_number_pattern(pattern: str, klasifikasi: str, unit_code: str, digits: int) -> None:
    """Raise ``ValidationError`` (keyed by field) unless the pattern is valid
    (``check_pattern``), ``digits`` is at most ``MAX_DIGITS`` and every number it can give
    fits ``Document.number`` (``NUMBER_MAX_LENGTH`` characters). Issue 13 point 2: a step
    never fails on a pattern."""
    try:
        check_pattern(pattern)
    except ValidationError as exc:
        raise ValidationError({"pattern": exc.messages}) from None
    if not 0 <= digits <= MAX_DIGITS:
        raise ValidationError(
            {"digits": _("The sequence is padded to at most %(max)d digits.") % {"max": MAX_DIGITS}}
        )
    longest = longest_number(pattern, klasifikasi, unit_code, digits)
    if longest > NUMBER_MAX_LENGTH:
        raise ValidationError(
            {
                "pattern": _(
                    "Numbers from this pattern can be %(length)d characters long; a document "
                    "number has at most %(max)d. Shorten the pattern or the codes."
                )
                % {"length": longest, "max": NUMBER_MAX_LENGTH}
            }
        )


class NumberedBy(models.TextChoices):
    """Who gives a document type its number (issue 18 point 4): Jaga's yearly counter, or
    SRIKANDI, where the secretariat registers the naskah and enters the number and date it
    got there (never both: the counter is not used for that type)."""

    JAGA = "jaga", _("Jaga (the agency's counter)")
    SRIKANDI = "srikandi", _("SRIKANDI (entered after registration)")


class NumberPattern(AgencyScoped):
    """How an agency numbers one document type, e.g. ``{klasifikasi}/{urut}/{unit}/
    {bulan_romawi}/{tahun}`` with klasifikasi ``005`` and unit ``Diskominfo`` gives
    ``005/123/Diskominfo/XI/2026``."""

    document_type = models.CharField(
        _("document type"), max_length=40, choices=DOCUMENT_TYPE_CHOICES
    )
    pattern = models.CharField(
        _("pattern"),
        max_length=120,
        default="{klasifikasi}/{urut}/{unit}/{bulan_romawi}/{tahun}",
        validators=[check_pattern],
    )
    klasifikasi = models.CharField(_("classification code"), max_length=40, blank=True)
    unit_code = models.CharField(_("unit code"), max_length=60, blank=True)
    digits = models.PositiveSmallIntegerField(
        _("digits of the sequence"),
        default=0,
        validators=[MaxValueValidator(MAX_DIGITS)],
        help_text=_("0: no leading zeros."),
    )
    numbered_by = models.CharField(
        _("numbered by"),
        max_length=10,
        choices=NumberedBy.choices,
        default=NumberedBy.JAGA,
        help_text=_(
            "SRIKANDI: documents of this type wait for the number and date the secretariat "
            "enters after registering them in SRIKANDI; the pattern is then not used."
        ),
    )

    class Meta:
        verbose_name = _("number pattern")
        verbose_name_plural = _("number patterns")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "document_type"], name="one_pattern_per_document_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_type}: {self.pattern}"

    def clean(self) -> None:
        """The pattern with these codes and digits gives numbers that fit
        (``check_number_pattern``); the admin shows the reason next to the field. A bad
        pattern or digits are already reported by the fields' validators."""
        if (
            self.numbered_by == NumberedBy.SRIKANDI
            and self.document_type == ReportType.DAFTAR_BUKTI_DUKUNG
        ):
            raise ValidationError(
                {
                    "numbered_by": _(
                        "The SPBE evidence index is built into its bundle when it is "
                        "issued, so Jaga numbers it; register it in SRIKANDI with that number."
                    )
                }
            )
        try:
            check_pattern(self.pattern)
        except ValidationError:
            return
        if self.digits is None or self.digits > MAX_DIGITS:
            return
        check_number_pattern(self.pattern, self.klasifikasi, self.unit_code, self.digits)
        if self.numbered_by == NumberedBy.JAGA and self.agency_id is not None:
            twin = (
                NumberPattern.objects.filter(
                    agency_id=self.agency_id,
                    pattern=self.pattern,
                    klasifikasi=self.klasifikasi,
                    unit_code=self.unit_code,
                    digits=self.digits,
                    numbered_by=NumberedBy.JAGA,
                )
                .exclude(document_type=self.document_type)
                .first()
            )
            if twin is not None:
                raise ValidationError(
                    {
                        "pattern": _(
                            "The pattern of %(type)s is the same, with the same codes: both "
                            "types would get the same numbers. Add a mark of the type to the "
                            "pattern (for example BA) or use another classification code."
                        )
                        % {"type": twin.get_document_type_display()}
                    }
                )


class DocumentCounter(AgencyScoped):
    """The last sequence number issued for one document type in one year."""

    document_type = models.CharField(_("document type"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "document_type", "year"], name="one_counter_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_type} {self.year}: {self.last}"


class DocumentImmutable(ValueError):
    """An issued document was about to be changed; issue a correction instead."""


def document_path(document: Document, filename: str) -> str:
    return f"documents/{document.agency_id}/{document.year}/{filename}"


class Document(AgencyScoped):
    """An issued official document (docs/domain.md, "People and documents"): numbered once,
    with everything it prints frozen in ``content`` when issued, so the PDF rendered from it
    is the same whenever it is rendered. Immutable once saved; a correction is a new
    ``Document`` whose ``supersedes`` points at the old one.

    A type numbered by SRIKANDI (``NumberPattern.numbered_by``) is issued without a number
    (``number`` empty, ``sequence`` None) and completed once by
    ``jaga.documents.srikandi.register``: the number, ``issued_on`` and ``year`` as SRIKANDI
    gave them; nothing else ever changes.

    ``token`` is the unguessable part of the public verification URL (the QR code);
    ``sha256`` is the hex digest of the archived PDF (empty until it is rendered);
    ``issued_at`` is UTC, ``issued_on`` the agency's local date printed on the document."""

    document_type = models.CharField(
        _("document type"), max_length=40, choices=DOCUMENT_TYPE_CHOICES
    )
    number = models.CharField(_("number"), max_length=NUMBER_MAX_LENGTH, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    # None for a document numbered by SRIKANDI (``numbered_by``): Jaga's counter is not used.
    sequence = models.PositiveIntegerField(_("sequence in the year"), null=True, blank=True)
    numbered_by = models.CharField(
        _("numbered by"), max_length=10, choices=NumberedBy.choices, default=NumberedBy.JAGA
    )
    registered_at = models.DateTimeField(_("registered in SRIKANDI"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    title = models.CharField(_("title"), max_length=200)
    case = models.ForeignKey(
        "workflow.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("case"),
    )
    step = models.ForeignKey(
        "workflow.StepInstance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("issued by step"),
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_on = models.DateField(_("date of the document"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    content = models.JSONField(_("content"), default=dict)
    token = models.CharField(_("verification token"), max_length=40, unique=True)
    pdf = models.FileField(_("PDF"), upload_to=document_path, max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True, db_index=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering: ClassVar = ["-issued_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agency", "document_type", "year", "sequence"],
                name="document_number_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert only: an issued document never changes (``DocumentImmutable``). The PDF,
        its digest and render time are set once by ``jaga.documents.services``."""
        if self.pk is not None and not self._state.adding:
            raise DocumentImmutable(f"document {self.number} is issued and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Issued documents are archived, never deleted (``DocumentImmutable``)."""
        raise DocumentImmutable(f"document {self.number} is archived and cannot be deleted")

    @property
    def awaiting_registration(self) -> bool:
        """A document numbered by SRIKANDI whose number and date are not entered yet: it has
        no PDF until they are (the PDF prints them)."""
        return self.numbered_by == NumberedBy.SRIKANDI and not self.number

    @property
    def is_superseded(self) -> bool:
        """True when a correction replaced this version."""
        return Document.objects.filter(supersedes=self).exists()
