"""Case history of the demo (``jaga demo --case-history``, which ``make run`` passes;
issue 16): Kabupaten Bolaang Mongondow Utara's disruption SOP (seed 003) has handled
reports over the last six weeks, so that its Kepala Dinas's home page, the Mutu Baku
compliance, the operational figures and the rekapitulasi show real figures.

Twenty-four reports from its OPDs, each walked through the engine at made-up times (the
main path: dispositions, the technicians' checks, repair, the Berita Acara, the OPD's
acknowledgment, the three checks), most steps within their Mutu Baku and some late, one
returned once by the Kasi's check; then four cases still open: one late at the Kepala
Dinas and one at the Kasi (reported two weeks ago, late whatever the holidays), one
waiting for the OPD's acknowledgment, one with the technicians. Times are relative to now,
so the demo looks the same whenever it is loaded. Everything goes through the services
(documents, audit, notifications, report records). Running the demo again changes
nothing: an agency that has reports is left alone.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from jaga.org.models import Opd, User
from jaga.sop.models import SopDefinition
from jaga.tenancy.models import Agency
from jaga.workflow.models import Case, CaseSource, StepInstance
from jaga.workflow.services import accept, complete_step, decide, open_step, return_step, start_case

AGENCY = "bolmut"
SOP = "maintenance-gangguan-jaringan"
CLOSED = 24
#: Minutes each step of the main path usually takes (its Mutu Baku in brackets).
TYPICAL = {
    "2": 20,  # disposition (30 menit)
    "3": 10,  # disposition (15 menit)
    "4": 10,  # assignment (15 menit)
    "5": 45,  # the technicians' check (1 jam)
    "6": 30,  # decision (1 jam)
    "7": 50,  # repair (1 jam)
    "8": 60,  # decision (2 jam)
    "11": 40,  # Berita Acara (1 jam)
    "11a": 90,  # the OPD acknowledges (kondisional)
    "12": 20,  # checks (30 menit each)
    "13": 20,
    "14": 25,
}
PROBLEMS = (
    ("Internet mati di ruang pelayanan", "Ruang pelayanan"),
    ("Wi-Fi lantai 2 tidak tersambung", "Lantai 2"),
    ("Koneksi lambat sejak pagi", "Ruang kepala"),
    ("Switch rak server mati", "Ruang server"),
    ("Aplikasi SIMPEG tidak bisa diakses", "Ruang kepegawaian"),
    ("Access point aula tidak memancar", "Aula"),
)


def _user(username: str) -> User:
    return User.objects.get(username=username)


class _Walk:
    """One case walked step by step, the clock moving by the minutes each step takes."""

    def __init__(self, case: Case, at: dt.datetime, rng: random.Random, late: float) -> None:
        self.case, self.at, self.rng, self.late = case, at, rng, late

    def minutes(self, step_no: str) -> dt.timedelta:
        typical = TYPICAL[step_no]
        factor = (
            self.rng.uniform(1.6, 3.0)
            if self.rng.random() < self.late
            else self.rng.uniform(0.4, 1.1)
        )
        return dt.timedelta(minutes=max(2, round(typical * factor)))

    def step(self, step_no: str, act: Callable[[StepInstance, dt.datetime], object]) -> None:
        step = open_step(self.case)
        assert step is not None, (self.case.pk, step_no)
        assert step.step_no == step_no, (self.case.pk, step_no, step)
        self.at += self.minutes(step_no)
        act(step, self.at)


def _walk(walk: _Walk, reporter: User, upto: str, returned: bool = False) -> None:
    """Walk the main path up to (not including) step ``upto`` ("end": the whole path)."""
    kadis, kabid, kasi = _user("bolmut.kadis"), _user("bolmut.kabid"), _user("bolmut.kasi")
    team = [_user("bolmut.teknisi1"), _user("bolmut.teknisi2")]
    lead = team[0]
    plan: list[tuple[str, Callable[[StepInstance, dt.datetime], object]]] = [
        (
            "2",
            lambda s, at: complete_step(
                s, kadis, named=[kabid], instructions=["Tindak lanjuti"], at=at
            ),
        ),
        (
            "3",
            lambda s, at: complete_step(
                s, kabid, named=[kasi], instructions=["Tindak lanjuti"], at=at
            ),
        ),
        ("4", lambda s, at: complete_step(s, kasi, named=team, at=at)),
        (
            "5",
            lambda s, at: complete_step(
                s,
                lead,
                data={"jenis_gangguan": "Koneksi putus", "lokasi_gangguan": "Ruang pelayanan"},
                at=at,
            ),
        ),
        ("6", lambda s, at: decide(s, lead, "ya", at=at)),
        (
            "7",
            lambda s, at: complete_step(s, lead, note="Konektor diganti, kabel dirapikan", at=at),
        ),
        ("8", lambda s, at: decide(s, lead, "diperbaiki", at=at)),
        (
            "11",
            lambda s, at: complete_step(
                s,
                lead,
                data={"temuan": "Konektor RJ45 rusak", "tindakan": "Konektor diganti"},
                at=at,
            ),
        ),
        ("11a", lambda s, at: complete_step(s, reporter, at=at)),
        ("12", lambda s, at: accept(s, kasi, at=at)),
        ("13", lambda s, at: accept(s, kabid, at=at)),
        ("14", lambda s, at: accept(s, kadis, at=at)),
    ]
    for step_no, act in plan:
        if step_no == upto:
            return
        if returned and step_no == "12":
            walk.step(
                "12",
                lambda s, at: return_step(
                    s, kasi, "11", "Foto hasil perbaikan belum dilampirkan", at=at
                ),
            )
            walk.step("11", plan[7][1])
            walk.step("11a", plan[8][1])
        walk.step(step_no, act)


def _report(
    definition: SopDefinition, opd: Opd, reporter: User, at: dt.datetime, index: int
) -> Case:
    problem, place = PROBLEMS[index % len(PROBLEMS)]
    return start_case(
        definition,
        source=CaseSource.REPORT,
        title=f"{problem} ({opd.abbreviation})",
        description=f"{problem}. Lokasi: {place}.",
        reporter=reporter,
        opd=opd,
        at=at,
    )


def _working_start(day: dt.date, zone: ZoneInfo, rng: random.Random) -> dt.datetime:
    """A report time on ``day`` (moved to Monday from a weekend): 08.00-13.30 local."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    minutes = rng.randrange(0, 330, 5)
    return dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone) + dt.timedelta(minutes=minutes)


