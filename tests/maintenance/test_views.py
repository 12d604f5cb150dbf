"""The plan pages (issue 14 point 1): who sees and edits plans, the form's errors, and a
bounded number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jaga.audit.models import Event
from jaga.maintenance.checklists import template_for
from jaga.maintenance.models import ChecklistTemplate, MaintenancePlan
from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from tests.conftest import make_agency
from tests.maintenance.conftest import PlanFactory, Plant


def form_data(plant: Plant, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Pemeliharaan triwulan",
        "sop_code": "rutin",
        "preset": "quarterly",
        "rrule": "",
        "start_date": "2027-01-15",
        "visit_time": "08:30",
        "lead_days": "3",
        "holiday_policy": "next",
        "opds": [str(plant.opd.pk)],
        "sites": [],
        "device_kinds": ["router"],
        "team": [str(plant.tech.pk)],
        "is_active": "on",
    }
    data.update(changes)
    return data


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lets_the_kasi_create_a_plan_and_shows_its_next_occurrences(plant: Plant) -> None:
    response = logged_in(plant.kasi).post(reverse("maintenance:plan_create"), form_data(plant))
    plan = MaintenancePlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("maintenance:plan", args=[plan.pk])
    assert plan.rrule == "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"
    assert plan.device_kinds == ["router"]
    assert list(plan.team.all()) == [plant.tech]
    assert plan.next_nominal_date is not None
    assert Event.objects.filter(action="maintenance.plan_created", actor_id=plant.kasi.pk).exists()
    page = logged_in(plant.kasi).get(reverse("maintenance:plan", args=[plan.pk]))
    assert page.status_code == 200
    assert len(page.context["occurrences"]) == 6
    assert b'id="occurrences"' in page.content


def test_it_refuses_a_custom_recurrence_it_cannot_read_and_writes_nothing(plant: Plant) -> None:
    response = logged_in(plant.admin).post(
        reverse("maintenance:plan_create"),
        form_data(plant, preset="custom", rrule="FREQ=HOURLY"),
    )
    assert response.status_code == 200
    assert "rrule" in response.context["form"].errors
    assert not MaintenancePlan.objects.exists()


def test_it_asks_for_the_rule_of_a_custom_recurrence(plant: Plant) -> None:
    response = logged_in(plant.admin).post(
        reverse("maintenance:plan_create"), form_data(plant, preset="custom", rrule="")
    )
    assert "rrule" in response.context["form"].errors
    assert not MaintenancePlan.objects.exists()


def test_it_refuses_a_plan_without_any_opd_or_site(plant: Plant) -> None:
    response = logged_in(plant.admin).post(
        reverse("maintenance:plan_create"), form_data(plant, opds=[])
    )
    assert response.status_code == 200
    assert "opds" in response.context["form"].errors
    assert not MaintenancePlan.objects.exists()


def test_it_refuses_another_agencys_opd(plant: Plant) -> None:
    other = make_agency("zeta")
    foreign = Opd.objects.get(agency=other)
    response = logged_in(plant.admin).post(
        reverse("maintenance:plan_create"), form_data(plant, opds=[str(foreign.pk)])
    )
    assert "opds" in response.context["form"].errors
    assert not MaintenancePlan.objects.exists()


def test_a_technician_sees_plans_but_may_not_edit_them(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(dt.datetime.now(dt.UTC))
    client = logged_in(plant.tech)
    listing = client.get(reverse("maintenance:plans"))
    assert listing.status_code == 200
    assert b'id="new-plan"' not in listing.content
    assert client.get(reverse("maintenance:plan_create")).status_code == 403
    assert client.get(reverse("maintenance:plan_edit", args=[plan.pk])).status_code == 403
    pause = reverse("maintenance:plan_pause", args=[plan.pk])
    assert client.post(pause, {"active": "0"}).status_code == 403
    plan.refresh_from_db()
    assert plan.is_active


def test_an_opd_user_sees_no_plans(plant: Plant) -> None:
    reporter = User.objects.get(username="epsilon.dinkes")
    assert logged_in(reporter).get(reverse("maintenance:plans")).status_code == 403


def test_another_agency_cannot_reach_a_plan(plant: Plant, make_plan: PlanFactory) -> None:
    plan = make_plan(dt.datetime.now(dt.UTC))
    make_agency("zeta")
    outsider = User.objects.get(username="zeta.admin")
    client = logged_in(outsider)
    assert client.get(reverse("maintenance:plan", args=[plan.pk])).status_code == 404
    pause = reverse("maintenance:plan_pause", args=[plan.pk])
    assert client.post(pause, {"active": "0"}).status_code == 404
    assert client.get(reverse("maintenance:plans")).context["page"].paginator.count == 0


def test_pausing_clears_the_next_occurrence_and_resuming_sets_it_again(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(dt.datetime.now(dt.UTC))
    client = logged_in(plant.admin)
    pause = reverse("maintenance:plan_pause", args=[plan.pk])
    assert client.post(pause, {"active": "0"}).status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    assert plan.next_due_at is None
    # The same form sent twice (a double tap) leaves the plan paused.
    assert client.post(pause, {"active": "0"}).status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    paused = Event.objects.filter(action="maintenance.plan_paused", actor_id=plant.admin.pk)
    assert paused.count() == 1
    client.post(pause, {"active": "1"})
    plan.refresh_from_db()
    assert plan.is_active
    assert plan.next_due_at is not None
    assert client.post(pause, {"active": "maybe"}).status_code == 400


def test_a_plan_that_no_longer_validates_can_still_be_paused(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(dt.datetime.now(dt.UTC))
    SopDefinition.objects.filter(agency=plan.agency, code=plan.sop_code).update(
        starts_by_schedule=False
    )
    client = logged_in(plant.admin)
    pause = reverse("maintenance:plan_pause", args=[plan.pk])
    assert client.post(pause, {"active": "0"}).status_code == 302
    plan.refresh_from_db()
    assert not plan.is_active
    # Resuming validates: the SOP no longer starts on a schedule.
    resumed = client.post(pause, {"active": "1"})
    assert resumed.status_code == 400
    plan.refresh_from_db()
    assert not plan.is_active


def test_the_edit_form_keeps_what_was_typed_on_an_error(
    plant: Plant, make_plan: PlanFactory
) -> None:
    plan = make_plan(dt.datetime.now(dt.UTC))
    response = logged_in(plant.admin).post(
        reverse("maintenance:plan_edit", args=[plan.pk]),
        form_data(plant, name="Nama baru", preset="custom", rrule="FREQ=NEVER"),
    )
    assert response.status_code == 200
    assert 'value="Nama baru"' in response.content.decode()
    plan.refresh_from_db()
    assert plan.name == "Pemeliharaan bulanan"


@pytest.mark.parametrize("count", [3, 30])
def test_the_plan_list_runs_a_bounded_number_of_queries(
    plant: Plant, make_plan: PlanFactory, count: int, django_assert_max_num_queries: Any
) -> None:
    now = dt.datetime.now(dt.UTC)
    for number in range(count):
        make_plan(now, name=f"Rencana {number:02d}")
    client = logged_in(plant.kasi)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("maintenance:plans"))
    assert len(response.context["rows"]) == min(count, 25)


def test_the_plan_names_its_checklist_per_device_kind(plant: Plant) -> None:
    first, second = (
        ChecklistTemplate.objects.create(
            agency=plant.agency, name=name, device_kind="router", is_active=True
        )
        for name in ("Router ringkas", "Router lengkap")
    )
    client = logged_in(plant.kasi)
    both = client.post(
        reverse("maintenance:plan_create"),
        form_data(plant, checklists=[str(first.pk), str(second.pk)]),
    )
    assert both.status_code == 200
    assert "checklists" in both.context["form"].errors
    assert not MaintenancePlan.objects.exists()
    response = client.post(
        reverse("maintenance:plan_create"), form_data(plant, checklists=[str(first.pk)])
    )
    assert response.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert template_for(plan, plant.agency.pk, "router") == first
    # Without the plan's choice the agency's first by name, "Router lengkap".
    assert template_for(None, plant.agency.pk, "router") == second
    page = client.get(reverse("maintenance:plan", args=[plan.pk]))
    assert "Router ringkas" in page.content.decode()


def test_the_navigation_offers_maintenance_to_the_diskominfo_side_only(
    plant: Plant, platform_admin: User
) -> None:
    plans = reverse("maintenance:plans")
    staff_page = logged_in(plant.tech).get(reverse("workflow:cases")).content.decode()
    assert f'href="{plans}"' in staff_page
    root_page = logged_in(platform_admin).get(reverse("workflow:cases")).content.decode()
    assert f'href="{plans}"' not in root_page
    assert logged_in(platform_admin).get(plans).status_code == 403
