"""The demo's checklists: Bogor and Batam get templates for four device kinds, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from jaga.maintenance.demo import load_demo_checklists
from jaga.maintenance.models import ChecklistTemplate

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_periodic_agencies_checklists_once() -> None:
    call_command("demo", "--quiet", stdout=StringIO())
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
