"""Recording an inspection: a checklist filled in for one device (issue 14 point 4).

``record_inspection`` is the only writer of ``Inspection`` and ``InspectionAnswer``. It
checks every answer first (required items, numbers, photos) and raises ``InvalidInspection``
naming each bad item, writing nothing; then writes the inspection, its answers with a copy
of each item's meaning, the audit event ``maintenance.inspection.recorded`` and sends
``jaga.maintenance.signals.inspection_recorded`` in one transaction. Photos are checked and
re-encoded before the transaction (``jaga.incidents.services.prepare_photo``: at most
10 MB and 40 megapixels sent, stored as at most 2,560 px without metadata); files written
by a failed transaction are deleted again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.incidents.services import prepare_photo
from jaga.inventory.models import Device
from jaga.maintenance.models import (
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionResult,
    ItemKind,
)
from jaga.maintenance.models.checklists import VALUE_DECIMALS, VALUE_DIGITS
from jaga.maintenance.permissions import may_inspect
from jaga.maintenance.signals import inspection_recorded
from jaga.org.models import User
from jaga.web.bidi import has_bidi_controls
from jaga.workflow.errors import InvalidInput, NotEligible
from jaga.workflow.models import CaseStatus, StepInstance, StepStatus

logger = logging.getLogger(__name__)

#: Longest text answer and note, in characters.
MAX_TEXT = 2000
#: How far ahead of the server's clock ``at`` may be (a phone's clock running fast).
CLOCK_SKEW = dt.timedelta(minutes=5)

_PASS_WORDS = {"1", "true", "pass", "lulus", "ya", "yes", "ok", "baik", "on"}
_FAIL_WORDS = {"0", "false", "fail", "gagal", "tidak", "no", "rusak", "off"}


class InvalidInspection(InvalidInput):
    """Bad answers: ``errors`` maps ``item-<item id>`` (or ``note``, ``at``, ``template``,
    ``step``, ``answers``) to a message fit to show next to the field; ``item_errors``
    maps item ids to their message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.item_errors = {
            int(key.removeprefix("item-")): message
            for key, message in errors.items()
            if key.startswith("item-")
        }


def item_key(item: ChecklistItem | int) -> str:
    """The error key of an item: ``item-<id>``."""
    return f"item-{item if isinstance(item, int) else item.pk}"


def parse_measurement(raw: object) -> Decimal:
    """A measured value as typed, in Indonesian or English notation: ``"12,5"`` and
    ``"12.5"`` are 12.5, ``"1.234,5"`` is 1234.5 (a dot before a comma groups thousands),
    spaces are ignored. At most ``VALUE_DECIMALS`` decimals and ``VALUE_DIGITS`` digits.
    Raises ``ValueError`` with a message for the user."""
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = str(raw).strip().replace(" ", "").replace("\u00a0", "")
        if "," in text:
            if text.count(",") > 1:
                raise ValueError(_("Enter a number, such as 12,5."))
            text = text.replace(".", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("Enter a number, such as 12,5.")) from exc
    if not value.is_finite():
        raise ValueError(_("Enter a number, such as 12,5."))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > VALUE_DECIMALS:
        raise ValueError(
            _("At most %(count)d decimals.") % {"count": VALUE_DECIMALS},
        )
    if abs(value) >= Decimal(10) ** (VALUE_DIGITS - VALUE_DECIMALS):
        raise ValueError(_("The number is too large."))
    return value


def parse_pass_fail(raw: object) -> bool | None:
    """A pass/fail answer: True, False, or None when not answered. Accepts booleans and
    the words in ``_PASS_WORDS``/``_FAIL_WORDS``. Raises ``ValueError`` otherwise."""
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if not text:
        return None
    if text in _PASS_WORDS:
        return True
    if text in _FAIL_WORDS:
        return False
    raise ValueError(_("Choose pass or fail."))


