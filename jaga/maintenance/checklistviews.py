"""The checklist pages: templates for their editors, the inspection form of one device
(phone first), an inspection's detail and photos, and the inspection card of the device
page (``inspection_card``).

Every lookup goes through ``jaga.maintenance.permissions`` (a row the user may not see is a
404; a page the user may not use at all is a 403); services own the writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jaga.inventory.models import Device
from jaga.inventory.permissions import devices_for
from jaga.maintenance.checklistforms import InspectionForm, ItemFormSet, TemplateForm
from jaga.maintenance.checklists import save_template, template_for
from jaga.maintenance.inspections import InvalidInspection, record_inspection
from jaga.maintenance.models import (
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    MaintenancePlan,
)
from jaga.maintenance.permissions import (
    inspections_for,
    may_edit_checklists,
    may_inspect,
    templates_for,
)
from jaga.maintenance.visits import sop_handles_failures
from jaga.org.models import User
from jaga.workflow.errors import NotEligible
from jaga.workflow.models import StepInstance
from jaga.workflow.permissions import cases_for

#: Inspections per page of a device's history.
HISTORY_PAGE_SIZE = 10
#: The query parameter of the history's page on the device page.
HISTORY_PARAM = "pemeriksaan"


def _user(request: HttpRequest) -> User:
    """The signed-in user of an agency; 403 for a user of none."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("Checklists belong to an agency; this account has none."))
    return user


def _editor(request: HttpRequest) -> User:
    user = _user(request)
    if not may_edit_checklists(user):
        raise PermissionDenied(_("Only the agency administrator and the Kasi edit checklists."))
    return user


# --- Templates --------------------------------------------------------------------------


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    """The agency's checklist templates with their number of items (two queries)."""
    user = _editor(request)
    templates = list(
        templates_for(user)
        .annotate(item_count=Count("items"))
        .order_by("device_kind", "name", "pk")
    )
    return render(
        request,
        "maintenance/templates.html",
        {"templates": templates, "show_checklists": True},
    )


def _edit(request: HttpRequest, user: User, template: ChecklistTemplate) -> HttpResponse:
    creating = template.pk is None
    if request.method == "POST":
        form = TemplateForm(request.POST, instance=template)
        formset = ItemFormSet(request.POST, instance=template, prefix="items")
        if form.is_valid() and formset.is_valid():
            items = formset.save(commit=False)
            save_template(form.instance, items, list(formset.deleted_objects), user)
            messages.success(request, _("The checklist was saved."))
            return redirect("maintenance:template_edit", pk=form.instance.pk)
    else:
        form = TemplateForm(instance=template)
        formset = ItemFormSet(instance=template, prefix="items")
    return render(
        request,
        "maintenance/template_form.html",
        {"form": form, "formset": formset, "template": template, "creating": creating},
    )


@login_required
def template_create(request: HttpRequest) -> HttpResponse:
    """A new template with its items (a formset)."""
    user = _editor(request)
    assert user.agency_id is not None  # _editor refuses a user of no agency
    return _edit(request, user, ChecklistTemplate(agency_id=user.agency_id))


