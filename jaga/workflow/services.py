"""The SOP engine: start a case, complete, decide, accept or return its steps.

Every function is one transaction: the step transition, the next step, the names recorded
for a lane and the audit events commit together or not at all. Transitions are
compare-and-set (``filter(pk=…, status=OPEN).update(…)``), so two people completing the
same step at once produce exactly one transition; the other gets ``StepNotOpen``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jaga import deferred
from jaga.audit.services import record
from jaga.inventory.models import Site
from jaga.inventory.replacement import ReplacementChoice, replace_device
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.sop.schema import (
    END,
    FanOut,
    FieldType,
    FormField,
    ReplacementMode,
    Requester,
    SopSpec,
    StartMode,
    Step,
    StepKind,
)
from jaga.sop.timing import case_due, step_due, step_earliest
from jaga.tenancy.services import working_calendar
from jaga.workflow import events
from jaga.workflow.actors import (
    Eligibility,
    eligibility,
    lane_holders,
    lane_positions,
    local_date,
    named_for,
)
from jaga.workflow.errors import CannotStart, InvalidInput, NotEligible, StepNotOpen
from jaga.workflow.models import (
    DISPOSITION_SIFAT,
    ActingAs,
    BranchStatus,
    Case,
    CaseBranch,
    CaseSource,
    CaseStatus,
    IntakeChannel,
    LaneAssignee,
    StepInstance,
    StepStatus,
)

_COMPLETABLE = {
    StepKind.FORWARD,
    StepKind.ACTIVITY,
    StepKind.FORM,
    StepKind.REPORT,
    StepKind.ACKNOWLEDGMENT,
    StepKind.DISPOSITION,
    StepKind.ASSIGNMENT,
}
CHECK_ACCEPTED = "accepted"
CHECK_RETURNED = "returned"
DISPUTED = "disputed"
DONE = "done"
#: Outcomes that send the case back to an earlier step with a reason.
SENT_BACK = (CHECK_RETURNED, DISPUTED)


@contextmanager
def _operation() -> Iterator[None]:
    """One engine operation: one transaction, in which the writes gathered by its
    subscribers and its audit events (``jaga.deferred``) are made at its end."""
    with transaction.atomic(), deferred.gathering():
        yield


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is not None and timezone.is_naive(at):
        raise ValueError("at must be timezone-aware")
    return at or timezone.now()


def decided_branch(case: Case, step: Step, branch: CaseBranch | None = None) -> str | None:
    """The branch key the decision ``step.waktu_by`` names last took in ``case`` (in visit
    ``branch`` or on the trunk), or None when the step has no ``waktu_by`` or the decision
    was not taken on the case's path (SOP format 2, issue 17 point 3)."""
    if step.waktu_by is None:
        return None
    decided = (
        StepInstance.objects.filter(
            case=case, step_no=step.waktu_by.decision, status=StepStatus.DONE
        )
        .filter(Q(branch=branch) | Q(branch__isnull=True))
        .order_by("-completed_at", "-pk")
        .values_list("outcome", flat=True)
        .first()
    )
    return decided or None


def _open_step(
    case: Case,
    step: Step,
    at: dt.datetime,
    branch: CaseBranch | None = None,
    *,
    cause: StepInstance | None = None,
    announce: bool = True,
    just_named: Mapping[str, list[User]] | None = None,
) -> StepInstance:
    """Open a visit of ``step`` (in fan-out visit ``branch``, else on the trunk), record
    who it waits for (see ``StepInstance``) and, with ``announce``, send
    ``events.step_opened`` (``cause``: the completed step that led here).
    ``just_named`` (lane key → users) is what ``cause`` named, when it named anyone:
    the latest naming of those lanes, so they are not read back, and the event carries
    them when the step waits for them alone (issue 19 point 2)."""
    spec = case.definition.spec
    visits = StepInstance.objects.filter(case=case, step_no=step.no, branch=branch).count()
    calendar = working_calendar(case.agency)
    decided = decided_branch(case, step, branch)
    instance = StepInstance.objects.create(
        agency_id=case.agency_id,
        case=case,
        branch=branch,
        step_no=step.no,
        lane=step.all_lanes[0],
        kind=step.kind.value,
        visit=visits + 1,
        started_at=at,
        due_at=step_due(calendar, spec, step, at, decided),
        earliest_at=step_earliest(calendar, spec, step, at, decided),
        for_reporter=any(spec.lane(key).reporter for key in step.all_lanes),
    )
    named: list[int] = []
    positions: list[int] = []
    for key in step.all_lanes:
        lane = spec.lane(key)
        people = (
            [user.pk for user in just_named[key]]
            if just_named and key in just_named
            else named_for(case, key)
        )
        if people:
            named.extend(people)
        elif lane.requester is not None:
            if case.reporter_id is not None:  # the requesting employee
                named.append(case.reporter_id)
        elif not lane.reporter:
            positions.extend(lane_positions(case, lane).values_list("pk", flat=True))
    instance.assignees.add(*named)
    instance.positions.add(*positions)
    if announce:
        known = {user.pk: user for users in (just_named or {}).values() for user in users}
        # The users it waits for, when ``cause`` has just named every one of them.
        waiting = [known[pk] for pk in named if pk in known]
        if not named or len(waiting) != len(named):
            waiting = []
        events.step_opened.send(
            StepInstance,
            step=instance,
            case=case,
            at=at,
            cause=cause,
            named=waiting or None,
        )
    return instance


