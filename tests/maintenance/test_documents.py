"""The documents of a round carry its work (issue 14 point 5): a seed 004 round of the demo,
started by the scheduler and walked to step 9, prints its Rencana Kerja with the edited
rows, a Berita Acara Pekerjaan per site with that site's checklist answers, and a report
summarising every site. The PDFs are read back as text (tests/pdf_support.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from jaga.audit.models import Event
from jaga.documents.indonesian import tanggal
from jaga.documents.models import Document
from jaga.documents.services import pdf_bytes
from jaga.inventory.models import Device
from jaga.maintenance.checklists import template_for
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import (
    Inspection,
    ItemKind,
    MaintenancePlan,
    MaintenanceRound,
    WorkPlanVisit,
)
from jaga.maintenance.scheduling import start_due_round
from jaga.maintenance.workplans import (
    InvalidWorkPlan,
    RowInput,
    WorkPlanClosed,
    save_work_plan,
)
from jaga.org.models import User
from jaga.sop.schema import DocumentType
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, StepInstance, StepStatus
from jaga.workflow.services import accept, complete_step, decide, open_step, open_steps
from tests.incidents.conftest import load_report_sop
from tests.pdf_support import pdf_text, save_pngs

ACTIVITIES = "Ganti patch cord rak lantai 2 dan uji kecepatan unduh di ruang pelayanan."


@pytest.fixture(autouse=True)
def media(settings: Settings, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (loaded once for the module) and a disruption SOP for Batam."""
    # Kota Batam's demo has no disruption SOP; a failed item opens its corrective case in
    # one (docs/maintenance.md, "Corrective work").
    load_report_sop(Agency.objects.get(slug="batam"))


def user(username: str) -> User:
    return User.objects.get(username=username)


def start_batam_round() -> MaintenanceRound:
    plan = MaintenancePlan.objects.get(agency__slug="batam")
    assert plan.next_due_at is not None
    # Started "now" in the test's clock: the round's days are relative to the present.
    now = dt.datetime.now(dt.UTC)
    plan.next_due_at = now - dt.timedelta(minutes=1)
    MaintenancePlan.objects.filter(pk=plan.pk).update(next_due_at=plan.next_due_at)
    started = start_due_round(plan.pk, now)
    assert started is not None
    return started


