"""Administrative changes made through code and commands are audit events too (issue 13
point 5): SOP loads, working weeks, and configuration rows saved or deleted through
``jaga.audit.changes``; a user's password hash never reaches the log."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jaga.audit.changes import delete_audited, record_saved, save_audited, snapshot
from jaga.audit.models import Event
from jaga.audit.services import record, verify
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.sop.services import content_hash, load_definition
from jaga.sop.validate import load_spec
from jaga.tenancy.calendar import RAMADAN_PERPRES_21_2023
from jaga.tenancy.models import Agency
from jaga.tenancy.services import install_default_working_hours, set_working_week
from tests.audit.admin_forms import events_since, last_seq, stored_text

pytestmark = pytest.mark.django_db

SOP = """
format: jaga-sop/1
code: tiny
identity: {nama: Uji, instansi: [DINAS]}
start: [report]
lanes:
  - {key: opd, label: OPD, reporter: true}
  - {key: kadis, label: Kadis, positions: [kadis]}
steps:
  - {no: 1, kegiatan: Lapor, lane: opd, waktu: 30 menit}
  - {no: 2, kegiatan: Tindak lanjut, lane: kadis, waktu: 1 jam}
"""


@pytest.fixture
def kadis(agency_a: Agency) -> User:
    return User.objects.get(username="alpha.kadis")


def test_it_records_an_sop_load_with_its_code_version_and_content_hash(
    agency_a: Agency, kadis: User
) -> None:
    start = last_seq(agency_a)
    first = load_definition(agency_a, SOP, path="tiny.yaml", by=kadis).definition
    event = Event.objects.get(agency=agency_a, seq=start + 1)
    assert (event.action, event.object_type, event.object_id) == (
        "sop.sopdefinition.loaded",
        "sop.sopdefinition",
        str(first.pk),
    )
    assert event.before is None
    assert event.after == {
        "code": "tiny",
        "version": 1,
        "content_hash": content_hash(load_spec(SOP, "tiny.yaml")),
        "name": "Uji",
        "number": "",
        "path": "tiny.yaml",
    }
    assert event.actor_label == "alpha.kadis"

    loaded = last_seq(agency_a)  # the load, and the catalogue's service if it starts by report
    load_definition(agency_a, SOP + "# only a comment\n", path="tiny.yaml", by=kadis)
    assert last_seq(agency_a) == loaded  # same content: nothing loaded, nothing recorded

    second = load_definition(agency_a, SOP.replace("nama: Uji", "nama: Uji dua"), path="v2")
    upgrade = Event.objects.get(agency=agency_a, seq=loaded + 1)
    assert upgrade.object_id == str(second.definition.pk)
    assert upgrade.before == {"version": 1, "content_hash": first.content_hash}
    assert upgrade.after is not None
    assert (upgrade.after["version"], upgrade.after["content_hash"]) == (
        2,
        second.definition.content_hash,
    )
    assert upgrade.actor_id is None
    assert verify(agency_a).ok


def test_it_records_an_sop_loaded_with_the_command(agency_a: Agency, tmp_path: Path) -> None:
    source = tmp_path / "tiny.yaml"
    source.write_text(SOP, encoding="utf-8")
    start = last_seq(agency_a)
    call_command("sop", "load", str(source), "--agency", "alpha", stdout=StringIO())
    event = Event.objects.get(agency=agency_a, seq=start + 1)
    assert event.action == "sop.sopdefinition.loaded"
    assert event.after is not None
    assert (event.after["code"], event.after["version"], event.after["path"]) == (
        "tiny",
        1,
        str(source),
    )
    assert (event.actor_id, event.actor_label) == (None, "")


def test_it_records_a_working_week_set_with_the_week_before_and_after(
    agency_a: Agency, kadis: User
) -> None:
    start = last_seq(agency_a)
    set_working_week(agency_a, RAMADAN_PERPRES_21_2023, by=kadis)
    event = Event.objects.get(agency=agency_a, seq=start + 1)
    assert (event.action, event.object_type, event.object_id) == (
        "tenancy.working_week.set",
        "tenancy.agency",
        str(agency_a.pk),
    )
    assert event.before is not None
    assert event.after is not None
    assert event.before["week"][4] == ["07:30-11:30", "13:00-16:30"]
    assert event.after["week"][4] == ["08:00-11:30", "12:30-15:30"]
    assert event.after["week"][5:] == [[], []]
    set_working_week(agency_a, RAMADAN_PERPRES_21_2023, by=kadis)
    assert last_seq(agency_a) == event.seq  # the same week again changes nothing


def test_it_installs_a_default_week_without_an_event_unless_asked(agency_a: Agency) -> None:
    fresh = Agency.objects.create(
        slug="gamma",
        name="Diskominfo Gamma",
        government_name="Pemerintah Kota Gamma",
        region_kind="kota",
        region_name="Kota Gamma",
        kemendagri_code="32.73",
    )
    assert install_default_working_hours(fresh)
    assert last_seq(fresh) == 0
    assert not install_default_working_hours(fresh, audited=True)  # it has hours already
    assert last_seq(fresh) == 0
    other = Agency.objects.create(
        slug="delta",
        name="Diskominfo Delta",
        government_name="Pemerintah Kota Delta",
        region_kind="kota",
        region_name="Kota Delta",
        kemendagri_code="32.74",
    )
    assert install_default_working_hours(other, audited=True)
    assert [event.action for event in events_since(other, 0)] == ["tenancy.working_week.set"]


def test_it_records_rows_saved_and_deleted_through_the_service(
    agency_a: Agency, kadis: User
) -> None:
    unit = OrgUnit.objects.get(agency=agency_a)
    start = last_seq(agency_a)
    position = Position(agency=agency_a, code="kasi", title="Kepala Seksi", unit=unit)
    save_audited(position, kadis)
    position.title = "Kepala Seksi Infrastruktur"
    save_audited(position, kadis)
    employee = Employee.objects.get(agency=agency_a)
    employee.positions.add(position)
    pk = position.pk
    delete_audited(position, kadis)
    events = events_since(agency_a, start)
    assert [(event.action, event.object_id) for event in events] == [
        ("org.position.created", str(pk)),
        ("org.position.changed", str(pk)),
        ("org.employee.changed", str(employee.pk)),  # it held the position
        ("org.position.deleted", str(pk)),
    ]
    assert (events[1].before, events[1].after) == (
        {"title": "Kepala Seksi"},
        {"title": "Kepala Seksi Infrastruktur"},
    )
    kadis_position = Position.objects.get(agency=agency_a, code="kadis")
    assert (events[2].before, events[2].after) == (
        {"positions": sorted([kadis_position.pk, pk])},
        {"positions": [kadis_position.pk]},
    )
    assert events[3].before is not None
    assert events[3].before["unit_id"] == unit.pk
    assert all(event.actor_id == kadis.pk for event in events)
    assert verify(agency_a).ok


def test_it_refuses_an_invalid_row_and_records_nothing(agency_a: Agency, kadis: User) -> None:
    start = last_seq(agency_a)
    with pytest.raises(ValidationError) as refused:
        save_audited(Opd(agency=agency_a, name="", abbreviation="X"), kadis)
    assert "name" in refused.value.message_dict
    assert last_seq(agency_a) == start


def test_it_never_lets_a_password_hash_into_an_event(agency_a: Agency, kadis: User) -> None:
    target = User.objects.get(username="alpha.dinkes")
    before = snapshot(target)
    # A raw snapshot cannot be recorded: the log refuses the internal key it hides in.
    with pytest.raises(ValueError, match="NUL"):
        record(agency=agency_a, actor=kadis, action="org.user.changed", obj=target, after=before)
    old_hash = target.password
    target.set_password("Sandi-lain-2026!")
    target.save()
    event = record_saved(target, kadis, before)
    assert event is not None
    assert (event.before, event.after) == ({}, {"password_changed": True})
    text = stored_text(event)
    assert old_hash not in text
    assert target.password not in text

    before = snapshot(target)
    target.set_unusable_password()
    target.save()
    unset = record_saved(target, kadis, before)
    assert unset is not None
    assert (unset.before, unset.after) == (
        {"has_usable_password": True},
        {"has_usable_password": False, "password_changed": True},
    )
    assert verify(agency_a).ok


def test_it_records_a_user_moved_between_agencies_in_both_chains(
    agency_a: Agency, agency_b: Agency, platform_admin: User
) -> None:
    user = User.objects.get(username="alpha.kadis")
    start_a, start_b = last_seq(agency_a), last_seq(agency_b)
    user.agency = agency_b
    save_audited(user, platform_admin)
    in_b = events_since(agency_b, start_b)
    in_a = events_since(agency_a, start_a)
    assert len(in_a) == len(in_b) == 1
    for event in (in_a[0], in_b[0]):
        assert (event.action, event.object_type, event.object_id) == (
            "org.user.changed",
            "org.user",
            str(user.pk),
        )
        assert (event.before, event.after) == (
            {"agency_id": agency_a.pk},
            {"agency_id": agency_b.pk},
        )
        assert event.actor_label == "root"
    assert verify().ok


def test_it_records_nothing_for_a_platform_administrator_without_an_agency(
    agency_a: Agency, platform_admin: User
) -> None:
    events = Event.objects.count()
    platform_admin.first_name = "Root"
    save_audited(platform_admin, platform_admin)
    assert Event.objects.count() == events