def start_case(
    definition: SopDefinition,
    *,
    source: CaseSource,
    title: str,
    by: User | None = None,
    opd: Opd | None = None,
    reporter: User | None = None,
    description: str = "",
    data: Mapping[str, Any] | None = None,
    sites: Iterable[Site] | None = None,
    channel: IntakeChannel = IntakeChannel.WEB,
    intake: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Case:
    """Start a case of ``definition`` (the version is pinned to the case).

    ``intake`` holds the values of the SOP's intake fields (``SopSpec.intake_fields``: the
    service's ``fields``, else those of a first step the request completes), checked and
    converted like any step's fields (``InvalidInput`` naming each bad field, nothing
    written) and kept in ``Case.data["intake"]``; when the request completes the first
    step, they are that step's data too. ``channel`` says how the request arrived
    (``IntakeChannel``): anything but ``web`` was recorded by help-desk staff ``by`` on the
    requester's behalf (``reporter`` is then the requesting employee, or None for a caller
    of an OPD), and the request's completion of a first step in the requester's lane is the
    clerk's, recorded as ``ActingAs.HELPDESK``. A case of an SOP with a ``deadline`` gets
    ``Case.due_at`` (``jaga.sop.timing.case_due``).

    ``sites`` become the case's sites (``Case.sites``, sites of the same agency): a
    maintenance round's locations, one visit each when the case reaches a fan-out (SOP
    ``fan_out``). Where a fan-out has steps in the reporting OPD's lane, each site needs
    its OPD (it acknowledges its own Berita Acara). Raises ``InvalidInput`` (``sites``) for
    another agency's site or a site without the OPD it needs.

    ``source`` must be one of the SOP's start modes; a case opened by the network monitor
    (``CaseSource.MONITOR``) starts as a report, with the monitor's user as the reporter.
    A report needs the reporting ``opd``
    (defaults to the reporter's); so does any case of an SOP with steps in the reporting
    OPD's lane outside its fan-outs (inside one, each visited site's OPD acts). When a report
    starts a case whose first step is in the reporting OPD's lane ("Laporan masuk dari
    kepala OPD…"), the report is that step: it is completed by the reporter at ``at`` and
    the case waits on the next step. Raises
    ``CannotStart``.
    """
    at = _now(at)
    spec = definition.spec
    source = CaseSource(source)
    mode = StartMode.REPORT if source.is_report else StartMode(source)
    if not definition.starts_by(mode):
        raise CannotStart(f"SOP {definition.code} does not start by {source}")
    if source.is_report:
        opd = opd or (reporter.opd if reporter is not None else None)
        if opd is None and not (reporter is not None and _employee_may_request(spec)):
            raise CannotStart("a report needs the reporting OPD")
        if reporter is not None and opd is not None and reporter.opd_id not in (None, opd.pk):
            raise CannotStart("the reporter belongs to another OPD")
    if opd is not None and opd.agency_id != definition.agency_id:
        raise CannotStart("the OPD belongs to another agency")
    if opd is None and spec.reporter_steps_outside_fan_outs():
        raise CannotStart(
            "this SOP has steps for the OPD (such as an acknowledgment): name the OPD"
        )
    if not title.strip():
        raise InvalidInput({"title": "a case needs a title"})
    intake_data = clean_fields(spec.intake_fields, intake or {})
    chosen = _round_sites(definition, sites)
    channel = IntakeChannel(channel)
    case_data = dict(data or {})
    if intake_data:
        case_data["intake"] = intake_data
    with _operation():
        case = Case.objects.create(
            agency_id=definition.agency_id,
            definition=definition,
            title=title.strip(),
            description=description,
            source=source,
            opd=opd,
            reporter=reporter,
            started_by=by or reporter,
            started_at=at,
            due_at=case_due(working_calendar(definition.agency), spec, at),
            channel=channel,
            data=case_data,
        )
        started: dict[str, Any] = {
            "sop": definition.code,
            "version": definition.version,
            "source": source,
        }
        if channel.by_staff:
            started["channel"] = channel.value
        if chosen:
            case.sites.add(*chosen)
            started["sites"] = [site.code for site in chosen]
        record(
            agency=case.agency,
            actor=by or reporter,
            action="case.started",
            obj=case,
            after=started,
            at=at,
        )
        first = spec.steps[0]
        lanes = [spec.lane(key) for key in first.all_lanes]
        # The request itself completes a first step in the requester's lane: by the
        # requester, or by the help-desk clerk who recorded it for them.
        actor = by if channel.by_staff else reporter
        reported = source.is_report and actor is not None and any(x.requesting for x in lanes)
        instance = _open_step(case, first, at, announce=not reported)
        if reported and actor is not None:
            ground = ActingAs.HELPDESK if channel.by_staff else ActingAs.REPORTER
            report = _Action(case, instance, first, spec, actor, Eligibility(ground), at)
            first_data = {
                key: value
                for key, value in intake_data.items()
                if key in {field.key for field in first.fields}
            }
            _finish(
                report,
                outcome=DONE,
                target=spec.following(first),
                note=description,
                data=first_data,
            )
    return case


def _employee_may_request(spec: SopSpec) -> bool:
    """Whether the agency's employees may request the SOP's service for themselves (no
    OPD; format 2 ``service.requesters``)."""
    return spec.service is not None and Requester.EMPLOYEE in spec.service.requesters


def _round_sites(definition: SopDefinition, sites: Iterable[Site] | None) -> list[Site]:
    """``sites`` checked for a case of ``definition``: the agency's own, each with an OPD
    when a fan-out of the SOP has steps in the reporting OPD's lane; raises
    ``InvalidInput`` (``sites``)."""
    chosen = list(dict.fromkeys(sites or ()))
    spec = definition.spec
    foreign = [site.code for site in chosen if site.agency_id != definition.agency_id]
    if foreign:
        raise InvalidInput({"sites": f"not a site of this agency: {', '.join(foreign)}"})
    reporter = {lane.key for lane in spec.lanes if lane.reporter}
    needs_opd = any(
        set(spec.step(no).all_lanes) & reporter for fan in spec.fan_out for no in fan.steps
    )
    without = [site.code for site in chosen if needs_opd and site.opd_id is None]
    if without:
        raise InvalidInput(
            {"sites": f"each site needs its OPD (it acknowledges its visit): {', '.join(without)}"}
        )
    return chosen


def _no_sites(fan: FanOut) -> InvalidInput:
    """The refusal to fan out a case without sites (nothing is written)."""
    return InvalidInput(
        {"sites": f"the round has no sites: choose the case's sites before step {fan.entry}"}
    )


def _fan_out(case: Case, fan: FanOut, at: dt.datetime, cause: StepInstance) -> None:
    """Open one visit (``CaseBranch``) of ``fan`` per site of ``case``, ordered by site
    name, each waiting on the block's first step from ``at``. Raises ``InvalidInput``
    (``sites``) when the case has no sites, or a site lacks the OPD the block needs."""
    sites = list(case.sites.order_by("name", "pk"))
    if not sites:
        raise _no_sites(fan)
    _round_sites(case.definition, sites)  # sites chosen after the start: each needs its OPD
    entry = case.definition.spec.step(fan.entry)
    for position, site in enumerate(sites):
        branch = CaseBranch.objects.create(
            agency_id=case.agency_id,
            case=case,
            key=fan.key,
            site=site,
            position=position,
            opened_at=at,
        )
        _open_step(case, entry, at, branch, cause=cause)


def _branch_done(
    case: Case, branch: CaseBranch, join: str, at: dt.datetime, cause: StepInstance
) -> None:
    """Mark ``branch`` done (compare-and-set) and, when it was the last open visit of its
    fan-out, open the ``join`` step on the trunk. The case row is locked first
    (``select_for_update``; a no-op on SQLite, which serialises writers) so that of two
    visits finishing at once on PostgreSQL exactly one sees the other done and opens the
    join."""
    Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).get()
    changed = CaseBranch.objects.filter(pk=branch.pk, status=BranchStatus.OPEN).update(
        status=BranchStatus.DONE, completed_at=at
    )
    if changed != 1:
        raise StepNotOpen(f"visit {branch.pk} of case {case.pk} is not open")
    branch.status, branch.completed_at = BranchStatus.DONE, at
    still_open = CaseBranch.objects.filter(case=case, key=branch.key, status=BranchStatus.OPEN)
    if not still_open.exists():
        _open_step(case, case.definition.spec.step(join), at, cause=cause)


