"""The Diskominfo side of the web UI: my tasks, the case list, the case page with the form
of its current step, and starting a case by hand.

Visibility comes from ``jaga.workflow.permissions`` and who may act from
``jaga.workflow.actors``; every write goes through ``jaga.workflow.services``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from jaga.documents.models import Document
from jaga.documents.panels import documents_to_acknowledge
from jaga.org.models import User
from jaga.sop.schema import Lane, SopSpec, Step, StepKind
from jaga.sop.timing import step_calendar
from jaga.tenancy.services import working_calendar
from jaga.web import keyset
from jaga.workflow.actors import eligibility, local_date
from jaga.workflow.affected import may_set_affected, set_affected
from jaga.workflow.casedocs import group_documents
from jaga.workflow.errors import CannotStart, InvalidInput, NotEligible, StepNotOpen
from jaga.workflow.filters import CaseFilter, Deadline, deadline_of, late_step_count
from jaga.workflow.forms import AffectedForm, StartCaseForm, StepForm, person, step_form
from jaga.workflow.models import (
    ActingAs,
    Case,
    CaseBranch,
    CaseSource,
    CaseStatus,
    LaneAssignee,
    StepInstance,
    StepStatus,
)
from jaga.workflow.panels import case_panels
from jaga.workflow.permissions import cases_for, visiting_branches
from jaga.workflow.permissions import inbox as inbox_for
from jaga.workflow.revisits import return_note
from jaga.workflow.services import (
    CHECK_ACCEPTED,
    CHECK_RETURNED,
    DISPUTED,
    DONE,
    decided_branch,
    start_case,
)

PAGE_SIZE = 25
#: The inbox counts its steps up to this many.
INBOX_COUNT_CAP = 1000
#: The case list's order (``case_list_queryset``), the keyset of its pages.
CASE_ORDER = ("-started_at", "-pk")
DONE_STATE, CURRENT_STATE, NOT_REACHED = "done", "current", "not_reached"


def request_user(request: HttpRequest) -> User:
    """The signed-in ``User`` of ``request`` (views behind ``login_required`` only)."""
    user = request.user
    assert isinstance(user, User)  # behind login_required
    return user


def _lane_labels(spec: SopSpec, step: Step) -> list[str]:
    return [spec.lane(key).label for key in step.all_lanes]


# --- Tugas Saya -------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    """One waiting step of the inbox."""

    step: StepInstance
    case: Case
    spec_step: Step
    lanes: list[str]
    late: bool
    document: Document | None = None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Steps waiting for me or my position, soonest due first, late ones marked; for an
    OPD user, their OPD's steps (an acknowledgment with the document to read linked on
    its card; issue 15 point 5)."""
    user = request_user(request)
    now = timezone.now()
    # Counted up to INBOX_COUNT_CAP: at a million cases the whole count read 200,000 open
    # steps (90 ms); past the cap the page says "more than 1.000" (keyset.CappedPaginator).
    paginator = keyset.CappedPaginator(inbox_for(user, now=now), PAGE_SIZE, INBOX_COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    request.inbox_count = paginator.count  # type: ignore[attr-defined]  # nav badge reuses it
    documents = documents_to_acknowledge(list(page))
    rows = []
    for step in page:
        spec = step.case.definition.spec
        spec_step = spec.step(step.step_no)
        rows.append(
            InboxRow(
                step=step,
                case=step.case,
                spec_step=spec_step,
                lanes=_lane_labels(spec, spec_step),
                late=step.due_at is not None and step.due_at < now,
                document=documents.get(step.pk),
            )
        )
    return render(request, "workflow/inbox.html", {"page": page, "rows": rows, "now": now})


# --- Kasus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """One case of the list with the step it waits on (None when closed), its deadline
    outcome (``deadline_of``) and its number of late steps."""

    case: Case
    step: StepInstance | None
    spec_step: Step | None
    lanes: list[str]
    late: bool
    deadline: Deadline | None = None
    late_steps: int = 0


def _case_rows(cases: Any, now: dt.datetime) -> list[CaseRow]:
    rows = []
    for case in cases:
        step = case.open_steps[0] if case.open_steps else None
        spec_step = None
        lanes: list[str] = []
        if step is not None:
            spec = case.definition.spec
            spec_step = spec.step(step.step_no)
            lanes = _lane_labels(spec, spec_step)
        late = step is not None and step.due_at is not None and step.due_at < now
        late_steps = int(getattr(case, "late_steps", 0))
        deadline = deadline_of(case.status, late_steps)
        rows.append(CaseRow(case, step, spec_step, lanes, late, deadline, late_steps))
    return rows


def open_steps_prefetch() -> Prefetch[str, QuerySet[StepInstance], str]:
    """The prefetch of a case's open steps into ``case.open_steps`` (a list, oldest first;
    the trunk's one step or a fan-out's steps, one per visit)."""
    return Prefetch(
        "steps",
        queryset=StepInstance.objects.filter(status=StepStatus.OPEN).order_by("started_at", "pk"),
        to_attr="open_steps",
    )


def case_list_queryset(user: User, now: dt.datetime | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with what the list shows loaded in a fixed
    number of queries (the OPD, the SOP, the open steps) and annotated with ``late_steps``,
    the number of their step instances late at ``now`` (default: the current time)."""
    return (
        cases_for(user)
        .select_related("opd", "definition")
        .prefetch_related(open_steps_prefetch())
        .annotate(late_steps=late_step_count(now or timezone.now()))
        .order_by(*CASE_ORDER)
    )


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The cases I may see, filtered and paginated. An htmx request gets the results only."""
    user = request_user(request)
    now = timezone.now()
    filterset = CaseFilter(
        request.GET or None, queryset=case_list_queryset(user, now), request=request
    )
    # Keyset pages (jaga.web.keyset) along the index case_agency_newest: a deep page costs
    # what the first does, and the total is counted up to keyset.DEFAULT_CAP.
    page = keyset.paginate(filterset.qs, CASE_ORDER, request.GET, PAGE_SIZE)
    context = {
        "filter": filterset,
        "page": page,
        "rows": _case_rows(page, now),
        "now": now,
        "can_start": user.is_agency_admin,
    }
    htmx = getattr(request, "htmx", None)
    partial = (
        isinstance(htmx, HtmxDetails)
        and bool(htmx)
        and not htmx.boosted
        and not htmx.history_restore_request
    )
    template = "workflow/_case_results.html" if partial else "workflow/cases.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The case page ----------------------------------------------------------------------


@dataclass
class ChartRow:
    """One row of the SOP's table drawn for a case: where the case is, and how long the
    latest pass of the step took against its standard. For a step of a fan-out, each
    site's latest pass counts: current while any site waits on it, late when any site's
    was, ``visits`` the most passes one site made (its returns), not the number of sites."""

    step: Step
    markers: list[bool]
    symbol: str
    state: str
    visits: int = 0
    latest: StepInstance | None = None
    duration: dt.timedelta | None = None
    late: bool = False
    #: The standard the latest pass ran on when it differs from the printed waktu: the
    #: branch its ``waktu_by`` decision took ("7 hari (Berat)"; SOP format 2).
    waktu_chosen: str = ""
    #: The labels of the lanes marked, for the table's phone form (one line per step).
    lane_labels: list[str] = field(default_factory=list)


@dataclass
class HistoryRow:
    """One visit of a step, as the case's history shows it."""

    instance: StepInstance
    spec_step: Step
    lanes: list[str]
    outcome: str
    actor: str
    acting_as: str
    data: list[tuple[str, str]] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    late: bool = False


