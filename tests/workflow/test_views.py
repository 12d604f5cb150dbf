"""The case page and its step forms: a case of the World's SOP runs from report to close
through the web, each step by the right person; others get no form and a 403; bad input
shows errors and changes nothing; a double submission makes one transition."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from jaga.audit.models import Event
from jaga.org.models import Opd, User
from jaga.workflow.errors import InvalidInput, NotEligible, StepNotOpen
from jaga.workflow.models import ActingAs, Case, CaseSource, CaseStatus, StepInstance
from jaga.workflow.services import complete_step, decide, open_step, start_case
from tests.workflow.conftest import World

pytestmark = pytest.mark.django_db


# --- helpers shared by the test_views_* files ---------------------------------------------


def client_for(user: User) -> Client:
    """A client signed in as ``user``, reading English pages."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def report(world: World, title: str = "Internet mati", at: dt.datetime | None = None) -> Case:
    """A case of the World's SOP reported by its OPD user (step 1 is the report)."""
    return start_case(
        world.definition,
        source=CaseSource.REPORT,
        title=title,
        reporter=world.reporter,
        description="Sejak pagi tidak ada koneksi",
        at=at,
    )


def waiting(case: Case) -> StepInstance:
    step = open_step(case)
    assert step is not None
    return step


def case_url(case: Case) -> str:
    return reverse("workflow:case", args=[case.pk])


def act_url(case: Case, step: StepInstance | None = None) -> str:
    return reverse("workflow:act", args=[case.pk, (step or waiting(case)).pk])


def post(client: Client, case: Case, data: dict[str, Any]) -> HttpResponse:
    response = client.post(act_url(case), data)
    assert isinstance(response, HttpResponse)
    return response


def page(client: Client, case: Case) -> str:
    response = client.get(case_url(case))
    assert response.status_code == 200
    return response.content.decode()


def notices(response: HttpResponse) -> list[str]:
    request = getattr(response, "wsgi_request")  # noqa: B009 (set by the test client)
    return [str(message) for message in get_messages(request)]


def to_step_5(world: World, case: Case) -> StepInstance:
    """Disposition, disposition, assignment of both technicians (through the engine)."""
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    complete_step(waiting(case), world.kabid, named=[world.kasi])
    complete_step(waiting(case), world.kasi, named=[world.tech1, world.tech2])
    return waiting(case)


def to_check(world: World, case: Case) -> StepInstance:
    """On to step 9 (the Kasi's check) by the repair branch."""
    decide(
        to_step_5(world, case), world.tech1, "perbaiki", data={"lokasi": "A", "tingkat": "ringan"}
    )
    complete_step(waiting(case), world.tech1)
    complete_step(waiting(case), world.reporter)
    return waiting(case)


def assert_advanced(response: HttpResponse, case: Case, step_no: str) -> None:
    """The POST succeeded: back to the case page with a success message, the case waiting on
    ``step_no``."""
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert any("is done" in text or "went back" in text for text in notices(response))
    assert waiting(case).step_no == step_no


# --- the whole case through the web -------------------------------------------------------


