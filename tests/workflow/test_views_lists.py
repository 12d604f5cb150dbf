"""Tugas Saya (the inbox), the case list and its filters, and starting a case by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jaga.org.models import Opd, User
from jaga.sop.services import load_definition
from jaga.workflow.models import Case, CaseSource, CaseStatus
from jaga.workflow.services import accept, complete_step, start_case
from tests.workflow.conftest import World
from tests.workflow.test_views import client_for, report, to_check, waiting

pytestmark = pytest.mark.django_db

INBOX = reverse("workflow:inbox")
CASES = reverse("workflow:cases")
START = reverse("workflow:start")


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def rows(html: str, kind: str) -> list[int]:
    """The ids in the data attribute of each table row of ``kind`` ("step" or "case")."""
    return [int(pk) for pk in re.findall(rf'data-{kind}="(\d+)"', html)]


def listed(client: Client, query: str = "") -> list[int]:
    response = client.get(CASES + query)
    assert response.status_code == 200
    return rows(response.content.decode(), "case")


def close(world: World, case: Case) -> None:
    accept(to_check(world, case), world.kasi)
    complete_step(waiting(case), world.kadis)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


# --- Tugas Saya ------------------------------------------------------------------------------


def test_it_lists_my_waiting_steps_soonest_due_first_and_marks_the_late_ones(
    world: World,
) -> None:
    newest = report(world, "Baru saja")
    oldest = report(world, "Sebulan lalu", at=ago(30))
    middle = report(world, "Sepuluh hari lalu", at=ago(10))
    response = client_for(world.kadis).get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html, "step") == [waiting(c).pk for c in (oldest, middle, newest)]
    assert html.count("late by") == 2
    assert html.count("bg-red-lt") == 2  # the late cards
    assert "Sebulan lalu" in html
    assert "Dinkes" in html
    assert "Kadis mendisposisikan" in html
    assert f'href="/kasus/{oldest.pk}/"' in html
    due = timezone.localtime(waiting(newest).due_at, timezone=dt.timezone(dt.timedelta(hours=7)))
    assert due.strftime("%H:%M WIB") in html  # the agency's zone (WIB, UTC+7)

    # The Kabid has nothing until the Kadis forwards a case to them.
    assert rows(client_for(world.kabid).get(INBOX).content.decode(), "step") == []
    complete_step(waiting(middle), world.kadis, named=[world.kabid])
    assert rows(client_for(world.kabid).get(INBOX).content.decode(), "step") == [waiting(middle).pk]
    assert rows(client_for(world.kadis).get(INBOX).content.decode(), "step") == [
        waiting(oldest).pk,
        waiting(newest).pk,
    ]


def test_it_puts_the_steps_of_the_named_technician_only_in_their_inbox(world: World) -> None:
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    complete_step(waiting(case), world.kabid, named=[world.kasi])
    complete_step(waiting(case), world.kasi, named=[world.tech2])
    assert rows(client_for(world.tech2).get(INBOX).content.decode(), "step") == [waiting(case).pk]
    assert "Nothing is waiting for you." in client_for(world.tech1).get(INBOX).content.decode()


def test_it_shows_an_opd_user_only_their_office_s_tasks(world: World) -> None:
    report(world)  # waits for the Kadis, not for the OPD
    response = client_for(world.reporter).get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Steps waiting for your office" in html
    assert rows(html, "step") == []


def test_it_shows_no_inbox_to_anonymous_visitors() -> None:
    response = Client().get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Kasus -----------------------------------------------------------------------------------


@pytest.fixture
def spread(world: World) -> dict[str, Case]:
    """Four cases of the World's agency: a late one, a fresh one, a closed one, and one of
    another OPD; and one case of another agency."""
    late = report(world, "Switch lantai 2 mati", at=ago(20))
    fresh = report(world, "Wifi aula lambat")
    closed = report(world, "Kabel putus", at=ago(40))
    close(world, closed)
    other_opd = Opd.objects.create(agency=world.agency, name="Kecamatan Utara", abbreviation="KU")
    elsewhere = start_case(
        world.definition,
        source=CaseSource.MANUAL,
        title="Router kecamatan",
        description="Lampu merah berkedip",
        opd=other_opd,
        by=world.admin,
        at=ago(5),
    )
    return {"late": late, "fresh": fresh, "closed": closed, "other_opd": elsewhere}


def test_it_lists_the_agencys_cases_newest_first(world: World, spread: dict[str, Case]) -> None:
    client = client_for(world.kadis)
    assert listed(client) == [
        spread["fresh"].pk,
        spread["other_opd"].pk,
        spread["late"].pk,
        spread["closed"].pk,
    ]
    assert listed(client_for(world.outsider)) == []


def test_it_filters_the_cases_by_status(world: World, spread: dict[str, Case]) -> None:
    client = client_for(world.kadis)
    assert listed(client, "?status=closed") == [spread["closed"].pk]
    assert spread["closed"].pk not in listed(client, "?status=open")


def test_it_filters_the_cases_whose_open_step_is_late(
    world: World, spread: dict[str, Case]
) -> None:
    client = client_for(world.kadis)
    assert listed(client, "?late=yes") == [spread["other_opd"].pk, spread["late"].pk]
    assert listed(client, "?late=no") == [spread["fresh"].pk, spread["closed"].pk]
    html = client.get(CASES).content.decode()
    assert html.count("late by") == 2


def test_it_filters_the_cases_by_opd_among_the_agencys_own(
    world: World, spread: dict[str, Case]
) -> None:
    client = client_for(world.kadis)
    other = spread["other_opd"].opd
    assert other is not None
    assert listed(client, f"?opd={other.pk}") == [spread["other_opd"].pk]
    html = client.get(CASES).content.decode()
    assert f'<option value="{world.opd.pk}">' in html
    foreign = Opd.objects.exclude(agency=world.agency).get()
    assert f'<option value="{foreign.pk}">' not in html
    # Another agency's OPD is not a valid choice: the filter is ignored, not obeyed.
    assert len(listed(client, f"?opd={foreign.pk}")) == 4


def test_it_searches_title_description_and_number(world: World, spread: dict[str, Case]) -> None:
    client = client_for(world.kadis)
    assert listed(client, "?q=switch") == [spread["late"].pk]
    assert listed(client, "?q=berkedip") == [spread["other_opd"].pk]
    assert listed(client, f"?q=%23{spread['fresh'].number}") == [spread["fresh"].pk]
    assert listed(client, "?q=tidak+ada+kasus+seperti+ini") == []


def test_it_filters_the_cases_by_sop_and_period(world: World, spread: dict[str, Case]) -> None:
    client = client_for(world.kadis)
    assert len(listed(client, "?sop=mini")) == 4
    today = timezone.localdate(timezone=dt.timezone(dt.timedelta(hours=7)))
    since = (today - dt.timedelta(days=6)).isoformat()
    assert listed(client, f"?started_from={since}") == [
        spread["fresh"].pk,
        spread["other_opd"].pk,
    ]
    until = (today - dt.timedelta(days=30)).isoformat()
    assert listed(client, f"?started_to={until}") == [spread["closed"].pk]


def test_it_lists_only_their_own_opds_cases_to_an_opd_user(
    world: World, spread: dict[str, Case]
) -> None:
    assert listed(client_for(world.reporter)) == [
        spread["fresh"].pk,
        spread["late"].pk,
        spread["closed"].pk,
    ]


def test_it_answers_an_htmx_filter_with_the_results_only(
    world: World, spread: dict[str, Case]
) -> None:
    response = client_for(world.kadis).get(CASES + "?status=closed", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert rows(html, "case") == [spread["closed"].pk]
    assert "HX-Request" in response["Vary"]


# --- Start by hand ---------------------------------------------------------------------------

ROUND_SOP = """
format: jaga-sop/1
code: ronda
identity: {nama: Pengecekan rutin jaringan, instansi: [DINAS UJI]}
start: [schedule]
lanes:
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Kadis memerintahkan pengecekan, lane: kadis, waktu: 1 hari}
  - {no: 2, kegiatan: Kadis menerima hasil pengecekan, lane: kadis, waktu: 1 hari}
