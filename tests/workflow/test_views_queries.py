"""The inbox, the case list and the case page load in a number of queries that does not grow
with their rows (architecture.md: "a test bounds the query count of each list and detail
page")."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from jaga.workflow.models import Case
from jaga.workflow.services import accept, complete_step, return_step
from tests.workflow.conftest import World
from tests.workflow.test_views import case_url, client_for, report, to_check, to_step_5, waiting

pytestmark = pytest.mark.django_db

#: The most queries the inbox and the case list may make, whatever the number of rows.
BOUND = 20
#: The case page's bound: it also loads the affected sites and devices and the
#: replacements, and a check's card the report it reviews and its documents (two queries,
#: ``jaga.documents.review``).
CASE_PAGE_BOUND = 25


def varied_cases(world: World, count: int) -> list[Case]:
    """``count`` cases at various steps: waiting for the Kadis, the named technicians, the
    Kasi's check."""
    cases = []
    for index in range(count):
        case = report(world, f"Gangguan {index}")
        if index % 3 == 1:
            to_step_5(world, case)
        elif index % 3 == 2:
            to_check(world, case)
        cases.append(case)
    return cases


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_it_loads_the_inbox_in_the_same_queries_for_3_or_30_steps(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.kadis)
    url = reverse("workflow:inbox")
    varied_cases(world, 9)  # 3 wait for the Kadis
    client.get(url)  # warm caches (working calendar, sessions)
    few = queries(client, url)
    assert len(re.findall(r'data-step="', client.get(url).content.decode())) == 3
    varied_cases(world, 81)  # 30 wait for the Kadis; a page shows 25
    many = queries(client, url)
    assert len(re.findall(r'data-step="', client.get(url).content.decode())) == 25
    assert few == many
    with django_assert_max_num_queries(BOUND):
        client.get(url)


def test_it_loads_the_case_list_in_the_same_queries_for_3_or_30_cases(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.kadis)
    url = reverse("workflow:cases")
    varied_cases(world, 3)
    client.get(url)
    few = queries(client, url)
    varied_cases(world, 27)
    many = queries(client, url)
    assert few == many
    filtered = queries(client, url + "?status=open&late=no&q=Gangguan&sop=mini")
    assert filtered == many
    with django_assert_max_num_queries(BOUND):
        client.get(url + "?page=2")


def test_it_loads_the_case_page_in_the_same_queries_for_3_or_30_visits(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    case = report(world)
    to_check(world, case)
    client = client_for(world.kasi)  # sees the check's form: eligibility is counted too
    url = case_url(case)
    client.get(url)
    few = queries(client, url)
    for _ in range(7):  # back to step 7 seven times: 21 more rows in the history
        return_step(waiting(case), world.kasi, "7", "Belum lengkap")
        complete_step(waiting(case), world.tech1)
        complete_step(waiting(case), world.reporter)
    many = queries(client, url)
    assert few == many
    html = client.get(url).content.decode()
    assert html.count('class="history-row"') == 8 + 7 * 3
    with django_assert_max_num_queries(CASE_PAGE_BOUND):
        client.get(url)
    accept(waiting(case), world.kasi)
    kadis = client_for(world.kadis)  # now the Kadis's report: another form, same bound
    with django_assert_max_num_queries(CASE_PAGE_BOUND):
        response = kadis.get(url)
    assert 'id="step-form"' in response.content.decode()
