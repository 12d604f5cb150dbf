"""The case list's keyset pages (issue 19 point 3, ``jaga.web.keyset``): the links carry a
cursor on (started_at, id), so every case appears once walking forward or back, even when
many cases started at the same moment; filters stay in the links; a bad cursor gives the
first page; the total is counted up to a cap."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jaga.web import keyset
from jaga.workflow.models import Case, CaseSource, CaseStatus, reserve_case_numbers
from jaga.workflow.views import CASE_ORDER, PAGE_SIZE
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for

pytestmark = pytest.mark.django_db

CASES = reverse("workflow:cases")


def make_cases(world: World, count: int, *, ties: int = 4) -> list[Case]:
    """``count`` cases of the World's SOP, every ``ties`` of them started at the same
    moment (one minute apart otherwise), a third closed."""
    first = reserve_case_numbers(world.agency.pk, count)
    base = timezone.now() - dt.timedelta(days=30)
    return Case.objects.bulk_create(
        [
            Case(
                agency=world.agency,
                definition=world.definition,
                number=first + n,
                title=f"Kasus {n}",
                source=CaseSource.REPORT,
                opd=world.opd,
                started_at=base + dt.timedelta(minutes=n // ties),
                status=CaseStatus.CLOSED if n % 3 == 0 else CaseStatus.OPEN,
            )
            for n in range(count)
        ]
    )


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="case-row" data-case="(\d+)"', html)]


def link(html: str, rel: str) -> str | None:
    """The href of the footer's ``rel="next"``/``"prev"`` link, unescaped."""
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def expected(query: str = "") -> list[int]:
    cases = Case.objects.order_by(*CASE_ORDER)
    if "status=open" in query:
        cases = cases.filter(status=CaseStatus.OPEN)
    return list(cases.values_list("pk", flat=True))


def walk(client: Client, query: str = "") -> tuple[list[list[int]], list[str]]:
    """The pages from the first by the Next links, and the links followed."""
    pages, links = [], []
    url: str | None = CASES + query
    while url is not None:
        html = client.get(url).content.decode()
        pages.append(listed(html))
        following = link(html, "next")
        url = CASES + following if following else None
        if following:
            links.append(following)
    return pages, links


def test_it_walks_every_case_once_forward_and_back_with_ties(world: World) -> None:
    make_cases(world, 2 * PAGE_SIZE + 7, ties=6)
    client = client_for(world.kadis)
    pages, links = walk(client)
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert [pk for page in pages for pk in page] == expected()
    assert all("after=" in each for each in links)
    # Back from the last page by the Previous links: the same pages, in reverse.
    html = client.get(CASES + links[-1]).content.decode()
    back = [listed(html)]
    while (previous := link(html, "prev")) is not None:
        html = client.get(CASES + previous).content.decode()
        back.append(listed(html))
    assert back[::-1] == pages


def test_it_numbers_the_pages_it_links_and_keeps_the_filters(world: World) -> None:
    make_cases(world, 3 * PAGE_SIZE)
    client = client_for(world.kadis)
    pages, links = walk(client, "?status=open")
    assert [pk for page in pages for pk in page] == expected("status=open")
    second = parse_qs(urlsplit(links[0]).query)
    assert second["status"] == ["open"]
    assert second["page"] == ["2"]
    response = client.get(CASES + links[0])
    page = response.context["page"]
    assert (page.number, page.start_index) == (2, PAGE_SIZE + 1)
    html = response.content.decode()
    assert f"{PAGE_SIZE + 1}–{2 * PAGE_SIZE} of {len(expected('status=open'))}" in html
    # The export links keep the filters and drop the cursor.
    exports = re.findall(r'href="/kasus/ekspor\.csv([^"]*)"', html)
    assert exports == ["?status=open"]


@pytest.mark.parametrize(
    "query",
    [
        "?after=garbage",
        "?after=",
        "?before=%%%",
        "?after=" + keyset.encode(["not a date", 1]),
        "?after=" + keyset.encode([1]),
        "?after=" + keyset.encode(["2026-01-01T00:00:00+00:00", "x"]),
        "?after=" + keyset.encode(["2026-01-01T00:00:00+00:00", None]),
        "?before=" + keyset.encode(["2026-01-01T00:00:00+00:00", 10**30]),
        "?after=W10",  # []
        "?page=abc&after=bnVsbA",  # null
        "?page=999999999999999999999",
    ],
)
def test_it_answers_a_bad_cursor_with_the_first_page(world: World, query: str) -> None:
    make_cases(world, PAGE_SIZE + 3)
    client = client_for(world.kadis)
    first = listed(client.get(CASES).content.decode())
    response = client.get(CASES + query)
    assert response.status_code == 200
    if "page=9999" in query:  # a page number out of range: the last page, as before
        assert listed(response.content.decode()) == expected()[PAGE_SIZE:]
    else:
        assert listed(response.content.decode()) == first
        assert response.context["page"].number == 1


def test_it_serves_old_page_numbers_and_shows_the_last_page_past_the_end(world: World) -> None:
    make_cases(world, 2 * PAGE_SIZE + 5)
    client = client_for(world.kadis)
    every = expected()
    second = client.get(CASES + "?page=2")
    assert listed(second.content.decode()) == every[PAGE_SIZE : 2 * PAGE_SIZE]
    assert second.context["page"].number == 2
    for beyond in ("?page=3", "?page=40", "?page=0"):
        assert listed(client.get(CASES + beyond).content.decode()) == every[2 * PAGE_SIZE :]


def test_it_counts_up_to_the_cap_and_says_more_than(world: World) -> None:
    make_cases(world, 12)
    queryset = Case.objects.all()
    page = keyset.paginate(queryset, CASE_ORDER, QueryDict(), 5, cap=10)
    assert (page.total, page.capped, page.num_pages) == (10, True, None)
    assert page.total_label == "more than 10"
    exact = keyset.paginate(queryset, CASE_ORDER, QueryDict(), 5, cap=12)
    assert (exact.total, exact.capped, exact.num_pages) == (12, False, 3)
    assert exact.total_label == "12"


def test_it_finds_the_next_page_along_the_sort_key_not_by_offset(world: World) -> None:
    make_cases(world, 3 * PAGE_SIZE)
    client = client_for(world.kadis)
    _, links = walk(client)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(CASES + links[-1])
    sql = [query["sql"] for query in captured.captured_queries if "workflow_case" in query["sql"]]
    assert sql
    assert not any("OFFSET" in each.upper() for each in sql)


def test_it_counts_the_inbox_up_to_a_cap_and_still_serves_the_later_pages(world: World) -> None:
    make_cases(world, 12)
    ordered = Case.objects.order_by(*CASE_ORDER)
    paginator = keyset.CappedPaginator(ordered, 5, cap=7)
    assert paginator.capped
    assert paginator.total_label == "more than 7"
    second, third = paginator.get_page("2"), paginator.get_page("3")
    assert second.has_next()
    assert [case.pk for case in third] == expected()[10:]
    assert not third.has_next()
    assert paginator.get_page("9").number == paginator.get_page("x").number == 1
    exact = keyset.CappedPaginator(ordered, 5, cap=20)
    assert not exact.capped
    assert exact.total_label == "12"
    assert exact.get_page("9").number == 3  # as Django's Paginator: the last page


def test_it_shows_99_plus_on_a_badge_past_99() -> None:
    from jaga.web.context_processors import NavItem

    assert NavItem("Tugas", "/", False, 99).badge == "99"
    assert NavItem("Tugas", "/", False, 100).badge == "99+"
