"""Fan-outs in the engine (issue 14): a round's per-site steps run once per site, in
parallel, and the join opens once when every visit is done."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jaga.audit.models import Event
from jaga.documents.models import Document
from jaga.inventory.models import Site
from jaga.workflow.errors import InvalidInput, NotEligible
from jaga.workflow.models import (
    ActingAs,
    BranchStatus,
    Case,
    CaseBranch,
    CaseSource,
    StepInstance,
    StepStatus,
)
from jaga.workflow.services import (
    accept,
    complete_step,
    open_step,
    open_steps,
    return_step,
    start_case,
)
from tests.conftest import make_agency
from tests.workflow.conftest import World
from tests.workflow.fanout_support import Round, make_round

WIB = ZoneInfo("Asia/Jakarta")
MON = dt.datetime(2026, 11, 23, 8, 0, tzinfo=WIB)


@pytest.fixture
def rnd(world: World) -> Round:
    return make_round(world)


def start(rnd: Round, sites: list[Site] | None = None) -> Case:
    return start_case(
        rnd.definition,
        source=CaseSource.SCHEDULE,
        title="Pemeliharaan November",
        by=rnd.world.admin,
        sites=[rnd.puskesmas, rnd.kantor] if sites is None else sites,
        at=MON,
    )


def to_fan_out(rnd: Round, case: Case) -> dt.datetime:
    """Steps 1 and 2 done; returns when the visits opened."""
    w = rnd.world
    step = open_step(case)
    assert step is not None
    complete_step(step, w.kasi, at=MON + dt.timedelta(minutes=30))
    step = open_step(case)
    assert step is not None
    at = MON + dt.timedelta(hours=1)
    complete_step(step, w.kasi, named=[w.tech1, w.tech2], at=at)
    return at


def walk(rnd: Round, branch: CaseBranch, at: dt.datetime) -> StepInstance:
    """Steps 3, 4, 5 of one visit; returns the completed acknowledgment."""
    w = rnd.world
    acker = rnd.dinkes if branch.site == rnd.puskesmas else rnd.camat
    for actor in (w.tech1, w.tech2, acker):
        step = StepInstance.objects.get(branch=branch, status=StepStatus.OPEN)
        done = complete_step(step, actor, at=at)
    return done


def test_it_starts_a_case_with_its_sites_and_no_case_opd(rnd: Round) -> None:
    case = start(rnd)
    assert case.opd is None
    assert set(case.sites.all()) == {rnd.puskesmas, rnd.kantor}
    event = Event.objects.get(action="case.started", object_id=str(case.pk))
    assert event.after is not None
    assert sorted(event.after["sites"]) == ["kantor-barat", "pkm-utara"]


def test_it_refuses_a_site_of_another_agency(rnd: Round) -> None:
    other = make_agency("epsilon")
    foreign = Site.objects.create(agency=other, code="luar", name="Luar")
    with pytest.raises(InvalidInput) as refused:
        start(rnd, [rnd.puskesmas, foreign])
    assert refused.value.errors == {"sites": "not a site of this agency: luar"}
    assert not Case.objects.exists()


def test_it_refuses_a_site_without_the_opd_that_acknowledges(rnd: Round) -> None:
    bare = Site.objects.create(agency=rnd.world.agency, code="tanpa-opd", name="Tanpa OPD")
    with pytest.raises(InvalidInput) as refused:
        start(rnd, [bare])
    assert "tanpa-opd" in refused.value.errors["sites"]


def test_it_opens_one_visit_per_site_ordered_by_site_name(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    branches = list(CaseBranch.objects.filter(case=case).order_by("position"))
    assert [(b.site, b.position, b.key, b.status) for b in branches] == [
        (rnd.kantor, 0, "kunjungan", BranchStatus.OPEN),
        (rnd.puskesmas, 1, "kunjungan", BranchStatus.OPEN),
    ]
    waiting = open_steps(case)
    assert [(s.step_no, s.branch) for s in waiting] == [("3", branches[0]), ("3", branches[1])]
    assert all(s.started_at == at and s.due_at == at + dt.timedelta(hours=1) for s in waiting)
    assert open_step(case) is None


def test_it_refuses_to_fan_out_a_round_without_sites(rnd: Round) -> None:
    case = start(rnd, [])
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, at=MON + dt.timedelta(minutes=30))
    step = open_step(case)
    assert step is not None
    with pytest.raises(InvalidInput) as refused:
        complete_step(step, rnd.world.kasi, named=[rnd.world.tech1], at=MON)
    assert refused.value.errors == {
        "sites": "the round has no sites: choose the case's sites before step 3"
    }
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert not CaseBranch.objects.filter(case=case).exists()
    assert not step.named.exists()


def test_it_lets_each_site_opd_acknowledge_only_its_own_visit(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    kantor = CaseBranch.objects.get(case=case, site=rnd.kantor)
    for actor in (rnd.world.tech1, rnd.world.tech2):
        complete_step(StepInstance.objects.get(branch=kantor, status="open"), actor, at=at)
    ack = StepInstance.objects.get(branch=kantor, status="open")
    assert ack.step_no == "5"
    with pytest.raises(NotEligible):
        complete_step(ack, rnd.dinkes, at=at)
    done = complete_step(ack, rnd.camat, at=at)
    assert done.acting_as == ActingAs.REPORTER


def test_it_opens_the_join_once_when_every_visit_is_done(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    first, second = CaseBranch.objects.filter(case=case).order_by("position")
    walk(rnd, first, at + dt.timedelta(hours=1))
    first.refresh_from_db()
    assert first.status == BranchStatus.DONE
    assert first.completed_at == at + dt.timedelta(hours=1)
    assert open_step(case) is None
    last = at + dt.timedelta(hours=3)
    walk(rnd, second, last)
    join = open_step(case)
    assert join is not None
    assert (join.step_no, join.branch, join.started_at) == ("6", None, last)
    assert StepInstance.objects.filter(case=case, step_no="6").count() == 1
    accept(join, rnd.world.kasi, at=last)
    final = open_step(case)
    assert final is not None
    complete_step(final, rnd.world.kasi, at=last)
    case.refresh_from_db()
    assert case.status == "closed"


def test_it_reopens_the_chosen_visit_when_the_check_returns_into_it(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    kantor, puskesmas = CaseBranch.objects.filter(case=case).order_by("position")
    walk(rnd, kantor, at)
    walk(rnd, puskesmas, at)
    check = open_step(case)
    assert check is not None
    with pytest.raises(InvalidInput) as refused:
        return_step(check, rnd.world.kasi, "4", "Foto kurang", at=at)
    assert refused.value.errors == {"branch": "step 4 runs once per site: choose the visit"}
    back = at + dt.timedelta(hours=2)
    return_step(check, rnd.world.kasi, "4", "Foto kurang", branch=puskesmas, at=back)
    puskesmas.refresh_from_db()
    kantor.refresh_from_db()
    assert (puskesmas.status, kantor.status) == (BranchStatus.OPEN, BranchStatus.DONE)
    (again,) = open_steps(case)
    assert (again.step_no, again.branch, again.visit, again.started_at) == (
        "4",
        puskesmas,
        2,
        back,
    )
    event = Event.objects.filter(action="step.returned").get()
    assert event.after is not None
    assert event.after["reopens"]["site"] == "pkm-utara"
    complete_step(again, rnd.world.tech1, at=back)
    ack = StepInstance.objects.get(branch=puskesmas, status="open")
    complete_step(ack, rnd.dinkes, at=back)
    join = open_step(case)
    assert join is not None
    assert (join.step_no, join.visit) == ("6", 2)


def test_it_refuses_a_return_naming_a_visit_of_another_case(rnd: Round) -> None:
    case = start(rnd)
    other = start(rnd)
    at = to_fan_out(rnd, case)
    to_fan_out(rnd, other)
    for branch in CaseBranch.objects.filter(case=case):
        walk(rnd, branch, at)
    check = open_step(case)
    assert check is not None
    foreign = CaseBranch.objects.filter(case=other).first()
    assert foreign is not None
    with pytest.raises(InvalidInput) as refused:
        return_step(check, rnd.world.kasi, "4", "Salah", branch=foreign.pk, at=at)
    assert refused.value.errors == {"branch": "not a visit of this case"}


def test_it_records_the_site_in_the_audit_event_of_a_visit_step(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    kantor = CaseBranch.objects.get(case=case, site=rnd.kantor)
    step = StepInstance.objects.get(branch=kantor, status="open")
    complete_step(step, rnd.world.tech1, at=at)
    event = Event.objects.get(action="step.completed", object_id=str(step.pk))
    assert event.after is not None
    assert event.after["visit"] == {
        "fan_out": "kunjungan",
        "position": 0,
        "site": "kantor-barat",
        "site_name": "Kantor Camat Barat",
    }


def test_it_names_the_visit_site_opd_on_the_berita_acara(rnd: Round) -> None:
    case = start(rnd)
    at = to_fan_out(rnd, case)
    kantor = CaseBranch.objects.get(case=case, site=rnd.kantor)
    for actor in (rnd.world.tech1, rnd.world.tech2):
        complete_step(StepInstance.objects.get(branch=kantor, status="open"), actor, at=at)
    document = Document.objects.get(case=case, document_type="berita_acara_pekerjaan")
    assert document.content["case"]["opd"] == "Kecamatan Barat"
    assert document.content["case"]["location"] == "Kantor Camat Barat"


def test_it_allows_one_open_step_on_the_trunk_and_one_per_visit(rnd: Round) -> None:
    from django.db import IntegrityError, transaction

    case = start(rnd)
    at = to_fan_out(rnd, case)
    kantor, puskesmas = CaseBranch.objects.filter(case=case).order_by("position")
    common = {"agency": case.agency, "case": case, "lane": "kasi", "kind": "activity"}
    # a trunk step may be open beside the visits' steps...
    trunk = StepInstance.objects.create(step_no="6", started_at=at, **common)
    # ...but not a second one on the trunk, nor a second one in a visit
    for branch in (None, kantor):
        with pytest.raises(IntegrityError), transaction.atomic():
            StepInstance.objects.create(step_no="7", branch=branch, started_at=at, **common)
    assert StepInstance.objects.filter(case=case, status="open").count() == 3
    assert {s.branch for s in open_steps(case)} == {None, kantor, puskesmas}
    assert open_step(case) == trunk


def test_it_refuses_to_fan_out_to_a_site_added_later_without_an_opd(rnd: Round) -> None:
    case = start(rnd, [rnd.puskesmas])
    case.sites.add(Site.objects.create(agency=rnd.world.agency, code="gudang-x", name="Tanpa"))
    step = open_step(case)
    assert step is not None
    complete_step(step, rnd.world.kasi, at=MON)
    step = open_step(case)
    assert step is not None
    with pytest.raises(InvalidInput) as refused:
        complete_step(step, rnd.world.kasi, named=[rnd.world.tech1], at=MON)
    assert "gudang-x" in refused.value.errors["sites"]
    assert not CaseBranch.objects.filter(case=case).exists()
