"""Rounds of the demo (``jaga demo``; issue 14 point 8): Kota Batam's plan shows a round
finished last quarter (every visit inspected, one failed item and its corrective case, the
Berita Acara acknowledged by each OPD, reviewed by the Kepala Dinas) and a round under way
(the team at its visits, one site inspected); its next occurrence is the upcoming one on
the calendar. Kota Bogor's plan shows a round under way at its visits (seed 000 step 3).

Everything goes through the services (the engine, ``record_inspection``) so the demo has
its documents, audit events and corrective case, as a real round would. Running the demo
again changes nothing: a plan that has rounds is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from jaga.inventory.models import Device
from jaga.maintenance.checklists import template_for
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import ItemKind, MaintenancePlan, MaintenanceRound
from jaga.maintenance.recurrence import occurrence_on
from jaga.maintenance.scheduling import reschedule, start_round_now
from jaga.org.models import User
from jaga.tenancy.services import working_calendar
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.services import accept, complete_step, open_step, open_steps


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 90, 160)).save(buffer, format="JPEG")
    return SimpleUploadedFile("rak.jpg", buffer.getvalue(), content_type="image/jpeg")


def _answers(
    device: Device, plan: MaintenancePlan, fail: bool
) -> tuple[dict[int, dict[str, Any]], dict[int, Any]]:
    """Answers passing every item of the device's checklist (``fail``: the first pass/fail
    item fails), and a photo for each photo item."""
    template = template_for(plan, device.agency_id, device.kind)
    answers: dict[int, dict[str, Any]] = {}
    photos: dict[int, Any] = {}
    if template is None:
        return answers, photos
    failed = False
    for item in template.items.order_by("position", "pk"):
        if item.kind == ItemKind.PASS_FAIL:
            answers[item.pk] = {"passed": "fail" if fail and not failed else "pass"}
            failed = failed or fail
        elif item.kind == ItemKind.MEASURE:
            low = item.minimum if item.minimum is not None else Decimal(0)
            high = item.maximum if item.maximum is not None else low + 20
            answers[item.pk] = {"value": str((low + high) / 2)}
        elif item.kind == ItemKind.TEXT:
            answers[item.pk] = {"text": "Kondisi baik, rak bersih."}
        else:
            photos[item.pk] = _photo()
    return answers, photos


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _trunk(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None, f"case {case.pk} waits on no trunk step"
    return step


def _to_visits(started: MaintenanceRound, at: dt.datetime, step: dt.timedelta) -> list[User]:
    """Walk a seed 004 round through steps 1–5 (the rencana kerja up, the dispositions
    down, the team appointed), one ``step`` apart from ``at``; returns the team."""
    slug = started.plan.agency.slug
    kasi, kabid, kadis = _user(f"{slug}.kasi"), _user(f"{slug}.kabid"), _user(f"{slug}.kadis")
    team = list(started.plan.team.order_by("pk")[:2])
    case = started.case
    complete_step(_trunk(case), kasi, at=at)
    complete_step(_trunk(case), kabid, at=at + step)
    complete_step(_trunk(case), kadis, named=[kabid], at=at + 2 * step)
    complete_step(_trunk(case), kabid, named=[kasi], at=at + 3 * step)
    complete_step(_trunk(case), kasi, named=team, at=at + 4 * step)
    return team


def _inspect_site(
    started: MaintenanceRound, visit: StepInstance, by: User, at: dt.datetime, fail: bool
) -> None:
    assert visit.branch is not None
    devices = started.case.devices.filter(site=visit.branch.site).order_by("name", "pk")
    for number, device in enumerate(devices):
        template = template_for(started.plan, device.agency_id, device.kind)
        if template is None:  # a kind the demo has no checklist for
            continue
        answers, photos = _answers(device, started.plan, fail and number == 0)
        record_inspection(device, template, answers, by, at=at, step=visit, photos=photos)


def _finish_visit(visit: StepInstance, by: User, at: dt.datetime) -> None:
    """Steps 6, 7 and 7a of one visit: the work, the Berita Acara, the OPD's
    acknowledgment (a user of the visit site's OPD)."""
    assert visit.branch is not None
    assert visit.branch.site is not None
    site = visit.branch.site
    data = {"lokasi": site.name, "hasil_pemeliharaan": "Perangkat diperiksa sesuai daftar."}
    complete_step(visit, by, data=data, at=at)
    case = visit.case
    branch = visit.branch

    def waiting() -> StepInstance:
        return StepInstance.objects.get(case=case, branch=branch, status=StepStatus.OPEN)

    complete_step(waiting(), by, note="Berita acara pekerjaan dibuat.", at=at)
    opd_user = User.objects.filter(opd=site.opd, is_active=True).order_by("pk").first()
    assert opd_user is not None, f"no user for {site.opd}"
    complete_step(waiting(), opd_user, at=at + dt.timedelta(hours=1))


def _finished_round(plan: MaintenancePlan, now: dt.datetime) -> None:
    """Last quarter's round, walked to the Kepala Dinas's review with one failure."""
    calendar = working_calendar(plan.agency)
    nominal = (timezone.localdate(now) - dt.timedelta(days=91)).replace(day=1)
    occurrence = occurrence_on(
        nominal,
        visit_time=plan.visit_time,
        lead_days=plan.lead_days,
        policy=plan.holiday_policy,
        calendar=calendar,
    )
    if occurrence is None:
        return
    started = start_round_now(plan, occurrence, occurrence.due_at)
    hour = dt.timedelta(hours=1)
    team = _to_visits(started, occurrence.due_at + hour, hour)
    at = occurrence.visit_at
    for number, visit in enumerate(open_steps(started.case)):
        _inspect_site(started, visit, team[0], at + number * hour, fail=number == 0)
        _finish_visit(visit, team[0], at + number * hour + dt.timedelta(minutes=30))
    slug = plan.agency.slug
    review: list[tuple[Callable[..., StepInstance], str]] = [
        (accept, f"{slug}.kasi"),
        (complete_step, f"{slug}.kabid"),
        (accept, f"{slug}.kadis"),
    ]
    later = at + dt.timedelta(days=1)
    for number, (act, username) in enumerate(review):
        act(_trunk(started.case), _user(username), at=later + number * hour)


def _round_under_way(plan: MaintenancePlan, now: dt.datetime, inspect: bool) -> None:
    """A round started a few days ago, at its visits; with ``inspect`` the first site is
    inspected (every device passes)."""
    calendar = working_calendar(plan.agency)
    nominal = timezone.localdate(now) - dt.timedelta(days=2)
    occurrence = occurrence_on(
        nominal,
        visit_time=plan.visit_time,
        lead_days=0,
        policy=plan.holiday_policy,
        calendar=calendar,
    )
    if occurrence is None or plan.rounds.filter(nominal_date=nominal).exists():
        return
    start = min(occurrence.due_at, now) - dt.timedelta(days=2)
    started = start_round_now(plan, occurrence, start)
    if plan.agency.slug == "batam":
        team = _to_visits(started, start, dt.timedelta(hours=1))
    else:
        team = _bogor_to_visits(started, start)
    visits = open_steps(started.case)
    if inspect and visits:
        _inspect_site(
            started, visits[0], team[0], min(now, start + dt.timedelta(days=1)), fail=False
        )


def _bogor_to_visits(started: MaintenanceRound, at: dt.datetime) -> list[User]:
    """Seed 000 steps 1, 1a and 2: the order, the disposition, the team appointed."""
    kadis, kabid, kasi = _user("bogor.kadis"), _user("bogor.kabid"), _user("bogor.kasi")
    team = list(started.plan.team.order_by("pk")[:2])
    case = started.case
    hour = dt.timedelta(hours=1)
    complete_step(_trunk(case), kadis, named=[kabid], at=at)
    complete_step(_trunk(case), kabid, named=[kasi], at=at + hour)
    complete_step(_trunk(case), kasi, named=team, at=at + 2 * hour)
    return team


def load_demo_rounds(now: dt.datetime | None = None) -> int:
    """Start the demo's rounds on the demo plans that have none; returns how many plans
    got rounds (0 when run again).

    Each plan's rounds are one transaction. The plan's next occurrence then moves past its
    newest round, so the scheduler never meets an occurrence the demo has started (the
    round under way is dated two days ago, which can be the rule's own date when the
    1st fell on a day off)."""
    now = now or timezone.now()
    touched = 0
    for plan in MaintenancePlan.objects.filter(agency__slug__in=("batam", "bogor")).select_related(
        "agency"
    ):
        if plan.rounds.exists():
            continue
        with transaction.atomic():
            if plan.agency.slug == "batam":
                _finished_round(plan, now)
            _round_under_way(plan, now, inspect=True)
            reschedule(plan, now)
            plan.save(update_fields=["next_nominal_date", "next_occurrence", "next_due_at"])
        touched += 1
    return touched
