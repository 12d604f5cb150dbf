"""No agency administrator sees or edits another agency's rows anywhere in the admin."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelChoiceField
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from jaga.catalogue.models import Service
from jaga.documents.models import Document, NumberPattern
from jaga.incidents.services import report_disruption
from jaga.inventory.models import Device, Link, Site, SpareMinimum
from jaga.maintenance.inspections import record_inspection
from jaga.maintenance.models import ChecklistItem, ChecklistTemplate
from jaga.monitoring.models import Agent, Check, MaintenanceWindow, Outage
from jaga.notifications.models import EscalationPosition
from jaga.org.models import ActingAssignment, Employee, Opd, Position, User
from jaga.signatures.models import EsignClient, Signature, SignatureStatus, Signer
from jaga.sop.services import load_definition
from jaga.tenancy.models import Agency, AgencyScoped, DayOff, SpecialPeriod
from jaga.workflow.models import CaseSource
from jaga.workflow.services import start_case
from tests.conftest import PASSWORD, make_agency

pytestmark = pytest.mark.django_db

TINY_SOP = """
format: jaga-sop/1
code: tiny
identity: {nama: Uji, instansi: [DINAS]}
start: [report]
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Lapor, lane: opd, waktu: 30 menit, document: laporan_tindak_lanjut}
  - {no: 2, kegiatan: Tindak lanjut, lane: kadis, waktu: 1 jam}
"""


def scoped_models() -> list[type[models.Model]]:
    """Every model in the admin that belongs to an agency, plus Agency and User."""
    return [
        model for model in admin.site._registry if issubclass(model, AgencyScoped | Agency | User)
    ]


def rows_of(model: type[models.Model], agency: Agency) -> list[models.Model]:
    if model is Agency:
        return [agency]
    return list(model._default_manager.filter(agency=agency))


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


RANDOM_TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def without_random_tokens(html: str) -> str:
    """The page without its CSRF tokens and CSP nonces: 64 random letters and digits can
    spell "beta" (about once in 8,000 pages, case folded), which once failed CI."""
    return RANDOM_TOKENS.sub("", html)


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture(scope="module")
def _both_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The agencies "alpha" and "beta" (``make_agency``), each with rows of every scoped
    model, made once for the module (about 0.25 s, once per test before): as with
    ``demo_data``, each test runs in a savepoint of the transaction that holds them (the
    ``db`` fixture nests in it), so each sees them as made and what it changes is rolled
    back; they are rolled back when the module ends."""
    with django_db_blocker.unblock(), translation.override("en"), transaction.atomic():
        for agency in (make_agency("alpha"), make_agency("beta", timezone="Asia/Makassar")):
            fill(agency)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def both(db: None, _both_loaded: None) -> tuple[Agency, Agency]:
    """The agencies "alpha" (this test's admin's) and "beta" (another), with their rows."""
    return Agency.objects.get(slug="alpha"), Agency.objects.get(slug="beta")


