"""The service catalogue (issue 17 points 1-2): services registered from loaded SOPs,
never repointed; requests through Jaga and recorded by the help desk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jaga.audit.models import Event
from jaga.catalogue.models import Request, Service, ServiceCategory
from jaga.catalogue.services import request_service, services_for
from jaga.incidents.models import Incident
from jaga.incidents.services import report_disruption, reporting_sop
from jaga.sop.services import load_definition
from jaga.workflow.errors import CannotStart, InvalidInput
from jaga.workflow.models import ActingAs, Case, IntakeChannel, StepInstance
from tests.catalogue.conftest import INSTALL_SOP, Desk
from tests.workflow.conftest import MINI_SOP

pytestmark = pytest.mark.django_db

#: A format 1 SOP that starts by report and sorts before "mini": before the catalogue, the
#: agency's disruption reports started it (the first reporting SOP by code).
EARLIER = MINI_SOP.replace("code: mini", "code: aaa-instalasi").replace(
    "Penanganan Gangguan (uji)", "Instalasi (uji)"
)


def report(desk: Desk, **kwargs: object) -> Incident:
    options: dict[str, object] = {
        "location": "Ruang server",
        "problem": "Jaringan putus\nsejak pagi",
        "since": timezone.now() - dt.timedelta(hours=1),
        "contact_name": "Budi",
        "contact_phone": "0812 3456 7890",
    }
    options.update(kwargs)
    reporter = options.pop("reporter", desk.world.reporter)
    return report_disruption(reporter, **options)  # type: ignore[arg-type]


def test_it_registers_the_service_of_each_sop_that_starts_by_request(desk: Desk) -> None:
    assert (desk.disruption.sop_code, desk.disruption.category) == (
        "mini",
        ServiceCategory.DISRUPTION,
    )
    assert desk.disruption.is_default
    assert desk.disruption.requesters == ["opd", "staff"]
    assert (desk.install.sop_code, desk.install.category, desk.install.is_default) == (
        "pemasangan",
        ServiceCategory.REQUEST,
        False,
    )
    assert desk.install.name == "Pemasangan jaringan baru"
    assert Event.objects.filter(action="catalogue.service.registered").count() == 2


def test_it_never_lets_a_newly_loaded_sop_take_over_the_disruption_reports(desk: Desk) -> None:
    load_definition(desk.world.agency, EARLIER, path="aaa.yaml")
    assert reporting_sop(desk.world.agency).code == "mini"
    incident = report(desk)
    assert incident.case.definition.code == "mini"
    assert not Service.objects.get(code="aaa-instalasi").is_default


def test_it_never_repoints_a_service_another_sop_uses(desk: Desk) -> None:
    thief = INSTALL_SOP.replace("code: pemasangan", "code: lain").replace(
        "service:\n", "service:\n  key: pemasangan\n"
    )
    load_definition(desk.world.agency, thief, path="lain.yaml")
    desk.install.refresh_from_db()
    assert desk.install.sop_code == "pemasangan"
    assert not Service.objects.filter(sop_code="lain").exists()


def test_it_updates_a_service_from_a_new_version_of_its_own_sop(desk: Desk) -> None:
    load_definition(
        desk.world.agency,
        INSTALL_SOP.replace("Pemasangan jaringan baru", "Pemasangan titik jaringan"),
        path="pemasangan.yaml",
    )
    desk.install.refresh_from_db()
    assert desk.install.name == "Pemasangan titik jaringan"
    assert Event.objects.filter(action="catalogue.service.updated").count() == 1


def test_it_starts_a_request_with_its_intake_and_keeps_who_asked(desk: Desk) -> None:
    made = request_service(
        desk.install,
        desk.world.reporter,
        title="Titik jaringan ruang rapat",
        description="Dua titik",
        contact_name="Budi",
        contact_phone="0812 3456 7890",
        intake={"ruangan": "Rapat", "titik": "2"},
    )
    case = made.case
    assert (case.definition.code, case.opd, case.reporter) == (
        "pemasangan",
        desk.world.opd,
        desk.world.reporter,
    )
    assert case.data["intake"] == {"ruangan": "Rapat", "titik": 2}
    assert case.due_at == case.started_at + dt.timedelta(days=5)
    assert (made.channel, made.opd, made.recorded_by) == ("web", desk.world.opd, None)
    assert Event.objects.filter(action="catalogue.request.received", object_id=str(made.pk))


def test_it_refuses_a_bad_request_and_writes_nothing(desk: Desk) -> None:
    before = (Case.objects.count(), Request.objects.count())
    with pytest.raises(InvalidInput) as refused:
        request_service(
            desk.install,
            desk.world.reporter,
            title=" ",
            description="",
            contact_name="Budi",
            contact_phone="0812",
            intake={"titik": "banyak"},
        )
    assert "title" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        request_service(
            desk.install,
            desk.world.reporter,
            title="Titik",
            description="",
            contact_name="Budi",
            contact_phone="0812",
            intake={"titik": "banyak"},
        )
    assert set(refused.value.errors) == {"ruangan", "titik"}
    assert (Case.objects.count(), Request.objects.count()) == before


def test_it_lets_an_employee_request_for_themselves_only_where_allowed(desk: Desk) -> None:
    made = request_service(
        desk.install,
        desk.world.tech2,
        title="Titik di ruang teknisi",
        description="",
        contact_name="Tek",
        contact_phone="0812 1111 2222",
        intake={"ruangan": "Teknisi", "titik": 1},
    )
    assert (made.case.opd, made.case.reporter) == (None, desk.world.tech2)
    desk.install.requesters = ["opd"]
    desk.install.save()
    with pytest.raises(CannotStart):
        request_service(
            desk.install,
            desk.world.tech2,
            title="Lagi",
            description="",
            contact_name="Tek",
            contact_phone="0812 1111 2222",
            intake={"ruangan": "Teknisi", "titik": 1},
        )


def test_it_records_a_phone_report_for_an_opd_that_the_opd_then_follows(desk: Desk) -> None:
    incident = report(desk, reporter=desk.clerk, opd=desk.world.opd, channel=IntakeChannel.PHONE)
    case = incident.case
    assert (case.opd, case.reporter, case.started_by, case.channel) == (
        desk.world.opd,
        None,
        desk.clerk,
        "phone",
    )
    first = StepInstance.objects.get(case=case, step_no="1")
    assert (first.actor, first.acting_as) == (desk.clerk, ActingAs.HELPDESK)
    made = Request.objects.get(case=case)
    assert (made.service, made.recorded_by, made.caller_name) == (
        desk.disruption,
        desk.clerk,
        "Budi",
    )


def test_it_refuses_intake_by_anyone_but_the_help_desk(desk: Desk) -> None:
    with pytest.raises(CannotStart):
        report(desk, reporter=desk.world.kadis, opd=desk.world.opd, channel=IntakeChannel.PHONE)
    with pytest.raises(CannotStart):
        request_service(
            desk.install,
            desk.world.kadis,
            title="Titik",
            description="",
            contact_name="Budi",
            contact_phone="0812 3456 7890",
            intake={"ruangan": "R", "titik": 1},
            channel=IntakeChannel.WHATSAPP,
            opd=desk.world.opd,
        )


def test_it_records_a_letter_for_an_employee_and_needs_one_requester(desk: Desk) -> None:
    base = {
        "title": "Titik",
        "description": "Surat nomor 12",
        "contact_name": "Sekretariat",
        "contact_phone": "0251 123456",
        "intake": {"ruangan": "R", "titik": 1},
        "channel": IntakeChannel.LETTER,
    }
    with pytest.raises(InvalidInput) as refused:
        request_service(desk.install, desk.clerk, **base)  # type: ignore[arg-type]
    assert "opd" in refused.value.errors
    made = request_service(
        desk.install,
        desk.clerk,
        requester=desk.world.tech2,
        **base,  # type: ignore[arg-type]
    )
    assert (made.case.reporter, made.recorded_by, made.channel) == (
        desk.world.tech2,
        desk.clerk,
        "letter",
    )


def test_it_lists_the_services_open_to_each_user(desk: Desk) -> None:
    world = desk.world
    assert [s.code for s in services_for(world.reporter)] == ["pemasangan", "mini"]
    assert [s.code for s in services_for(world.tech1)] == ["pemasangan"]  # an employee
    assert [s.code for s in services_for(desk.clerk)] == ["pemasangan", "mini"]
    assert services_for(world.outsider) == []


def test_it_puts_the_requesters_steps_of_recorded_cases_in_the_help_desks_tasks(
    desk: Desk,
) -> None:
    from jaga.workflow.permissions import cases_for, inbox
    from jaga.workflow.services import complete_step, decide, open_step

    world = desk.world
    web = report(desk)
    phoned = report(desk, reporter=desk.clerk, opd=world.opd, channel=IntakeChannel.PHONE)
    assert set(cases_for(desk.clerk)) == {web.case, phoned.case}
    assert list(inbox(desk.clerk)) == []
    for incident in (web, phoned):  # both cases on to the OPD's acknowledgment (step 8)
        case = incident.case
        complete_step(open_step(case), world.kadis, named=[world.kabid])  # type: ignore[arg-type]
        complete_step(open_step(case), world.kabid, named=[world.kasi])  # type: ignore[arg-type]
        complete_step(open_step(case), world.kasi, named=[world.tech1])  # type: ignore[arg-type]
        decide(open_step(case), world.tech1, "perbaiki", data={"lokasi": "R", "tingkat": "ringan"})  # type: ignore[arg-type]
        complete_step(open_step(case), world.tech1)  # type: ignore[arg-type]
    waiting = list(inbox(desk.clerk))
    assert [(step.case_id, step.step_no) for step in waiting] == [(phoned.case.pk, "8")]
    done = complete_step(waiting[0], desk.clerk)
    assert done.acting_as == ActingAs.HELPDESK
