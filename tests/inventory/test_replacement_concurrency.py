"""Two cases that take the same spare at the same moment, on PostgreSQL: exactly one gets
it; the other's step stays open with an error (compare-and-set, jaga.inventory.replacement)."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from jaga.inventory.models import Device, DeviceStatus, Replacement
from jaga.inventory.replacement import ReplacementChoice
from jaga.workflow.errors import InvalidInput
from jaga.workflow.models import StepInstance, StepStatus
from jaga.workflow.services import complete_step, open_step
from tests.workflow.seeds_support import prepare_inventory, run_until, user
from tests.workflow.test_seeds import BOLMUT_REPLACED, BROKEN_SWITCH, SPARE_SWITCH


@pytest.mark.django_db(transaction=True)
def test_it_gives_one_spare_to_only_one_of_two_cases_at_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    call_command("demo", "--quiet")
    prepare_inventory(BOLMUT_REPLACED)
    first = Device.objects.get(serial_number=BROKEN_SWITCH)
    second = Device.objects.create(
        agency=first.agency, name="Switch lantai 2", kind="switch", site=first.site
    )
    spare = Device.objects.get(serial_number=SPARE_SWITCH)
    steps = []
    for _ in range(2):
        step = open_step(run_until(BOLMUT_REPLACED, "10"))
        assert step is not None
        steps.append(step)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def replace(step: StepInstance, broken: Device) -> None:
        try:
            barrier.wait(timeout=10)
            complete_step(
                StepInstance.objects.get(pk=step.pk),
                user("bolmut.teknisi1"),
                replacement=ReplacementChoice(broken, spare, DeviceStatus.IN_REPAIR),
            )
            outcomes.append("done")
        except InvalidInput as exc:
            outcomes.append(f"refused {sorted(exc.errors)}")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=replace, args=(step, broken))
        for step, broken in zip(steps, [first, second], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["done", "refused ['installed']"]
    assert Replacement.objects.count() == 1
    statuses = sorted(
        StepInstance.objects.filter(pk__in=[s.pk for s in steps]).values_list("status", flat=True)
    )
    assert statuses == sorted([StepStatus.DONE, StepStatus.OPEN])
    spare.refresh_from_db()
    assert spare.status == DeviceStatus.IN_SERVICE
