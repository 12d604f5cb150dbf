"""The reporting OPD disputes the Berita Acara it is asked to acknowledge: the case goes
back to the step that issued it (issue 15 point 5)."""

from __future__ import annotations

import datetime as dt

import pytest

from jaga.audit.models import Event
from jaga.documents.models import Document
from jaga.notifications.models import Notification, NotificationKind
from jaga.workflow.errors import InvalidInput, NotEligible
from jaga.workflow.models import Case, StepInstance
from jaga.workflow.services import complete_step, dispute, issuing_step
from tests.notifications.conftest import WIB, Org, org, waiting

pytestmark = pytest.mark.django_db

__all__ = ["org"]  # the notifications tests' organisation, whose step 5 issues a BA

MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def later(minutes: int) -> dt.datetime:
    return MONDAY_9 + dt.timedelta(minutes=minutes)


def at_acknowledgment(org: Org) -> tuple[Case, StepInstance]:
    """A report run to step 6, the OPD's acknowledgment of step 5's Berita Acara."""
    case = org.report(MONDAY_9)
    complete_step(waiting(case), org.kadis, named=[org.kabid], at=later(5))
    complete_step(waiting(case), org.kabid, named=[org.kasi], at=later(10))
    complete_step(waiting(case), org.kasi, named=[org.tech1], at=later(15))
    complete_step(waiting(case), org.tech1, note="Kabel diganti", at=later(60))
    return case, waiting(case)


def test_it_sends_the_case_back_to_the_step_that_issued_the_document(org: Org) -> None:
    case, acknowledgment = at_acknowledgment(org)
    issuer = issuing_step(acknowledgment)
    assert issuer is not None
    assert issuer.step_no == "5"
    first_ba = Document.objects.get(case=case, step=issuer)
    dispute(acknowledgment, org.reporter, "  Nama perangkat salah  ", at=later(70))
    acknowledgment.refresh_from_db()
    assert (acknowledgment.outcome, acknowledgment.next_step_no) == ("disputed", "5")
    assert acknowledgment.note == "Nama perangkat salah"
    redo = waiting(case)
    assert (redo.step_no, redo.visit) == ("5", 2)
    event = Event.objects.get(action="step.disputed")
    assert event.after is not None
    assert event.after["next"] == "5"
    # The technician is told, with the reason.
    [returned] = Notification.objects.filter(
        recipient=org.tech1, kind=NotificationKind.STEP_RETURNED
    )
    assert returned.params["reason"] == "Nama perangkat salah"
    # Done again, the step issues a new Berita Acara that supersedes the disputed one.
    complete_step(redo, org.tech1, at=later(90))
    second = waiting(case)
    assert (second.step_no, second.visit) == ("6", 2)
    first_ba.refresh_from_db()
    new_ba = Document.objects.get(supersedes=first_ba)
    assert issuing_step(second) == StepInstance.objects.get(pk=redo.pk)
    assert new_ba.step_id == redo.pk
    complete_step(second, org.reporter, at=later(100))
    assert waiting(case).step_no == "7"


def test_it_needs_a_reason(org: Org) -> None:
    _, acknowledgment = at_acknowledgment(org)
    with pytest.raises(InvalidInput) as refused:
        dispute(acknowledgment, org.reporter, "   ")
    assert set(refused.value.errors) == {"reason"}


def test_it_lets_only_the_opd_dispute(org: Org) -> None:
    _, acknowledgment = at_acknowledgment(org)
    with pytest.raises(NotEligible):
        dispute(acknowledgment, org.kasi, "bukan urusan saya")


def test_it_refuses_to_dispute_any_other_kind_of_step(org: Org) -> None:
    case = org.report(MONDAY_9)
    with pytest.raises(InvalidInput):
        dispute(waiting(case), org.kadis, "tidak setuju")