@dataclass(frozen=True)
class _Action:
    """A step about to be completed by ``user``: the case, the step's definition, the whole
    SOP, and the grounds on which the user acts."""

    case: Case
    step: StepInstance
    spec_step: Step
    spec: SopSpec
    user: User
    grounds: Eligibility
    at: dt.datetime
    branch: CaseBranch | None = None


def _begin(
    step: StepInstance, user: User, kinds: set[StepKind], at: dt.datetime, field: str = "kind"
) -> _Action:
    """Load the case, check the step is of one of ``kinds``, waiting, and that ``user`` may
    act on it; raises ``InvalidInput``, ``StepNotOpen`` or ``NotEligible``."""
    # What the step's effects read of the case comes along (its documents print the OPD
    # and the report), and the step shares this copy with them.
    case = Case.objects.select_related("definition", "agency", "opd", "incident", "reporter").get(
        pk=step.case_id
    )
    step.case = case
    spec = case.definition.spec
    spec_step = spec.step(step.step_no)
    if spec_step.kind not in kinds:
        raise InvalidInput({field: f"step {step.step_no} is a {spec_step.kind} step"})
    if step.status != StepStatus.OPEN or case.status != CaseStatus.OPEN:
        raise StepNotOpen(f"step {step.step_no} of case {case.pk} is not waiting")
    branch = (
        CaseBranch.objects.select_related("site").get(pk=step.branch_id)
        if step.branch_id is not None
        else None
    )
    lanes = [spec.lane(key) for key in spec_step.all_lanes]
    grounds = eligibility(user, case, lanes, at, branch=branch)
    if grounds is None:
        raise NotEligible(f"{user.username} may not act on step {step.step_no} of case {case.pk}")
    return _Action(case, step, spec_step, spec, user, grounds, at, branch)