def visible_case(request: HttpRequest, pk: int) -> Case:
    """Case ``pk`` if the request's user may see it (``cases_for``), with what the case
    page reads alongside; raises ``Http404`` otherwise, another agency's case included."""
    return get_object_or_404(
        cases_for(request_user(request))
        .select_related(
            "definition", "agency", "opd", "reporter", "started_by", "incident", "incident__opd"
        )
        .prefetch_related("incident__attachments"),
        pk=pk,
    )


def _duration(
    case: Case, spec: SopSpec, step: Step, visit: StepInstance, now: dt.datetime
) -> dt.timedelta:
    """How long ``visit`` took (or has taken so far) on the clock its standard runs on."""
    end = visit.completed_at or now
    if step.time_standard.elapsed:
        return end - visit.started_at
    calendar = step_calendar(working_calendar(case.agency), spec, step)
    return calendar.working_time_between(visit.started_at, end)


def _chosen_waktu(case: Case, spec: SopSpec, step: Step, visit: StepInstance) -> str:
    """The waktu ``visit`` of a ``waktu_by`` step ran on, with the branch that chose it
    ("7 hari (Berat)"), or "" when the decision was not taken (the printed waktu)."""
    assert step.waktu_by is not None
    branch = decided_branch(case, step, visit.branch)
    if branch is None or branch not in step.waktu_by.branches:
        return ""
    decision = spec.step(step.waktu_by.decision)
    label = next((b.label for b in decision.branches if b.key == branch), branch)
    return f"{step.waktu_by.branches[branch]} ({label})"


