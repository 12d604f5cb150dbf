"""Every "reported to" of the five seed SOPs reaches its addressee (issue 20 point 3).

In an SOP AP table every activity row has the lane of its actor, and a report to someone
("dilaporkan ke", "melaporkan kepada", "menginformasikan kepada" ...) is received by the
next activity in the addressee's lane. Where the printed table has no such activity (seed
002 row 4's "kerusakan sedang ... dilaporkan ke Kabid", and the last rows of seeds 000 and
001), the transcription adds an implied receiving step in the addressee's lane (002 4b, 000
6a, 001 4a; their transcription notes record the decision). The first test reads the
shipped definitions: every step whose text reports to someone leads straight to a step of
the addressee's lane. The others walk the added steps through the engine in the demo
agencies: the step waits in the addressee's "Tugas Saya" (``jaga.workflow.permissions.
inbox``), they are notified, and their receipt moves the case on."""

from __future__ import annotations

import re

import pytest

from jaga.notifications.models import Notification, NotificationKind
from jaga.sop.schema import END, SopSpec, Step
from jaga.sop.services import LIBRARY
from jaga.sop.validate import load_spec
from jaga.workflow.models import Case, CaseStatus, StepInstance, StepStatus
from jaga.workflow.permissions import inbox
from jaga.workflow.services import complete_step, open_step
from tests.workflow.seeds_support import Path, local, run_until, user
from tests.workflow.test_seeds import BOGOR_NO_DAMAGE, BOGOR_REPAIR, LINGGA, PONTIANAK_MEDIUM

#: A step's text that reports or forwards something to someone.
REPORTS_TO = re.compile(
    r"\b(melaporkan|dilaporkan|menyampaikan|disampaikan|meneruskan|diteruskan|"
    r"menginformasikan)\b.*\b(ke|kepada)\b",
    re.IGNORECASE,
)

#: (seed, step whose text reports to someone) -> (the step that receives it, its lane).
RECEIVED_BY = {
    ("000", "4"): ("5", "kasi"),  # Tim ... kepada Kepala Seksi
    ("000", "5"): ("6", "kabid"),  # Kepala seksi ... ke kepala bidang
    ("000", "6"): ("6a", "kadis"),  # Kepala bidang ... ke Kepala Dinas (implied 6a)
    ("001", "4"): ("4a", "kabag"),  # Melaporkan kepada Kabag (implied 4a)
    ("002", "4a"): ("4b", "kabid"),  # kerusakan sedang ... dilaporkan ke Kabid (implied 4b)
    ("003", "9"): ("9a", "opd"),  # menginformasikan kepada OPD pelapor (its Ya branch)
    ("003", "13"): ("14", "kadis"),  # Kabid ... untuk dilaporkan ke Kepala Dinas
    ("004", "1"): ("2", "kabid"),  # Kepala Seksi ... melaporkan kepada Kepala Bidang
    ("004", "2"): ("3", "kadis"),  # Kepala Bidang melaporkan kepada Kepala Dinas
    ("004", "9"): ("10", "kadis"),  # Kabid ... untuk dilaporkan sampai ke Kepala Dinas
}
#: Steps whose text carries a report made by another step: step 4 of seed 002 is the
#: ringan half of row 4, whose text it prints whole; the sedang half's report is step 4a.
CARRIED_ELSEWHERE = {("002", "4"): "4a"}


def spec_of(seed: str) -> SopSpec:
    (path,) = LIBRARY.glob(f"{seed}-*.yaml")
    return load_spec(path.read_text(encoding="utf-8"), str(path))


def successors(spec: SopSpec, step: Step) -> set[str]:
    """The steps ``step`` leads to directly (a decision: each of its branches)."""
    targets = {branch.next for branch in step.branches} or {spec.following(step)}
    return targets - {END}