def _clean_fields(step: Step, data: Mapping[str, Any]) -> dict[str, Any]:
    """The declared fields of ``step`` from ``data`` (``clean_fields``)."""
    return clean_fields(step.fields, data)


def clean_fields(fields: Iterable[FormField], data: Mapping[str, Any]) -> dict[str, Any]:
    """The values of ``fields`` (an SOP's step or intake fields) from ``data``, converted
    to JSON values (docs/sop-format.md, "Forms and fields"); raises ``InvalidInput`` naming
    each bad field: required and empty, not of its type, not one of its choices, or not a
    field at all."""
    fields = list(fields)
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required and field.type is not FieldType.BOOLEAN:
                errors[field.key] = "required"
            continue
        try:
            cleaned[field.key] = _convert(field.type, raw, field.choices)
        except (ValueError, InvalidOperation) as exc:
            errors[field.key] = str(exc) or "invalid value"
    unknown = set(data) - {field.key for field in fields}
    for key in sorted(unknown):
        errors[key] = "not a field of this step"
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _convert(kind: FieldType, raw: Any, choices: list[str]) -> Any:
    if kind in (FieldType.TEXT, FieldType.TEXTAREA):
        return str(raw).strip()
    if kind is FieldType.INTEGER:
        if isinstance(raw, bool):
            raise ValueError("a whole number is required")
        return int(str(raw).strip())
    if kind is FieldType.DECIMAL:
        return str(Decimal(str(raw).strip().replace(",", ".")))
    if kind is FieldType.DATE:
        return (
            raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
        ).isoformat()
    if kind is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "ya", "yes", "on"):
            return True
        if text in ("0", "false", "tidak", "no", "off"):
            return False
        raise ValueError("yes or no is required")
    if kind is FieldType.CHOICE:
        if str(raw) not in choices:
            raise ValueError(f"choose one of: {', '.join(choices)}")
        return str(raw)
    raise ValueError(f"unknown field type {kind}")  # pragma: no cover