def test_it_runs_a_case_from_report_to_close_through_the_web(world: World) -> None:
    case = report(world)
    kadis, kabid, kasi = client_for(world.kadis), client_for(world.kabid), client_for(world.kasi)

    # 2: the Kadis forwards to a holder of the Kabid lane, with instructions.
    html = page(kadis, case)
    assert 'id="step-form"' in html
    assert f'<option value="{world.kabid.pk}">' in html
    assert f'value="{world.kasi.pk}"' not in html  # only the Kabid lane is offered
    assert 'value="Tindak lanjuti"' in html
    response = post(
        kadis,
        case,
        {"recipient": world.kabid.pk, "instructions": ["Tindak lanjuti", "Koordinasikan"]},
    )
    assert_advanced(response, case, "3")

    # 3: the Kabid forwards to the Kasi.
    assert_advanced(post(kabid, case, {"recipient": world.kasi.pk, "note": "Segera"}), case, "4")

    # 4: the Kasi appoints both technicians (checkboxes of the teknis lane).
    html = page(kasi, case)
    assert 'type="checkbox" name="people"' in html
    assert "From 1 to 2." in html
    response = post(kasi, case, {"people": [world.tech1.pk, world.tech2.pk]})
    assert_advanced(response, case, "5")

    # 5: a technician decides (branch labels as radios) and records the findings.
    tech1, tech2 = client_for(world.tech1), client_for(world.tech2)
    html = page(tech1, case)
    assert 'type="radio" name="branch" value="ganti"' in html
    assert "Diganti" in html
    assert "Tingkat kerusakan" in html
    response = post(
        tech1, case, {"branch": "ganti", "f_lokasi": "Ruang server", "f_tingkat": "berat"}
    )
    assert_advanced(response, case, "6")

    # 6: the replacement form, typed fields.
    response = post(tech2, case, {"f_nama_barang": "Switch 24 port", "f_jumlah": "2"})
    assert_advanced(response, case, "7")

    # 7: the activity (Berita Acara).
    assert_advanced(post(tech1, case, {"note": "Switch diganti"}), case, "8")

    # 8: the reporting OPD acknowledges.
    opd = client_for(world.reporter)
    assert 'id="step-form"' in page(opd, case)
    assert_advanced(post(opd, case, {"note": "Sudah normal"}), case, "9")

    # 9: the Kasi accepts.
    assert_advanced(post(kasi, case, {"action": "accept", "note": "Lengkap"}), case, "10")

    # 10: the Kadis's report closes the case.
    response = post(kadis, case, {"output": "Laporan selesai"})
    assert response.status_code == 302
    assert any("the case is closed" in text for text in notices(response))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    steps = StepInstance.objects.filter(case=case).order_by("started_at", "pk")
    assert [(s.step_no, s.outcome, s.actor) for s in steps] == [
        ("1", "done", world.reporter),
        ("2", "done", world.kadis),
        ("3", "done", world.kabid),
        ("4", "done", world.kasi),
        ("5", "ganti", world.tech1),
        ("6", "done", world.tech2),
        ("7", "done", world.tech1),
        ("8", "done", world.reporter),
        ("9", "accepted", world.kasi),
        ("10", "done", world.kadis),
    ]
    recorded = {s.step_no: s for s in steps}
    assert recorded["2"].data == {"instructions": ["Tindak lanjuti", "Koordinasikan"]}
    assert recorded["3"].note == "Segera"
    assert recorded["5"].data == {"lokasi": "Ruang server", "tingkat": "berat"}
    assert recorded["6"].data == {"nama_barang": "Switch 24 port", "jumlah": 2}
    assert recorded["8"].acting_as == ActingAs.REPORTER
    assert recorded["5"].acting_as == ActingAs.NAMED
    assert recorded["10"].output == "Laporan selesai"

    # The closed case shows its history and no form.
    html = page(kadis, case)
    assert 'id="step-form"' not in html
    assert html.count('class="history-row"') == 10
    assert "Switch 24 port" in html
    assert "Ruang server" in html
    assert html.count("chart-done") == 10  # every step of the table was visited


def test_it_returns_a_check_with_a_reason_and_runs_the_loop_to_the_end(world: World) -> None:
    case = report(world)
    check = to_check(world, case)
    kasi = client_for(world.kasi)
    html = page(kasi, case)
    assert 'name="reason"' in html
    assert 'name="return_to"' in html
    assert "Step 7: Berita acara pekerjaan" in html

    response = post(kasi, case, {"action": "return", "return_to": "7", "reason": "Foto kurang"})
    assert_advanced(response, case, "7")
    check.refresh_from_db()
    assert (check.outcome, check.next_step_no, check.note) == ("returned", "7", "Foto kurang")
    assert waiting(case).visit == 2

    assert_advanced(post(client_for(world.tech2), case, {}), case, "8")
    assert_advanced(post(client_for(world.reporter), case, {}), case, "9")
    assert_advanced(post(kasi, case, {"action": "accept"}), case, "10")
    response = post(client_for(world.kadis), case, {})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED

    html = page(kasi, case)
    assert "Returned to step 7" in html
    assert "Foto kurang" in html
    assert "2 visits" in html  # steps 7, 8 and 9 were visited twice
    assert html.count('data-step="7" data-visit="2"') == 1


