"""Corrective work from a failed inspection (issue 14 point 4; seed 000: "jika ada yang
rusak / trouble, maka dilakukan penggantian / perbaikan perangkat").

``open_corrective_case`` starts one case of the agency's disruption SOP
(``jaga.incidents.services.reporting_sop``) per failed inspection, not one per item: the
device and its site are the affected ones, the title names the device and the failed
items, the description lists them with what was found, and ``Inspection.corrective_case``
keeps the link (its data names the inspection and, when the inspection was made in a
round, the round's case number). It is called by the ``inspection_recorded`` subscriber
(``jaga.maintenance.receivers``), never by ``record_inspection`` itself.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.incidents.services import reporting_sop
from jaga.maintenance.models import Inspection, InspectionAnswer, ItemKind
from jaga.org.models import User
from jaga.sop.schema import StartMode
from jaga.workflow.affected import set_affected
from jaga.workflow.errors import CannotStart
from jaga.workflow.models import Case, CaseSource
from jaga.workflow.services import start_case

#: Longest case title (``Case.title`` holds 250).
TITLE_LENGTH = 250


class _AlreadyOpened(Exception):
    """Another call linked a corrective case to the inspection first."""


def _number(value: object) -> str:
    """A decimal as Indonesians write it: comma for decimals, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def finding(answer: InspectionAnswer) -> str:
    """What was found on a failed item, in words: "fail" for a pass/fail item, or the
    value with its unit and the acceptable range of a measured one."""
    if answer.kind != ItemKind.MEASURE or answer.value is None:
        return _("fail")
    low = _number(answer.minimum) if answer.minimum is not None else ""
    high = _number(answer.maximum) if answer.maximum is not None else ""
    if low and high:
        accepted = f"{low}–{high}"
    elif low:
        accepted = f"≥ {low}"
    else:
        accepted = f"≤ {high}"
    return _("%(value)s %(unit)s (acceptable %(range)s)") % {
        "value": _number(answer.value),
        "unit": answer.unit,
        "range": accepted,
    }


def corrective_title(inspection: Inspection, failed: list[InspectionAnswer]) -> str:
    """ "Inspection of <device> failed: <item>, <item>", cut to ``TITLE_LENGTH``."""
    title = _("Inspection of %(device)s failed: %(items)s") % {
        "device": inspection.device.name,
        "items": ", ".join(answer.label for answer in failed),
    }
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1].rstrip() + "…"
    return title


def corrective_description(inspection: Inspection, failed: list[InspectionAnswer]) -> str:
    """The failed items, one line each with what was found, then the inspection's note."""
    lines = [
        _("Failed items of the inspection of %(device)s at %(site)s:")
        % {"device": inspection.device.name, "site": inspection.site.name}
    ]
    lines += [f"- {answer.label}: {finding(answer)}" for answer in failed]
    if inspection.note:
        lines += ["", _("Note: %(note)s") % {"note": inspection.note}]
    return "\n".join(lines)


def open_corrective_case(inspection: Inspection, by: User) -> Case:
    """Start the corrective case of ``inspection`` (which must have failed items) in the
    agency's disruption SOP and link it; return it. Idempotent: when the inspection
    already has one, that case is returned and nothing is written.

    The case starts by hand when the SOP allows it, else as a report made by ``by`` on
    behalf of the site's OPD (as the monitor does): either way with the OPD of the site the
    device stood at (``start_case`` needs it when the SOP has steps in the OPD's lane).
    One transaction: the case, its affected device and site (``set_affected``), the link
    (compare-and-set on ``Inspection.corrective_case``) and the audit event
    ``maintenance.inspection.corrective_opened``. Raises ``CannotStart`` (no disruption
    SOP, or the SOP needs an OPD the site does not have) and ``ValueError`` when the
    inspection has no failed item; nothing is written then."""
    inspection = Inspection.objects.select_related(
        "agency", "device", "site", "site__opd", "case", "corrective_case"
    ).get(pk=inspection.pk)
    if inspection.corrective_case is not None:
        return inspection.corrective_case
    failed = list(inspection.answers.filter(failed=True).order_by("position", "pk"))
    if not failed:
        raise ValueError("the inspection has no failed item")
    definition = reporting_sop(inspection.agency_id)
    opd = inspection.site.opd
    manual = definition.starts_by(StartMode.MANUAL)
    if not manual and opd is None:
        raise CannotStart(
            _(
                "The site %(site)s belongs to no OPD, and the disruption SOP %(sop)s starts "
                "only from an OPD's report: open the corrective case by hand."
            )
            % {"site": inspection.site.code, "sop": definition.code}
        )
    data: dict[str, object] = {
        "inspection": inspection.pk,
        "device": inspection.device_id,
        "failed_items": [answer.label for answer in failed],
    }
    if inspection.case is not None:
        data["round_case"] = inspection.case.number
    try:
        with transaction.atomic():
            case = start_case(
                definition,
                source=CaseSource.MANUAL if manual else CaseSource.REPORT,
                title=corrective_title(inspection, failed),
                by=by,
                opd=opd,
                reporter=None if manual else by,
                description=corrective_description(inspection, failed),
                data=data,
            )
            set_affected(case, by, sites=[inspection.site], devices=[inspection.device])
            linked = Inspection.objects.filter(
                pk=inspection.pk, corrective_case__isnull=True
            ).update(corrective_case=case, corrective_error="")
            if not linked:
                raise _AlreadyOpened
            record(
                agency=inspection.agency,
                actor=by,
                action="maintenance.inspection.corrective_opened",
                obj=inspection,
                after={"case": case.pk, "number": case.number, "failed": data["failed_items"]},
            )
    except _AlreadyOpened:
        existing = Inspection.objects.select_related("corrective_case").get(pk=inspection.pk)
        assert existing.corrective_case is not None
        return existing.corrective_case
    return case
