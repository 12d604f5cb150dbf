"""A round of seed 004 started by the scheduler covers every site of its plan (issue 14
points 2, 3 and 5): one case, its Rencana Kerja drafted per site, and a visit per site once
the Kasi has appointed the team (step 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from jaga.maintenance.models import MaintenancePlan, MaintenanceRound, WorkPlanVisit
from jaga.maintenance.scheduling import start_due_round
from jaga.org.models import User
from jaga.workflow.models import StepInstance
from jaga.workflow.services import complete_step, open_step, open_steps


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module)."""


def user(username: str) -> User:
    return User.objects.get(username=username)


def start_batam_round() -> MaintenanceRound:
    plan = MaintenancePlan.objects.get(agency__slug="batam")
    assert plan.next_due_at is not None
    started = start_due_round(plan.pk, plan.next_due_at)
    assert started is not None
    return started


def test_a_scheduled_round_covers_every_site_of_its_plan(demo: None) -> None:
    started = start_batam_round()
    case = started.case
    plan = started.plan
    sites = set(case.sites.values_list("opd__name", flat=True))
    assert sites == set(plan.opds.values_list("name", flat=True))
    assert len(sites) == 3
    assert case.opd is None  # three OPDs: each visit has its own
    rows = list(WorkPlanVisit.objects.filter(round=started).order_by("position"))
    assert [row.site.opd.name if row.site.opd else "" for row in rows] == sorted(sites)
    local_day = started.visit_at.astimezone(dt.timezone(dt.timedelta(hours=7))).date()
    assert {row.planned_on for row in rows} == {local_day}
    assert set(rows[0].team.all()) == set(plan.team.all())


def test_the_team_visits_every_site_in_parallel_and_the_review_waits_for_all(
    demo: None,
) -> None:
    case = start_batam_round().case
    at = dt.datetime.now(dt.UTC)
    team = list(MaintenancePlan.objects.get(agency__slug="batam").team.all()[:2])
    kasi, kabid, kadis = user("batam.kasi"), user("batam.kabid"), user("batam.kadis")

    def current() -> StepInstance:
        step = open_step(case)
        assert step is not None
        return step

    complete_step(current(), kasi, at=at)  # 1: rencana kerja
    complete_step(current(), kabid, at=at)  # 2: laporan ke Kadis
    complete_step(current(), kadis, named=[kabid], at=at)  # 3: disposisi
    complete_step(current(), kabid, named=[kasi], at=at)  # 4: disposisi
    complete_step(current(), kasi, named=team, at=at)  # 5: menunjuk tim
    visits = open_steps(case)
    assert [step.step_no for step in visits] == ["6", "6", "6"]
    assert len({step.branch_id for step in visits}) == 3
    assert open_step(case) is None  # the trunk waits for every visit
