"""Every login of the demo (``jaga demo``) gets its home page and the reports it may read,
without an error: the pages a new user of ``make run`` opens first."""

from __future__ import annotations

import pytest
from django.test import Client

from jaga.org.models import User
from jaga.reports.permissions import scope_of

pytestmark = pytest.mark.django_db

PAGES = (
    "/laporan/",
    "/laporan/mutu-baku/",
    "/laporan/mutu-baku/?by=person",
    "/laporan/mutu-baku/langkah/",
    "/laporan/operasional/",
    "/laporan/berkala/",
)


def test_it_serves_every_demo_user_their_home_and_reports(demo_data: None) -> None:
    users = list(User.objects.filter(is_active=True, agency__isnull=False).order_by("pk"))
    assert len(users) > 10
    for user in users:
        client = Client()
        client.force_login(user)
        assert client.get("/").status_code == 200, user.username
        scope = scope_of(user)
        for page in PAGES:
            status = client.get(page).status_code
            heads_only = page.startswith(("/laporan/operasional", "/laporan/berkala"))
            if scope is None or (scope.person is not None and heads_only):
                assert status == 403, (user.username, page)
            else:
                assert status == 200, (user.username, page)


def test_it_gives_the_demo_a_case_history_once(demo_data: None) -> None:
    from jaga.reports.demo import load_demo_history
    from jaga.reports.models import StepRecord
    from jaga.workflow.models import Case, CaseStatus

    assert load_demo_history() == 28
    assert load_demo_history() == 0
    cases = Case.objects.filter(agency__slug="bolmut", source="report")
    assert cases.filter(status=CaseStatus.CLOSED).count() == 24
    assert cases.filter(status=CaseStatus.OPEN).count() == 4
    records = StepRecord.objects.filter(agency__slug="bolmut")
    assert records.filter(on_time=False).exists()
    assert records.filter(on_time=True).count() > records.filter(on_time=False).count()
    client = Client()
    client.force_login(User.objects.get(username="bolmut.kadis"))
    home = client.get("/")
    assert home.context["late_total"] >= 2
    assert home.context["waiting_total"] == 1