def _finish(
    action: _Action,
    *,
    outcome: str,
    target: str,
    note: str = "",
    output: str = "",
    data: Mapping[str, Any] | None = None,
    named: Mapping[User, list[str]] | None = None,
    replacement: ReplacementChoice | None = None,
    into: CaseBranch | None = None,
) -> StepInstance:
    """Complete ``step`` (compare-and-set), carry out its device ``replacement``, record
    names, open ``target`` or close the case, and write the audit events. Runs inside the
    caller's transaction.

    Fan-outs (SOP ``fan_out``): a trunk step leading to a block's first step opens one
    visit per site of the case (``InvalidInput`` when it has none); a visit's step leading
    inside its block opens there in the same visit; one leading out of it (the join)
    finishes the visit, and the last visit to finish opens the join on the trunk.
    ``into`` is the visit a check reopens at ``target`` (a return into a block)."""
    case, step, spec_step, user, grounds, at = (
        action.case,
        action.step,
        action.spec_step,
        action.user,
        action.grounds,
        action.at,
    )
    spec = action.spec
    branch = action.branch
    fan = spec.fan_out_of(spec_step.no) if branch is not None else None
    entering = spec.fan_out_entered_at(target) if branch is None and into is None else None
    if entering is not None and not case.sites.exists():
        raise _no_sites(entering)
    fields = {
        "status": StepStatus.DONE,
        "completed_at": at,
        "actor": user,
        "acting_as": grounds.acting_as,
        "on_behalf_of": grounds.position,
        "outcome": outcome,
        "next_step_no": "" if target == END else target,
        "note": note,
        "output": output or spec_step.output,
        "data": dict(data or {}),
    }
    changed = StepInstance.objects.filter(pk=step.pk, status=StepStatus.OPEN).update(**fields)
    if changed != 1:
        raise StepNotOpen(f"step {step.step_no} of case {case.pk} was completed already")
    for name, value in fields.items():
        setattr(step, name, value)
    _replace(action, replacement)
    # A completed step waits for nobody: keep the inbox's tables to open steps.
    step.assignees.clear()
    step.positions.clear()
    named = named or {}
    LaneAssignee.objects.bulk_create(
        LaneAssignee(agency_id=case.agency_id, case=case, lane=lane, user=person, named_by=step)
        for person, lanes in named.items()
        for lane in lanes
    )
    just_named: dict[str, list[User]] = {}
    for person, lanes in named.items():
        for lane in lanes:
            just_named.setdefault(lane, []).append(person)
    on_behalf = ""
    if grounds.position is not None and grounds.acting_as != ActingAs.HOLDER:
        on_behalf = f"{grounds.acting_as} {grounds.position.title}"
    after: dict[str, Any] = {
        "status": StepStatus.DONE,
        "outcome": outcome,
        "next": target,
        "acting_as": grounds.acting_as,
        "data": fields["data"],
        "note": note,
        "named": [person.username for person in named],
    }
    if branch is not None:
        after["visit"] = _visit_label(branch)
    if into is not None:
        after["reopens"] = _visit_label(into)
    record(
        agency=case.agency,
        actor=user,
        action={CHECK_RETURNED: "step.returned", DISPUTED: "step.disputed"}.get(
            outcome, "step.completed"
        ),
        obj=step,
        before={"status": StepStatus.OPEN, "step": step.step_no, "visit": step.visit},
        after=after,
        on_behalf_of=on_behalf,
        at=at,
    )
    # Its effects elsewhere (the output document, ...), in this transaction.
    events.step_completed.send(
        StepInstance, step=step, spec_step=spec_step, case=case, by=user, at=at, named=list(named)
    )
    if fan is not None and branch is not None:
        if target in fan.steps:
            _open_step(case, spec.step(target), at, branch, cause=step, just_named=just_named)
        else:
            _branch_done(case, branch, target, at, step)
    elif into is not None:
        _reopen(case, into, spec.step(target), at, step)
    elif entering is not None:
        _fan_out(case, entering, at, step)
    elif target == END:
        closed = Case.objects.filter(pk=case.pk, status=CaseStatus.OPEN).update(
            status=CaseStatus.CLOSED, closed_at=at
        )
        if closed != 1:
            raise StepNotOpen(f"case {case.pk} is not open")
        case.status, case.closed_at = CaseStatus.CLOSED, at
        record(
            agency=case.agency,
            actor=user,
            action="case.closed",
            obj=case,
            before={"status": CaseStatus.OPEN},
            after={"status": CaseStatus.CLOSED},
            at=at,
        )
        events.case_closed.send(Case, case=case, by=user, at=at)
    else:
        _open_step(case, spec.step(target), at, cause=step, just_named=just_named)
    return step


