"""Reminders at 50 % and 80 % of a step's Mutu Baku and escalation at its deadline, on
the working calendar (issue 15 point 3). Every instant is given: no test reads the day it
runs on."""

from __future__ import annotations

import datetime as dt

import pytest

from jaga.notifications.delivery import sweep
from jaga.notifications.models import Delivery, Notification, NotificationKind, Reminder
from jaga.notifications.reminders import run_due
from jaga.org.models import ActingAssignment, Employee, Position, User
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step
from tests.notifications.conftest import WIB, Org, waiting

pytestmark = pytest.mark.django_db

MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
# Friday 13 February 2026, 13:00 WIB. Monday the 16th is cuti bersama (Tahun Baru Imlek)
# and Tuesday the 17th the holiday itself: the next working day is Wednesday the 18th.
FRIDAY_13 = dt.datetime(2026, 2, 13, 13, 0, tzinfo=WIB)


def local(day: int, hour: int, minute: int = 0, month: int = 2) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def notices(user: User, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("pk"))


def at_kabid(org: Org, at: dt.datetime) -> tuple[Case, StepInstance]:
    """A report at ``at`` disposed at once by the Kadis: the case waits on step 3, the
    Kabid's disposition ("1 hari")."""
    case = org.report(at)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=at)
    return case, waiting(case)


def test_it_reminds_at_half_and_four_fifths_of_the_standard_then_escalates(org: Org) -> None:
    case = org.report(MONDAY_9)  # step 2, "30 Menit", started Monday 09:00
    step = waiting(case)
    fire_at = dict(Reminder.objects.filter(step=step).values_list("share", "fire_at"))
    assert fire_at == {
        50: local(23, 9, 15, month=11),
        80: local(23, 9, 24, month=11),
        100: local(23, 9, 30, month=11),
    }
    assert run_due(local(23, 9, 14, month=11)) == 0
    assert run_due(local(23, 9, 15, month=11)) == 1
    [near] = notices(org.kadis, NotificationKind.STEP_NEAR_DUE)
    assert near.params["share"] == 50
    assert run_due(local(23, 9, 15, month=11)) == 0  # fired once
    assert run_due(local(23, 9, 31, month=11)) == 2  # 80 % and the deadline, late
    assert [n.params["share"] for n in notices(org.kadis, "step_near_due")] == [50, 80]
    [late] = notices(org.kadis, NotificationKind.STEP_LATE)
    assert "waiting" not in late.params
    # The Kadis heads the agency: there is nobody above to escalate to.
    assert Notification.objects.filter(key__endswith=":escalated").count() == 0


