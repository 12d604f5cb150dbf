"""The demo's rounds on any day: the scheduler's next round of each demo plan is never one
the demo has started (issue 14 point 8). A module of its own: the clock is moved before the
demo loads, so it cannot share a module's demo (``demo_data``)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from jaga.maintenance.models import MaintenancePlan
from jaga.maintenance.scheduling import start_due_round

pytestmark = pytest.mark.django_db


# 3 January 2027: New Year's Day fell on a Friday, so the quarter's visits moved to Monday
# the 4th; the round under way (started "two days ago", on the 1st) is then the rule's own
# occurrence, which the scheduler must not meet again. 1 May 2028 is a holiday on a Monday.
@pytest.mark.parametrize(
    "today",
    [dt.datetime(2027, 1, 3, 1, 0, tzinfo=dt.UTC), dt.datetime(2028, 5, 3, 0, 30, tzinfo=dt.UTC)],
    ids=["after-new-year", "after-labour-day"],
)
def test_the_scheduler_starts_each_demo_plans_next_round_after_the_demos_own(
    today: dt.datetime,
) -> None:
    with time_machine.travel(today, tick=False):
        call_command("demo", "--quiet", stdout=StringIO())
        for plan in MaintenancePlan.objects.filter(agency__slug__in=("batam", "bogor")):
            newest = plan.rounds.order_by("-nominal_date").first()
            assert newest is not None
            assert plan.next_due_at is not None
            assert plan.next_nominal_date is not None
            assert plan.next_nominal_date > newest.nominal_date
            started = start_due_round(plan.pk, plan.next_due_at)
            assert started is not None, plan.agency.slug
            assert started.nominal_date == plan.next_nominal_date