def _visit_label(branch: CaseBranch) -> dict[str, Any]:
    """How an audit event names a fan-out visit: its key, position and site."""
    site = branch.site
    return {
        "fan_out": branch.key,
        "position": branch.position,
        "site": site.code if site is not None else "",
        "site_name": site.name if site is not None else "",
    }


def _reopen(
    case: Case, branch: CaseBranch, step: Step, at: dt.datetime, cause: StepInstance
) -> None:
    """Open ``branch`` (a finished visit) again at ``step``: a check after the join sent
    this site's work back. The join opens again when the visit finishes."""
    changed = CaseBranch.objects.filter(pk=branch.pk, status=BranchStatus.DONE).update(
        status=BranchStatus.OPEN, completed_at=None
    )
    if changed != 1:
        raise InvalidInput({"branch": "that visit is still in progress"})
    branch.status, branch.completed_at = BranchStatus.OPEN, None
    _open_step(case, step, at, branch, cause=cause)


def _names(
    case: Case, spec: SopSpec, spec_step: Step, people: Iterable[User], at: dt.datetime
) -> dict[User, list[str]]:
    """The people a disposition, assignment or forward names, each with the lanes of the
    step's ``target_lanes`` they hold today (an assignment may name people of several
    lanes, format 2 ``to_lanes``). Raises ``InvalidInput`` (``named``) for someone who holds
    none of them, a disposition without exactly one recipient, an assignment outside
    ``min_assignees``..``max_assignees``, a forward naming more than one person."""
    chosen = list(dict.fromkeys(people))
    on = local_date(case, at)
    held: dict[int, list[str]] = {}
    for key in spec_step.target_lanes:
        for pk in lane_holders(case, spec.lane(key), on).values_list("pk", flat=True):
            held.setdefault(pk, []).append(key)
    outside = [person.username for person in chosen if person.pk not in held]
    if outside:
        lanes = ", ".join(spec_step.target_lanes)
        raise InvalidInput({"named": f"not a holder of lane {lanes}: {', '.join(outside)}"})
    if spec_step.kind is StepKind.DISPOSITION and len(chosen) != 1:
        raise InvalidInput({"named": "a disposition names exactly one recipient"})
    if spec_step.kind is StepKind.FORWARD and len(chosen) > 1:
        raise InvalidInput({"named": "a forward names at most one recipient"})
    if spec_step.kind is StepKind.ASSIGNMENT:
        if len(chosen) < spec_step.min_assignees:
            raise InvalidInput({"named": f"appoint at least {spec_step.min_assignees}"})
        if spec_step.max_assignees is not None and len(chosen) > spec_step.max_assignees:
            raise InvalidInput({"named": f"appoint at most {spec_step.max_assignees}"})
    return {person: held[person.pk] for person in chosen}


def _check_replacement(action: _Action, choice: ReplacementChoice | None) -> None:
    """Refuse a replacement the step does not declare, or a missing required one."""
    mode = action.spec_step.replacement
    if mode is None and choice is not None:
        raise InvalidInput({"replacement": f"step {action.step.step_no} replaces no device"})
    if mode is ReplacementMode.REQUIRED and choice is None:
        raise InvalidInput({"removed": "required", "installed": "required"})


def _replace(action: _Action, choice: ReplacementChoice | None) -> None:
    """Carry out the device replacement of a step that declares one (issue 6), after the
    step's own compare-and-set, in its transaction."""
    if choice is None:
        return
    try:
        replace_device(action.case, action.step, choice, action.user, at=action.at)
    except ValidationError as exc:
        raise InvalidInput(
            {key: " ".join(str(m) for m in messages) for key, messages in exc.message_dict.items()}
        ) from None


