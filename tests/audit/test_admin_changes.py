"""Changes made in the admin to users, the organisation, number patterns, agency settings
and the working calendar are events of the agency's audit chain, with before and after
(issue 13 point 5); the chain still verifies afterwards."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.documents.models import NumberPattern
from jaga.org.models import ActingAssignment, Employee, Opd, OrgUnit, Position, User
from jaga.tenancy.models import Agency, DayOff, SpecialPeriod, WorkingHours
from tests.audit.admin_forms import events_since, last_seq, post_form, stored_text
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def url(model: type[Any], view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def only(events: list[Event]) -> Event:
    assert len(events) == 1, [event.action for event in events]
    return events[0]


def audit_verifies() -> bool:
    out, err = StringIO(), StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue().startswith("ok: ") and err.getvalue() == ""


@pytest.fixture
def admin_client(agency_a: Agency) -> Client:
    return login("alpha.admin")


@pytest.fixture
def alpha_admin(agency_a: Agency) -> User:
    return User.objects.get(username="alpha.admin")


def test_it_records_an_opd_created_changed_and_deleted_in_the_admin(
    agency_a: Agency, admin_client: Client, alpha_admin: User
) -> None:
    start = last_seq(agency_a)
    post_form(
        admin_client,
        url(Opd, "add"),
        name="Kecamatan Tengah",
        abbreviation="Kec. Tengah",
        is_active="on",
    )
    opd = Opd.objects.get(abbreviation="Kec. Tengah")
    created = only(events_since(agency_a, start))
    assert (created.action, created.object_type, created.object_id) == (
        "org.opd.created",
        "org.opd",
        str(opd.pk),
    )
    assert created.after is not None
    assert created.after["name"] == "Kecamatan Tengah"
    assert created.before is None
    assert (created.actor_id, created.actor_label) == (alpha_admin.pk, "alpha.admin")

    post_form(admin_client, url(Opd, "change", opd.pk), head_name="Drs. Firdaus")
    changed = only(events_since(agency_a, created.seq))
    assert changed.action == "org.opd.changed"
    assert (changed.before, changed.after) == ({"head_name": ""}, {"head_name": "Drs. Firdaus"})

    response = admin_client.post(url(Opd, "delete", opd.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = only(events_since(agency_a, changed.seq))
    assert deleted.action == "org.opd.deleted"
    assert deleted.before is not None
    assert deleted.before["head_name"] == "Drs. Firdaus"
    assert deleted.after is None
    assert not Opd.objects.filter(pk=opd.pk).exists()
    assert audit_verifies()


def test_it_writes_no_event_for_a_save_that_changes_nothing(
    agency_a: Agency, admin_client: Client
) -> None:
    opd = Opd.objects.get(agency=agency_a)
    start = last_seq(agency_a)
    post_form(admin_client, url(Opd, "change", opd.pk))
    assert events_since(agency_a, start) == []


def test_it_records_units_and_positions(
    agency_a: Agency, admin_client: Client, alpha_admin: User
) -> None:
    top = OrgUnit.objects.get(agency=agency_a)
    start = last_seq(agency_a)
    post_form(
        admin_client, url(OrgUnit, "add"), name="Bidang TIK", kind="bidang", parent=str(top.pk)
    )
    unit = OrgUnit.objects.get(name="Bidang TIK")
    post_form(
        admin_client,
        url(Position, "add"),
        code="kabid",
        title="Kepala Bidang TIK",
        unit=str(unit.pk),
        is_head="on",
    )
    position = Position.objects.get(code="kabid")
    post_form(admin_client, url(Position, "change", position.pk), title="Kabid Infrastruktur")
    post_form(admin_client, url(OrgUnit, "change", unit.pk), abbreviation="TIK")
    events = events_since(agency_a, start)
    assert [event.action for event in events] == [
        "org.orgunit.created",
        "org.position.created",
        "org.position.changed",
        "org.orgunit.changed",
    ]
    assert events[0].after is not None
    assert events[0].after["parent_id"] == top.pk
    assert events[1].after is not None
    assert events[1].after["unit_id"] == unit.pk
    assert (events[2].before, events[2].after) == (
        {"title": "Kepala Bidang TIK"},
        {"title": "Kabid Infrastruktur"},
    )
    assert (events[3].before, events[3].after) == ({"abbreviation": ""}, {"abbreviation": "TIK"})

    assert (
        admin_client.post(url(Position, "delete", position.pk), {"post": "yes"}).status_code == 302
    )
    assert admin_client.post(url(OrgUnit, "delete", unit.pk), {"post": "yes"}).status_code == 302
    deleted = events_since(agency_a, events[-1].seq)
    assert [(event.action, event.object_id) for event in deleted] == [
        ("org.position.deleted", str(position.pk)),
        ("org.orgunit.deleted", str(unit.pk)),
    ]
    assert deleted[0].before is not None
    assert deleted[0].before["code"] == "kabid"
    assert all(event.actor_label == "alpha.admin" for event in [*events, *deleted])
    assert verify(agency_a).ok


def test_it_records_an_employees_positions_and_acting_assignments(
    agency_a: Agency, admin_client: Client
) -> None:
    kadis = Position.objects.get(agency=agency_a, code="kadis")
    other = Position.objects.create(
        agency=agency_a, code="kasi", title="Kepala Seksi", unit=kadis.unit
    )
    start = last_seq(agency_a)
    today = timezone.localdate()
    post_form(
        admin_client,
        url(Employee, "add"),
        name="Budi Santoso, S.Kom",
        nip="",
        is_active="on",
        positions=[str(other.pk)],
        **{
            "acting-TOTAL_FORMS": "1",
            "acting-0-position": str(kadis.pk),
            "acting-0-kind": "plh",
            "acting-0-start_date": str(today),
            "acting-0-end_date": str(today + dt.timedelta(days=4)),
            "acting-0-decree_number": "800/12/Diskominfo",
        },
    )
    employee = Employee.objects.get(name="Budi Santoso, S.Kom")
    acting = ActingAssignment.objects.get(employee=employee)
    created = events_since(agency_a, start)
    assert [event.action for event in created] == [
        "org.employee.created",
        "org.actingassignment.created",
    ]
    assert created[0].after is not None
    assert created[0].after["positions"] == [other.pk]
    assert created[1].after is not None
    assert created[1].after["kind"] == "plh"
    assert created[1].after["position_id"] == kadis.pk
    assert created[1].after["start_date"] == str(today)

    post_form(admin_client, url(Employee, "change", employee.pk), positions=[str(kadis.pk)])
    changed = only(events_since(agency_a, created[-1].seq))
    assert changed.action == "org.employee.changed"
    assert (changed.before, changed.after) == (
        {"positions": [other.pk]},
        {"positions": [kadis.pk]},
    )

    post_form(admin_client, url(ActingAssignment, "change", acting.pk), kind="plt", note="Cuti")
    plt = only(events_since(agency_a, changed.seq))
    assert (plt.action, plt.before, plt.after) == (
        "org.actingassignment.changed",
        {"kind": "plh", "note": ""},
        {"kind": "plt", "note": "Cuti"},
    )

    # Deleting the employee deletes the assignment with it: both are recorded.
    assert (
        admin_client.post(url(Employee, "delete", employee.pk), {"post": "yes"}).status_code == 302
    )
    gone = events_since(agency_a, plt.seq)
    assert [(event.action, event.object_id) for event in gone] == [
        ("org.actingassignment.deleted", str(acting.pk)),
        ("org.employee.deleted", str(employee.pk)),
    ]
    assert gone[1].before is not None
    assert gone[1].before["positions"] == [kadis.pk]
    assert audit_verifies()


def test_it_records_an_acting_assignment_deleted_from_the_employees_inline(
    agency_a: Agency, admin_client: Client
) -> None:
    employee = Employee.objects.get(agency=agency_a)
    today = timezone.localdate()
    acting = ActingAssignment.objects.create(
        agency=agency_a,
        position=employee.positions.get(),
        employee=employee,
        kind="plt",
        start_date=today,
        end_date=today + dt.timedelta(days=30),
    )
    start = last_seq(agency_a)
    post_form(admin_client, url(Employee, "change", employee.pk), **{"acting-0-DELETE": "on"})
    deleted = only(events_since(agency_a, start))
    assert (deleted.action, deleted.object_id) == ("org.actingassignment.deleted", str(acting.pk))
    assert deleted.before is not None
    assert deleted.before["kind"] == "plt"
    assert not ActingAssignment.objects.filter(pk=acting.pk).exists()


def test_it_records_a_user_created_changed_and_deleted_without_the_password_hash(
    agency_a: Agency, admin_client: Client
) -> None:
    start = last_seq(agency_a)
    response = admin_client.post(
        url(User, "add"),
        {
            "username": "alpha.teknisi",
            "password1": "Kabel-serat-2026",
            "password2": "Kabel-serat-2026",
            "usable_password": "true",
            "is_staff": "",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    user = User.objects.get(username="alpha.teknisi")
    created = only(events_since(agency_a, start))
    assert (created.action, created.object_id) == ("org.user.created", str(user.pk))
    assert created.after is not None
    assert created.after["username"] == "alpha.teknisi"
    assert created.after["agency_id"] == agency_a.pk
    assert created.after["has_usable_password"] is True
    assert "password" not in created.after
    assert user.password not in stored_text(created)

    post_form(
        admin_client,
        url(User, "change", user.pk),
        first_name="Teknisi",
        is_staff="on",
    )
    changed = only(events_since(agency_a, created.seq))
    assert (changed.action, changed.before, changed.after) == (
        "org.user.changed",
        {"first_name": "", "is_staff": False},
        {"first_name": "Teknisi", "is_staff": True},
    )

    employee = Employee.objects.create(agency=agency_a, name="Teknisi", user=user)
    assert admin_client.post(url(User, "delete", user.pk), {"post": "yes"}).status_code == 302
    gone = events_since(agency_a, changed.seq)
    assert [(event.action, event.object_id) for event in gone] == [
        ("org.employee.changed", str(employee.pk)),
        ("org.user.deleted", str(user.pk)),
    ]
    assert (gone[0].before, gone[0].after) == ({"user_id": user.pk}, {"user_id": None})
    assert gone[1].before is not None
    assert gone[1].before["first_name"] == "Teknisi"
    assert "password" not in gone[1].before
    assert user.password not in stored_text(gone[1])
    assert audit_verifies()


def test_it_records_a_password_change_as_a_flag_never_the_hash(
    agency_a: Agency, admin_client: Client, alpha_admin: User
) -> None:
    target = User.objects.get(username="alpha.dinkes")
    old_hash = target.password
    start = last_seq(agency_a)
    path = reverse("admin:auth_user_password_change", args=[target.pk])
    assert admin_client.get(path).status_code == 200
    assert events_since(agency_a, start) == []  # looking changes nothing
    response = admin_client.post(
        path,
        {
            "password1": "Sandi-baru-2026!",
            "password2": "Sandi-baru-2026!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.password != old_hash
    event = only(events_since(agency_a, start))
    assert (event.action, event.object_id, event.actor_id) == (
        "org.user.changed",
        str(target.pk),
        alpha_admin.pk,
    )
    assert event.before == {}
    assert event.after == {"password_changed": True}
    text = stored_text(event)
    assert old_hash not in text
    assert target.password not in text
    assert old_hash.split("$")[-1] not in text
    assert target.password.split("$")[-1] not in text
    assert "Sandi-baru" not in text
    assert audit_verifies()


def test_it_records_a_number_pattern_created_changed_and_deleted(
    agency_a: Agency, admin_client: Client
) -> None:
    start = last_seq(agency_a)
    post_form(
        admin_client,
        url(NumberPattern, "add"),
        document_type="surat_tugas",
        pattern="{klasifikasi}/{urut}/{unit}/{tahun}",
        klasifikasi="005",
        unit_code="Diskominfo",
        digits="3",
    )
    pattern = NumberPattern.objects.get(agency=agency_a, document_type="surat_tugas")
    post_form(
        admin_client,
        url(NumberPattern, "change", pattern.pk),
        pattern="{urut}/{unit}/{bulan_romawi}/{tahun}",
    )
    assert (
        admin_client.post(url(NumberPattern, "delete", pattern.pk), {"post": "yes"}).status_code
        == 302
    )
    events = events_since(agency_a, start)
    assert [event.action for event in events] == [
        "documents.numberpattern.created",
        "documents.numberpattern.changed",
        "documents.numberpattern.deleted",
    ]
    assert events[0].after is not None
    assert events[0].after["digits"] == 3
    assert (events[1].before, events[1].after) == (
        {"pattern": "{klasifikasi}/{urut}/{unit}/{tahun}"},
        {"pattern": "{urut}/{unit}/{bulan_romawi}/{tahun}"},
    )
    assert events[2].before is not None
    assert events[2].before["pattern"] == "{urut}/{unit}/{bulan_romawi}/{tahun}"
    assert verify(agency_a).ok


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_it_records_agency_settings_and_logo_changes(
    agency_a: Agency, admin_client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    start = last_seq(agency_a)
    post_form(
        admin_client,
        url(Agency, "change", agency_a.pk),
        name="Dinas Kominfo Kota Alpha",
        letterhead="PEMERINTAH KOTA ALPHA\nDINAS KOMINFO",
        timezone="Asia/Makassar",
    )
    changed = only(events_since(agency_a, start))
    assert (changed.action, changed.object_type, changed.object_id) == (
        "tenancy.agency.changed",
        "tenancy.agency",
        str(agency_a.pk),
    )
    assert changed.before == {
        "name": "Dinas Komunikasi dan Informatika Alpha",
        "letterhead": "",
        "timezone": "Asia/Jakarta",
    }
    assert changed.after == {
        "name": "Dinas Kominfo Kota Alpha",
        "letterhead": "PEMERINTAH KOTA ALPHA\nDINAS KOMINFO",
        "timezone": "Asia/Makassar",
    }
    assert "calendar_token" not in changed.after  # changes by itself with the zone

    post_form(
        admin_client,
        url(Agency, "change", agency_a.pk),
        logo=SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
    )
    logo = only(events_since(agency_a, changed.seq))
    assert logo.before == {"logo": ""}
    assert logo.after is not None
    assert logo.after["logo"].startswith("agencies/logos/logo")
    assert audit_verifies()


def test_it_records_deactivating_an_agency_by_the_platform_admin(
    agency_a: Agency, platform_admin: User
) -> None:
    start = last_seq(agency_a)
    post_form(login("root"), url(Agency, "change", agency_a.pk), is_active=None)
    event = only(events_since(agency_a, start))
    assert (event.action, event.before, event.after) == (
        "tenancy.agency.changed",
        {"is_active": True},
        {"is_active": False},
    )
    assert (event.actor_id, event.actor_label) == (platform_admin.pk, "root")


def test_it_starts_a_new_agencys_chain_with_its_creation(platform_admin: User) -> None:
    response = login("root").post(
        url(Agency, "add"),
        {
            "slug": "gamma",
            "name": "Dinas Komunikasi dan Informatika Gamma",
            "government_name": "Pemerintah Kota Gamma",
            "region_kind": "kota",
            "region_name": "Kota Gamma",
            "kemendagri_code": "32.72",
            "timezone": "Asia/Jakarta",
            "calendar_mode": "working",
            "national_holidays": "on",
            "workinghours_set-TOTAL_FORMS": "0",
            "workinghours_set-INITIAL_FORMS": "0",
            "dayoff_set-TOTAL_FORMS": "0",
            "dayoff_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    agency = Agency.objects.get(slug="gamma")
    events = events_since(agency, 0)
    assert [(event.seq, event.action) for event in events] == [
        (1, "tenancy.agency.created"),
        (2, "tenancy.working_week.set"),
    ]
    assert events[0].after is not None
    assert events[0].after["slug"] == "gamma"
    assert events[1].before == {"week": [[], [], [], [], [], [], []]}
    assert events[1].after is not None
    assert events[1].after["week"][0] == ["07:30-12:00", "13:00-16:00"]
    assert all(event.actor_label == "root" for event in events)
    assert audit_verifies()


def test_it_records_working_hours_and_days_off_edited_on_the_agency_page(
    agency_a: Agency, admin_client: Client
) -> None:
    saturday = WorkingHours.objects.filter(agency=agency_a, period__isnull=True).count()
    monday = WorkingHours.objects.filter(agency=agency_a, period__isnull=True).order_by(
        "weekday", "start"
    )[0]
    day_off = timezone.localdate() + dt.timedelta(days=20)
    start = last_seq(agency_a)
    post_form(
        admin_client,
        url(Agency, "change", agency_a.pk),
        **{
            "workinghours_set-0-start": "08:00",
            "workinghours_set-TOTAL_FORMS": str(saturday + 1),
            f"workinghours_set-{saturday}-weekday": "5",
            f"workinghours_set-{saturday}-start": "08:00",
            f"workinghours_set-{saturday}-end": "12:00",
            f"workinghours_set-{saturday}-agency": str(agency_a.pk),
            "dayoff_set-TOTAL_FORMS": "1",
            "dayoff_set-0-date": str(day_off),
            "dayoff_set-0-name": "HUT Kota Alpha",
            "dayoff_set-0-agency": str(agency_a.pk),
        },
    )
    events = events_since(agency_a, start)
    assert [event.action for event in events] == [
        "tenancy.workinghours.changed",
        "tenancy.workinghours.created",
        "tenancy.dayoff.created",
    ]
    assert (events[0].object_id, events[0].before, events[0].after) == (
        str(monday.pk),
        {"start": "07:30:00.000000"},
        {"start": "08:00:00.000000"},
    )
    assert events[1].after is not None
    assert events[1].after["weekday"] == 5
    assert events[1].after["period_id"] is None
    assert events[2].after == {"date": str(day_off), "name": "HUT Kota Alpha"}

    dayoff = DayOff.objects.get(agency=agency_a)
    post_form(
        admin_client,
        url(Agency, "change", agency_a.pk),
        **{"dayoff_set-0-DELETE": "on", "workinghours_set-0-DELETE": "on"},
    )
    deleted = events_since(agency_a, events[-1].seq)
    assert sorted((event.action, event.object_id) for event in deleted) == [
        ("tenancy.dayoff.deleted", str(dayoff.pk)),
        ("tenancy.workinghours.deleted", str(monday.pk)),
    ]
    assert audit_verifies()


def test_it_records_a_special_period_with_its_hours_and_their_deletion(
    agency_a: Agency, admin_client: Client
) -> None:
    begins = timezone.localdate() + dt.timedelta(days=60)
    start = last_seq(agency_a)
    post_form(
        admin_client,
        url(SpecialPeriod, "add"),
        name="Ramadan",
        start_date=str(begins),
        end_date=str(begins + dt.timedelta(days=29)),
        **{"hours-TOTAL_FORMS": "0", "hours-INITIAL_FORMS": "0"},
    )
    period = SpecialPeriod.objects.get(agency=agency_a)
    events = events_since(agency_a, start)
    assert [(event.action, event.object_id) for event in events] == [
        ("tenancy.specialperiod.created", str(period.pk)),
        ("tenancy.working_week.set", str(period.pk)),
    ]
    assert events[0].after is not None
    assert events[0].after["start_date"] == str(begins)
    assert events[1].object_type == "tenancy.specialperiod"
    assert events[1].after is not None
    assert events[1].after["week"][0] == [
        "08:00-12:00",
        "12:30-15:00",
    ]

    hours = sorted(period.hours.values_list("pk", flat=True))
    assert (
        admin_client.post(url(SpecialPeriod, "delete", period.pk), {"post": "yes"}).status_code
        == 302
    )
    gone = events_since(agency_a, events[-1].seq)
    assert [(event.action, event.object_id) for event in gone] == [
        *[("tenancy.workinghours.deleted", str(pk)) for pk in hours],
        ("tenancy.specialperiod.deleted", str(period.pk)),
    ]
    assert audit_verifies()


def test_it_refuses_to_delete_a_protected_row_and_records_nothing(
    agency_a: Agency, admin_client: Client
) -> None:
    unit = OrgUnit.objects.get(agency=agency_a)  # the kadis position stands in it
    start = last_seq(agency_a)
    response = admin_client.post(url(OrgUnit, "delete", unit.pk), {"post": "yes"})
    assert response.status_code == 200  # the admin explains what protects it
    assert OrgUnit.objects.filter(pk=unit.pk).exists()
    assert events_since(agency_a, start) == []
    assert Event.objects.filter(action__startswith="org.orgunit").count() == 0
