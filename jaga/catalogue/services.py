"""The service catalogue's writes: registering an SOP's service, and requests.

- ``register_service(definition, by)``: called when an SOP version is loaded
  (``jaga.catalogue.receivers``), in the load's transaction.
- ``default_disruption_definition(agency)``: the SOP the "Lapor Gangguan" form, the monitor
  and corrective maintenance start.
- ``request_service(...)``: a request of a service by its requester through Jaga, or
  recorded by help-desk staff (issue 17 points 1-2); ``record_request`` writes the
  ``Request`` row of a case started elsewhere (a disruption report).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import record
from jaga.catalogue.models import Request, Service, ServiceCategory
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.sop.schema import FORMAT, Requester, StartMode
from jaga.tenancy.models import Agency
from jaga.web.texts import text_errors
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import Case, CaseSource, IntakeChannel
from jaga.workflow.permissions import is_help_desk
from jaga.workflow.services import start_case

#: Longest caller name and contact, and a request's title (``Case.title`` holds 250).
MAX_CALLER = 150
MAX_TITLE = 200


def register_service(definition: SopDefinition, by: User | None) -> Service | None:
    """The catalogue entry of ``definition``'s SOP, created when the agency has none with
    its key; None for an SOP that does not start by request.

    The key is the SOP's ``service.key``, else its code. Loading never changes which SOP
    an existing service uses (issue 17 point 1: an installation SOP loaded into Kota
    Pontianak took over its disruption reports): an existing service of another SOP is
    left alone; one of this SOP takes the new version's name, description, category and
    requesters. A format 1 SOP that starts by report is a disruption service requested by
    OPDs and recorded by the help desk. A new disruption service becomes the agency's
    default when it has none. Audit events ``catalogue.service.registered`` /
    ``catalogue.service.updated``."""
    spec = definition.spec
    if StartMode.REPORT not in spec.start:
        return None
    declared = spec.service
    code = (declared.key if declared is not None else None) or spec.code
    values: dict[str, Any] = {
        "name": ((declared.name if declared else "") or spec.identity.nama)[:250],
        "description": declared.description if declared else "",
        "category": (
            declared.category.value
            if declared is not None
            else ServiceCategory.DISRUPTION
            if spec.format == FORMAT
            else ServiceCategory.REQUEST
        ),
        "requesters": [r.value for r in declared.requesters]
        if declared is not None
        else [Requester.OPD.value, Requester.STAFF.value],
    }
    agency = definition.agency
    existing = Service.objects.select_for_update().filter(agency=agency, code=code).first()
    if existing is not None:
        if existing.sop_code != spec.code:
            return existing
        before = {key: getattr(existing, key) for key in values}
        if before == values:
            return existing
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save(update_fields=list(values))
        record(
            agency=agency,
            actor=by,
            action="catalogue.service.updated",
            obj=existing,
            before=before,
            after={**values, "version": definition.version},
        )
        return existing
    is_default = (
        values["category"] == ServiceCategory.DISRUPTION
        and not Service.objects.filter(agency=agency, is_default=True).exists()
    )
    service = Service.objects.create(
        agency=agency, code=code, sop_code=spec.code, is_default=is_default, **values
    )
    record(
        agency=agency,
        actor=by,
        action="catalogue.service.registered",
        obj=service,
        after={**values, "code": code, "sop": spec.code, "is_default": is_default},
    )
    return service


def current_definition_of(service: Service) -> SopDefinition:
    """The version of the service's SOP that new requests run; ``CannotStart`` when the
    agency has no current version of it."""
    definition = SopDefinition.objects.filter(
        agency_id=service.agency_id, code=service.sop_code, is_current=True
    ).first()
    if definition is None or not definition.starts_by_report:
        raise CannotStart(
            _("The service %(name)s has no SOP to run: please contact the Diskominfo.")
            % {"name": service.name}
        )
    return definition


def default_disruption_service(agency: Agency | int) -> Service | None:
    """The agency's default disruption service (active), or None."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    return Service.objects.filter(agency_id=agency_id, is_default=True, is_active=True).first()


def requester_kind(user: User) -> Requester | None:
    """How ``user`` requests through Jaga: ``opd`` for an OPD user, ``employee`` for an
    employee of the agency (with an ``Employee`` record), else None."""
    if not user.is_authenticated or user.agency_id is None:
        return None
    if user.opd_id is not None:
        return Requester.OPD
    if getattr(user, "employee", None) is not None:
        return Requester.EMPLOYEE
    return None


