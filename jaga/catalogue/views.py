"""The catalogue's pages: the services (``/layanan/``), a request through Jaga, the help
desk's intake, and the list of requests.

- Any signed-in user of an agency sees the services they may request or record; a user of
  no agency (a platform administrator) gets 403.
- Requesting needs a service open to the user's kind (an OPD user, an employee); recording
  needs the help desk's permission (``workflow.record_request``) and a service open to
  staff; otherwise 403. Another agency's service does not exist here (404).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jaga.catalogue.forms import IntakeForm, RequestForm
from jaga.catalogue.models import Request, Service, ServiceCategory
from jaga.catalogue.services import (
    current_definition_of,
    request_service,
    requester_kind,
    services_for,
)
from jaga.incidents.services import case_title, report_disruption
from jaga.incidents.views import form_now
from jaga.org.models import User
from jaga.sop.schema import Requester
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import IntakeChannel
from jaga.workflow.permissions import is_help_desk

PAGE_SIZE = 25


def _member(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for anyone else."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("Services belong to an agency; this account has none."))
    return user


def _service(user: User, code: str) -> Service:
    return get_object_or_404(Service, agency_id=user.agency_id, code=code, is_active=True)


def _zone(user: User) -> ZoneInfo:
    assert user.agency is not None
    return ZoneInfo(user.agency.timezone)


def _request_url(service: Service) -> str:
    """Where a requester starts ``service``: a disruption service's own report form (with
    its photos and affected devices), else the catalogue's request form."""
    if service.category == ServiceCategory.DISRUPTION:
        return reverse("incidents:report") + f"?layanan={service.code}"
    return reverse("catalogue:request", args=[service.code])


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The services the user may request (through Jaga) or record (help desk)."""
    user = _member(request)
    kind = requester_kind(user)
    desk = is_help_desk(user)
    rows = [
        {
            "service": service,
            "request_url": _request_url(service)
            if kind is not None and service.allows(kind)
            else "",
            "record_url": reverse("catalogue:record", args=[service.code])
            if desk and service.allows(Requester.STAFF)
            else "",
        }
        for service in services_for(user)
    ]
    return render(request, "catalogue/catalogue.html", {"rows": rows, "desk": desk, "kind": kind})


@login_required
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, code: str) -> HttpResponse:
    """A request of a (non-disruption) service by its requester; a valid one starts the
    case and leads to the list of requests."""
    user = _member(request)
    service = _service(user, code)
    kind = requester_kind(user)
    if kind is None or not service.allows(kind):
        raise PermissionDenied(_("This service is not offered to you."))
    if service.category == ServiceCategory.DISRUPTION:
        return redirect(_request_url(service))
    try:
        definition = current_definition_of(service)
    except CannotStart as exc:
        return render(request, "catalogue/unavailable.html", {"service": service, "reason": exc})
    fields = definition.spec.intake_fields
    if request.method == "POST":
        form = RequestForm(request.POST, intake_fields=fields)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = request_service(
                    service,
                    user,
                    title=data["title"],
                    description=data["description"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    intake=form.intake(),
                )
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
            except CannotStart as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Your request was received as case #%(number)s.")
                    % {"number": made.case.number},
                )
                return redirect("catalogue:requests")
        form.mark_invalid()
    else:
        form = RequestForm(
            intake_fields=fields,
            initial={
                "contact_name": user.get_full_name() or user.get_username(),
                "contact_phone": user.phone or (user.opd.phone if user.opd else ""),
            },
        )
    return render(
        request,
        "catalogue/request.html",
        {"form": form, "service": service, "opd": user.opd, "definition": definition},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, code: str) -> HttpResponse:
    """The help desk records a request received by phone, WhatsApp, letter, e-mail or at
    the desk, on behalf of an OPD or an employee (issue 17 point 2)."""
    user = _member(request)
    service = _service(user, code)
    if not is_help_desk(user) or not service.allows(Requester.STAFF):
        raise PermissionDenied(_("Only help-desk staff record requests on a caller's behalf."))
    try:
        definition = current_definition_of(service)
    except CannotStart as exc:
        return render(request, "catalogue/unavailable.html", {"service": service, "reason": exc})
    disruption = service.category == ServiceCategory.DISRUPTION
    fields = definition.spec.intake_fields
    zone = _zone(user)
    if request.method == "POST":
        form = IntakeForm(
            request.POST,
            request.FILES,
            intake_fields=fields,
            service=service,
            disruption=disruption,
        )
        with timezone.override(zone):
            valid = form.is_valid()
        if valid:
            number = _record(form, service, user)
            if number is not None:
                messages.success(
                    request, _("The request was recorded as case #%(number)s.") % {"number": number}
                )
                return redirect("catalogue:requests")
        form.mark_invalid()
    else:
        form = IntakeForm(
            intake_fields=fields,
            service=service,
            disruption=disruption,
            initial={"channel": IntakeChannel.PHONE, "since": form_now(zone)},
        )
    return render(
        request,
        "catalogue/record.html",
        {"form": form, "service": service, "disruption": disruption},
    )


def _record(form: IntakeForm, service: Service, user: User) -> int | None:
    """Carry out a valid intake form; the case number, or None with the form's errors."""
    data = form.cleaned_data
    channel = IntakeChannel(data["channel"])
    try:
        if form.disruption:
            incident = report_disruption(
                user,
                location=data["location"],
                problem=data["description"],
                since=data["since"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                photos=data.get("photos") or (),
                sop=service.sop_code,
                opd=data["opd"],
                channel=channel,
                intake=form.intake(),
            )
            return incident.case.number
        made = request_service(
            service,
            user,
            title=data["title"] or case_title(data["description"]),
            description=data["description"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            intake=form.intake(),
            channel=channel,
            opd=data.get("opd"),
            requester=data.get("requester"),
        )
        return made.case.number
    except InvalidInput as exc:
        aliases = {"problem": "description"}
        form.add_service_errors({aliases.get(key, key): value for key, value in exc.errors.items()})
    except CannotStart as exc:
        form.add_error(None, str(exc))
    return None


@login_required
@require_GET
def requests(request: HttpRequest) -> HttpResponse:
    """Requests: an OPD user sees their OPD's, the Diskominfo side (employees, the help
    desk, administrators) the agency's, as ``cases_for``; newest first."""
    user = _member(request)
    rows = Request.objects.filter(agency_id=user.agency_id or 0).select_related(
        "service", "case", "opd", "requester", "recorded_by"
    )
    if user.opd_id is not None:
        rows = rows.filter(opd_id=user.opd_id)
    elif not (is_help_desk(user) or user.is_staff or hasattr(user, "employee")):
        rows = rows.filter(requester=user)  # as cases_for: the Diskominfo side sees all
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "catalogue/requests.html",
        {"page": page, "zone": _zone(user), "desk": is_help_desk(user)},
    )