def out_of_range(value: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> bool:
    """Whether ``value`` lies outside the inclusive range (an open end accepts anything)."""
    return (minimum is not None and value < minimum) or (maximum is not None and value > maximum)


@dataclass
class _Answer:
    """One checked answer, ready to write."""

    item: ChecklistItem
    passed: bool | None = None
    value: Decimal | None = None
    text: str = ""
    photo_content: bytes = b""
    photo_type: str = ""
    photo_suffix: str = ""
    failed: bool = False


def _check_item(
    item: ChecklistItem, raw: Mapping[str, Any], photo: File[bytes] | None
) -> tuple[_Answer, str | None]:
    """The answer to ``item`` and the error message, if any."""
    answer = _Answer(item=item)
    try:
        if item.kind == ItemKind.PASS_FAIL:
            answer.passed = parse_pass_fail(raw.get("passed"))
            if answer.passed is None and item.required:
                return answer, _("Choose pass or fail.")
            answer.failed = answer.passed is False
        elif item.kind == ItemKind.MEASURE:
            typed = raw.get("value")
            if typed is None or (isinstance(typed, str) and not typed.strip()):
                if item.required:
                    return answer, _("Enter the measured value.")
            else:
                answer.value = parse_measurement(typed)
                answer.failed = out_of_range(answer.value, item.minimum, item.maximum)
        elif item.kind == ItemKind.TEXT:
            answer.text = str(raw.get("text") or "").strip()
            if not answer.text and item.required:
                return answer, _("This item needs an answer.")
            if len(answer.text) > MAX_TEXT:
                return answer, _("At most %(limit)d characters.") % {"limit": MAX_TEXT}
            if has_bidi_controls(answer.text):
                return answer, _(
                    "The text contains invisible characters that change its direction "
                    "(such as U+202E); type it again without them."
                )
        if item.kind == ItemKind.PHOTO:
            if photo is None:
                if item.required:
                    return answer, _("A photo is required.")
            else:
                prepared = prepare_photo(photo)
                answer.photo_content = prepared.content
                answer.photo_type = prepared.content_type
                answer.photo_suffix = prepared.suffix
        elif photo is not None:
            return answer, _("This item takes no photo.")
    except ValueError as exc:
        return answer, str(exc)
    return answer, None


def _check_context(
    device: Device,
    template: ChecklistTemplate,
    at: dt.datetime,
    step: StepInstance | None,
    note: str,
    now: dt.datetime,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if template.agency_id != device.agency_id:
        errors["template"] = _("The checklist belongs to another agency.")
    elif template.device_kind != device.kind:
        errors["template"] = _("The checklist is for another kind of device.")
    elif not template.is_active:
        errors["template"] = _("The checklist is no longer in use.")
    if step is not None:
        if step.agency_id != device.agency_id:
            errors["step"] = _("The step belongs to another agency.")
        elif step.case.status != CaseStatus.OPEN:
            errors["step"] = _("The case of this step is closed.")
        elif step.status != StepStatus.OPEN:
            errors["step"] = _("This step is no longer open.")
        elif step.branch is not None and step.branch.site_id not in (None, device.site_id):
            errors["step"] = _("This step visits another site than the device's.")
    if at > now + CLOCK_SKEW:
        errors["at"] = _("The inspection cannot be in the future.")
    if len(note) > MAX_TEXT:
        errors["note"] = _("At most %(limit)d characters.") % {"limit": MAX_TEXT}
    elif has_bidi_controls(note):
        errors["note"] = _(
            "The text contains invisible characters that change its direction "
            "(such as U+202E); type it again without them."
        )
    return errors


def record_inspection(
    device: Device,
    template: ChecklistTemplate,
    answers: Mapping[int, Mapping[str, Any]],
    by: User,
    at: dt.datetime | None = None,
    step: StepInstance | None = None,
    photos: Mapping[int, File[bytes]] | None = None,
    note: str = "",
    handled_by_sop: bool = False,
) -> Inspection:
    """Record ``by``'s inspection of ``device`` with ``template`` and return it (its
    failed answers: ``Inspection.answers.filter(failed=True)``).

    - ``answers``: item id -> ``{"passed": bool or "pass"/"fail", "value": number or text
      such as "12,5", "text": str}`` (the key the item's kind needs; an item left out is
      unanswered). Ranges are inclusive; a value outside its item's range fails the item,
      as does a pass/fail item answered "fail"; any failed item fails the inspection.
    - ``photos``: item id -> uploaded file, for photo items (re-encoded).
    - ``at``: aware, default now (stored UTC); ``step``: the open case step the inspection
      belongs to (a round's visit; when the step is a visit, of the device's site), whose
      case is recorded too.
    - ``handled_by_sop``: the SOP handles failures itself (seed 000's "Ada yang rusak"
      branch), so the ``inspection_recorded`` subscriber opens no corrective case.

    Raises ``NotEligible`` when ``by`` may not inspect the device (``may_inspect``) and
    ``InvalidInspection`` (errors per item as ``item-<id>``, or ``template``, ``step``,
    ``at``, ``note``) for bad input; then nothing is written, in the database or on disk
    (a photo is stored only once the input is valid; a process killed between storing it
    and the commit leaves that file unreferenced).
    """
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise ValueError("at must be timezone-aware")
    if not may_inspect(by, device):
        raise NotEligible(_("%(user)s may not inspect this device.") % {"user": by.username})
    photos = dict(photos or {})
    note = note.strip()
    errors = _check_context(device, template, at, step, note, now)
    items = list(template.items.order_by("position", "pk"))
    known = {item.pk for item in items}
    if set(answers) - known or set(photos) - known:
        errors["answers"] = _("An answer is for an item of another checklist.")
    checked: list[_Answer] = []
    for item in items:
        answer, problem = _check_item(item, answers.get(item.pk) or {}, photos.get(item.pk))
        if problem is not None:
            errors[item_key(item)] = problem
        checked.append(answer)
    if errors:
        raise InvalidInspection(errors)

    failed = [answer for answer in checked if answer.failed]
    written: list[str] = []
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                agency_id=device.agency_id,
                device=device,
                site_id=device.site_id,
                template=template,
                template_name=template.name,
                case_id=step.case_id if step is not None else None,
                step=step,
                inspected_at=at,
                inspected_by=by,
                result=InspectionResult.FAIL if failed else InspectionResult.PASS,
                note=note,
            )
            for answer in checked:
                row = InspectionAnswer(
                    agency_id=device.agency_id,
                    inspection=inspection,
                    item=answer.item,
                    position=answer.item.position,
                    kind=answer.item.kind,
                    label=answer.item.label,
                    required=answer.item.required,
                    unit=answer.item.unit,
                    minimum=answer.item.minimum,
                    maximum=answer.item.maximum,
                    passed=answer.passed,
                    value=answer.value,
                    text=answer.text,
                    photo_content_type=answer.photo_type,
                    failed=answer.failed,
                )
                if answer.photo_content:
                    row.photo.save(
                        f"photo{answer.photo_suffix}",
                        ContentFile(answer.photo_content),
                        save=False,
                    )
                    written.append(row.photo.name or "")
                row.save()
            record(
                agency=inspection.agency,
                actor=by,
                action="maintenance.inspection.recorded",
                obj=inspection,
                after={
                    "device": device.pk,
                    "site": device.site_id,
                    "template": template.pk,
                    "case": inspection.case_id,
                    "step": step.pk if step is not None else None,
                    "result": inspection.result,
                    "failed": [answer.item.label for answer in failed],
                },
                at=at,
            )
            inspection_recorded.send(
                sender=Inspection, inspection=inspection, by=by, handled_by_sop=handled_by_sop
            )
    except BaseException:
        for name in written:
            _delete_quietly(name)
        raise
    return inspection


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # pragma: no cover - the transaction's error matters more
        logger.exception("could not delete %s after a failed inspection", name)
