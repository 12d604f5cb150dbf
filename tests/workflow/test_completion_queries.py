"""The statements one step completion costs (issue 19 point 2): a completion that issues a
document reads the people it names together, so naming more people costs no more
statements, and the whole completion stays within ``MAX_STATEMENTS``.

The issue's target is 15 statements; ``MAX_STATEMENTS`` is where the engine stands now
(``python -m bench.engine`` prints the statements by kind) and only ever goes down: 54
before the audit head, the document counter, the notices and the step record each went to
one statement; 37 before a completion's audit events and notices were written together at
its end (``jaga.deferred``), the document's people read in one query and a done step's
reminders left to the scheduler to cancel; 28 before the next step's notice took the people
just named from the engine's event instead of reading them back."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jaga.documents import content
from jaga.documents.models import Document
from jaga.org.models import User
from jaga.sop.models import SopDefinition
from jaga.sop.schema import DocumentType
from jaga.workflow.models import Case, CaseSource, StepInstance
from jaga.workflow.services import complete_step, start_case

#: Statements (savepoints included) of one completion of a document-issuing step with its
#: subscribers: audit, document, step record, notifications, reminders. The Kasi's
#: assignment (seed 003 step 4: Surat Tugas, Mengetahui, two notices) is the costliest.
MAX_STATEMENTS = 27

WITA = ZoneInfo("Asia/Makassar")
MONDAY = dt.datetime(2026, 11, 23, 8, 0, tzinfo=WITA)


@pytest.fixture
def demo(demo_data: None, db: None) -> None:
    """The demo agencies (loaded once for the module)."""


def user(username: str) -> User:
    return User.objects.get(username=username)


def new_case(title: str) -> Case:
    definition = SopDefinition.objects.get(agency__slug="bolmut", is_current=True)
    return start_case(
        definition,
        source=CaseSource.REPORT,
        title=title,
        reporter=user("bolmut.dinkes"),
        at=MONDAY,
    )


def waiting(case: Case, step_no: str) -> StepInstance:
    return StepInstance.objects.get(case=case, step_no=step_no, status="open")


def statements_of_completion(step: StepInstance, actor: str, named: list[str]) -> int:
    """The statements ``actor`` completing ``step`` naming ``named`` executes (the users
    read fresh, as a request reads them)."""
    acting, people = user(actor), [user(name) for name in named]
    with CaptureQueriesContext(connection) as captured:
        complete_step(step, acting, named=people, at=MONDAY)
    return len(captured.captured_queries)


def to_step_4(title: str) -> Case:
    """A case of seed 003 waiting for the Kasi to appoint the team (step 4)."""
    case = new_case(title)
    complete_step(waiting(case, "2"), user("bolmut.kadis"), named=[user("bolmut.kabid")], at=MONDAY)
    complete_step(waiting(case, "3"), user("bolmut.kabid"), named=[user("bolmut.kasi")], at=MONDAY)
    return case


def test_it_issues_the_lembar_disposisi_within_the_statement_budget(demo: None) -> None:
    new_case("Warm-up")  # the first completion of a process reads what it caches
    complete_step(
        waiting(Case.objects.get(title="Warm-up"), "2"),
        user("bolmut.kadis"),
        named=[user("bolmut.kabid")],
        at=MONDAY,
    )
    case = new_case("Jaringan Dinkes putus")
    count = statements_of_completion(waiting(case, "2"), "bolmut.kadis", ["bolmut.kabid"])
    assert Document.objects.filter(case=case, document_type="lembar_disposisi").count() == 1
    assert count <= MAX_STATEMENTS, count


def test_it_names_more_technicians_in_the_surat_tugas_without_more_statements(
    demo: None,
) -> None:
    warm = to_step_4("Warm-up")  # and the year's first Surat Tugas starts its counter
    complete_step(
        waiting(warm, "4"), user("bolmut.kasi"), named=[user("bolmut.teknisi1")], at=MONDAY
    )
    one, two = to_step_4("Satu teknisi"), to_step_4("Dua teknisi")
    alone = statements_of_completion(waiting(one, "4"), "bolmut.kasi", ["bolmut.teknisi1"])
    statements_of_completion(
        waiting(two, "4"), "bolmut.kasi", ["bolmut.teknisi1", "bolmut.teknisi2"]
    )
    assert alone <= MAX_STATEMENTS, alone

    built: dict[str, int] = {}
    letters: dict[str, dict[str, Any]] = {}
    for case in (one, two):
        step = StepInstance.objects.get(case=case, step_no="4")
        spec_step = case.definition.spec.step("4")
        with CaptureQueriesContext(connection) as captured:
            letters[case.title] = content.build(
                DocumentType.SURAT_TUGAS, step, spec_step, MONDAY.date()
            )
        built[case.title] = len(captured.captured_queries)
    names = [[p["name"] for p in letters[t]["recipients"]] for t in ("Satu teknisi", "Dua teknisi")]
    assert [len(printed) for printed in names] == [1, 2]
    assert names[1][0] == names[0][0]
    assert all(p["position"] for p in letters["Dua teknisi"]["recipients"])
    assert letters["Dua teknisi"]["mengetahui"]["name"]  # the Kabid, read with the others
    # One more person printed, not one more statement.
    assert built["Dua teknisi"] == built["Satu teknisi"], built
