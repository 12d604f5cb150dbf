"""A maintenance round tells each visited site's OPD when the visits begin (issue 15
point 1). The clock is injected: the plans and rounds of January 2027."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jaga.maintenance.models import MaintenanceRound
from jaga.maintenance.scheduling import run_once
from jaga.notifications.messages import render
from jaga.notifications.models import Notification, NotificationKind
from jaga.org.models import User
from tests.maintenance.conftest import PlanFactory, Plant, make_plan, media, plant

WIB = ZoneInfo("Asia/Jakarta")
T0 = dt.datetime(2027, 1, 11, 8, 1, tzinfo=WIB)  # Monday, a minute after the visits are due

__all__ = ["make_plan", "media", "plant"]  # the maintenance tests' fixtures


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(T0, tick=False):
        yield


def test_it_tells_each_visited_site_s_opd_the_day_of_the_visit(
    plant: Plant, make_plan: PlanFactory
) -> None:
    make_plan(
        T0 - dt.timedelta(days=7), rrule="FREQ=WEEKLY;BYDAY=MO", start_date=dt.date(2027, 1, 11)
    )
    assert run_once(lambda: T0) == 1
    started = MaintenanceRound.objects.get()
    opd_user = User.objects.get(username="epsilon.dinkes")
    notices = list(
        Notification.objects.filter(recipient=opd_user, kind=NotificationKind.VISIT_COMING)
    )
    # One per site of the round: the plant's two buildings are both the OPD's.
    assert sorted(n.params["site"] for n in notices) == ["Gedung 1", "Gedung 2"]
    assert {n.params["date"] for n in notices} == {"Senin, 11 Januari 2027"}
    assert {n.url for n in notices} == {f"/kasus/{started.case_id}/"}
    staff = Notification.objects.filter(kind=NotificationKind.VISIT_COMING).exclude(
        recipient__opd=plant.opd
    )
    assert not staff.exists()
    assert render(notices[0]).subject.startswith("Maintenance visit on Senin, 11 Januari 2027")