def fill(agency: Agency) -> None:
    """Rows of every scoped model for ``agency``: a case with its issued document, an
    incident, a site with a linked router, monitoring, an inspection, a service..."""
    period = SpecialPeriod.objects.create(
        agency=agency, name="Ramadan", start_date="2027-02-08", end_date="2027-03-09"
    )
    assert period.pk
    DayOff.objects.create(agency=agency, date="2026-11-30", name="HUT Kota")
    employee = Employee.objects.get(agency=agency)
    ActingAssignment.objects.create(
        agency=agency,
        position=employee.positions.get(),
        employee=employee,
        kind="plh",
        start_date="2026-11-23",
        end_date="2026-11-27",
    )
    NumberPattern.objects.create(
        agency=agency,
        document_type="laporan_tindak_lanjut",
        pattern="{urut}/{unit}/{tahun}",
        unit_code=f"Unit-{agency.slug}",
    )
    definition = load_definition(agency, TINY_SOP, path="tiny.yaml").definition
    reporter = User.objects.get(username=f"{agency.slug}.dinkes")
    start_case(
        definition,
        source=CaseSource.REPORT,
        title=f"Gangguan {agency.slug}",
        reporter=reporter,
    )
    assert Document.objects.filter(agency=agency).exists()  # step 1 issued its report
    report_disruption(
        reporter,
        location=f"Kantor {agency.slug}",
        problem=f"Gangguan {agency.slug}",
        since=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
        contact_name=f"Pelapor {agency.slug}",
        contact_phone="0812 0000 0000",
        at=dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC),
    )
    site = Site.objects.create(
        agency=agency,
        code=f"kantor-{agency.slug}",
        name=f"Kantor {agency.slug}",
        opd=Opd.objects.get(agency=agency),
    )
    device = Device.objects.create(
        agency=agency,
        name=f"Router {agency.slug}",
        kind="router",
        serial_number=f"SN-{agency.slug}",
        site=site,
    )
    device.addresses.create(agency=agency, address="10.0.0.1")
    Link.objects.create(
        agency=agency,
        a_device=device,
        medium="fibre",
        bandwidth_mbps=100,
        provider=f"ISP {agency.slug}",
    )
    agent = Agent.objects.create(
        agency=agency, name=f"Agen {agency.slug}", token_sha256=agency.slug * 8
    )
    check = Check.objects.create(
        agency=agency, name=f"Ping {agency.slug}", kind="icmp", device=device, agent=agent
    )
    Outage.objects.create(
        agency=agency,
        monitor_check=check,
        kind="down",
        started_at=dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC),
        confirmed_at=dt.datetime(2026, 11, 2, 1, 1, tzinfo=dt.UTC),
    )
    MaintenanceWindow.objects.create(
        agency=agency,
        site=site,
        starts_at=dt.datetime(2026, 11, 3, 1, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 11, 3, 3, 0, tzinfo=dt.UTC),
        reason=f"Pemeliharaan {agency.slug}",
    )
    template = ChecklistTemplate.objects.create(
        agency=agency, name=f"Router {agency.slug}", device_kind="router"
    )
    item = ChecklistItem.objects.create(
        agency=agency, template=template, position=1, kind="pass_fail", label="Lampu"
    )
    record_inspection(
        device,
        template,
        {item.pk: {"passed": "pass"}},
        User.objects.get(username=f"{agency.slug}.kadis"),
        at=dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.UTC),
    )
    EscalationPosition.objects.create(
        agency=agency, position=Position.objects.get(agency=agency, code="kadis")
    )
    SpareMinimum.objects.create(agency=agency, device_kind="router", minimum=2)
    kadis = User.objects.get(username=f"{agency.slug}.kadis")
    client = EsignClient.objects.create(
        agency=agency, base_url=f"http://esign.{agency.slug}.test", username="jaga"
    )
    Signer.objects.create(agency=agency, user=kadis, nik=f"71{agency.pk:014d}")
    Signature.objects.create(
        agency=agency,
        document=Document.objects.filter(agency=agency).earliest("pk"),
        signer=kadis,
        client=client,
        api_version=client.api_version,
        status=SignatureStatus.FAILED,
        started_at=dt.datetime(2026, 11, 5, 2, 0, tzinfo=dt.UTC),
    )
    Service.objects.create(
        agency=agency, code="pasang", name="Pemasangan", sop_code="pasang", requesters=["opd"]
    )


def test_it_registers_every_scoped_model_in_the_admin() -> None:
    names = {model.__name__ for model in scoped_models()}
    assert {
        "Agency",
        "Opd",
        "OrgUnit",
        "Position",
        "Employee",
        "ActingAssignment",
        "User",
        "SpecialPeriod",
        "NumberPattern",
        "Document",
        "Site",
        "Device",
        "Link",
        "Check",
        "MaintenanceWindow",
        "Agent",
        "Outage",
    } <= names


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m.__name__)
def test_it_lists_only_the_admins_own_agency(
    model: type[models.Model], both: tuple[Agency, Agency]
) -> None:
    mine, theirs = both
    response = login("alpha.admin").get(url(model, "changelist"))
    assert response.status_code == 200
    listed = list(response.context["cl"].queryset)
    assert listed, f"{model.__name__}: the own agency's rows are listed"
    own_ids = {row.pk for row in rows_of(model, mine)}
    assert {row.pk for row in listed} <= own_ids
    assert not {row.pk for row in rows_of(model, theirs)} & {row.pk for row in listed}


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m.__name__)
def test_it_answers_another_agencys_object_as_missing(
    model: type[models.Model], both: tuple[Agency, Agency]
) -> None:
    _, theirs = both
    client = login("alpha.admin")
    for row in rows_of(model, theirs):
        for view in ("change", "delete", "history"):
            response = client.get(url(model, view, row.pk))
            # Missing (redirect to the index), or forbidden outright (agencies cannot be
            # deleted by an agency admin): never the page.
            assert response.status_code in (302, 403), (model.__name__, view)
            if response.status_code == 302:
                assert response["Location"] == reverse("admin:index")
        response = client.post(url(model, "delete", row.pk), {"post": "yes"})
        assert response.status_code in (302, 403)
        assert model._default_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m.__name__)