def current(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None
    return step


def team_of(started: MaintenanceRound) -> list[User]:
    return list(started.plan.team.order_by("pk")[:2])


def edit_first_row(started: MaintenanceRound, day: dt.date, team: list[User]) -> WorkPlanVisit:
    rows = list(WorkPlanVisit.objects.filter(round=started).order_by("position"))
    save_work_plan(
        started,
        [RowInput(rows[0].pk, day, [member.pk for member in team], ACTIVITIES)],
        user("batam.kasi"),
    )
    return rows[0]


def inspect_site(step: StepInstance, by: User, fail_first: bool) -> list[Inspection]:
    """Inspect every device in scope at the visit's site; the first fails on temperature
    when ``fail_first``."""
    started = step.case.maintenance_round
    assert step.branch is not None
    devices = step.case.devices.filter(site=step.branch.site).order_by("name")
    made = []
    for number, device in enumerate(devices):
        template = template_for(started.plan, started.agency_id, device.kind)
        assert template is not None
        answers: dict[int, dict[str, object]] = {}
        for item in template.items.order_by("position"):
            if item.kind == ItemKind.PASS_FAIL:
                answers[item.pk] = {"passed": True}
            elif item.kind == ItemKind.MEASURE:
                hot = fail_first and number == 0 and item.unit == "°C"
                answers[item.pk] = {"value": "52,5" if hot else "31"}
            elif item.kind == ItemKind.TEXT:
                answers[item.pk] = {"text": f"Kondisi {device.name} baik"}
        for item in template.items.filter(kind=ItemKind.PHOTO):
            item.required = False
            item.save()
        template.refresh_from_db()
        made.append(record_inspection(device, template, answers, by, step=step))
    return made


@dataclass
class Walked:
    round: MaintenanceRound
    case: Case
    day: dt.date
    team: list[User]
    failed_site: str
    inspections: list[Inspection]


def walk(started: MaintenanceRound) -> Walked:
    """Steps 1–9 of seed 004: the Kasi edits the first row and issues the Rencana Kerja;
    the approvals; the team inspects each site (one device of the first site fails),
    records the work and writes each site's Berita Acara; each site's OPD acknowledges it;
    the Kasi accepts; the Kabid reports."""
    case = started.case
    at = dt.datetime.now(dt.UTC)
    kasi, kabid, kadis = user("batam.kasi"), user("batam.kabid"), user("batam.kadis")
    team = team_of(started)
    day = (started.started_at + dt.timedelta(days=9)).date()
    first = edit_first_row(started, day, team)
    complete_step(current(case), kasi, at=at)  # 1: rencana kerja (issued)
    complete_step(current(case), kabid, at=at)  # 2
    complete_step(current(case), kadis, named=[kabid], at=at)  # 3
    complete_step(current(case), kabid, named=[kasi], at=at)  # 4
    complete_step(current(case), kasi, named=team, at=at)  # 5
    inspections = []
    for visit in sorted(open_steps(case), key=lambda s: s.branch.position if s.branch else 0):
        assert visit.branch is not None
        site = visit.branch.site
        assert site is not None
        inspections += inspect_site(visit, team[0], fail_first=site.pk == first.site_id)
        complete_step(
            visit,
            team[0],
            data={
                "lokasi": site.opd.name if site.opd else site.name,
                "hasil_pemeliharaan": f"Pemeliharaan {site.name} selesai; rak dirapikan.",
            },
            at=at,
        )
        seven = StepInstance.objects.get(branch=visit.branch, step_no="7", status=StepStatus.OPEN)
        complete_step(seven, team[0], at=at)
        seven_a = StepInstance.objects.get(
            branch=visit.branch, step_no="7a", status=StepStatus.OPEN
        )
        opd_user = User.objects.filter(opd=site.opd, is_active=True).order_by("pk").first()
        assert opd_user is not None, site
        complete_step(seven_a, opd_user, at=at)
    accept(current(case), kasi, at=at)  # 8
    complete_step(current(case), kabid, at=at)  # 9: the round's report
    return Walked(started, case, day, team, first.site.name, inspections)


@pytest.fixture
def walked(demo: None) -> Walked:
    return walk(start_batam_round())


def document(case: Case, kind: DocumentType, site: str | None = None) -> Document:
    documents = Document.objects.filter(case=case, document_type=kind.value).select_related(
        "step__branch__site"
    )
    if site is not None:
        documents = documents.filter(step__branch__site__name=site)
    found = list(documents)
    assert len(found) == 1, [d.number for d in found]
    return found[0]


def test_the_rencana_kerja_prints_the_edited_rows_and_every_site(walked: Walked) -> None:
    issued = document(walked.case, DocumentType.RENCANA_KERJA)
    pdf = pdf_bytes(issued)
    text = pdf_text(pdf)
    save_pngs(pdf, "maintenance", "rencana-kerja", dpi=70)
    assert "RENCANA KERJA" in text
    assert walked.round.plan.name in text
    for row in WorkPlanVisit.objects.filter(round=walked.round).select_related("site__opd"):
        assert row.site.name in text
        assert row.site.opd is not None
        assert row.site.opd.name in text
    rows = issued.content["work_plan"]
    first = rows[0]
    assert first["date"] == tanggal(walked.day)
    assert tanggal(walked.day) in text
    assert first["activities"] == ACTIVITIES
    assert "Ganti patch cord rak lantai 2" in text
    for member in walked.team:
        assert member.employee.name in text
        if member.employee.nip:
            assert member.employee.nip_display in text
    assert first["devices"], "the devices in scope are listed"
    assert first["devices"][0]["name"] in text
    assert first["devices"][0]["checklist"].startswith("Pemeriksaan")


def test_a_sites_berita_acara_lists_its_answers_and_names_the_round(walked: Walked) -> None:
    issued = document(walked.case, DocumentType.BERITA_ACARA_PEKERJAAN, walked.failed_site)
    pdf = pdf_bytes(issued)
    text = pdf_text(pdf)
    save_pngs(pdf, "maintenance", "berita-acara-kunjungan", dpi=70)
    rencana = document(walked.case, DocumentType.RENCANA_KERJA)
    assert "Berdasarkan Rencana Kerja Pemeliharaan Jaringan Berkala Nomor" in text
    assert rencana.number in text
    assert "pemeliharaan jaringan berkala pada" in text
    assert "Laporan gangguan" not in text
    assert "Gangguan dilaporkan" not in text
    assert walked.failed_site in text
    site_inspections = [i for i in walked.inspections if i.site.name == walked.failed_site]
    for inspection in site_inspections:
        assert inspection.device.name in text
        for answer in inspection.answers.all():
            assert answer.label in text
    assert "52,5 °C (batas 0–45)" in text
    assert "Gagal" in text
    assert f"Pemeliharaan {walked.failed_site} selesai; rak dirapikan." in text
    others = [i.device.name for i in walked.inspections if i.site.name != walked.failed_site]
    for name in others:
        assert name not in text
    assert "PIHAK KEDUA" in text


def test_the_rounds_report_sums_up_every_site(walked: Walked) -> None:
    issued = document(walked.case, DocumentType.LAPORAN_TINDAK_LANJUT)
    assert issued.step is not None
    assert issued.step.step_no == "9"
    pdf = pdf_bytes(issued)
    text = pdf_text(pdf)
    save_pngs(pdf, "maintenance", "laporan-putaran", dpi=70)
    summary = {row["site"]: row for row in issued.content["round_summary"]}
    assert len(summary) == 3
    failed = Inspection.objects.get(case=walked.case, result="fail")
    assert failed.corrective_case is not None
    for site, row in summary.items():
        assert site in text
        in_scope = Device.objects.filter(cases=walked.case, site__name=site).count()
        assert row["in_scope"] == in_scope
        assert row["checked"] == in_scope
        assert f"{in_scope} dari {in_scope}" in text
        assert row["failed"] == (1 if site == walked.failed_site else 0)
    assert summary[walked.failed_site]["corrective"] == [
        {"number": f"#{failed.corrective_case.number}", "state": "Dalam proses"}
    ]
    assert f"#{failed.corrective_case.number} (Dalam proses)" in text


def test_editing_is_refused_once_the_rencana_kerja_is_issued(walked: Walked) -> None:
    row = WorkPlanVisit.objects.filter(round=walked.round).first()
    assert row is not None
    with pytest.raises(WorkPlanClosed) as refused:
        save_work_plan(
            walked.round,
            [RowInput(row.pk, walked.day, [walked.team[0].pk], "lain")],
            user("batam.kasi"),
        )
    assert document(walked.case, DocumentType.RENCANA_KERJA).number in str(refused.value)


def test_bad_rows_are_refused_with_every_error_and_nothing_written(demo: None) -> None:
    started = start_batam_round()
    rows = list(WorkPlanVisit.objects.filter(round=started).order_by("position"))
    opd_user = User.objects.filter(agency=started.agency, opd__isnull=False).first()
    assert opd_user is not None
    before = [
        (r.planned_on, r.activities, sorted(r.team.values_list("pk", flat=True))) for r in rows
    ]
    events = Event.objects.count()
    with pytest.raises(InvalidWorkPlan) as refused:
        save_work_plan(
            started,
            [
                RowInput(rows[0].pk, started.started_at.date() - dt.timedelta(days=3), [1], "x"),
                RowInput(rows[1].pk, "bukan tanggal", [opd_user.pk], "  "),
                RowInput(rows[2].pk, started.visit_at.date(), [], "ok"),
            ],
            user("batam.kasi"),
        )
    errors = refused.value.errors
    assert set(errors) >= {
        f"row-{rows[0].pk}-planned_on",
        f"row-{rows[1].pk}-planned_on",
        f"row-{rows[1].pk}-team",
        f"row-{rows[1].pk}-activities",
        f"row-{rows[2].pk}-team",
    }
    after = [
        (r.planned_on, r.activities, sorted(r.team.values_list("pk", flat=True)))
        for r in WorkPlanVisit.objects.filter(round=started).order_by("position")
    ]
    assert after == before
    assert Event.objects.count() == events


def test_a_saved_edit_is_audited(demo: None) -> None:
    started = start_batam_round()
    team = team_of(started)
    day = started.visit_at.date() + dt.timedelta(days=1)
    edit_first_row(started, day, team[:1])
    row = WorkPlanVisit.objects.filter(round=started).order_by("position").first()
    assert row is not None
    assert row.planned_on == day
    assert row.activities == ACTIVITIES
    assert list(row.team.all()) == team[:1]
    event = Event.objects.get(action="maintenance.work_plan_changed")
    assert event.after is not None
    assert event.after["rows"][0]["activities"] == ACTIVITIES


def test_seed_000s_follow_up_report_sums_up_its_round(demo: None) -> None:
    """Seed 000 (Kota Bogor): the Kasi's Laporan Tindak Lanjut (step 5), after every site's
    check, carries the same summary."""
    plan = MaintenancePlan.objects.get(agency__slug="bogor")
    now = dt.datetime.now(dt.UTC)
    MaintenancePlan.objects.filter(pk=plan.pk).update(next_due_at=now - dt.timedelta(minutes=1))
    started = start_due_round(plan.pk, now)
    assert started is not None
    case = started.case
    kadis, kabid, kasi = user("bogor.kadis"), user("bogor.kabid"), user("bogor.kasi")
    team = list(plan.team.order_by("pk")[:1])
    complete_step(current(case), kadis, named=[kabid], at=now)  # 1
    complete_step(current(case), kabid, named=[kasi], at=now)  # 1a
    complete_step(current(case), kasi, named=team, at=now)  # 2
    for visit in open_steps(case):
        assert visit.branch is not None
        site = visit.branch.site
        assert site is not None
        inspect_site(visit, team[0], fail_first=False)
        complete_step(
            visit, team[0], data={"lokasi": site.name, "hasil_pengecekan": "Baik"}, at=now
        )
        decision = StepInstance.objects.get(branch=visit.branch, status=StepStatus.OPEN)
        decide(decision, team[0], "tidak", at=now)  # 3a: nothing broken
    complete_step(current(case), team[0], at=now)  # 4
    complete_step(current(case), kasi, at=now)  # 5: Laporan Tindak Lanjut
    issued = document(case, DocumentType.LAPORAN_TINDAK_LANJUT)
    text = pdf_text(pdf_bytes(issued))
    assert "Ringkasan hasil pemeliharaan per lokasi" in text
    for row in issued.content["round_summary"]:
        assert row["site"] in text
        assert row["checked"] == row["in_scope"]
        assert row["failed"] == 0
