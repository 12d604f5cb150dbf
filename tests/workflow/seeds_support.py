"""Drive a case of a demo agency's seed SOP along a table of actions (for test_seeds.py).

A ``Path`` is one way through one seed SOP: how the case starts and a table of ``Act`` rows,
one per step visit, in order. For each row the driver checks that the case waits on that
step (and visit), that the step opened when the previous row acted and is due at the row's
hand-computed local deadline, that every person in ``refused`` (and the administrator of
another agency) is refused with ``NotEligible``, then lets ``actor`` act, checks what was
recorded, and checks that acting again through a stale copy of the step raises
``StepNotOpen``. At the end the case must be closed, its step sequence must be the table's,
and the agency's audit chain must verify with one event per step, by its actor.

A round (an SOP with a ``fan_out``) starts with the path's ``sites``; a row with ``site``
acts on that site's visit, and a check's row with ``reopens`` returns into that site's
visit. A step opens when the previous act of its own visit (or of the trunk, for the
visit's first step or a reopened one) completed; a trunk step after the visits when the
last of them completed.

Times in the tables are local wall-clock times of the agency, written with their weekday
(``"Mon 2026-11-23 08:00"``); the weekday is checked, so a mistyped date shows at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.inventory.models import Device, DeviceAddress, Site
from jaga.inventory.replacement import ReplacementChoice
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.workflow.errors import NotEligible, StepNotOpen
from jaga.workflow.models import (
    ActingAs,
    Case,
    CaseBranch,
    CaseSource,
    CaseStatus,
    StepInstance,
    StepStatus,
)
from jaga.workflow.services import accept, complete_step, decide, open_step, return_step, start_case

Action = Literal["reported", "complete", "decide", "accept", "return"]

#: The report that starts the case is the first step (it is in the reporting OPD's lane).
REPORTED: Action = "reported"
#: ``complete_step``: activity, form, report, acknowledgment, disposition, assignment.
COMPLETE: Action = "complete"
#: ``decide``: a decision takes ``Act.branch``.
DECIDE: Action = "decide"
#: ``accept``: a check accepts.
ACCEPT: Action = "accept"
#: ``return_step``: a check returns to ``Act.to`` with ``Act.note`` as the reason.
RETURN: Action = "return"

HOLDER = ActingAs.HOLDER
NAMED = ActingAs.NAMED
REPORTER = ActingAs.REPORTER

#: What every disposition ticks on the Lembar Disposisi.
TICKED = ["Tindak lanjuti"]

#: The demo agencies in seed order (000..004).
SLUGS = ("bogor", "lingga", "pontianak", "bolmut", "batam")

_OUTCOME: dict[Action, str] = {
    REPORTED: "done",
    COMPLETE: "done",
    ACCEPT: "accepted",
    RETURN: "returned",
}


@dataclass(frozen=True)
class Act:
    """One row of a path table: (step no, actor username, action, extra).

    The case waits on step ``step``; the people in ``refused`` are refused; ``actor`` then
    does ``action`` at local time ``at``, recorded as acting on ground ``ground``. ``due``
    is the step visit's deadline (local time, computed by hand from docs/calendar.md), None
    for "kondisional". ``named`` are the people a disposition or an assignment names,
    ``branch`` a decision's branch, ``to`` the step a check returns to, ``data`` the
    step's fields and ``note`` the note (a return's reason). ``replaces`` names, by serial
    number, the broken device and the spare of a replacement step, and what the broken one
    becomes (``prepare_inventory`` creates them). ``site`` is the site (code) of the
    fan-out visit the step runs in ("" on the trunk); ``reopens`` the site whose visit a
    check's return into a fan-out reopens."""

    step: str
    actor: str
    action: Action
    _: KW_ONLY
    at: str
    due: str | None
    ground: ActingAs
    refused: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    branch: str = ""
    to: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    replaces: tuple[str, str, str] | None = None  # (broken serial, spare serial, status)
    site: str = ""  # the code of the site whose fan-out visit the step runs in
    reopens: str = ""  # a return into a fan-out: the code of the site whose visit reopens

    @property
    def outcome(self) -> str:
        return self.branch if self.action == DECIDE else _OUTCOME[self.action]


@dataclass(frozen=True)
class Path:
    """One way through seed ``seed``'s SOP ``code`` in demo agency ``slug`` (zone ``zone``):
    started at local time ``start`` by ``starter`` (the reporter for a report, the agency
    administrator otherwise) from ``source``, for the OPD abbreviated ``opd`` ("" for
    none), covering the sites (codes) ``sites``."""

    name: str
    seed: str
    slug: str
    code: str
    zone: str
    source: CaseSource
    starter: str
    opd: str
    start: str
    acts: tuple[Act, ...]
    sites: tuple[str, ...] = ()

    @property
    def outsider(self) -> str:
        """The administrator of the next demo agency: never eligible here."""
        return f"{SLUGS[(SLUGS.index(self.slug) + 1) % len(SLUGS)]}.admin"