def test_it_offers_only_own_agency_rows_as_choices(
    model: type[models.Model], both: tuple[Agency, Agency]
) -> None:
    mine = both[0]
    client = login("alpha.admin")
    own = rows_of(model, mine)[0]
    response = client.get(url(model, "change", own.pk))
    assert response.status_code == 200
    field_sets: list[dict[str, Any]] = [response.context["adminform"].form.fields] + [
        inline.formset.form.base_fields for inline in response.context["inline_admin_formsets"]
    ]
    for fields in field_sets:
        for name, field in fields.items():
            if isinstance(field, ModelChoiceField):
                assert field.queryset is not None
                for choice in field.queryset:
                    agency_id = (
                        choice.pk
                        if isinstance(choice, Agency)
                        else getattr(choice, "agency_id", None)
                    )
                    assert agency_id in (None, mine.pk), (model.__name__, name, choice)
    assert "agency" not in response.context["adminform"].form.fields


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m.__name__)
def test_it_never_prints_another_agencys_names_on_a_page(
    model: type[models.Model], both: tuple[Agency, Agency]
) -> None:
    """Lists (with their filters), add forms and change forms of agency alpha's admin hold
    nothing of agency beta, whose every name and login contains "beta"."""
    client = login("alpha.admin")
    own = rows_of(model, both[0])[0]
    pages = [url(model, "changelist"), url(model, "change", own.pk)]
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="alpha.admin")
    if model_admin.has_add_permission(request):
        pages.append(url(model, "add"))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "beta" not in without_random_tokens(response.content.decode()).lower(), page


def test_it_cannot_post_a_change_to_another_agencys_row(both: tuple[Agency, Agency]) -> None:
    _, theirs = both
    opd = Opd.objects.get(agency=theirs)
    response = login("alpha.admin").post(
        url(Opd, "change", opd.pk), {"name": "Dibajak", "abbreviation": "X"}
    )
    assert response.status_code == 302
    opd.refresh_from_db()
    assert opd.name == "Dinas Kesehatan"


def test_it_creates_rows_in_the_admins_agency_even_if_another_is_posted(
    both: tuple[Agency, Agency],
) -> None:
    mine, theirs = both
    response = login("alpha.admin").post(
        url(Opd, "add"),
        {
            "name": "Kecamatan Bogor Tengah",
            "abbreviation": "Kec. Bogteng",
            "agency": theirs.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Opd.objects.get(abbreviation="Kec. Bogteng").agency == mine


def test_it_reports_a_duplicate_within_the_agency_as_a_form_error(
    both: tuple[Agency, Agency],
) -> None:
    response = login("alpha.admin").post(
        url(Opd, "add"), {"name": "Dinas Kesehatan", "abbreviation": "Dinkes", "is_active": "on"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_it_rejects_an_employee_with_a_bad_nip_with_the_reason(both: tuple[Agency, Agency]) -> None:
    form = {
        "name": "Budi",
        "nip": "19671226 198613 1 002",
        "is_active": "on",
        "acting-TOTAL_FORMS": "0",
        "acting-INITIAL_FORMS": "0",
    }
    client = login("alpha.admin")
    indonesian = client.post(url(Employee, "add"), form)  # Indonesian is the default
    assert indonesian.status_code == 200
    assert "bulan pengangkatan" in str(indonesian.context["adminform"].form.errors["nip"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    english = client.post(url(Employee, "add"), form)
    assert "appointment month" in str(english.context["adminform"].form.errors["nip"])
    assert not Employee.objects.filter(name="Budi").exists()


def test_it_does_not_let_an_agency_admin_set_another_agencys_password(
    both: tuple[Agency, Agency],
) -> None:
    target = User.objects.get(username="beta.kadis")
    before = target.password
    path = reverse("admin:auth_user_password_change", args=[target.pk])
    client = login("alpha.admin")
    assert client.get(path).status_code in (302, 404)
    response = client.post(path, {"password1": "Baru-sekali-123", "password2": "Baru-sekali-123"})
    assert response.status_code in (302, 404)
    target.refresh_from_db()
    assert target.password == before


def test_it_keeps_an_agency_admin_from_granting_platform_rights(
    both: tuple[Agency, Agency],
) -> None:
    mine, _ = both
    target = User.objects.get(username="alpha.dinkes")
    response = login("alpha.admin").post(
        url(User, "change", target.pk),
        {
            "username": "alpha.dinkes",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "date_joined_0": "2026-11-01",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    target.refresh_from_db()
    assert target.is_staff
    assert not target.is_superuser
    assert target.agency == mine


def test_it_lets_a_platform_admin_see_every_agency(
    both: tuple[Agency, Agency], platform_admin: User
) -> None:
    response = login("root").get(url(Opd, "changelist"))
    assert {opd.agency.slug for opd in response.context["cl"].queryset} == {"alpha", "beta"}


@pytest.mark.parametrize("username", ["alpha.kadis", "alpha.dinkes"])
def test_it_keeps_users_who_are_not_admins_out_of_the_admin(
    username: str, both: tuple[Agency, Agency]
) -> None:
    response = login(username).get(url(Opd, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_it_checks_pages_without_their_random_tokens_only() -> None:
    html = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="xBetaQ9">'
        '<script nonce="zbetaw"></script><p>Kantor beta</p>'
    )
    stripped = without_random_tokens(html)
    assert "Beta" not in stripped
    assert "zbetaw" not in stripped
    assert "Kantor beta" in stripped
