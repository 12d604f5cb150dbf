"""A round's visit on the case page (issue 14 point 4): the checklist card of the visit's
devices, inspections tied to the visit's step, and corrective work: a case in the
disruption SOP for seed 004, the SOP's own "Ada yang rusak" branch for seed 000."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jaga.inventory.models import Device
from jaga.maintenance.checklists import template_for
from jaga.maintenance.inspections import InvalidInspection, record_inspection
from jaga.maintenance.models import Inspection, MaintenancePlan, MaintenanceRound, PlanChecklist
from jaga.maintenance.scheduling import start_due_round
from jaga.maintenance.visits import sop_handles_failures
from jaga.org.models import User
from jaga.workflow.models import StepInstance
from jaga.workflow.services import complete_step, open_step, open_steps
from tests.incidents.conftest import upload


@pytest.fixture
def demo(demo_data: None, db: None, settings: Any, tmp_path: Any) -> None:
    """The demo agencies (``jaga demo``, loaded once for the module); this test's files
    under its own media directory."""
    settings.MEDIA_ROOT = tmp_path


def user(username: str) -> User:
    return User.objects.get(username=username)


def start_round(slug: str) -> MaintenanceRound:
    plan = MaintenancePlan.objects.get(agency__slug=slug)
    assert plan.next_due_at is not None
    started = start_due_round(plan.pk, plan.next_due_at)
    assert started is not None
    return started


def trunk(started: MaintenanceRound) -> StepInstance:
    step = open_step(started.case)
    assert step is not None
    return step


def batam_visits() -> tuple[MaintenanceRound, list[User], list[StepInstance]]:
    started = start_round("batam")
    team = list(started.plan.team.order_by("pk")[:2])
    at = dt.datetime.now(dt.UTC)
    kasi, kabid, kadis = user("batam.kasi"), user("batam.kabid"), user("batam.kadis")
    complete_step(trunk(started), kasi, at=at)
    complete_step(trunk(started), kabid, at=at)
    complete_step(trunk(started), kadis, named=[kabid], at=at)
    complete_step(trunk(started), kabid, named=[kasi], at=at)
    complete_step(trunk(started), kasi, named=team, at=at)
    return started, team, open_steps(started.case)


def bogor_visits() -> tuple[MaintenanceRound, list[User], list[StepInstance]]:
    started = start_round("bogor")
    team = list(started.plan.team.order_by("pk")[:2])
    at = dt.datetime.now(dt.UTC)
    kadis, kabid, kasi = user("bogor.kadis"), user("bogor.kabid"), user("bogor.kasi")
    complete_step(trunk(started), kadis, named=[kabid], at=at)
    complete_step(trunk(started), kabid, named=[kasi], at=at)
    complete_step(trunk(started), kasi, named=team, at=at)
    return started, team, open_steps(started.case)


def answers(device: Device, plan: MaintenancePlan, fail: bool) -> dict[str, Any]:
    """Form data passing every item of the device's checklist; ``fail`` fails the first
    pass/fail item."""
    template = template_for(plan, device.agency_id, device.kind)
    assert template is not None
    data: dict[str, Any] = {"note": ""}
    failed = False
    for item in template.items.order_by("position"):
        key = f"item-{item.pk}"
        if item.kind == "pass_fail":
            data[f"{key}-passed"] = "fail" if fail and not failed else "pass"
            failed = failed or fail
        elif item.kind == "measure":
            low = item.minimum if item.minimum is not None else Decimal(0)
            data[f"{key}-value"] = str(low + 1 if item.maximum is None else low)
        elif item.kind == "text":
            data[f"{key}-text"] = "Baik"
        else:
            data[f"{key}-photo"] = upload("rak.jpg")
    return data


def site_devices(step: StepInstance) -> list[Device]:
    assert step.branch is not None
    return list(step.case.devices.filter(site=step.branch.site).order_by("name", "pk"))


def test_the_visit_card_lists_the_devices_of_its_site(demo: None) -> None:
    started, team, visits = batam_visits()
    visit = visits[0]
    client = Client()
    client.force_login(team[0])
    page = client.get(reverse("workflow:case", args=[started.case_id]), {"step": visit.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="visit-checklist"' in body
    for device in site_devices(visit):
        assert f'data-device="{device.pk}"' in body
        assert f"{reverse('maintenance:inspect', args=[device.pk])}?step={visit.pk}" in body
    other = [d for step in visits[1:] for d in site_devices(step)]
    assert all(f'data-device="{device.pk}"' not in body for device in other)


def test_a_failed_item_of_seed_004_opens_a_corrective_case_and_returns_to_the_visit(
    demo: None,
) -> None:
    started, team, visits = batam_visits()
    visit = visits[0]
    assert not sop_handles_failures(visit)
    device = site_devices(visit)[0]
    client = Client()
    client.force_login(team[0])
    url = reverse("maintenance:inspect", args=[device.pk]) + f"?step={visit.pk}"
    response = client.post(url, answers(device, started.plan, fail=True))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("workflow:case", args=[started.case_id]))
    inspection = Inspection.objects.get(device=device, step=visit)
    assert inspection.step == visit
    assert inspection.result == "fail"
    assert inspection.corrective_case is not None
    assert inspection.corrective_case.devices.filter(pk=device.pk).exists()
    page = client.get(reverse("workflow:case", args=[started.case_id]), {"step": visit.pk})
    assert 'data-result="fail"' in page.content.decode()


def test_seed_000_takes_a_failure_in_its_own_branch(demo: None) -> None:
    started, team, visits = bogor_visits()
    visit = visits[0]
    assert visit.step_no == "3"
    assert sop_handles_failures(visit)
    device = site_devices(visit)[0]
    client = Client()
    client.force_login(team[0])
    url = reverse("maintenance:inspect", args=[device.pk]) + f"?step={visit.pk}"
    assert client.post(url, answers(device, started.plan, fail=True)).status_code == 302
    inspection = Inspection.objects.get(device=device, step=visit)
    assert inspection.result == "fail"
    assert inspection.corrective_case is None


def test_an_inspection_is_refused_for_another_sites_visit_and_a_step_no_longer_open(
    demo: None,
) -> None:
    started, team, visits = batam_visits()
    first, second = visits[0], visits[1]
    assert first.branch is not None
    assert second.branch is not None
    device = Device.objects.filter(site_id=first.branch.site_id or 0, status="in_service").first()
    assert device is not None
    template = template_for(started.plan, device.agency_id, device.kind)
    assert template is not None
    before = Inspection.objects.count()
    with pytest.raises(InvalidInspection) as refused:
        record_inspection(device, template, {}, team[0], step=second)
    assert "another site" in refused.value.errors["step"]
    done = StepInstance.objects.filter(case=started.case, status="done").first()
    assert done is not None
    with pytest.raises(InvalidInspection) as refused:
        record_inspection(device, template, {}, team[0], step=done)
    assert "no longer open" in refused.value.errors["step"]
    assert Inspection.objects.count() == before


def test_a_plans_checklist_whose_kind_was_changed_gives_way_to_the_agencys_own(
    demo: None,
) -> None:
    plan = MaintenancePlan.objects.get(agency__slug="batam")
    router = template_for(plan, plan.agency_id, "router")
    assert router is not None
    PlanChecklist.objects.create(
        agency_id=plan.agency_id, plan=plan, device_kind="switch", template=router
    )
    chosen = template_for(plan, plan.agency_id, "switch")
    assert chosen is not None
    assert chosen.device_kind == "switch"