def load_demo_history(now: dt.datetime | None = None) -> int:
    """Give the demo's Bolaang Mongondow Utara its handled and open reports (the module's
    docstring); returns how many cases it started (0 when it has reports already or is
    not loaded). One transaction."""
    agency = Agency.objects.filter(slug=AGENCY).first()
    if agency is None or Case.objects.filter(agency=agency, source=CaseSource.REPORT).exists():
        return 0
    definition = SopDefinition.objects.filter(agency=agency, is_current=True, code=SOP).first()
    if definition is None:
        return 0
    now = now or timezone.now()
    zone = ZoneInfo(agency.timezone)
    today = now.astimezone(zone).date()
    rng = random.Random(16)
    reporters = list(
        User.objects.filter(agency=agency, opd__isnull=False).select_related("opd").order_by("pk")
    )
    started = 0
    with transaction.atomic():
        for index in range(CLOSED):
            day = today - dt.timedelta(days=44 - index * 42 // CLOSED)
            reporter = reporters[index % len(reporters)]
            assert reporter.opd is not None
            at = _working_start(day, zone, rng)
            if at > now - dt.timedelta(days=2):
                at = now - dt.timedelta(days=2)
            case = _report(definition, reporter.opd, reporter, at, index)
            late = 0.35 if index % 3 == 0 else 0.1
            _walk(_Walk(case, at, rng, late), reporter, "end", returned=index == 5)
            started += 1
        # Still open: late at the Kadis and at the Kasi (reported two weeks ago: late
        # whatever the holidays), waiting for the OPD's acknowledgment, with the team.
        for index, (upto, days_ago) in enumerate((("2", 15), ("4", 13), ("11a", 3), ("5", 0))):
            reporter = reporters[(index + 3) % len(reporters)]
            assert reporter.opd is not None
            at = _working_start(today - dt.timedelta(days=days_ago), zone, rng)
            at = min(at, now - dt.timedelta(hours=2))
            case = _report(definition, reporter.opd, reporter, at, index + CLOSED)
            _walk(_Walk(case, at, random.Random(index), 0.0), reporter, upto)
            started += 1
    return started
