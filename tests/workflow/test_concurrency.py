"""Two people completing the same step at once produce exactly one transition."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from jaga.audit.services import verify
from jaga.org.models import User
from jaga.workflow.errors import StepNotOpen
from jaga.workflow.models import CaseSource, StepInstance
from jaga.workflow.services import complete_step, open_step, start_case
from tests.workflow.conftest import World

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_simultaneous_completions_through(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    outcomes: dict[str, list[str]] = {"ok": [], "refused": []}
    rounds = 10
    for round_no in range(rounds):
        case = start_case(
            world.definition,
            source=CaseSource.REPORT,
            title=f"Uji {round_no}",
            reporter=world.reporter,
            at=at,
        )
        step = open_step(case)
        assert step is not None
        step_id = step.pk
        barrier = threading.Barrier(2)

        def act(user: User, step_id: int = step_id, barrier: threading.Barrier = barrier) -> None:
            try:
                mine = StepInstance.objects.get(pk=step_id)
                barrier.wait(timeout=10)
                complete_step(mine, user, named=[world.kabid], at=at + dt.timedelta(minutes=5))
                outcomes["ok"].append(user.username)
            except StepNotOpen:
                outcomes["refused"].append(user.username)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=act, args=(u,)) for u in (world.kadis, world.admin)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert StepInstance.objects.filter(case=case, step_no="3").count() == 1
        assert StepInstance.objects.filter(case=case, step_no="2", status="done").count() == 1
    assert len(outcomes["ok"]) == rounds
    assert len(outcomes["refused"]) == rounds
    assert verify(world.agency).ok