def local(text: str, zone: str) -> dt.datetime:
    """``"Mon 2026-11-23 08:00"`` as an aware datetime in ``zone`` (the weekday must match)."""
    weekday, _, stamp = text.partition(" ")
    moment = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))
    assert moment.strftime("%a") == weekday, f"{text}: that day is a {moment:%A}"
    return moment


def user(username: str) -> User:
    return User.objects.get(username=username)


def prepare_inventory(path: Path) -> None:
    """The devices the path's replacement steps name: each broken one in service at a site
    of the path's OPD (behind an uplink, with a management address and a downlink), each
    spare in the agency's store."""
    agency = Agency.objects.get(slug=path.slug)
    opd = Opd.objects.get(agency=agency, abbreviation=path.opd)
    site = Site.objects.create(agency=agency, code="uji-lokasi", name="Lokasi uji", opd=opd)
    store = Site.objects.create(agency=agency, code="uji-gudang", name="Gudang uji", is_store=True)
    core = Device.objects.create(agency=agency, name="Router inti uji", kind="router", site=site)
    for act in path.acts:
        if act.replaces is None:
            continue
        broken, spare, _ = act.replaces
        device = Device.objects.create(
            agency=agency,
            name="Switch 8 port",
            kind="switch",
            vendor="TP-Link",
            model="TL-SG1008D",
            serial_number=broken,
            site=site,
            uplink=core,
        )
        DeviceAddress.objects.create(agency=agency, device=device, address="10.9.0.2")
        Device.objects.create(
            agency=agency, name="Access point uji", kind="access_point", site=site, uplink=device
        )
        Device.objects.create(
            agency=agency,
            name="Switch 8 port",
            kind="switch",
            vendor="TP-Link",
            model="TL-SG108",
            serial_number=spare,
            status="spare",
            site=store,
        )


def _replacement(act: Act) -> ReplacementChoice | None:
    if act.replaces is None:
        return None
    broken, spare, status = act.replaces
    return ReplacementChoice(
        Device.objects.get(serial_number=broken), Device.objects.get(serial_number=spare), status
    )


def waiting(case: Case, act: Act) -> StepInstance | None:
    """The step ``act`` acts on: the open step of its site's visit, else of the trunk."""
    if not act.site:
        return open_step(case)
    return StepInstance.objects.filter(
        case=case, branch__site__code=act.site, status=StepStatus.OPEN
    ).first()


def _perform(step: StepInstance, actor: User, act: Act, at: dt.datetime) -> StepInstance:
    if act.action == COMPLETE:
        is_disposition = step.kind == "disposition"
        return complete_step(
            step,
            actor,
            note=act.note,
            data=act.data,
            named=[user(name) for name in act.named],
            instructions=TICKED if is_disposition else (),
            replacement=_replacement(act),
            at=at,
        )
    if act.action == DECIDE:
        return decide(step, actor, act.branch, note=act.note, data=act.data, at=at)
    if act.action == ACCEPT:
        return accept(step, actor, note=act.note, at=at)
    if act.action == RETURN:
        branch = (
            CaseBranch.objects.get(case_id=step.case_id, site__code=act.reopens)
            if act.reopens
            else None
        )
        return return_step(step, actor, act.to, act.note, branch=branch, at=at)
    raise AssertionError(f"cannot perform {act.action}")  # pragma: no cover


def start(path: Path) -> Case:
    agency = Agency.objects.get(slug=path.slug)
    assert agency.timezone == path.zone
    definition = SopDefinition.objects.get(agency=agency, code=path.code, is_current=True)
    opd = Opd.objects.get(agency=agency, abbreviation=path.opd) if path.opd else None
    sites = [Site.objects.get(agency=agency, code=code) for code in path.sites]
    starter = user(path.starter)
    at = local(path.start, path.zone)
    if path.source == CaseSource.REPORT:
        return start_case(
            definition,
            source=path.source,
            title=f"Gangguan jaringan di {path.opd}",
            reporter=starter,
            opd=opd,
            description="Koneksi internet terputus",
            at=at,
        )
    return start_case(
        definition,
        source=path.source,
        title=f"Pemeliharaan jaringan di {path.opd or ', '.join(path.sites)}",
        by=starter,
        opd=opd,
        sites=sites,
        at=at,
    )


def run_until(path: Path, step_no: str) -> Case:
    """Start ``path`` and perform its rows, without the checks of ``run``, until the case
    waits on ``step_no`` for the first time (the open case)."""
    case = start(path)
    # A reported case's first row is the report, done when it started.
    acts = path.acts[1:] if path.acts[0].action == REPORTED else path.acts
    for act in acts:
        step = waiting(case, act)
        assert step is not None, f"{path.name}: the case ended before step {step_no}"
        if step.step_no == step_no:
            return case
        _perform(step, user(act.actor), act, local(act.at, path.zone))
    raise AssertionError(f"{path.name} never waits on step {step_no}")


