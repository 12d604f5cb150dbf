"""Reporting a disruption: the report, the case it starts and its photos, in one go.

``report_disruption`` is the only writer of ``Incident`` and ``Attachment``. It checks
everything first (the reporter's OPD, the agency's reporting SOP, the fields, every photo by
its content), then writes the report, the case (``jaga.workflow.services.start_case``) and
the photos in one transaction. If anything fails, nothing stays behind: no rows, and the
files already written are deleted again. (A process killed in between, or a caller's own
transaction rolled back after this one returned, leaves files no row names: ``jaga media
sweep``, ``jaga.web.media``, removes them.)

Photos are never stored as sent: each is re-encoded (``jaga.incidents.images``: EXIF
stripped, orientation applied, at most 2,560 px, over 40 megapixels refused; issue 13
point 6), before the transaction starts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.catalogue.models import Service
from jaga.catalogue.services import default_disruption_service, record_request
from jaga.incidents import images
from jaga.incidents.images import Header
from jaga.incidents.models import Attachment, Incident
from jaga.inventory.models import Device, Site
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.web.texts import text_errors
from jaga.workflow.affected import set_affected
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import CaseSource, IntakeChannel
from jaga.workflow.permissions import is_help_desk
from jaga.workflow.services import start_case

logger = logging.getLogger(__name__)

#: Largest photo accepted, in bytes (10 MB).
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: Most photos one report may carry.
MAX_PHOTOS = 5
#: Longest case title built from the problem.
TITLE_LENGTH = 120
#: How far ahead of the server's clock "since" may be (a phone's clock running fast).
CLOCK_SKEW = dt.timedelta(minutes=5)
#: The earliest "since" a report may give: older dates are typing mistakes, and dates near
#: year 1 cannot even be converted to UTC (issue 13 point 9: ``since=0001-01-01`` was a 500).
EARLIEST_SINCE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def since_error(since: dt.datetime, at: dt.datetime) -> str | None:
    """Why ``since`` (aware) cannot be when a disruption reported at ``at`` began, or None:
    in the future (beyond ``CLOCK_SKEW``) or before ``EARLIEST_SINCE``."""
    if since > at + CLOCK_SKEW:
        return _("The disruption cannot start in the future.")
    if since < EARLIEST_SINCE:
        return _("The disruption cannot have started before %(date)s.") % {
            "date": EARLIEST_SINCE.date().isoformat()
        }
    return None


# Limits of the text columns (see jaga.incidents.models).
_MAX_LENGTHS = {"location": 200, "contact_name": 150, "contact_phone": 40}


@dataclass(frozen=True)
class _Photo:
    """A photo that passed the checks, re-encoded (``jaga.incidents.images``): its name as
    sent, the bytes to store with their content type and suffix."""

    original_name: str
    content: bytes
    content_type: str
    suffix: str

    @property
    def size(self) -> int:
        """Bytes stored."""
        return len(self.content)


def reporting_sop(agency: Agency | int, code: str | None = None) -> SopDefinition:
    """The agency's current SOP that starts from a disruption report: the one with ``code``
    if given, else the SOP of the agency's default disruption service in its catalogue
    (``jaga.catalogue``; issue 17 point 1: loading another SOP that starts by report, such
    as an installation SOP, never takes the disruption reports over). Raises
    ``CannotStart`` when there is none."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    candidates = SopDefinition.objects.filter(
        agency_id=agency_id, starts_by_report=True, is_current=True
    ).order_by("code")
    if code is not None:
        definition = candidates.filter(code=code).first()
    else:
        service = default_disruption_service(agency_id)
        definition = (
            candidates.filter(code=service.sop_code).first() if service is not None else None
        )
    if definition is None:
        if code is not None:
            raise CannotStart(
                _("The agency has no SOP %(code)s that starts from a disruption report.")
                % {"code": code}
            )
        raise CannotStart(
            _(
                "The agency has no SOP for disruption reports yet: please contact the "
                "Diskominfo by phone."
            )
        )
    return definition


def case_title(problem: str) -> str:
    """The first non-empty line of ``problem``, cut to ``TITLE_LENGTH`` characters."""
    first = next((line.strip() for line in problem.splitlines() if line.strip()), "")
    if len(first) > TITLE_LENGTH:
        first = first[: TITLE_LENGTH - 1].rstrip() + "…"
    return first