# --- who may act ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["kabid", "tech1", "reporter"])
def test_it_shows_no_form_and_forbids_the_post_to_someone_else(world: World, who: str) -> None:
    case = report(world)
    step = waiting(case)
    intruder = client_for(getattr(world, who))
    html = page(intruder, case)
    assert 'id="step-form"' not in html
    assert "Waiting on step 2" in html
    response = post(intruder, case, {"recipient": world.kabid.pk})
    assert response.status_code == 403
    step.refresh_from_db()
    assert step.status == "open"
    assert waiting(case).pk == step.pk


def test_it_keeps_the_named_technicians_steps_from_the_other_technician(world: World) -> None:
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    complete_step(waiting(case), world.kabid, named=[world.kasi])
    complete_step(waiting(case), world.kasi, named=[world.tech1])
    other = client_for(world.tech2)
    assert 'id="step-form"' not in page(other, case)
    response = post(other, case, {"branch": "perbaiki", "f_lokasi": "A", "f_tingkat": "ringan"})
    assert response.status_code == 403
    assert 'id="step-form"' in page(client_for(world.tech1), case)


def test_it_lets_the_agency_admin_act_on_behalf_and_says_so(world: World) -> None:
    case = report(world)
    admin = client_for(world.admin)
    assert "on behalf of the lane" in page(admin, case)
    assert post(admin, case, {"recipient": world.kabid.pk}).status_code == 302
    done = StepInstance.objects.get(case=case, step_no="2")
    assert (done.actor, done.acting_as) == (world.admin, ActingAs.ADMIN)


def test_it_answers_404_for_a_case_of_another_agency(world: World) -> None:
    case = report(world)
    step = waiting(case)
    outsider = client_for(world.outsider)
    assert outsider.get(case_url(case)).status_code == 404
    assert post(outsider, case, {"recipient": world.kabid.pk}).status_code == 404
    step.refresh_from_db()
    assert step.status == "open"


def test_it_answers_404_to_an_opd_user_for_a_case_of_another_opd(world: World) -> None:
    case = report(world)
    other_opd = Opd.objects.create(agency=world.agency, name="Kecamatan Utara", abbreviation="KU")
    neighbour = User.objects.create_user("gamma.ku", agency=world.agency, opd=other_opd)
    client = client_for(neighbour)
    assert client.get(case_url(case)).status_code == 404
    assert post(client, case, {}).status_code == 404
    assert client_for(world.reporter).get(case_url(case)).status_code == 200