def _check_reported(case: Case, act: Act, path: Path) -> None:
    """The report completed the first step when the case started."""
    first = StepInstance.objects.get(case=case, step_no=act.step)
    assert (first.status, first.actor, first.acting_as) == (
        StepStatus.DONE,
        user(act.actor),
        act.ground,
    )
    assert first.started_at == first.completed_at == local(act.at, path.zone)
    assert first.due_at == (local(act.due, path.zone) if act.due is not None else None)
    with pytest.raises(StepNotOpen):
        complete_step(first, user(act.actor), at=local(act.at, path.zone))


def run(path: Path) -> Case:
    """Run ``path`` to its end, checking every row (module docstring); the closed case."""
    replacing = [act.replaces for act in path.acts if act.replaces is not None]
    if replacing and not Device.objects.filter(serial_number=replacing[0][0]).exists():
        prepare_inventory(path)
    case = start(path)
    # When each visit's (site's) latest step completed; "" is the trunk.
    acted: dict[str, dt.datetime] = {"": local(path.start, path.zone)}
    visits: Counter[tuple[str, str]] = Counter()
    performed: list[StepInstance] = []
    for number, act in enumerate(path.acts):
        where = (
            f"{path.name}, row {number} (step {act.step}{' at ' + act.site if act.site else ''})"
        )
        visits[act.step, act.site] += 1
        at = local(act.at, path.zone)
        if act.action == REPORTED:
            assert number == 0, where
            _check_reported(case, act, path)
            performed.append(StepInstance.objects.get(case=case, step_no=act.step))
            continue
        step = waiting(case, act)
        assert step is not None, f"{where}: the case is not waiting"
        assert (step.step_no, step.visit) == (act.step, visits[act.step, act.site]), where
        if act.site:
            opened_at = max(acted.get(act.site, acted[""]), acted[""])
        else:
            opened_at = max(acted.values())
        assert step.started_at == opened_at, where
        due = local(act.due, path.zone) if act.due is not None else None
        assert step.due_at == due, (
            f"{where}: due {step.due_at and step.due_at.astimezone(ZoneInfo(path.zone))},"
            f" expected {due}"
        )
        assert act.refused, f"{where}: name at least one plausible wrong person"
        stale = StepInstance.objects.get(pk=step.pk)
        for name in (*act.refused, path.outsider):
            with pytest.raises(NotEligible):
                _perform(step, user(name), act, at)
        actor = user(act.actor)
        done = _perform(step, actor, act, at)
        done.refresh_from_db()
        assert (done.status, done.actor, done.acting_as, done.outcome) == (
            StepStatus.DONE,
            actor,
            act.ground,
            act.outcome,
        ), where
        assert done.completed_at == at, where
        named = sorted(done.named.values_list("user__username", flat=True))
        assert named == sorted(act.named), where
        expected_data = dict(act.data)
        if act.action == COMPLETE and done.kind == "disposition":
            expected_data["instructions"] = TICKED
        assert done.data == expected_data, where
        if act.action == RETURN:
            assert (done.next_step_no, done.note) == (act.to, act.note), where
        with pytest.raises(StepNotOpen):
            _perform(stale, actor, act, at)
        acted[act.site] = at
        if act.reopens:
            acted[act.reopens] = at
        performed.append(done)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at == local(path.acts[-1].at, path.zone)
    assert open_step(case) is None
    assert StepInstance.objects.filter(case=case).count() == len(path.acts)
    steps = [StepInstance.objects.get(pk=step.pk) for step in performed]
    assert [(step.step_no, step.outcome) for step in steps] == [
        (act.step, act.outcome) for act in path.acts
    ]
    assert [
        step.branch.site.code if step.branch and step.branch.site else "" for step in steps
    ] == [act.site for act in path.acts]
    _check_audit(case, steps, path)
    return case


def _check_audit(case: Case, steps: list[StepInstance], path: Path) -> None:
    """One audit event per step visit, by its actor, between the case's start and close;
    and the agency's chain verifies."""
    events = Event.objects.filter(agency=case.agency_id).order_by("seq")
    of_case = events.filter(object_type="workflow.case", object_id=str(case.pk))
    assert list(of_case.values_list("action", "actor_label")) == [
        ("case.started", path.starter),
        ("case.closed", path.acts[-1].actor),
    ]
    of_steps = events.filter(
        object_type="workflow.stepinstance", object_id__in=[str(step.pk) for step in steps]
    )
    assert list(of_steps.values_list("object_id", "action", "actor_label")) == [
        (
            str(step.pk),
            "step.returned" if act.action == RETURN else "step.completed",
            act.actor,
        )
        for step, act in zip(steps, path.acts, strict=True)
    ]
    result = verify(case.agency)
    assert result.ok, result.broken