def _file_size(upload: File[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    return int(size)


def _name(upload: File[bytes]) -> str:
    return PurePath(str(upload.name or "")).name[:255] or "photo"


def check_photo(upload: File[bytes]) -> Header:
    """Check one upload by its size and its header, without decoding its pixels (issue 13
    point 6): a JPEG, PNG or WebP image (by content, not by its name or declared type) of
    at most ``MAX_PHOTO_BYTES`` and at most ``images.MAX_PIXELS`` pixels. Returns what the
    header says; raises ``ValueError`` with a message for the user."""
    name = _name(upload)
    size = _file_size(upload)
    if size > MAX_PHOTO_BYTES:
        raise ValueError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": name, "limit": filesizeformat(MAX_PHOTO_BYTES)}
        )
    if size == 0:
        raise ValueError(_("%(name)s is empty.") % {"name": name})
    try:
        return images.inspect(upload)
    except images.TooManyPixels as exc:
        raise ValueError(_too_many_pixels(name, exc)) from exc
    except images.NotAPhoto as exc:
        raise ValueError(_not_a_photo(name)) from exc


def _not_a_photo(name: str) -> str:
    return _("%(name)s is not a photo: send a JPEG, PNG or WebP image.") % {"name": name}


def _too_many_pixels(name: str, exc: images.TooManyPixels) -> str:
    return _(
        "%(name)s has %(megapixels).1f megapixels: photos of at most %(limit)d megapixels "
        "are accepted. Send a smaller photo."
    ) % {
        "name": name,
        "megapixels": exc.megapixels,
        "limit": images.MAX_PIXELS // 1_000_000,
    }


def prepare_photo(upload: File[bytes]) -> _Photo:
    """``check_photo``, then the photo re-encoded for storage (``images.reencode``: EXIF
    stripped, orientation applied, at most ``images.MAX_EDGE`` pixels on the long edge).
    Raises ``ValueError`` with a message for the user."""
    check_photo(upload)
    name = _name(upload)
    try:
        encoded = images.reencode(upload)
    except images.TooManyPixels as exc:  # pragma: no cover - check_photo refused it already
        raise ValueError(_too_many_pixels(name, exc)) from exc
    except images.NotAPhoto as exc:  # a damaged file fails only when decoded
        raise ValueError(_not_a_photo(name)) from exc
    return _Photo(name, encoded.content, encoded.content_type, encoded.suffix)


def _check_fields(
    *,
    location: str,
    problem: str,
    since: dt.datetime,
    contact_name: str,
    contact_phone: str,
    at: dt.datetime,
) -> dict[str, str]:
    """Field errors of the report's text and time (empty when all is well)."""
    texts = {
        "location": location,
        "problem": problem,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
    }
    errors = text_errors(
        {field: (value, _MAX_LENGTHS.get(field), True) for field, value in texts.items()}
    )
    if timezone.is_naive(since):
        raise ValueError("since must be timezone-aware")
    problem_with_since = since_error(since, at)
    if problem_with_since is not None:
        errors["since"] = problem_with_since
    return errors


def report_disruption(
    reporter: User,
    *,
    location: str,
    problem: str,
    since: dt.datetime,
    contact_name: str,
    contact_phone: str,
    photos: Iterable[File[bytes]] = (),
    sites: Iterable[Site] = (),
    devices: Iterable[Device] = (),
    sop: str | None = None,
    opd: Opd | None = None,
    channel: IntakeChannel = IntakeChannel.WEB,
    intake: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Incident:
    """Report a disruption on behalf of ``reporter``'s OPD and start the case.

    Recorded by the help desk (issue 17 point 2: ``channel`` phone, WhatsApp, letter, e-mail
    or desk), ``reporter`` is the clerk (permission ``workflow.record_request``) and ``opd``
    the office that called; the case has no reporter account (the OPD's users act on its
    steps, the clerk may act for them) and the contact is the caller's. The report is a
    ``jaga.catalogue`` ``Request`` of the SOP's service when the catalogue has one.
    ``intake`` holds the values of the SOP's intake fields (checked by ``start_case``,
    ``InvalidInput`` under their keys).

    The case is of the agency's current SOP that starts from a report (``sop`` picks one by
    code when there are several; else the first by code). Its title is the first line of
    ``problem``; ``location``, ``since`` (ISO, UTC) and the contact go into its data.
    ``photos`` (at most ``MAX_PHOTOS``) must each be a JPEG, PNG or WebP image, checked by
    content, of at most ``MAX_PHOTO_BYTES`` and ``images.MAX_PIXELS`` pixels; each is stored
    re-encoded (``prepare_photo``). ``sites`` and ``devices`` (optional) are the
    affected ones, of the reporter's own OPD; they are linked to the case
    (``jaga.workflow.affected``).

    Raises ``CannotStart`` (no OPD, no reporting SOP, or the engine refuses) or
    ``InvalidInput`` (field errors, under the names of this function's arguments) and then
    writes nothing, on disk or in the database.
    """
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ValueError("at must be timezone-aware")
    channel = IntakeChannel(channel)
    if channel.by_staff:
        if not is_help_desk(reporter):
            raise CannotStart(_("Only help-desk staff record reports on an office's behalf."))
        if opd is None or opd.agency_id != reporter.agency_id:
            raise InvalidInput({"opd": _("Choose the office (OPD) that reported it.")})
    else:
        opd = reporter.opd if reporter.opd_id is not None else None
    if opd is None:
        raise CannotStart(
            _("%(user)s does not belong to an OPD: only OPD users report disruptions.")
            % {"user": reporter.get_username()}
        )
    definition = reporting_sop(opd.agency_id, sop)
    service = (
        Service.objects.filter(agency_id=opd.agency_id, sop_code=definition.code, is_active=True)
        .order_by("-is_default", "code")
        .first()
    )
    errors = _check_fields(
        location=location,
        problem=problem,
        since=since,
        contact_name=contact_name,
        contact_phone=contact_phone,
        at=at,
    )
    uploads = list(photos)
    checked: list[_Photo] = []
    if len(uploads) > MAX_PHOTOS:
        errors["photos"] = _("At most %(limit)d photos per report.") % {"limit": MAX_PHOTOS}
    else:
        problems = []
        for upload in uploads:
            try:
                checked.append(prepare_photo(upload))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            errors["photos"] = " ".join(problems)
    affected_sites, affected_devices = list(sites), list(devices)
    if any(site.opd_id != opd.pk for site in affected_sites):
        errors["sites"] = _("Choose sites of your own office.")
    if any(device.site.opd_id != opd.pk for device in affected_devices):
        errors["devices"] = _("Choose devices at your own office's sites.")
    if errors:
        raise InvalidInput(errors)

    written: list[str] = []
    try:
        with transaction.atomic():
            case = start_case(
                definition,
                source=CaseSource.REPORT,
                title=case_title(problem),
                by=reporter,
                opd=opd,
                reporter=None if channel.by_staff else reporter,
                description=problem.strip(),
                channel=channel,
                intake=intake,
                data={
                    "location": location.strip(),
                    "since": since.astimezone(dt.UTC).isoformat(),
                    "contact_name": contact_name.strip(),
                    "contact_phone": contact_phone.strip(),
                },
                at=at,
            )
            if affected_sites or affected_devices:
                set_affected(case, reporter, sites=affected_sites, devices=affected_devices, at=at)
            incident = Incident.objects.create(
                agency_id=opd.agency_id,
                case=case,
                opd=opd,
                reporter=reporter,
                location=location.strip(),
                problem=problem.strip(),
                since=since,
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                created_at=at,
            )
            if service is not None:
                record_request(
                    case,
                    service,
                    channel=channel,
                    opd=opd,
                    requester=None if channel.by_staff else reporter,
                    caller_name=contact_name,
                    caller_contact=contact_phone,
                    recorded_by=reporter if channel.by_staff else None,
                    at=at,
                )
            for photo in checked:
                attachment = Attachment(
                    agency_id=opd.agency_id,
                    incident=incident,
                    original_name=photo.original_name,
                    content_type=photo.content_type,
                    size=photo.size,
                    uploaded_by=reporter,
                    uploaded_at=at,
                )
                attachment.file.save(f"photo{photo.suffix}", ContentFile(photo.content), save=False)
                written.append(attachment.file.name or "")
                attachment.save()
            record(
                agency=incident.agency,
                actor=reporter,
                action="incident.reported",
                obj=incident,
                after={
                    "case": case.pk,
                    "opd": opd.pk,
                    "location": incident.location,
                    "since": since,
                    "photos": [photo.original_name for photo in checked],
                    "sites": [site.code for site in affected_sites],
                    "devices": [device.pk for device in affected_devices],
                },
                at=at,
            )
    except BaseException:
        for name in written:
            _delete_quietly(name)
        raise
    return incident


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # pragma: no cover - logged; the transaction's error matters more
        logger.exception("could not delete %s after a failed report", name)