def complete_step(
    step: StepInstance,
    user: User,
    *,
    note: str = "",
    output: str = "",
    data: Mapping[str, Any] | None = None,
    named: Iterable[User] = (),
    instructions: Iterable[str] = (),
    sifat: str = "",
    replacement: ReplacementChoice | None = None,
    at: dt.datetime | None = None,
) -> StepInstance:
    """Complete an activity, form, report, acknowledgment, disposition or assignment step.

    ``data`` holds the step's declared fields (converted and checked); a disposition names
    exactly one recipient in ``named`` (a holder of its ``to_lane``) and ticks
    ``instructions`` from its checklist and may give the letter's ``sifat`` (one of
    ``DISPOSITION_SIFAT``, recorded as ``data["sifat"]`` and printed on the Lembar
    Disposisi only when given); an assignment names ``min_assignees`` to
    ``max_assignees`` people. A step that declares ``replacement`` takes ``replacement``
    (required or optional as declared) and swaps the devices in this transaction
    (``jaga.inventory.replacement``). Raises ``NotEligible``, ``StepNotOpen`` or
    ``InvalidInput`` (keys ``removed``, ``installed``, ``removed_status`` for a refused
    replacement); decisions and checks have their own functions.
    """
    at = _now(at)
    with _operation():
        action = _begin(step, user, _COMPLETABLE, at)
        spec_step = action.spec_step
        cleaned = _clean_fields(spec_step, data or {})
        people: dict[User, list[str]] = {}
        named = list(named)
        if spec_step.kind in (StepKind.DISPOSITION, StepKind.ASSIGNMENT, StepKind.FORWARD):
            people = _names(action.case, action.spec, spec_step, named, at)
        elif named:
            raise InvalidInput(
                {"named": "only a disposition, an assignment or a forward names people"}
            )
        ticked = list(dict.fromkeys(instructions))
        if ticked:
            if spec_step.kind is not StepKind.DISPOSITION:
                raise InvalidInput({"instructions": "only a disposition has instructions"})
            unknown = [item for item in ticked if item not in spec_step.disposition_instructions]
            if unknown:
                raise InvalidInput({"instructions": f"not on the checklist: {', '.join(unknown)}"})
            cleaned["instructions"] = ticked
        if sifat:
            if spec_step.kind is not StepKind.DISPOSITION:
                raise InvalidInput({"sifat": "only a disposition has a sifat"})
            if sifat not in DISPOSITION_SIFAT:
                raise InvalidInput({"sifat": f"choose one of: {', '.join(DISPOSITION_SIFAT)}"})
            cleaned["sifat"] = sifat
        _check_replacement(action, replacement)
        target = action.spec.following(spec_step)
        return _finish(
            action,
            outcome=DONE,
            target=target,
            note=note,
            output=output,
            data=cleaned,
            named=people,
            replacement=replacement,
        )


