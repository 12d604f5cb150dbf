"""Two people completing the same step at once produce exactly one transition."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from jaga.audit.services import verify
from jaga.org.models import User
from jaga.workflow.errors import StepNotOpen
from jaga.workflow.models import CaseBranch, CaseSource, StepInstance
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


@pytest.mark.django_db(transaction=True)
def test_it_opens_the_join_once_when_two_visits_finish_at_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both OPDs acknowledge their visit's Berita Acara at the same moment: the case row
    lock makes exactly one of them see the other visit done and open the join. Both
    transactions are held at the door of the "last visit?" decision (their steps completed,
    uncommitted) and let through together, so without the lock neither would see the
    other's visit done and the join would never open. The audit chain's compare-and-set
    on its head row also serialises an agency's writers; it is switched off for the two
    acknowledgments so that the test proves the engine's own lock."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    from jaga.workflow import services
    from tests.workflow.fanout_support import make_round

    door = threading.Barrier(2)
    original = services._branch_done
    recorded = services.record  # type: ignore[attr-defined]

    def held(*args: Any, **kwargs: Any) -> None:
        door.wait(timeout=10)
        original(*args, **kwargs)

    monkeypatch.setattr(services, "_branch_done", held)
    rnd = make_round(world)
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
    rounds = 5
    errors: list[BaseException] = []
    for round_no in range(rounds):
        case = start_case(
            rnd.definition,
            source=CaseSource.SCHEDULE,
            title=f"Ronde {round_no}",
            by=world.admin,
            sites=[rnd.puskesmas, rnd.kantor],
            at=at,
        )
        for _ in range(2):
            step = open_step(case)
            assert step is not None
            complete_step(
                step, world.kasi, named=[world.tech1] if step.step_no == "2" else [], at=at
            )
        acks: dict[str, int] = {}
        monkeypatch.setattr(services, "_branch_done", original)
        monkeypatch.setattr(services, "record", recorded)
        for branch in CaseBranch.objects.filter(case=case):
            for _ in range(2):
                mine = StepInstance.objects.get(branch=branch, status="open")
                complete_step(mine, world.tech1, at=at)
            ack = StepInstance.objects.get(branch=branch, status="open")
            assert ack.step_no == "5"
            acks["dinkes" if branch.site == rnd.puskesmas else "camat"] = ack.pk
        monkeypatch.setattr(services, "_branch_done", held)
        monkeypatch.setattr(services, "record", lambda **kwargs: None)
        barrier = threading.Barrier(2)

        def act(user: User, step_id: int, barrier: threading.Barrier = barrier) -> None:
            try:
                mine = StepInstance.objects.get(pk=step_id)
                barrier.wait(timeout=10)
                complete_step(mine, user, at=at + dt.timedelta(minutes=5))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                door.abort()
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=act, args=(rnd.dinkes, acks["dinkes"])),
            threading.Thread(target=act, args=(rnd.camat, acks["camat"])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert StepInstance.objects.filter(case=case, step_no="6").count() == 1
        assert not CaseBranch.objects.filter(case=case, status="open").exists()
    assert verify(world.agency).ok