@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_it_hands_every_report_to_a_step_in_the_addressees_lane(seed: str) -> None:
    spec = spec_of(seed)
    reporting = {step.no for step in spec.steps if REPORTS_TO.search(step.kegiatan)}
    listed = {no for (of, no) in RECEIVED_BY if of == seed}
    carried = {no for (of, no) in CARRIED_ELSEWHERE if of == seed}
    assert reporting == listed | carried
    for no in listed:
        receiver, lane = RECEIVED_BY[seed, no]
        assert receiver in successors(spec, spec.step(no)), (seed, no)
        assert spec.step(receiver).lane == lane, (seed, no)
    for no in carried:
        assert (seed, CARRIED_ELSEWHERE[seed, no]) in RECEIVED_BY


@pytest.mark.parametrize(
    ("seed", "no"), [("000", "6a"), ("001", "4a"), ("002", "4b")], ids=["000", "001", "002"]
)
def test_it_records_each_added_receipt_as_a_transcription_decision(seed: str, no: str) -> None:
    """The receiving steps Jaga added say why in their transcription note, not in the SOP's
    own Keterangan, and run kondisional: the document prints no time for them."""
    step = spec_of(seed).step(no)
    assert "Keputusan transkripsi" in step.transcription_note
    assert "kondisional" in step.transcription_note
    assert (step.keterangan, step.output, step.waktu) == ("", "", "kondisional")


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The five demo agencies with their seed SOPs (``jaga demo``)."""


def receipt_reaches(
    path: Path, step_no: str, addressee: str, reporter: str
) -> tuple[Case, StepInstance]:
    """Walk ``path`` until the case waits on ``step_no``: the step is in ``addressee``'s
    inbox and not in ``reporter``'s (whose report opened it), and the addressee was told
    (one "waiting" notification), the reporter not. Returns the case and the open step."""
    case = run_until(path, step_no)
    step = open_step(case)
    assert step is not None
    assert step.step_no == step_no
    assert step in inbox(user(addressee))
    assert step not in inbox(user(reporter))
    told = Notification.objects.filter(recipient=user(addressee), step=step)
    assert list(told.values_list("kind", "key")) == [
        (NotificationKind.STEP_WAITING, f"step:{step.pk}:waiting")
    ]
    assert not Notification.objects.filter(recipient=user(reporter), step=step).exists()
    return case, step


def test_it_puts_the_sedang_report_of_seed_002_in_the_kabids_inbox(demo: None) -> None:
    """Seed 002 row 4: "kerusakan sedang memerlukan penggantian alat dilaporkan ke Kabid".
    The Kasi's report (4a) opens step 4b for the Kabid named at step 1; the Kabid's note is
    the superior's direction for the repair or procurement (3), which opens next."""
    case, received = receipt_reaches(PONTIANAK_MEDIUM, "4b", "pontianak.kabid", "pontianak.kasi")
    at = local("Mon 2026-11-23 14:30", PONTIANAK_MEDIUM.zone)
    complete_step(received, user("pontianak.kabid"), note="Ganti router dari stok", at=at)
    received.refresh_from_db()
    assert (received.status, received.note) == (StepStatus.DONE, "Ganti router dari stok")
    following = open_step(case)
    assert following is not None
    assert following.step_no == "3"
    assert following in inbox(user("pontianak.kasi"))
    assert received not in inbox(user("pontianak.kabid"))


@pytest.mark.parametrize("path", [BOGOR_REPAIR, BOGOR_NO_DAMAGE], ids=lambda path: path.name)
def test_it_hands_the_last_report_of_seed_000_to_the_kepala_dinas(demo: None, path: Path) -> None:
    """Seed 000 row 6, the last: "Kepala bidang melaporkan hasil tindaklanjut ke Kepala
    Dinas". The case waits on the Kepala Dinas (6a) and closes on their receipt."""
    case, received = receipt_reaches(path, "6a", "bogor.kadis", "bogor.kabid")
    complete_step(received, user("bogor.kadis"), at=local(path.acts[-1].at, path.zone))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_it_hands_the_last_report_of_seed_001_to_the_kabag(demo: None) -> None:
    """Seed 001 row 4, the last: "Melaporkan kepada Kabag tentang kondial jaringan". The
    case waits on the Kabag (4a) and closes on their receipt."""
    case, received = receipt_reaches(LINGGA, "4a", "lingga.kabag", "lingga.kasubbag")
    complete_step(received, user("lingga.kabag"), at=local(LINGGA.acts[-1].at, LINGGA.zone))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