@login_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a template and its items; answers already given keep their own copy."""
    user = _editor(request)
    template = get_object_or_404(templates_for(user), pk=pk)
    return _edit(request, user, template)


# --- Inspecting a device ----------------------------------------------------------------


def _step(request: HttpRequest, user: User, device: Device) -> StepInstance | None:
    """The case step named by ``?step=`` (404 when the user may not see its case or it is
    of another agency), or None."""
    raw = request.GET.get("step")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(
        StepInstance.objects.select_related("case").filter(
            case__in=cases_for(user), agency_id=device.agency_id
        ),
        pk=int(raw),
    )


def _plan_of(step: StepInstance | None) -> MaintenancePlan | None:
    if step is None:
        return None
    round_ = getattr(step.case, "maintenance_round", None)
    return round_.plan if round_ is not None else None


@login_required
def inspect_device(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection form of one device: the checklist of its kind (``template_for``, the
    round's plan first when ``?step=`` names a step of a round; ``?template=`` picks
    another active one of the kind). POST records it and goes to the inspection; bad
    answers re-render the form with what was typed and an error next to each item."""
    user = _user(request)
    device = get_object_or_404(devices_for(user).select_related("site", "agency"), pk=pk)
    if not may_inspect(user, device):
        raise PermissionDenied(_("Only the Diskominfo's staff inspect devices."))
    step = _step(request, user, device)
    choices = list(
        ChecklistTemplate.objects.filter(
            agency_id=device.agency_id, device_kind=device.kind, is_active=True
        ).order_by("name", "pk")
    )
    template: ChecklistTemplate | None
    chosen = request.GET.get("template")
    if chosen:
        template = next((row for row in choices if str(row.pk) == chosen), None)
        if template is None:
            raise Http404
    else:
        template = template_for(_plan_of(step), device.agency_id, device.kind)
    context: dict[str, Any] = {
        "device": device,
        "step": step,
        "choices": choices,
        "template": template,
        "may_edit": may_edit_checklists(user),
    }
    if template is None:
        return render(request, "maintenance/inspect.html", context)
    items = list(template.items.order_by("position", "pk"))
    if request.method == "POST":
        form = InspectionForm(items, request.POST, request.FILES)
        if form.is_valid():
            try:
                inspection = record_inspection(
                    device,
                    template,
                    form.answers(),
                    user,
                    step=step,
                    photos=form.photos(),
                    note=form.cleaned_data["note"],
                    handled_by_sop=step is not None and sop_handles_failures(step),
                )
            except InvalidInspection as exc:
                for item_id, message in exc.item_errors.items():
                    form.add_item_error(item_id, message)
                for key, message in exc.errors.items():
                    if not key.startswith("item-"):
                        form.add_error("note" if key == "note" else None, message)
            except NotEligible as exc:
                raise PermissionDenied(str(exc)) from exc
            else:
                inspection.refresh_from_db()
                _announce(request, inspection)
                if step is not None:
                    # Back to the visit, where the next device waits.
                    return redirect(
                        reverse("workflow:case", args=[step.case_id])
                        + f"?step={step.pk}#visit-checklist"
                    )
                return redirect("maintenance:inspection", pk=inspection.pk)
        status = 400
    else:
        form = InspectionForm(items)
        status = 200
    context.update(form=form, photo_lost=request.method == "POST" and bool(request.FILES))
    return render(request, "maintenance/inspect.html", context, status=status)


def _announce(request: HttpRequest, inspection: Inspection) -> None:
    if not inspection.failed:
        messages.success(request, _("The inspection was recorded: every item passed."))
    elif inspection.corrective_case is not None:
        messages.warning(
            request,
            _("The inspection was recorded with failed items: corrective case #%(number)s.")
            % {"number": inspection.corrective_case.number},
        )
    else:
        messages.warning(request, _("The inspection was recorded with failed items."))


# --- Inspections ------------------------------------------------------------------------


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection with every answer and photo (three queries)."""
    user = _user(request)
    inspection = get_object_or_404(
        inspections_for(user).select_related(
            "agency", "device", "site", "inspected_by", "case", "corrective_case"
        ),
        pk=pk,
    )
    answers = list(inspection.answers.order_by("position", "pk"))
    visible = set(
        cases_for(user)
        .filter(pk__in={inspection.case_id, inspection.corrective_case_id} - {None})
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "maintenance/inspection.html",
        {
            "inspection": inspection,
            "answers": answers,
            "agency_timezone": inspection.agency.timezone,
            "case_visible": inspection.case_id in visible,
            "corrective_visible": inspection.corrective_case_id in visible,
        },
    )


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """An answer's photo, for users who may see its inspection; 404 for everyone else."""
    user = _user(request)
    answer = get_object_or_404(
        InspectionAnswer.objects.filter(inspection__in=inspections_for(user)).exclude(photo=""),
        pk=pk,
    )
    try:
        handle = answer.photo.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle,
        content_type=answer.photo_content_type or "application/octet-stream",
        filename=f"inspection-{answer.inspection_id}-{answer.position}"
        + PurePath(answer.photo.name or "").suffix,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- The card on the device page --------------------------------------------------------


@dataclass(frozen=True)
class InspectionCard:
    """What the device page shows of its inspections: the last one with its failed
    answers, a page of the history, whether the user may inspect, and the URLs."""

    last: Inspection | None
    failed: list[InspectionAnswer]
    page: Page[Inspection]
    may_inspect: bool
    inspect_url: str
    param: str = HISTORY_PARAM


def inspection_card(user: User, device: Device, page: str | None) -> InspectionCard:
    """The inspection card of ``device`` for ``user``, history page ``page`` (any text:
    ``Paginator.get_page`` falls back to the first or last page). Four queries at most."""
    history = (
        inspections_for(user)
        .filter(device=device)
        .select_related("inspected_by", "corrective_case")
        .order_by("-inspected_at", "-pk")
    )
    paginated = Paginator(history, HISTORY_PAGE_SIZE).get_page(page)
    rows = list(paginated.object_list)
    last = rows[0] if rows and paginated.number == 1 else history.first()
    failed = (
        list(last.answers.filter(failed=True).order_by("position", "pk"))
        if last is not None and last.failed
        else []
    )
    return InspectionCard(
        last=last,
        failed=failed,
        page=paginated,
        may_inspect=may_inspect(user, device),
        inspect_url=reverse("maintenance:inspect", args=[device.pk]),
    )