def _outcome(spec_step: Step, instance: StepInstance) -> str:
    if instance.status == StepStatus.OPEN:
        return _("Waiting")
    if instance.status == StepStatus.CANCELLED:
        return _("Cancelled")
    if instance.outcome == CHECK_ACCEPTED:
        return _("Accepted")
    if instance.outcome == CHECK_RETURNED:
        return _("Returned to step %(no)s") % {"no": instance.next_step_no}
    if instance.outcome == DISPUTED:
        return _("Disputed: back to step %(no)s") % {"no": instance.next_step_no}
    if instance.outcome == DONE:
        return _("Done")
    for branch in spec_step.branches:
        if branch.key == instance.outcome:
            return branch.label
    return instance.outcome


def _data_items(spec_step: Step, data: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {declared.key: declared.label for declared in spec_step.fields}
    labels.setdefault("instructions", _("Instructions"))
    labels.setdefault("sifat", _("Nature (sifat)"))
    items = []
    for key, value in data.items():
        if isinstance(value, bool):
            text = _("Yes") if value else _("No")
        elif isinstance(value, list):
            text = ", ".join(str(item) for item in value)
        else:
            text = str(value)
        items.append((labels.get(key, key), text))
    return items


def _acting_as(instance: StepInstance) -> str:
    if not instance.acting_as:
        return ""
    text = instance.get_acting_as_display()
    if instance.on_behalf_of is not None and instance.acting_as != ActingAs.REPORTER:
        text = f"{text} · {instance.on_behalf_of.title}"
    return str(text)


def _chart(
    case: Case, spec: SopSpec, instances: list[StepInstance], now: dt.datetime
) -> list[ChartRow]:
    visits: dict[str, list[StepInstance]] = {}
    for instance in instances:
        visits.setdefault(instance.step_no, []).append(instance)
    rows = []
    for step in spec.steps:
        # A step of a fan-out has instances per visit (branch): each visit's latest counts.
        by_branch: dict[int | None, list[StepInstance]] = {}
        for instance in visits.get(step.no, []):
            by_branch.setdefault(instance.branch_id, []).append(instance)
        latest_each = [passes[-1] for passes in by_branch.values()]
        open_now = [instance for instance in latest_each if instance.status == StepStatus.OPEN]
        latest = open_now[0] if open_now else (latest_each[-1] if latest_each else None)
        if open_now:
            state = CURRENT_STATE  # current while any visit waits on it
        elif any(instance.status == StepStatus.DONE for instance in latest_each):
            state = DONE_STATE
        else:
            state = NOT_REACHED
        row = ChartRow(
            step=step,
            markers=[lane.key in step.all_lanes for lane in spec.lanes],
            lane_labels=[lane.label for lane in spec.lanes if lane.key in step.all_lanes],
            symbol="◇" if step.kind in (StepKind.DECISION, StepKind.CHECK) else "□",
            state=state,
            visits=max((len(passes) for passes in by_branch.values()), default=0),
            latest=latest,
        )
        if latest is not None and latest.status != StepStatus.CANCELLED:
            row.duration = _duration(case, spec, step, latest, now)
        if latest is not None and step.waktu_by is not None:
            row.waktu_chosen = _chosen_waktu(case, spec, step, latest)
        row.late = any(
            instance.due_at is not None and (instance.completed_at or now) > instance.due_at
            for instance in latest_each
            if instance.status != StepStatus.CANCELLED
        )
        rows.append(row)
    return rows


def _history(spec: SopSpec, instances: list[StepInstance], now: dt.datetime) -> list[HistoryRow]:
    rows = []
    for instance in instances:
        spec_step = spec.step(instance.step_no)
        rows.append(
            HistoryRow(
                instance=instance,
                spec_step=spec_step,
                lanes=_lane_labels(spec, spec_step),
                outcome=_outcome(spec_step, instance),
                actor=person(instance.actor),
                acting_as=_acting_as(instance),
                data=_data_items(spec_step, instance.data or {}),
                named=[person(named.user) for named in instance.named.all()],
                late=instance.due_at is not None
                and (instance.completed_at or now) > instance.due_at,
            )
        )
    return rows


def _lanes_of(spec: SopSpec, step_no: str) -> list[Lane]:
    return [spec.lane(key) for key in spec.step(step_no).all_lanes]


@dataclass(frozen=True)
class VisitRow:
    """One fan-out visit of the case page (issue 14): its site and the step it waits on
    (None when the visit is done)."""

    branch: CaseBranch
    waiting: StepInstance | None
    spec_step: Step | None
    late: bool


def _visits(
    case: Case,
    spec: SopSpec,
    instances: list[StepInstance],
    now: dt.datetime,
    own: set[int] | None,
) -> list[VisitRow]:
    """The case's fan-out visits, in order (one query), with their open steps; only those
    in ``own`` unless it is None (``visiting_branches``)."""
    branches = CaseBranch.objects.filter(case=case).select_related("site", "site__opd")
    if own is not None:
        branches = branches.filter(pk__in=own)
    waiting = {i.branch_id: i for i in instances if i.status == StepStatus.OPEN and i.branch_id}
    rows = []
    for branch in branches.order_by("opened_at", "key", "position", "pk"):
        step = waiting.get(branch.pk)
        rows.append(
            VisitRow(
                branch=branch,
                waiting=step,
                spec_step=spec.step(step.step_no) if step is not None else None,
                late=step is not None and step.due_at is not None and step.due_at < now,
            )
        )
    return rows


def _current(request: HttpRequest, open_now: list[StepInstance], user: User) -> StepInstance | None:
    """The open step the page shows with its form: the one asked for (``?step=<pk>``, a
    visit's step, as the inbox and the visits table link), else for an OPD user the first
    visit to one of its sites, else the trunk's or the first visit's. No query: the page
    costs the same whatever the number of visits."""
    if not open_now:
        return None
    asked = request.GET.get("step", "")
    chosen = next((i for i in open_now if str(i.pk) == asked), None)
    if chosen is not None:
        return chosen
    if user.opd_id is not None:
        mine = next(
            (
                i
                for i in open_now
                if i.branch is not None
                and i.branch.site is not None
                and i.branch.site.opd_id == user.opd_id
            ),
            None,
        )
        if mine is not None:
            return mine
    trunk = next((i for i in open_now if i.branch_id is None), None)
    return trunk or min(open_now, key=lambda i: (i.branch.position if i.branch else 0, i.pk))


def _returned_documents(documents: list[Document], current: StepInstance | None) -> list[Document]:
    """The documents in force that an earlier visit of ``current``'s step issued (in the
    same fan-out visit): what the check that sent the step back rejected, shown with the
    return's reason (issue 20 point 1). No query: ``documents`` is the page's list."""
    if current is None:
        return []
    replaced = {d.supersedes_id for d in documents if d.supersedes_id is not None}
    return [
        d
        for d in documents
        if d.step is not None
        and d.step.step_no == current.step_no
        and d.step.branch_id == current.branch_id
        and d.step_id != current.pk
        and d.pk not in replaced
    ]


def render_case(request: HttpRequest, case: Case, form: StepForm | None = None) -> HttpResponse:
    """The case page of ``case`` for the request's user; ``form`` is the open step's form
    to show (a bound one with its errors after a refused submission), else a new one when
    the user may act on the current step."""
    user = request_user(request)
    now = timezone.now()
    spec = case.definition.spec
    instances = list(
        StepInstance.objects.filter(case=case)
        .select_related("actor", "actor__employee", "on_behalf_of", "branch", "branch__site__opd")
        .prefetch_related(
            Prefetch(
                "named",
                queryset=LaneAssignee.objects.select_related("user", "user__employee").order_by(
                    "pk"
                ),
            )
        )
        .order_by("started_at", "pk")
    )
    own = visiting_branches(user, case)
    if own is not None:  # an OPD visited by a round: the trunk and its own visits only
        instances = [i for i in instances if i.branch_id is None or i.branch_id in own]
    open_now = [i for i in instances if i.status == StepStatus.OPEN]
    current = form.step if form is not None else _current(request, open_now, user)
    current_step = spec.step(current.step_no) if current is not None else None
    waiting_for: list[str] = []
    grounds = None
    if current is not None and case.status == CaseStatus.OPEN:
        waiting_for = [
            person(assignee)
            for assignee in current.assignees.select_related("employee").order_by("username")
        ]
        lanes = _lanes_of(spec, current.step_no)
        grounds = eligibility(user, case, lanes, now, branch=current.branch)
        if form is None and grounds is not None:
            form = step_form(case, current, local_date(case, now))
    documents_shown = case.documents.select_related("step", "step__branch__site")
    affected_sites = case.sites.select_related("opd")
    affected_devices = case.devices.select_related("site")
    replacements = case.replacements.select_related("removed", "installed", "site", "store", "step")
    outages = case.outages.select_related("monitor_check__device")
    if own is not None:
        opd_id = user.opd_id or 0  # set: ``visiting_branches`` is None for non-OPD users
        documents_shown = documents_shown.filter(step__branch_id__in=own)
        affected_sites = affected_sites.filter(opd_id=opd_id)
        affected_devices = affected_devices.filter(site__opd_id=opd_id)
        replacements = replacements.filter(site__opd_id=opd_id)
        outages = outages.filter(monitor_check__device__site__opd_id=opd_id)
    documents = list(documents_shown.order_by("issued_at", "pk"))
    returned = return_note(instances, current) if current is not None else None
    context = {
        "case": case,
        "spec": spec,
        "documents": documents,
        "document_groups": group_documents(documents),
        "affected_sites": list(affected_sites.order_by("code")),
        "affected_devices": list(affected_devices.order_by("name", "pk")),
        "replacements": list(replacements),
        "outages": list(outages.order_by("started_at", "pk")),
        "may_set_affected": may_set_affected(user, case),
        "may_correct": user.is_staff and user.agency_id == case.agency_id,
        "chart": _chart(case, spec, instances, now),
        "visits": _visits(case, spec, instances, now, own) if spec.fan_out else [],
        "history": _history(spec, instances, now),
        "current": current,
        "panels": case_panels(user, case, current),
        "current_step": current_step,
        "current_lanes": _lane_labels(spec, current_step) if current_step else [],
        "returned": returned,
        "returned_documents": _returned_documents(documents, current) if returned else [],
        "current_late": current is not None and current.due_at is not None and current.due_at < now,
        # The whole SOP's deadline (format 2 ``deadline``): past it while open, or closed after.
        "case_late": case.due_at is not None and (case.closed_at or now) > case.due_at,
        "waiting_for": waiting_for,
        "form": form if grounds is not None else None,
        "on_behalf": grounds is not None and grounds.acting_as == ActingAs.ADMIN,
        "now": now,
    }
    return render(request, "workflow/case.html", context)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A case: its header, its SOP drawn with where it stands, its history, and the form of
    the current step for whoever may act on it."""
    return render_case(request, visible_case(request, pk))


def _already_done() -> str:
    return _(
        "This step was already completed, perhaps by someone else a moment ago; "
        "the case has moved on."
    )


@login_required
@require_POST
def act(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """Complete the case's current step with the posted form (the engine decides)."""
    user = request_user(request)
    case = visible_case(request, pk)
    step = get_object_or_404(StepInstance, pk=step_pk, case=case)
    back = redirect("workflow:case", pk=case.pk)
    if step.status != StepStatus.OPEN or case.status != CaseStatus.OPEN:
        messages.warning(request, _already_done())
        return back
    now = timezone.now()
    spec = case.definition.spec
    lanes = _lanes_of(spec, step.step_no)
    if eligibility(user, case, lanes, now, branch=step.branch) is None:
        raise PermissionDenied(_("You may not act on this step."))
    form = step_form(case, step, local_date(case, now), data=request.POST)
    if form.is_valid():
        try:
            done = form.act(user)
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        except NotEligible:
            raise PermissionDenied(_("You may not act on this step.")) from None
        except StepNotOpen:
            messages.warning(request, _already_done())
            return back
        else:
            if done.outcome in (CHECK_RETURNED, DISPUTED):
                text = _("Step %(no)s: the work went back to step %(to)s.") % {
                    "no": done.step_no,
                    "to": done.next_step_no,
                }
            elif done.next_step_no:
                text = _("Step %(no)s is done; the case goes on to step %(next)s.") % {
                    "no": done.step_no,
                    "next": done.next_step_no,
                }
            else:
                text = _("Step %(no)s is done; the case is closed.") % {"no": done.step_no}
            messages.success(request, text)
            return back
    return render_case(request, case, form=form)


@login_required
def affected(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the sites and devices the case is about (``jaga.workflow.affected``): the
    form on GET, saved on POST. Only ``may_set_affected`` users (403 for others)."""
    user = request_user(request)
    case = visible_case(request, pk)
    if not may_set_affected(user, case):
        raise PermissionDenied(_("You may not change what this case is about."))
    form = AffectedForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        try:
            changed = set_affected(
                case, user, sites=form.cleaned_data["sites"], devices=form.cleaned_data["devices"]
            )
        except InvalidInput as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            if changed:
                messages.success(request, _("The affected sites and devices were saved."))
            return redirect("workflow:case", pk=case.pk)
    return render(request, "workflow/affected.html", {"case": case, "form": form})


# --- Start by hand ----------------------------------------------------------------------


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """An agency administrator starts a case of a periodic SOP (or one started by hand)."""
    user = request_user(request)
    if not user.is_agency_admin or user.agency is None:
        raise PermissionDenied(_("Only an agency administrator starts a case by hand."))
    form = StartCaseForm(request.POST or None, agency=user.agency)
    if request.method == "POST" and form.is_valid():
        definition = form.cleaned_data["definition"]
        # A periodic SOP that does not list "manual" is started as its scheduled round,
        # early and by hand (the engine accepts only the SOP's own start modes).
        source = CaseSource.MANUAL if definition.starts_manually else CaseSource.SCHEDULE
        try:
            case = start_case(
                definition,
                source=source,
                title=form.cleaned_data["title"],
                by=user,
                opd=form.cleaned_data["opd"],
                description=form.cleaned_data["description"],
                sites=form.cleaned_data.get("sites"),
            )
        except CannotStart as exc:
            form.add_error(None, str(exc))
        except InvalidInput as exc:
            for key, message in exc.errors.items():
                form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("Case #%(number)s started.") % {"number": case.number})
            return redirect("workflow:case", pk=case.pk)
    return render(request, "workflow/start.html", {"form": form})
