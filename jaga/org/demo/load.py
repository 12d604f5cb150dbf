"""Writes the demo agencies into the database, idempotently.

Rows are matched on natural keys (agency slug, unit name under its parent, position code,
NIP or login, OPD abbreviation, username) and updated in place, so running ``jaga demo``
again changes nothing. Passwords are set only when a login is created.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from jaga.org.demo.schema import DemoAgency, DemoEmployee
from jaga.org.models import Employee, Opd, OrgUnit, Position, User
from jaga.org.nip import normalize_nip
from jaga.tenancy.models import Agency
from jaga.tenancy.services import install_default_working_hours

REPORTER_ROLE = "Pelapor OPD"


@dataclass(frozen=True)
class DemoLogin:
    """A login printed by ``jaga demo``: agency slug, username and what it is for."""

    agency: str
    username: str
    role: str


def _user(agency: Agency | None, username: str, password: str, **fields: object) -> User:
    """Create or update a login; ``password`` is an already hashed password, set only when
    the login is created (hashing once keeps ``jaga demo`` fast)."""
    user, created = User.objects.update_or_create(
        username=username, defaults={"agency": agency, **fields}
    )
    if created:
        user.password = password
        user.save(update_fields=["password"])
    return user


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first[:150], last[:150]


def _employee(agency: Agency, person: DemoEmployee, password: str) -> Employee:
    first, last = _split_name(person.name)
    user = _user(
        agency,
        person.username,
        password,
        first_name=first,
        last_name=last,
        email=person.email,
        phone=person.phone,
    )
    employee, _ = Employee.objects.update_or_create(
        agency=agency,
        user=user,
        defaults={
            "name": person.name,
            "nip": normalize_nip(person.nip or ""),
            "rank": person.rank,
            "phone": person.phone,
            "email": person.email,
        },
    )
    return employee


def load_agency(data: DemoAgency, password: str) -> list[DemoLogin]:
    """Create or update one demo agency with its units, positions, employees, OPDs and
    logins, in one transaction; ``password`` is already hashed. Returns its logins."""
    logins: list[DemoLogin] = []
    with transaction.atomic():
        agency, _ = Agency.objects.update_or_create(
            slug=data.slug,
            defaults={
                "name": data.name,
                "short_name": data.short_name,
                "government_name": data.government_name,
                "region_kind": data.region_kind,
                "region_name": data.region_name,
                "town": data.town,
                "kemendagri_code": data.kemendagri_code,
                "address": data.address,
                "phone": data.phone,
                "email": data.email,
                "website": data.website,
                "timezone": data.timezone,
                "letterhead": "\n".join(data.letterhead),
            },
        )
        install_default_working_hours(agency)
        _user(
            agency,
            data.admin_username,
            password,
            is_staff=True,
            first_name="Admin",
            last_name=data.short_name[:150],
        )
        logins.append(DemoLogin(data.slug, data.admin_username, "Admin instansi"))
        # The help desk (issue 17 point 2): records calls, WhatsApp messages, letters and
        # visits to the desk as requests, through the group's permission.
        desk = _user(
            agency,
            f"{data.slug}.helpdesk",
            password,
            first_name="Meja Layanan",
            last_name=data.short_name[:150],
        )
        desk.groups.add(help_desk_group())
        logins.append(DemoLogin(data.slug, desk.username, HELP_DESK_ROLE))

        units: dict[str, OrgUnit] = {}
        for unit in data.units:  # parents come before their children
            units[unit.key], _ = OrgUnit.objects.update_or_create(
                agency=agency,
                parent=units[unit.parent] if unit.parent else None,
                name=unit.name,
                defaults={"kind": unit.kind, "abbreviation": unit.abbreviation},
            )
        for spec in data.positions:
            position, _ = Position.objects.update_or_create(
                agency=agency,
                code=spec.key,
                defaults={"title": spec.title, "unit": units[spec.unit], "is_head": spec.is_head},
            )
            for person in spec.holders:
                employee = _employee(agency, person, password)
                employee.positions.add(position)
                logins.append(DemoLogin(data.slug, person.username, spec.title))

        for opd_data in data.opds:
            opd, _ = Opd.objects.update_or_create(
                agency=agency,
                abbreviation=opd_data.abbreviation,
                defaults={
                    "name": opd_data.name,
                    "address": opd_data.address,
                    "phone": opd_data.phone,
                    "head_name": opd_data.head_name,
                    "head_title": opd_data.head_title,
                },
            )
            reporter = opd_data.reporter
            first, last = _split_name(reporter.name)
            _user(
                agency,
                reporter.username,
                password,
                opd=opd,
                first_name=first,
                last_name=last,
                email=reporter.email,
                phone=reporter.phone,
            )
            logins.append(DemoLogin(data.slug, reporter.username, REPORTER_ROLE))
    return logins


PLATFORM_ADMIN = "admin"
#: The role printed for each agency's help-desk login.
HELP_DESK_ROLE = "Meja layanan (help desk)"
#: The group whose members record requests on a caller's behalf.
HELP_DESK_GROUP = "Meja Layanan"


def help_desk_group() -> Group:
    """The group "Meja Layanan" with the permission ``workflow.record_request`` (created
    when missing)."""
    group, _ = Group.objects.get_or_create(name=HELP_DESK_GROUP)
    group.permissions.add(
        Permission.objects.get(codename="record_request", content_type__app_label="workflow")
    )
    return group


def load_demo(agencies: tuple[DemoAgency, ...], password: str) -> list[DemoLogin]:
    """Load a platform administrator ``admin`` and every agency of ``agencies`` (each in
    its own transaction); ``password`` is the plain password of logins it creates."""
    hashed = make_password(password)
    _user(None, PLATFORM_ADMIN, hashed, is_staff=True, is_superuser=True)
    logins = [DemoLogin("*", PLATFORM_ADMIN, "Admin platform")]
    return logins + [login for agency in agencies for login in load_agency(agency, hashed)]
