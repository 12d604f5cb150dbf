"""The devices of a site, offered in the same form where the site is chosen (issue 20 point
4: "in seed 000 step 3 a technician replacing a device must first link the site, save, and
reopen the form before the site's devices can be chosen").

Two forms choose devices by their site: a replacement step's form (the broken device among
those in service at the chosen site, then a spare of its kind; ``jaga.workflow.replacing``)
and the case's affected sites and devices (``AffectedForm``). Each view answers

- GET, the page's htmx request when a site (or the broken device) is chosen: only the small
  fragment of device choices (the technician is on a phone with a weak signal), computed
  from the query's ``site``/``removed``/``installed`` or ``sites``/``devices``;
- POST, the same form submitted without JavaScript (the button in ``<noscript>``): the
  whole page again with the form redrawn for the chosen site, keeping what was typed and
  saving nothing.

Sites and devices come from the case's agency only (``device_sites``, ``near_case``); an id
that is not one of them is a message in the answer, never an error page. Nobody gets
device lists of a step they may not act on, nor of a case whose affected devices they may
not choose.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jaga.workflow.actors import eligibility, local_date
from jaga.workflow.affected import may_set_affected
from jaga.workflow.forms import AffectedForm, step_form
from jaga.workflow.models import CaseStatus, StepInstance, StepStatus
from jaga.workflow.replacing import chosen_site
from jaga.workflow.views import render_case, request_user, visible_case


def _site_refused() -> str:
    return _("That site is not one of this agency's sites: choose another.")


def _sent(request: HttpRequest) -> QueryDict:
    """The form's values: the htmx request's query (GET) or the submitted form (POST)."""
    return request.GET if request.method == "GET" else request.POST


@login_required
@require_http_methods(["GET", "POST"])
def step_devices(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """The device choices of a replacement step's form for the chosen site: the fragment
    ``workflow/_replacement_devices.html`` on GET, the case page with the form redrawn on
    POST. 404 when the step does not replace devices, 403 when the user may not act on it;
    a step completed meanwhile answers with a message (GET) or the case page (POST)."""
    user = request_user(request)
    case = visible_case(request, pk)
    steps = StepInstance.objects.select_related("branch__site")
    step = get_object_or_404(steps, pk=step_pk, case=case)
    spec = case.definition.spec
    if spec.step(step.step_no).replacement is None:
        raise Http404(_("This step replaces no device."))
    closed = step.status != StepStatus.OPEN or case.status != CaseStatus.OPEN
    if closed:
        text = _("This step was already completed; the case has moved on.")
        if request.method == "GET":
            return render(request, "workflow/_replacement_devices.html", {"closed": text})
        messages.warning(request, text)
        return redirect("workflow:case", pk=case.pk)
    now = timezone.now()
    lanes = [spec.lane(key) for key in spec.step(step.step_no).all_lanes]
    if eligibility(user, case, lanes, now, branch=step.branch) is None:
        raise PermissionDenied(_("You may not act on this step."))
    sent = _sent(request)
    form = step_form(case, step, local_date(case, now), kept=sent)
    refused = chosen_site(case, sent)[1]
    if request.method == "GET":
        context = {"form": form, "case": case, "current": step, "site_refused": refused}
        return render(request, "workflow/_replacement_devices.html", context)
    if refused:
        messages.error(request, _site_refused())
    return render_case(request, case, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def affected_devices(request: HttpRequest, pk: int) -> HttpResponse:
    """The device choices of the case's affected sites and devices form for the chosen
    sites: the fragment ``workflow/_affected_devices.html`` on GET, the form's page redrawn
    on POST. 403 for those who may not choose them (``may_set_affected``)."""
    user = request_user(request)
    case = visible_case(request, pk)
    if not may_set_affected(user, case):
        raise PermissionDenied(_("You may not change what this case is about."))
    form = AffectedForm(case=case, kept=_sent(request))
    if request.method == "GET":
        return render(request, "workflow/_affected_devices.html", {"form": form, "case": case})
    if form.refused_sites:
        messages.error(request, _site_refused())
    return render(request, "workflow/affected.html", {"case": case, "form": form})