def services_for(user: User) -> list[Service]:
    """The active services ``user`` may request or record, by name."""
    kinds: set[str] = set()
    kind = requester_kind(user)
    if kind is not None:
        kinds.add(kind.value)
    if is_help_desk(user):
        kinds.add(Requester.STAFF.value)
    if not kinds or user.agency_id is None:
        return []
    services = Service.objects.filter(agency_id=user.agency_id, is_active=True).order_by("name")
    return [service for service in services if kinds & set(service.requesters or [])]


def request_service(
    service: Service,
    user: User,
    *,
    title: str,
    description: str,
    contact_name: str,
    contact_phone: str,
    intake: Mapping[str, Any] | None = None,
    channel: IntakeChannel = IntakeChannel.WEB,
    opd: Opd | None = None,
    requester: User | None = None,
    at: dt.datetime | None = None,
) -> Request:
    """Request ``service`` and start its case, in one transaction.

    Through Jaga (``channel`` web), ``user`` is the requester: an OPD user for their OPD
    (the service allows ``opd``) or an employee for themselves (``employee``). Recorded by
    the help desk (any other channel; ``user`` has ``workflow.record_request`` and the
    service allows ``staff``), ``user`` is the clerk and the request is on behalf of
    ``opd`` (a caller of that office) or of ``requester`` (an employee of the agency with
    an account); ``contact_name``/``contact_phone`` are the caller's. ``intake`` holds the
    service's intake fields, checked by the engine (``start_case``).

    Raises ``NotEligible``-like ``CannotStart`` (not allowed, no SOP) or ``InvalidInput``
    (field errors under these arguments' names and the intake fields' keys) and writes
    nothing.
    """
    at = at or timezone.now()
    channel = IntakeChannel(channel)
    if user.agency_id != service.agency_id or not service.is_active:
        raise CannotStart(_("This service is not offered to you."))
    errors = text_errors(
        {
            "title": (title, MAX_TITLE, True),
            "description": (description, 5000, False),
            "contact_name": (contact_name, MAX_CALLER, True),
            "contact_phone": (contact_phone, 40, True),
        }
    )
    reporter: User | None
    if channel.by_staff:
        if not is_help_desk(user) or not service.allows(Requester.STAFF):
            raise CannotStart(_("Only help-desk staff record requests on a caller's behalf."))
        if (opd is None) == (requester is None):
            errors["opd"] = _("Choose the requesting office (OPD) or the requesting employee.")
        if opd is not None and opd.agency_id != service.agency_id:
            errors["opd"] = _("Choose an office of your agency.")
        if requester is not None and (
            requester.agency_id != service.agency_id
            or requester.opd_id is not None
            or getattr(requester, "employee", None) is None
            or not service.allows(Requester.EMPLOYEE)
        ):
            errors["requester"] = _("Choose an employee of your agency who may request it.")
        reporter = requester
    else:
        kind = requester_kind(user)
        if kind is None or not service.allows(kind):
            raise CannotStart(_("This service is not offered to you."))
        opd = user.opd if kind is Requester.OPD else None
        reporter = user
    if errors:
        raise InvalidInput(errors)
    definition = current_definition_of(service)
    with transaction.atomic():
        case = start_case(
            definition,
            source=CaseSource.REPORT,
            title=title.strip(),
            by=user,
            opd=opd,
            reporter=reporter,
            description=description.strip(),
            data={"contact_name": contact_name.strip(), "contact_phone": contact_phone.strip()},
            channel=channel,
            intake=intake,
            at=at,
        )
        return record_request(
            case,
            service,
            channel=channel,
            opd=opd,
            requester=reporter,
            caller_name=contact_name,
            caller_contact=contact_phone,
            recorded_by=user if channel.by_staff else None,
            at=at,
        )


def record_request(
    case: Case,
    service: Service,
    *,
    channel: IntakeChannel,
    opd: Opd | None,
    requester: User | None,
    caller_name: str,
    caller_contact: str,
    recorded_by: User | None,
    at: dt.datetime,
) -> Request:
    """Write the ``Request`` of ``case`` (started by the caller, in its transaction) and
    its audit event ``catalogue.request.received``."""
    request = Request.objects.create(
        agency_id=case.agency_id,
        case=case,
        service=service,
        channel=channel,
        opd=opd,
        requester=requester,
        caller_name=caller_name.strip()[:MAX_CALLER],
        caller_contact=caller_contact.strip()[:MAX_CALLER],
        recorded_by=recorded_by,
        created_at=at,
    )
    record(
        agency=case.agency,
        actor=recorded_by or requester,
        action="catalogue.request.received",
        obj=request,
        after={
            "service": service.code,
            "case": case.number,
            "channel": channel.value,
            "opd": opd.pk if opd is not None else None,
            "requester": requester.username if requester is not None else None,
            "caller": request.caller_name,
        },
        at=at,
    )
    return request
