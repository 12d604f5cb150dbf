"""The demo's checklists (Bogor and Batam get templates for four device kinds, once) and
rounds (issue 14 point 8)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jaga.maintenance.demo import load_demo_checklists
from jaga.maintenance.models import (
    ChecklistTemplate,
    Inspection,
    MaintenancePlan,
    MaintenanceRound,
)
from jaga.workflow.models import Case, CaseStatus
from jaga.workflow.services import open_steps

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_periodic_agencies_checklists_once(demo_data: None) -> None:
    kinds = set(
        ChecklistTemplate.objects.filter(agency__slug="bogor").values_list("device_kind", flat=True)
    )
    assert kinds == {"router", "switch", "access_point", "ont_modem"}
    assert ChecklistTemplate.objects.filter(agency__slug="batam").count() == 4
    assert not ChecklistTemplate.objects.filter(agency__slug="lingga").exists()
    speed = ChecklistTemplate.objects.filter(agency__slug="batam").first()
    assert speed is not None
    assert speed.items.filter(unit="Mbps", minimum=10).exists()
    assert load_demo_checklists() == 0


def test_the_demo_shows_a_finished_round_a_round_under_way_and_an_upcoming_one(
    demo_data: None,
) -> None:
    batam = MaintenancePlan.objects.get(agency__slug="batam")
    finished, under_way = list(batam.rounds.order_by("nominal_date"))
    assert finished.case.status == CaseStatus.CLOSED
    failed = Inspection.objects.filter(step__case=finished.case, result="fail")
    assert failed.count() == 1
    corrective = failed.get().corrective_case
    assert corrective is not None
    assert corrective.devices.exists()
    assert finished.case.documents.filter(document_type="berita_acara_pekerjaan").count() == 3
    assert under_way.case.status == CaseStatus.OPEN
    assert {step.step_no for step in open_steps(under_way.case)} == {"6"}
    assert Inspection.objects.filter(step__case=under_way.case).exists()
    assert batam.next_occurrence is not None
    assert batam.next_occurrence > timezone.now()
    bogor = MaintenancePlan.objects.get(agency__slug="bogor")
    assert bogor.rounds.count() == 1
    # Run again: nothing changes.
    rounds, cases = MaintenanceRound.objects.count(), Case.objects.count()
    call_command("demo", "--quiet", stdout=StringIO())
    assert (MaintenanceRound.objects.count(), Case.objects.count()) == (rounds, cases)
