"""Case numbers count per agency (issue 13 point 12): an agency's first case is #1 whatever
other agencies did, pages, lists, the inbox and documents show that number, URLs keep the
primary key, existing cases are numbered by the migration, and simultaneous starts never
share a number."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from jaga.documents.models import Document
from jaga.sop.services import load_definition
from jaga.workflow.models import Case, CaseCounter, CaseSource, reserve_case_numbers
from jaga.workflow.services import complete_step, start_case
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for, report, waiting

ONE_STEP = """
format: jaga-sop/1
code: satu
identity:
  nama: Satu langkah (uji)
  instansi: [DINAS UJI]
start: [manual]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Memeriksa, lane: kadis, waktu: 1 Jam}
"""


def foreign_case(world: World, title: str = "Kasus lain") -> Case:
    """A case of the outsider's agency (delta), started by its Kadis."""
    delta = world.outsider.agency
    assert delta is not None
    definition = load_definition(delta, ONE_STEP, path="satu.yaml").definition
    return start_case(definition, source=CaseSource.MANUAL, title=title, by=world.outsider)


@pytest.mark.django_db
def test_it_numbers_each_agencys_cases_from_one(world: World) -> None:
    first_elsewhere = foreign_case(world)
    second_elsewhere = foreign_case(world)
    own = report(world)
    assert (first_elsewhere.number, second_elsewhere.number) == (1, 2)
    assert own.number == 1
    assert own.pk != own.number  # the primary key counts across agencies
    assert report(world, "Lagi").number == 2
    assert CaseCounter.objects.get(agency=world.agency).last == 2


@pytest.mark.django_db
def test_it_refuses_two_cases_with_one_number_in_an_agency(world: World) -> None:
    case = report(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            agency=world.agency,
            definition=world.definition,
            title="Kembar",
            source=CaseSource.MANUAL,
            started_at=timezone.now(),
            number=case.number,
        )


@pytest.mark.django_db
def test_it_shows_the_agencys_number_on_the_case_page_list_and_inbox(world: World) -> None:
    foreign_case(world)
    foreign_case(world)
    case = report(world, "Internet mati di aula")
    assert case.pk != case.number
    kadis = client_for(world.kadis)

    detail = kadis.get(reverse("workflow:case", args=[case.pk])).content.decode()
    assert "#1 Internet mati di aula" in detail
    assert f"#{case.pk} " not in detail
    listed = kadis.get(reverse("workflow:cases")).content.decode()
    assert "#1 Internet mati di aula" in listed
    assert f'href="{reverse("workflow:case", args=[case.pk])}"' in listed  # the URL keeps the pk
    inbox = kadis.get(reverse("workflow:inbox")).content.decode()
    assert "#1 Internet mati di aula" in inbox
    searched = kadis.get(reverse("workflow:cases") + "?q=%231").content.decode()
    assert "#1 Internet mati di aula" in searched


@pytest.mark.django_db
def test_it_prints_the_agencys_number_on_documents(world: World) -> None:
    foreign_case(world)
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    document = Document.objects.get(case=case)
    assert document.content["case"]["number"] == "#1"


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_cases_per_agency_in_start_order(world: World) -> None:
    now = timezone.now()
    late = report(world, "Kemudian", at=now)
    early = report(world, "Lebih dulu", at=now - dt.timedelta(days=3))
    other = foreign_case(world)
    executor = MigrationExecutor(connection)
    executor.migrate([("workflow", "0006_case_number_counter")])
    executor.loader.build_graph()
    old = executor.loader.project_state([("workflow", "0006_case_number_counter")]).apps
    old.get_model("workflow", "Case").objects.update(number=None)
    old.get_model("workflow", "CaseCounter").objects.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    numbers = dict(Case.objects.values_list("pk", "number"))
    assert numbers[early.pk] == 1
    assert numbers[late.pk] == 2
    assert numbers[other.pk] == 1
    assert CaseCounter.objects.get(agency=world.agency).last == 2
    assert report(world, "Sesudah migrasi").number == 3


@pytest.mark.django_db(transaction=True)
def test_it_gives_simultaneous_starts_different_numbers(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    starts = 8
    barrier = threading.Barrier(starts)
    numbers: list[int] = []

    def start(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(report(world, f"Serentak {index}").number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(starts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(numbers) == list(range(1, starts + 1))


@pytest.mark.django_db
def test_it_reserves_numbers_for_bulk_written_cases(world: World) -> None:
    report(world)
    assert reserve_case_numbers(world.agency.pk, 3) == 2
    assert report(world, "Sesudah cadangan").number == 5
