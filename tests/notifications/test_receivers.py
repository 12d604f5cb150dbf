"""The engine's events become notifications for the right people (issue 15 point 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from jaga.notifications.models import Delivery, Notification, NotificationKind
from jaga.notifications.services import unread_count
from jaga.org.models import ActingAssignment, Employee, Position, User
from jaga.workflow.services import accept, complete_step, return_step
from tests.notifications.conftest import WIB, Org, waiting

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def later(minutes: int) -> dt.datetime:
    return MONDAY_9 + dt.timedelta(minutes=minutes)


def told(user: User) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_it_tells_the_kadis_that_a_report_waits_and_not_the_reporter(org: Org) -> None:
    case = org.report(MONDAY_9)
    [notice] = told(org.kadis)
    assert notice.kind == NotificationKind.STEP_WAITING
    assert notice.step == waiting(case)
    assert notice.params["case"] == case.number
    assert notice.params["step_no"] == "2"
    assert notice.url == f"/kasus/{case.pk}/"
    assert told(org.reporter) == []  # the report was their own step, done at once
    assert told(org.opd_colleague) == []
    [mail] = Delivery.objects.filter(notification=notice)
    assert (mail.channel, mail.status) == ("email", "pending")
    assert mail.idempotency_key == f"{notice.pk}:email"
    assert mail.not_before == MONDAY_9  # working hours: at once


def test_it_tells_only_the_person_a_disposition_names(org: Org) -> None:
    case = org.report(MONDAY_9)
    second = Position.objects.get(agency=org.agency, code="kabid")
    other = User.objects.create_user("nt.kabid2", agency=org.agency, email="k2@x.test")
    Employee.objects.create(
        agency=org.agency, name="Kabid Dua", nip="197201012000031009", user=other
    ).positions.add(second)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
    assert [n.kind for n in told(org.kabid)] == [NotificationKind.STEP_WAITING]
    assert told(other) == []
    assert told(org.kadis)[-1].step_id != waiting(case).pk  # the actor is not told


def test_it_tells_the_plt_covering_a_position_that_day_as_plt(org: Org) -> None:
    ActingAssignment.objects.create(
        agency=org.agency,
        position=Position.objects.get(agency=org.agency, code="kadis"),
        employee=Employee.objects.get(user=org.sekretaris),
        kind="plt",
        start_date=dt.date(2026, 11, 23),
        end_date=dt.date(2026, 11, 27),
    )
    org.report(MONDAY_9)
    [notice] = told(org.sekretaris)
    assert notice.params["acting"] == "Plt Kepala Dinas"
    assert len(told(org.kadis)) == 1  # the holder is told too: both may act


def test_it_gives_the_reason_when_a_check_sends_a_step_back(org: Org) -> None:
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=later(10))
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=later(15))
    complete_step(waiting(case), org.tech1, at=later(60))
    complete_step(waiting(case), org.reporter, at=later(70))
    return_step(waiting(case), org.kasi, "5", "Kabel belum dirapikan", at=later(80))
    notices = told(org.tech1)
    assert [n.kind for n in notices] == [
        NotificationKind.STEP_WAITING,
        NotificationKind.STEP_RETURNED,
    ]
    assert notices[-1].params["reason"] == "Kabel belum dirapikan"
    assert told(org.tech2) == []  # only the appointed technician


def test_it_tells_the_opd_that_a_berita_acara_waits_for_acknowledgment(org: Org) -> None:
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=later(10))
    complete_step(waiting(case), org.kasi, named=[org.tech1, org.tech2], at=later(15))
    complete_step(waiting(case), org.tech1, at=later(60))
    for user in (org.reporter, org.opd_colleague):
        kinds = [(n.kind, n.params.get("step_no")) for n in told(user)]
        assert (NotificationKind.STEP_WAITING, "6") in kinds


def test_it_tells_the_reporter_when_technicians_are_appointed_and_when_it_ends(
    org: Org,
) -> None:
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=later(10))
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=later(15))
    assert [n.params.get("event") for n in told(org.reporter)] == ["assigned"]
    complete_step(waiting(case), org.tech1, at=later(60))
    complete_step(waiting(case), org.opd_colleague, at=later(70))
    accept(waiting(case), org.kasi, at=later(80))
    complete_step(waiting(case), org.kadis, at=later(90))
    events = [n.params.get("event") for n in told(org.reporter) if n.kind == "case_update"]
    assert events == ["assigned", "closed"]
    assert unread_count(org.reporter) == len(told(org.reporter))


def test_it_writes_nothing_for_an_action_that_rolls_back(org: Org) -> None:
    case = org.report(MONDAY_9)
    before = Notification.objects.count(), Delivery.objects.count()

    def failing_request() -> None:
        with transaction.atomic():
            complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
            raise RuntimeError("the request failed after the step")

    with pytest.raises(RuntimeError):
        failing_request()
    assert (Notification.objects.count(), Delivery.objects.count()) == before
    assert told(org.kabid) == []