def test_it_asks_anonymous_visitors_to_log_in(world: World) -> None:
    case = report(world)
    response = Client().get(case_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_get_on_the_action_url(world: World) -> None:
    case = report(world)
    assert client_for(world.kadis).get(act_url(case)).status_code == 405


# --- bad input -----------------------------------------------------------------------------


def assert_unchanged(case: Case, step: StepInstance) -> None:
    step.refresh_from_db()
    assert step.status == "open"
    assert waiting(case).pk == step.pk


def test_it_shows_an_error_for_a_recipient_outside_the_lane(world: World) -> None:
    case = report(world)
    step = waiting(case)
    events = Event.objects.count()
    response = post(client_for(world.kadis), case, {"recipient": world.tech1.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is-invalid" in html
    assert "Select a valid choice" in html
    assert_unchanged(case, step)
    assert Event.objects.count() == events


def test_it_shows_errors_for_a_missing_required_field(world: World) -> None:
    case = report(world)
    step = to_step_5(world, case)
    response = post(client_for(world.tech1), case, {"branch": "perbaiki", "f_tingkat": "ringan"})
    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 1
    assert 'id="step-form"' in response.content.decode()
    assert_unchanged(case, step)


def test_it_shows_an_error_for_a_word_in_a_number_field(world: World) -> None:
    case = report(world)
    decide(to_step_5(world, case), world.tech1, "ganti", data={"lokasi": "A", "tingkat": "berat"})
    step = waiting(case)
    response = post(client_for(world.tech1), case, {"f_nama_barang": "Switch", "f_jumlah": "dua"})
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()
    assert_unchanged(case, step)


def test_it_shows_an_error_for_a_return_without_a_reason(world: World) -> None:
    case = report(world)
    step = to_check(world, case)
    response = post(client_for(world.kasi), case, {"action": "return", "return_to": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Say why the work goes back." in html
    assert '<details class="mt-3" open>' in html  # the return part stays open
    assert_unchanged(case, step)


def test_it_shows_an_error_for_too_many_or_too_few_technicians(world: World) -> None:
    case = report(world)
    complete_step(waiting(case), world.kadis, named=[world.kabid])
    complete_step(waiting(case), world.kabid, named=[world.kasi])
    step = waiting(case)
    response = post(client_for(world.kasi), case, {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert_unchanged(case, step)


def test_it_shows_the_engines_refusal_on_the_field_it_concerns(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What only the engine can refuse (say, a recipient who left the lane a moment ago)
    comes back as a field error with the form again: no 500."""
    case = report(world)
    step = waiting(case)

    def refuse(*args: Any, **kwargs: Any) -> StepInstance:
        raise InvalidInput({"named": "not a holder of lane kabid: gamma.kabid"})

    monkeypatch.setattr("jaga.workflow.forms.complete_step", refuse)
    response = post(client_for(world.kadis), case, {"recipient": world.kabid.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "not a holder of lane kabid: gamma.kabid" in html
    assert 'id="id_recipient"' in html
    assert "is-invalid" in html
    assert_unchanged(case, step)


# --- double submission ---------------------------------------------------------------------


def test_it_makes_one_transition_of_a_double_submission(world: World) -> None:
    case = report(world)
    step = waiting(case)
    url = act_url(case, step)
    kadis = client_for(world.kadis)
    first = kadis.post(url, {"recipient": world.kabid.pk})
    assert first.status_code == 302
    events = Event.objects.count()
    second = kadis.post(url, {"recipient": world.kabid.pk})
    assert second.status_code == 302
    assert second["Location"] == case_url(case)
    assert any("already completed" in str(m) for m in get_messages(second.wsgi_request))
    assert StepInstance.objects.filter(case=case, step_no="2").count() == 1
    assert StepInstance.objects.filter(case=case, step_no="3").count() == 1
    assert Event.objects.count() == events


def test_it_tells_the_slower_of_two_people_that_the_step_moved_on(world: World) -> None:
    case = report(world)
    step = waiting(case)
    url = act_url(case, step)
    client_for(world.admin).post(url, {"recipient": world.kabid.pk})
    response = client_for(world.kadis).post(url, {"recipient": world.kabid.pk}, follow=True)
    assert response.status_code == 200
    assert "already completed" in response.content.decode()
    assert StepInstance.objects.get(case=case, step_no="2").actor == world.admin


def test_it_shows_times_in_the_agencys_zone(world: World) -> None:
    at = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # 16:00 WIB
    case = report(world, at=at)
    html = page(client_for(world.kadis), case)
    assert "23 Nov 2026 16:00 WIB" in html


def test_it_serves_the_pages_in_indonesian_by_default(world: World) -> None:
    case = report(world)
    client = Client()
    client.force_login(world.kadis)
    for url in (case_url(case), reverse("workflow:cases"), reverse("workflow:inbox")):
        response = client.get(url)
        assert response.status_code == 200
        assert '<html lang="id">' in response.content.decode()


def test_it_redirects_with_a_message_when_the_engine_finds_the_step_taken(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the page's check and the engine's compare-and-set someone else completed the
    step: the engine's StepNotOpen becomes the same message and redirect."""
    case = report(world)

    def taken(*args: Any, **kwargs: Any) -> StepInstance:
        raise StepNotOpen("completed a moment ago")

    monkeypatch.setattr("jaga.workflow.forms.complete_step", taken)
    response = post(client_for(world.kadis), case, {"recipient": world.kabid.pk})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert any("already completed" in text for text in notices(response))


def test_it_forbids_when_the_engine_finds_the_person_no_longer_eligible(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = report(world)

    def refused(*args: Any, **kwargs: Any) -> StepInstance:
        raise NotEligible("no longer holds the position")

    monkeypatch.setattr("jaga.workflow.forms.complete_step", refused)
    assert post(client_for(world.kadis), case, {"recipient": world.kabid.pk}).status_code == 403
    assert waiting(case).step_no == "2"
