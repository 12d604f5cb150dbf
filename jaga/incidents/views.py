"""The OPD side: report a disruption ("Lapor Gangguan"), follow my reports ("Laporan
Saya"), and download a report's photos."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jaga.catalogue.models import Service, ServiceCategory
from jaga.incidents.forms import ReportForm
from jaga.incidents.models import Attachment, Incident
from jaga.incidents.services import report_disruption, reporting_sop
from jaga.org.models import User
from jaga.sop.schema import SopSpec
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.permissions import cases_for

PAGE_SIZE = 25


def _opd_user(request: HttpRequest) -> User:
    """The signed-in OPD user; anyone else (agency staff, platform admins) gets 403."""
    user = request.user
    if not isinstance(user, User) or user.opd_id is None or user.agency_id is None:
        raise PermissionDenied(_("Only users of a regional office (OPD) report disruptions."))
    return user


def _zone(user: User) -> ZoneInfo:
    assert user.agency is not None  # an OPD user belongs to an agency (_opd_user)
    return ZoneInfo(user.agency.timezone)


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The report form; a valid report starts a case and leads to "My reports". It
    reports to the agency's default disruption service, or to the disruption service of
    the catalogue named by ``?layanan=<code>`` (404 when there is no such service open to
    OPDs)."""
    user = _opd_user(request)
    zone = _zone(user)
    sop = _chosen_sop(request, user)
    try:
        intake_fields = reporting_sop(user.agency_id or 0, sop).spec.intake_fields
        no_sop = False
    except CannotStart:
        intake_fields, no_sop = [], True
    if request.method == "POST":
        form = ReportForm(
            request.POST, request.FILES, zone=zone, opd=user.opd, intake_fields=intake_fields
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = report_disruption(
                    user,
                    location=data["location"],
                    problem=data["problem"],
                    since=data["since"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    photos=data["photos"],
                    sites=data.get("sites") or (),
                    devices=data.get("devices") or (),
                    sop=sop,
                    intake=form.intake(),
                )
            except InvalidInput as exc:
                form.add_service_errors(exc.errors)
            except CannotStart as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Your report was received as case #%(number)s.")
                    % {"number": incident.case.number},
                )
                return redirect("incidents:mine")
            form.mark_invalid()
    else:
        form = ReportForm(
            initial={
                "contact_name": user.get_full_name() or user.get_username(),
                "contact_phone": user.phone or (user.opd.phone if user.opd else ""),
                "since": form_now(zone),
            },
            zone=zone,
            opd=user.opd,
            intake_fields=intake_fields,
        )
    return render(
        request, "incidents/report.html", {"form": form, "opd": user.opd, "no_sop": no_sop}
    )


def _chosen_sop(request: HttpRequest, user: User) -> str | None:
    """The SOP code of the disruption service ``?layanan=<code>`` names (None without
    it: the agency's default); 404 for a service that is not an active disruption service
    of the user's agency open to OPDs."""
    code = request.GET.get("layanan")
    if not code:
        return None
    service = Service.objects.filter(
        agency_id=user.agency_id or 0,
        code=code,
        is_active=True,
        category=ServiceCategory.DISRUPTION,
    ).first()
    if service is None or not service.allows("opd"):
        raise Http404(_("No such service."))
    return service.sop_code


def form_now(zone: ZoneInfo) -> str:
    """Now in ``zone`` as a ``datetime-local`` value (to the minute)."""
    return timezone.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Waiting:
    """The step a case waits on, as shown in a list: the SOP's kegiatan and lane labels."""

    step: StepInstance
    kegiatan: str
    lanes: str


def waiting_on(case: Case) -> Waiting | None:
    """The open step of ``case`` from the prefetched ``open_steps`` (no query), or None."""
    steps: list[StepInstance] = getattr(case, "open_steps", [])
    if not steps:
        return None
    step = steps[0]
    spec: SopSpec = case.definition.spec  # the pinned version: it has the step and lanes
    spec_step = spec.step(step.step_no)
    labels = [spec.lane(key).label for key in spec_step.all_lanes]
    return Waiting(step, spec_step.kegiatan, " / ".join(labels))


def _links_to_cases() -> bool:
    """Whether the Diskominfo side's case page (``workflow:case``) exists."""
    try:
        reverse("workflow:case", args=[1])
    except NoReverseMatch:
        return False
    return True


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """The reports of the user's OPD, newest first, with the step each case waits on."""
    user = _opd_user(request)
    incidents = (
        Incident.objects.filter(case__in=cases_for(user))
        .select_related("case", "case__definition", "reporter")
        .prefetch_related(
            Prefetch(
                "case__steps",
                queryset=StepInstance.objects.filter(status=StepStatus.OPEN),
                to_attr="open_steps",
            ),
            "attachments",
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(incident, waiting_on(incident.case)) for incident in page]
    return render(
        request,
        "incidents/mine.html",
        {
            "page": page,
            "rows": rows,
            "opd": user.opd,
            "zone": _zone(user),
            "case_links": _links_to_cases(),
        },
    )


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """A report's file, for users who may see its case; 404 for everyone else."""
    user = request.user
    assert isinstance(user, User)
    item = get_object_or_404(Attachment.objects.filter(incident__case__in=cases_for(user)), pk=pk)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=not item.is_image,
        # The name sent, with the suffix of what is stored (photos are re-encoded).
        filename=PurePath(item.original_name).stem + PurePath(item.file.name or "").suffix,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