def decide(
    step: StepInstance,
    user: User,
    branch: str,
    *,
    note: str = "",
    data: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> StepInstance:
    """Take ``branch`` (its key) of a decision step; the case goes where the branch says.
    ``data`` holds the findings the step declares. Raises ``InvalidInput`` for an unknown
    branch, and ``NotEligible`` or ``StepNotOpen``."""
    at = _now(at)
    with _operation():
        action = _begin(step, user, {StepKind.DECISION}, at, field="branch")
        branches = action.spec_step.branches
        chosen = next((b for b in branches if b.key == branch), None)
        if chosen is None:
            raise InvalidInput({"branch": f"choose one of: {', '.join(b.key for b in branches)}"})
        cleaned = _clean_fields(action.spec_step, data or {})
        return _finish(action, outcome=chosen.key, target=chosen.next, note=note, data=cleaned)


def accept(
    step: StepInstance, user: User, *, note: str = "", at: dt.datetime | None = None
) -> StepInstance:
    """Accept a check step: the case goes on to the following step."""
    at = _now(at)
    with _operation():
        action = _begin(step, user, {StepKind.CHECK}, at)
        target = action.spec.following(action.spec_step)
        return _finish(action, outcome=CHECK_ACCEPTED, target=target, note=note)


def return_step(
    step: StepInstance,
    user: User,
    to: str,
    reason: str,
    *,
    branch: CaseBranch | int | None = None,
    at: dt.datetime | None = None,
) -> StepInstance:
    """Return the case from a check step to earlier step ``to`` (one of its ``return_to``)
    with ``reason``; that step is visited again.

    A check on the trunk that returns into a fan-out's block (seed 004: step 8 returns to
    7, a step of each site's visit) names the visit in ``branch`` (a finished
    ``CaseBranch`` of the case and that fan-out, or its pk): only that site's work reopens
    at ``to`` (its next visit), and the join opens again when it finishes. Raises
    ``InvalidInput`` without a reason, for a step the check may not return to, or for a
    missing, foreign or unfinished ``branch``."""
    at = _now(at)
    with _operation():
        action = _begin(step, user, {StepKind.CHECK}, at)
        allowed = action.spec_step.return_to
        if to not in allowed:
            raise InvalidInput({"to": f"return to one of: {', '.join(allowed)}"})
        if not reason.strip():
            raise InvalidInput({"reason": "a return needs a reason"})
        into = _return_branch(action, to, branch)
        return _finish(action, outcome=CHECK_RETURNED, target=to, note=reason.strip(), into=into)


def issuing_step(step: StepInstance) -> StepInstance | None:
    """The completed step whose document acknowledgment ``step`` acknowledges: the latest
    step of the same case and fan-out visit (or trunk) that declares a ``document:``,
    done before ``step`` opened; None when there is none."""
    spec = step.case.definition.spec
    issuing = [s.no for s in spec.steps if s.document is not None]
    return (
        StepInstance.objects.filter(
            case_id=step.case_id,
            branch_id=step.branch_id,
            status=StepStatus.DONE,
            step_no__in=issuing,
            completed_at__lte=step.started_at,
        )
        .order_by("-completed_at", "-pk")
        .first()
    )


def dispute(
    step: StepInstance, user: User, reason: str, *, at: dt.datetime | None = None
) -> StepInstance:
    """Dispute an acknowledgment (issue 15 point 5): the OPD does not accept the document
    it is asked to acknowledge (a Berita Acara), says why in ``reason``, and the case goes
    back to the step that issued it (``issuing_step``), visited again in the same fan-out
    visit, which issues a new version superseding the disputed one. Recorded as
    ``step.disputed``. Raises ``InvalidInput`` (``reason``) without a reason or when no
    step issued a document to dispute, and ``NotEligible`` or ``StepNotOpen``."""
    at = _now(at)
    if not reason.strip():
        raise InvalidInput({"reason": "a dispute needs a reason"})
    with _operation():
        action = _begin(step, user, {StepKind.ACKNOWLEDGMENT}, at)
        issuer = issuing_step(step)
        if issuer is None:
            raise InvalidInput({"reason": "no step issued a document to dispute"})
        return _finish(action, outcome=DISPUTED, target=issuer.step_no, note=reason.strip())


def _return_branch(action: _Action, to: str, branch: CaseBranch | int | None) -> CaseBranch | None:
    """The visit a trunk check reopens when it returns to ``to`` inside a fan-out (None
    otherwise); raises ``InvalidInput`` (``branch``)."""
    fan = action.spec.fan_out_of(to)
    if fan is None or action.branch is not None:
        if branch is not None:
            raise InvalidInput({"branch": f"step {to} is not a step of a visit"})
        return None
    if branch is None:
        raise InvalidInput({"branch": f"step {to} runs once per site: choose the visit"})
    pk = branch.pk if isinstance(branch, CaseBranch) else branch
    found = (
        CaseBranch.objects.select_related("site")
        .filter(pk=pk, case=action.case, key=fan.key)
        .first()
    )
    if found is None:
        raise InvalidInput({"branch": "not a visit of this case"})
    return found  # _reopen refuses a visit still in progress, after the check's own CAS


def open_step(case: Case) -> StepInstance | None:
    """The step the case's trunk waits on (None when it is closed, or while only its
    fan-out visits are open: see ``open_steps``)."""
    return StepInstance.objects.filter(
        case=case, status=StepStatus.OPEN, branch__isnull=True
    ).first()


def open_steps(case: Case) -> list[StepInstance]:
    """Every step the case waits on: the trunk's, else one per open fan-out visit, in the
    visits' order (by site name)."""
    return list(
        StepInstance.objects.filter(case=case, status=StepStatus.OPEN)
        .select_related("branch", "branch__site", "branch__site__opd")
        .order_by("branch__position", "pk")
    )