def test_it_escalates_a_late_step_to_the_head_of_the_unit_above(org: Org) -> None:
    case, _ = at_kabid(org, MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    step = waiting(case)  # step 4, the Kasi's, "1 hari": due Tuesday 09:00
    assert step.due_at == local(24, 9, month=11)
    run_due(local(24, 9, month=11))
    [late] = notices(org.kasi, NotificationKind.STEP_LATE)
    [escalated] = notices(org.kabid, NotificationKind.STEP_LATE)
    assert escalated.params["waiting"] == "Kasi"
    assert escalated.key == f"step:{step.pk}:escalated"
    assert notices(org.kadis, NotificationKind.STEP_LATE) == []  # one level up only
    assert late.key == f"step:{step.pk}:late"


def test_it_counts_the_shares_in_working_time_across_a_weekend_and_cuti_bersama(
    org: Org,
) -> None:
    _, step = at_kabid(org, FRIDAY_13)
    # "1 hari" from Friday 13:00 (240 of Friday's 450 working minutes gone) is 240 minutes
    # into Wednesday, 11:30 (docs/calendar.md). Between them: 210 min on Friday
    # (13:00-16:30) and 240 on Wednesday (07:30-11:30), 450 working minutes.
    assert step.due_at == local(18, 11, 30)
    fire_at = dict(Reminder.objects.filter(step=step).values_list("share", "fire_at"))
    assert fire_at == {
        50: local(18, 7, 45),  # 225 min: Friday's 210, then 15 on Wednesday
        80: local(18, 10, 0),  # 360 min: Friday's 210, then 150
        100: local(18, 11, 30),
    }
    assert run_due(local(17, 23, 59)) == 0  # nothing over the long weekend
    assert run_due(local(18, 7, 45)) == 1


def test_it_holds_a_notice_made_out_of_hours_until_the_next_working_start(org: Org) -> None:
    friday_evening = local(13, 17, 0)
    at_kabid(org, friday_evening)  # the Kadis disposes after hours
    [notice] = notices(org.kabid, NotificationKind.STEP_WAITING)
    [mail] = Delivery.objects.filter(notification=notice)
    assert mail.not_before == local(18, 7, 30)  # past Saturday to Tuesday
    assert sweep(local(18, 7, 29)) == 0
    # The Kadis's notice of the report, made at 17:00 too, and the Kabid's.
    assert sweep(local(18, 7, 30)) == 2
    assert Delivery.objects.get(pk=mail.pk).enqueued_at == local(18, 7, 30)
    # In the app it shows at once.
    assert notice.created_at == friday_evening


def test_it_sends_the_notices_of_a_24x7_step_at_once_at_night(org: Org) -> None:
    case, _ = at_kabid(org, MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=MONDAY_9)
    step = waiting(case)  # step 5, "4 jam" on a 24x7 clock: due Monday 13:00
    assert step.due_at == local(23, 13, month=11)
    saturday_night = local(28, 23, 0, month=11)
    run_due(saturday_night)
    [late] = notices(org.tech1, NotificationKind.STEP_LATE)
    assert late.urgent
    assert Delivery.objects.get(notification=late).not_before == saturday_night


def test_it_uses_the_step_s_own_reminder_shares(org: Org) -> None:
    case, _ = at_kabid(org, MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    step = waiting(case)  # step 4 says reminders: [25]
    assert sorted(Reminder.objects.filter(step=step).values_list("share", flat=True)) == [25, 100]


def test_it_sends_no_reminder_for_a_kondisional_step(org: Org) -> None:
    case, _ = at_kabid(org, MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=MONDAY_9)
    complete_step(waiting(case), org.tech1, at=MONDAY_9)
    step = waiting(case)  # step 6, the OPD's acknowledgment, kondisional
    assert step.due_at is None
    assert not Reminder.objects.filter(step=step).exists()


def test_it_cancels_the_reminders_of_a_step_done_in_time(org: Org) -> None:
    case = org.report(MONDAY_9)
    step = waiting(case)
    complete_step(step, org.kadis, named=[org.kabid], at=local(23, 9, 10, month=11))
    assert run_due(local(23, 9, 16, month=11)) == 0  # the 50 % one of 30 minutes fell due
    assert notices(org.kadis, NotificationKind.STEP_NEAR_DUE) == []
    statuses = dict(Reminder.objects.filter(step=step).values_list("share", "status"))
    assert statuses == {50: "cancelled", 80: "pending", 100: "pending"}
    assert run_due(local(23, 9, 31, month=11)) == 0  # and the rest
    assert notices(org.kadis, NotificationKind.STEP_LATE) == []
    statuses = dict(Reminder.objects.filter(step=step).values_list("share", "status"))
    assert statuses == {50: "cancelled", 80: "cancelled", 100: "cancelled"}


def test_it_escalates_to_the_plt_when_the_head_is_replaced_that_day(org: Org) -> None:
    case, _ = at_kabid(org, MONDAY_9)
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=MONDAY_9)
    step = waiting(case)  # the Kasi's step, due Tuesday 24 November 09:00
    ActingAssignment.objects.create(
        agency=org.agency,
        position=Position.objects.get(agency=org.agency, code="kabid"),
        employee=Employee.objects.get(user=org.sekretaris),
        kind="plt",
        start_date=dt.date(2026, 11, 24),
        end_date=dt.date(2026, 11, 24),
    )
    run_due(local(24, 9, month=11))
    [escalated] = notices(org.sekretaris, NotificationKind.STEP_LATE)
    assert escalated.params["acting"] == "Plt Kepala Bidang TIK"
    assert escalated.key == f"step:{step.pk}:escalated"
    assert notices(org.kabid, NotificationKind.STEP_LATE) == []  # replaced that day