"""

REPORT_ONLY_SOP = """
format: jaga-sop/1
code: lapor
identity: {nama: Hanya dari laporan, instansi: [DINAS UJI]}
start: [report]
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Laporan, lane: opd, waktu: 1 hari}
  - {no: 2, kegiatan: Tindak lanjut, lane: kadis, waktu: 1 hari}
"""


def test_it_offers_the_admin_the_sops_that_start_by_hand_or_on_a_schedule(world: World) -> None:
    ronda = load_definition(world.agency, ROUND_SOP, path="ronda.yaml").definition
    lapor = load_definition(world.agency, REPORT_ONLY_SOP, path="lapor.yaml").definition
    html = client_for(world.admin).get(START).content.decode()
    assert f'<option value="{world.definition.pk}">' in html
    assert f'<option value="{ronda.pk}">' in html
    assert f'<option value="{lapor.pk}">' not in html


def test_it_needs_the_opd_for_an_sop_with_opd_steps(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(START, {"definition": world.definition.pk, "title": "Cek"})
    assert response.status_code == 200
    assert "choose the OPD" in response.content.decode()
    assert not Case.objects.exists()


def test_it_starts_a_case_by_hand_and_opens_its_page(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(
        START,
        {"definition": world.definition.pk, "opd": world.opd.pk, "title": "Cek bulanan"},
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:case", args=[case.pk])
    assert (case.source, case.started_by, case.opd) == (CaseSource.MANUAL, world.admin, world.opd)
    assert waiting(case).step_no == "1"  # by hand, the OPD's first step still waits for it
    assert "Cek bulanan" in client.get(response["Location"]).content.decode()


def test_it_starts_a_scheduled_round_early_by_hand(world: World) -> None:
    ronda = load_definition(world.agency, ROUND_SOP, path="ronda.yaml").definition
    response = client_for(world.admin).post(START, {"definition": ronda.pk, "title": "Ronda"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.source, case.started_by, case.opd) == (CaseSource.SCHEDULE, world.admin, None)


def test_it_refuses_a_title_of_spaces_and_an_sop_of_another_agency(world: World) -> None:
    client = client_for(world.admin)
    response = client.post(
        START, {"definition": world.definition.pk, "opd": world.opd.pk, "title": "   "}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert world.outsider.agency is not None
    foreign = load_definition(world.outsider.agency, ROUND_SOP, path="r.yaml")
    response = client.post(START, {"definition": foreign.definition.pk, "title": "Ronda"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("who", ["kadis", "reporter", "outsider"])
def test_it_lets_only_agency_admins_start_a_case(world: World, who: str) -> None:
    user: User = getattr(world, who)
    client = client_for(user)
    assert client.get(START).status_code == 403
    assert client.post(START, {"definition": world.definition.pk, "title": "X"}).status_code == 403
    assert not Case.objects.exists()


def test_it_shows_the_start_button_to_admins_only(world: World) -> None:
    assert START in client_for(world.admin).get(CASES).content.decode()
    assert START not in client_for(world.kadis).get(CASES).content.decode()


def test_it_shows_where_each_case_waits_in_the_list(world: World) -> None:
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    html = client_for(world.kadis).get(CASES).content.decode()
    assert "Kabid mendisposisikan" in html
    assert '<div class="small text-secondary">Kabid</div>' in html
