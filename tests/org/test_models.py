"""Organisation rules: units, acting officials, users."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jaga.org.models import ActingAssignment, Employee, OrgUnit, Position, User
from jaga.org.services import may_act_for, position_holders
from jaga.tenancy.models import Agency

pytestmark = pytest.mark.django_db


def test_it_lets_an_acting_official_hold_a_position_only_inside_the_date_range(
    agency_a: Agency,
) -> None:
    kadis = Position.objects.get(agency=agency_a, code="kadis")
    unit = OrgUnit.objects.create(
        agency=agency_a, name="Bidang Aptika", kind="bidang", parent=kadis.unit
    )
    kabid = Position.objects.create(
        agency=agency_a, code="kabid", title="Kepala Bidang", unit=unit, is_head=True
    )
    sekretaris = Employee.objects.create(
        agency=agency_a, name="Sekretaris", nip="19750101 200003 2 001"
    )
    sekretaris.positions.add(kabid)
    ActingAssignment.objects.create(
        agency=agency_a,
        position=kadis,
        employee=sekretaris,
        kind="plh",
        start_date=date(2026, 11, 23),
        end_date=date(2026, 11, 27),
    )
    assert may_act_for(sekretaris, kadis, date(2026, 11, 23))
    assert may_act_for(sekretaris, kadis, date(2026, 11, 27))
    assert not may_act_for(sekretaris, kadis, date(2026, 11, 28))
    assert not may_act_for(sekretaris, kadis, date(2026, 11, 22))
    holders = list(position_holders(kadis, date(2026, 11, 24)).values_list("name", flat=True))
    assert holders == ["Kadis alpha", "Sekretaris"]


def test_it_rejects_an_acting_assignment_that_ends_before_it_starts(agency_a: Agency) -> None:
    employee = Employee.objects.get(agency=agency_a)
    acting = ActingAssignment(
        agency=agency_a,
        position=employee.positions.get(),
        employee=employee,
        kind="plt",
        start_date=date(2026, 12, 1),
        end_date=date(2026, 11, 1),
    )
    with pytest.raises(ValidationError) as caught:
        acting.full_clean()
    assert "end_date" in caught.value.message_dict


def test_it_rejects_an_acting_official_of_another_agency(
    agency_a: Agency, agency_b: Agency
) -> None:
    stranger = Employee.objects.get(agency=agency_b)
    acting = ActingAssignment(
        agency=agency_a,
        position=Position.objects.get(agency=agency_a),
        employee=stranger,
        kind="plt",
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 31),
    )
    with pytest.raises(ValidationError) as caught:
        acting.full_clean()
    assert "employee" in caught.value.message_dict


def test_it_refuses_a_unit_under_its_own_descendant(agency_a: Agency) -> None:
    top = OrgUnit.objects.get(agency=agency_a, kind="dinas")
    bidang = OrgUnit.objects.create(agency=agency_a, name="Bidang", kind="bidang", parent=top)
    seksi = OrgUnit.objects.create(agency=agency_a, name="Seksi", kind="seksi", parent=bidang)
    top.parent = seksi
    with pytest.raises(ValidationError, match="under itself"):
        top.full_clean()


def test_it_allows_one_head_per_unit(agency_a: Agency) -> None:
    unit = OrgUnit.objects.get(agency=agency_a, kind="dinas")
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.create(
            agency=agency_a, code="kadis2", title="Kepala Lain", unit=unit, is_head=True
        )


def test_it_stores_a_grouped_nip_as_digits_and_prints_it_grouped(agency_a: Agency) -> None:
    employee = Employee(agency=agency_a, name="Siti Rahma, S.Kom.", nip="19880512 201101 2 003")
    employee.full_clean()
    employee.save()
    employee.refresh_from_db()
    assert employee.nip == "198805122011012003"
    assert employee.nip_display == "19880512 201101 2 003"


def test_it_requires_an_agency_for_every_user_but_the_platform_admin(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("yatim", password="x")
    assert User.objects.create_superuser("root", password="x").is_platform_admin


def test_it_rejects_a_reporter_of_another_agencys_opd(agency_a: Agency, agency_b: Agency) -> None:
    user = User.objects.get(username="alpha.dinkes")
    user.opd = User.objects.get(username="beta.dinkes").opd
    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert "opd" in caught.value.message_dict


def test_it_refuses_a_position_of_another_agency_for_an_employee(
    agency_a: Agency, agency_b: Agency
) -> None:
    employee = Employee.objects.get(agency=agency_a)
    foreign = Position.objects.get(agency=agency_b)
    with pytest.raises(ValidationError, match="same agency"), transaction.atomic():
        employee.positions.add(foreign)
    with pytest.raises(ValidationError, match="same agency"), transaction.atomic():
        foreign.employees.add(employee)
    assert list(employee.positions.values_list("agency_id", flat=True)) == [agency_a.pk]
