"""``import_organisation``: the atomic import of an agency's organisation from one XLSX
workbook (issue 17 point 5; docs/organisation.md; the sheets are ``jaga.org.orgsheets``).

Every row of every sheet is checked first, with the agency's units, positions, employees,
OPDs and the logins the file names loaded once (a fixed number of queries, not one per
row). If any row is bad the result lists every bad cell as (sheet, row as the spreadsheet
shows it, column, reason) and nothing is written. Otherwise everything is written in one
transaction, each created or changed row with its audit event (``jaga.audit.services.
record_many``; the admin's event shape, docs/audit.md).

Rows match what is stored and update it; anything else is created:

- a unit by its name under its parent (``induk``: name or abbreviation of a unit of the
  sheet, above or below, or a stored one);
- a position by its code;
- an employee by NIP; without a NIP, or with a NIP no one has yet, by name (the one
  stored employee of that name without a NIP);
- an OPD by its abbreviation;
- a login by its username (only this agency's: another agency's login is an error).

New logins get an unusable password: their holders set one through the administration or
a password reset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.audit.services import Change, record_many
from jaga.org.models import Employee, Opd, OrgUnit, OrgUnitKind, Position, User
from jaga.org.nip import parse_nip
from jaga.org.orgsheets import (
    EMPLOYEES,
    OPD_USERS,
    OPDS,
    POSITIONS,
    SHEETS,
    UNITS,
    BadWorkbook,
    SheetRow,
    read_workbook,
)
from jaga.tenancy.models import Agency, AgencyScoped
from jaga.web.bidi import has_bidi_controls

#: Words read as yes / no (lower case).
YES = frozenset({"ya", "y", "yes", "true", "1", "x"})
NO = frozenset({"tidak", "t", "no", "n", "false", "0"})
#: A position code as SOP lanes name it (``jaga.sop.schema.Key``).
POSITION_CODE = re.compile(r"^[a-z][a-z0-9_-]*$")
_LIST_SEPARATORS = re.compile(r"[,;\n]+")
_SPACES = re.compile(r"\s+")
BATCH = 500


class ImportConflict(BadWorkbook):
    """The checked rows could not be written because the database refused them: another
    change to the organisation was made at the same moment. Nothing was written."""


@dataclass(frozen=True)
class OrgRowError:
    """A bad cell: the sheet, the row as the spreadsheet numbers it (header = 1), the
    column's header and the reason in the user's language."""

    sheet: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.sheet}:{self.line}: {self.column}: {self.reason}"


@dataclass
class SheetCounts:
    """Rows of one sheet created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class OrgImportResult:
    """What an import did: per sheet (``orgsheets.SHEETS`` order) the rows created, updated
    and unchanged, and the usernames of the logins it created (without a password); or,
    when ``errors`` is not empty, nothing at all."""

    counts: dict[str, SheetCounts] = field(
        default_factory=lambda: {name: SheetCounts() for name in SHEETS}
    )
    new_logins: list[str] = field(default_factory=list)
    errors: list[OrgRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _key(text: str) -> str:
    """Text compared without regard to case or repeated spaces."""
    return _SPACES.sub(" ", text).strip().casefold()


class _Row:
    """One data row being checked: its cells and the errors found in it (one per column).
    Every cell holding a bidirectional control or a NUL character is an error at once."""

    def __init__(self, sheet: str, row: SheetRow, errors: list[OrgRowError]) -> None:
        self.sheet = sheet
        self.line = row.line
        self.values = row.values
        self.errors = errors
        self.bad: set[str] = set()
        for column, value in row.values.items():
            if has_bidi_controls(value):
                self.error(
                    column,
                    _(
                        "The text contains invisible characters that change its direction "
                        "(such as U+202E); type it again without them."
                    ),
                )
            elif "\x00" in value:
                self.error(column, _("The text contains a NUL character."))

    def error(self, column: str, reason: str) -> None:
        if column not in self.bad:
            self.bad.add(column)
            self.errors.append(OrgRowError(self.sheet, self.line, column, reason))

    def text(self, column: str) -> str:
        return "" if column in self.bad else self.values.get(column, "")

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value and column not in self.bad:
            self.error(column, _("A value is required."))
        return value

    def yes_no(self, column: str, default: bool) -> bool:
        text = self.text(column).lower()
        if not text:
            return default
        if text in YES:
            return True
        if text in NO:
            return False
        self.error(column, _("Write ya or tidak, not %(value)s.") % {"value": text})
        return default

    def once(self, column: str, key: Any, seen: dict[Any, tuple[str, int]], what: str) -> bool:
        """Report the row if another row of the file already had ``key``; False then."""
        first = seen.setdefault(key, (self.sheet, self.line))
        if first == (self.sheet, self.line):
            return True
        where = (
            _("row %(line)s") % {"line": first[1]}
            if first[0] == self.sheet
            else _("sheet %(sheet)s row %(line)s") % {"sheet": first[0], "line": first[1]}
        )
        self.error(
            column,
            _("%(what)s %(value)s is also on %(where)s.")
            % {"what": what, "value": self.values.get(column, ""), "where": where},
        )
        return False

    def check_fields(self, obj: models.Model, columns: dict[str, str], exclude: list[str]) -> None:
        """The model's own field checks (lengths, e-mail addresses, usernames) as errors of
        this row, in the column each field comes from."""
        try:
            obj.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.error(columns.get(name, name), " ".join(messages))


@dataclass(eq=False)
class _Plan:
    """A checked row: the object to write, its state before (None: new), whether it
    changes in a way the state cannot show yet (a reference to a row not saved yet), and
    an employee's positions."""

    sheet: str
    row: _Row
    obj: Any
    before: dict[str, Any] | None
    dirty: bool = False
    positions: list[Position] | None = None


#: Fields of a user's row left out of its audit state (docs/audit.md).
_USER_LEFT_OUT = {"password", "last_login", "date_joined"}


class _Identified(Protocol):
    @property
    def pk(self) -> Any: ...


def _state(obj: models.Model, positions: Iterable[_Identified] | None = None) -> dict[str, Any]:
    """The row's fields by attribute name as ``jaga.audit.changes.snapshot`` has them
    (without the id, an agency-owned row's agency or a user's password hash; a user's
    ``has_usable_password``), an employee's ``positions`` as sorted ids (given, so no query).
    A user's ``last_login`` and ``date_joined`` are left out: the import never sets them."""
    data: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if model_field.name == "agency" and isinstance(obj, AgencyScoped):
            continue
        if isinstance(obj, User) and model_field.name in _USER_LEFT_OUT:
            continue
        data[model_field.attname] = getattr(obj, model_field.attname)
    if positions is not None:
        data["positions"] = sorted(p.pk for p in positions)
    if isinstance(obj, User):
        data["has_usable_password"] = obj.has_usable_password()
    return data


def _split_name(name: str) -> tuple[str, str]:
    """First and last name of a login from a full name (as the demo loader does)."""
    first, _sep, last = name.partition(" ")
    return first[:150], last[:150]


class _Checker:
    """Checks the rows of all sheets against the agency's stored organisation; ``plans``
    lists what to write, sheet by sheet, and ``errors`` every bad cell."""

    def __init__(self, agency: Agency, sheets: dict[str, list[SheetRow]]) -> None:
        self.agency = agency
        self.sheets = sheets
        self.errors: list[OrgRowError] = []
        self.plans: dict[str, list[_Plan]] = {name: [] for name in SHEETS}
        self.user_plans: list[_Plan] = []
        self.usernames: dict[Any, tuple[str, int]] = {}
        # Units: None for a row of the file that could not be resolved.
        self.unit_rows: list[OrgUnit | None] = []
        self.unit_refs: dict[str, list[int]] = defaultdict(list)
        self.stored_unit_refs: dict[str, list[OrgUnit]] = defaultdict(list)
        self.positions: dict[str, Position | None] = {}
        self.opds: dict[str, Opd | None] = {}
        self.users: dict[str, User] = {}
        self.user_employee: dict[int, Employee] = {}
        self.stored_by_key: dict[tuple[int | None, str], OrgUnit] = {}
        self.seen_units: dict[Any, tuple[str, int]] = {}
        self.linked: dict[int, User] | None = None

    # -----------------------------------------------------------------------------------
    def run(self) -> None:
        self._load_users()
        self._check_units()
        self._check_positions()
        self._check_opds()
        self._check_employees()
        self._check_opd_users()

    def _load_users(self) -> None:
        names = {
            row.values.get("username", "")
            for sheet in (EMPLOYEES, OPD_USERS)
            for row in self.sheets[sheet]
        } - {""}
        listed = sorted(names)
        for start in range(0, len(listed), BATCH):
            for user in User.objects.filter(username__in=listed[start : start + BATCH]):
                self.users[user.username] = user
        ids = [user.pk for user in self.users.values()]
        for start in range(0, len(ids), BATCH):
            for employee in Employee.objects.filter(user_id__in=ids[start : start + BATCH]):
                assert employee.user_id is not None
                self.user_employee[employee.user_id] = employee

    # -----------------------------------------------------------------------------------
    # Units

    def _check_units(self) -> None:
        """Resolve each row's parent (``induk``) in dependency order: a row waits for the
        rows of the file its parent's name could be; rows left waiting go round a loop."""
        agency = self.agency
        stored = list(OrgUnit.objects.filter(agency=agency))
        for unit in stored:
            self.stored_by_key.setdefault((unit.parent_id, _key(unit.name)), unit)
            self.stored_unit_refs[_key(unit.name)].append(unit)
            if unit.abbreviation and _key(unit.abbreviation) != _key(unit.name):
                self.stored_unit_refs[_key(unit.abbreviation)].append(unit)
        rows = [_Row(UNITS, row, self.errors) for row in self.sheets[UNITS]]
        self.unit_rows = [None] * len(rows)
        for index, row in enumerate(rows):
            for column in ("nama", "singkatan"):
                text = row.text(column)
                if text and index not in self.unit_refs[_key(text)]:
                    self.unit_refs[_key(text)].append(index)
        waiting: list[set[int]] = []
        dependents: dict[int, list[int]] = defaultdict(list)
        for index, row in enumerate(rows):
            parent = row.text("induk")
            candidates = set(self.unit_refs.get(_key(parent), [])) if parent else set()
            waiting.append(candidates)
            for candidate in candidates:
                dependents[candidate].append(index)
        done = [False] * len(rows)
        ready = deque(index for index, wait in enumerate(waiting) if not wait)
        while ready:
            index = ready.popleft()
            done[index] = True
            self._plan_unit(index, rows[index])
            for dependent in dependents[index]:
                waiting[dependent].discard(index)
                if not waiting[dependent] and not done[dependent]:
                    ready.append(dependent)
        for index, row in enumerate(rows):
            if not done[index]:
                row.error(
                    "induk",
                    _("Following the parent units from this unit goes round in a loop."),
                )

    def _unit_ref(self, text: str, row: _Row, column: str) -> tuple[bool, OrgUnit | None]:
        """The unit ``text`` names (a row of the file, resolved, or a stored unit):
        ``(True, unit)``; ``(False, None)`` with an error for an unknown or ambiguous
        name, or silently when it is a row of the file that is bad itself."""
        found: dict[int, OrgUnit] = {}
        for index in self.unit_refs.get(_key(text), []):
            unit = self.unit_rows[index]
            if unit is None:
                return False, None
            found[id(unit)] = unit
        for unit in self.stored_unit_refs.get(_key(text), []):
            found[id(unit)] = unit
        if not found:
            row.error(column, _("Unknown unit %(value)s.") % {"value": text})
            return False, None
        if len(found) > 1:
            row.error(
                column,
                _(
                    "%(count)d units are named or abbreviated %(value)s; give each a "
                    "different name or abbreviation."
                )
                % {"count": len(found), "value": text},
            )
            return False, None
        return True, next(iter(found.values()))

    def _plan_unit(self, index: int, row: _Row) -> None:
        name = row.required("nama")
        kind_text = row.required("jenis")
        kind = ""
        if kind_text:
            wanted = re.sub(r"[\s_-]+", "", kind_text.lower())
            kind = next((value for value in OrgUnitKind.values if value == wanted), "")
            if not kind:
                row.error(
                    "jenis",
                    _("Unknown value %(value)s; use one of: %(allowed)s.")
                    % {"value": kind_text, "allowed": ", ".join(OrgUnitKind.values)},
                )
        parent: OrgUnit | None = None
        parent_text = row.text("induk")
        if parent_text:
            known, parent = self._unit_ref(parent_text, row, "induk")
            if not known:
                return
        if not name:
            return
        parent_key: Any = None if parent is None else (parent.pk or ("new", id(parent)))
        key = (parent_key, _key(name))
        if not row.once("nama", key, self.seen_units, _("Unit")):
            return
        unit = None
        if parent is None or parent.pk is not None:
            unit = self.stored_by_key.get((parent.pk if parent else None, _key(name)))
        before = _state(unit) if unit is not None else None
        if unit is None:
            unit = OrgUnit(agency=self.agency, parent=parent)
        unit.name = name
        unit.abbreviation = row.text("singkatan")
        if kind:
            unit.kind = kind
        row.check_fields(
            unit,
            {"name": "nama", "abbreviation": "singkatan", "kind": "jenis"},
            ["agency", "parent"],
        )
        self.unit_rows[index] = unit
        self.plans[UNITS].append(_Plan(UNITS, row, unit, before))

    # -----------------------------------------------------------------------------------
    # Positions

    def _check_positions(self) -> None:
        stored = {_key(p.code): p for p in Position.objects.filter(agency=self.agency)}
        seen: dict[Any, tuple[str, int]] = {}
        heads: dict[Any, list[tuple[_Row | None, Position]]] = defaultdict(list)
        in_file: set[int] = set()
        for sheet_row in self.sheets[POSITIONS]:
            row = _Row(POSITIONS, sheet_row, self.errors)
            code = row.required("kode").lower()
            if code and not POSITION_CODE.fullmatch(code):
                row.error(
                    "kode",
                    _(
                        "Use lower-case letters, digits, - and _, starting with a letter "
                        "(an SOP lane names the position by it)."
                    ),
                )
            elif code and not row.once("kode", code, seen, _("Position code")):
                code = ""
            title = row.required("nama_jabatan")
            unit: OrgUnit | None = None
            unit_text = row.required("unit")
            known = False
            if unit_text:
                known, unit = self._unit_ref(unit_text, row, "unit")
            is_head = row.yes_no("kepala_unit", False)
            if not code or "kode" in row.bad:
                continue
            position = stored.get(code)
            before = _state(position) if position is not None else None
            if position is None:
                position = Position(agency=self.agency, code=code)
            else:
                in_file.add(position.pk)
            self.positions[code] = position
            position.title = title
            dirty = False
            if known and unit is not None:
                dirty = unit.pk is None
                position.unit = unit
                if is_head:
                    heads[_unit_key(unit)].append((row, position))
            else:
                self.positions[code] = None
            position.is_head = is_head
            row.check_fields(
                position, {"title": "nama_jabatan", "code": "kode"}, ["agency", "unit", "code"]
            )
            self.plans[POSITIONS].append(_Plan(POSITIONS, row, position, before, dirty))
        for position in Position.objects.filter(agency=self.agency, is_head=True):
            if position.pk not in in_file:
                heads[position.unit_id].append((None, position))
        for claims in heads.values():
            if len(claims) < 2:
                continue
            for claimant, position in claims:
                if claimant is None:
                    continue
                others = ", ".join(p.code for _r, p in claims if p is not position)
                claimant.error(
                    "kepala_unit",
                    _("The unit has another head: %(others)s. A unit has one head.")
                    % {"others": others},
                )
        for position in stored.values():
            self.positions.setdefault(_key(position.code), position)

    # -----------------------------------------------------------------------------------
    # OPDs

    def _check_opds(self) -> None:
        stored = list(Opd.objects.filter(agency=self.agency))
        by_abbreviation = {_key(opd.abbreviation): opd for opd in stored}
        seen: dict[Any, tuple[str, int]] = {}
        seen_names: dict[Any, tuple[str, int]] = {}
        final_names: dict[str, list[tuple[_Row | None, Opd]]] = defaultdict(list)
        in_file: set[int] = set()
        for sheet_row in self.sheets[OPDS]:
            row = _Row(OPDS, sheet_row, self.errors)
            name = row.required("nama")
            abbreviation = row.required("singkatan")
            if name:
                row.once("nama", _key(name), seen_names, _("OPD"))
            if not abbreviation or not row.once(
                "singkatan", _key(abbreviation), seen, _("Abbreviation")
            ):
                continue
            opd = by_abbreviation.get(_key(abbreviation))
            before = _state(opd) if opd is not None else None
            if opd is None:
                opd = Opd(agency=self.agency, abbreviation=abbreviation)
            else:
                in_file.add(opd.pk)
            self.opds[_key(abbreviation)] = opd
            opd.name = name
            opd.address = row.text("alamat")
            opd.phone = row.text("telepon")
            opd.email = row.text("email")
            opd.head_name = row.text("nama_kepala")
            opd.head_title = row.text("jabatan_kepala")
            row.check_fields(
                opd,
                {
                    "name": "nama",
                    "abbreviation": "singkatan",
                    "address": "alamat",
                    "phone": "telepon",
                    "email": "email",
                    "head_name": "nama_kepala",
                    "head_title": "jabatan_kepala",
                },
                ["agency"],
            )
            if name:
                final_names[_key(name)].append((row, opd))
            self.plans[OPDS].append(_Plan(OPDS, row, opd, before))
        for opd in stored:
            if opd.pk not in in_file:
                final_names[_key(opd.name)].append((None, opd))
                self.opds.setdefault(_key(opd.abbreviation), opd)
        for claims in final_names.values():
            stored_claims = [opd for claimant, opd in claims if claimant is None]
            for claimant, _opd in claims:
                if claimant is not None and stored_claims:
                    claimant.error(
                        "nama",
                        _("Another OPD, %(other)s, has this name.")
                        % {"other": stored_claims[0].abbreviation},
                    )

    # -----------------------------------------------------------------------------------
    # Logins

    def _login(
        self, row: _Row, username: str, *, employee: Employee | None, for_opd: bool
    ) -> tuple[bool, User | None]:
        """The stored login ``username`` if the row may use it: ``(True, user)``, or
        ``(True, None)`` for a new one; ``(False, None)`` with an error otherwise."""
        if not row.once("username", username, self.usernames, _("Username")):
            return False, None
        user = self.users.get(username)
        if user is None:
            return True, None
        if user.agency_id != self.agency.pk:
            row.error(
                "username",
                _("The username %(value)s is taken by a login outside this agency.")
                % {"value": username},
            )
            return False, None
        holder = self.user_employee.get(user.pk)
        if for_opd:
            if holder is not None:
                row.error(
                    "username",
                    _("%(value)s is the login of the employee %(name)s, not of an OPD user.")
                    % {"value": username, "name": holder.name},
                )
                return False, None
            if user.opd_id is None:
                row.error(
                    "username",
                    _("%(value)s is a login of the agency's staff, not of an OPD user.")
                    % {"value": username},
                )
                return False, None
            return True, user
        if user.opd_id is not None:
            row.error(
                "username",
                _("%(value)s is the login of an OPD user.") % {"value": username},
            )
            return False, None
        if holder is not None and (employee is None or holder.pk != employee.pk):
            row.error(
                "username",
                _("%(value)s is the login of another employee, %(name)s.")
                % {"value": username, "name": holder.name},
            )
            return False, None
        return True, user

    def _new_user(self, row: _Row, username: str, name: str, email: str, phone: str) -> User:
        first, last = _split_name(name)
        user = User(
            username=username,
            agency=self.agency,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
        )
        user.set_unusable_password()
        row.check_fields(
            user,
            {
                "username": "username",
                "first_name": "nama",
                "last_name": "nama",
                "email": "email",
                "phone": "telepon",
            },
            ["agency", "opd", "password", "last_login", "date_joined"],
        )
        return user

    # -----------------------------------------------------------------------------------
    # Employees

    def _check_employees(self) -> None:
        stored = list(Employee.objects.filter(agency=self.agency))
        by_nip = {employee.nip: employee for employee in stored if employee.nip}
        by_name: dict[str, list[Employee]] = defaultdict(list)
        for employee in stored:
            by_name[_key(employee.name)].append(employee)
        held: dict[int, list[int]] = defaultdict(list)
        through = Employee.positions.through.objects.filter(employee__agency=self.agency)
        for employee_id, position_id in through.values_list("employee_id", "position_id"):
            held[employee_id].append(position_id)
        seen_nips: dict[Any, tuple[str, int]] = {}
        seen_names: dict[Any, tuple[str, int]] = {}
        claimed: dict[int, int] = {}
        for sheet_row in self.sheets[EMPLOYEES]:
            row = _Row(EMPLOYEES, sheet_row, self.errors)
            name = row.required("nama")
            nip = ""
            if "nip" in sheet_row.inexact:
                row.error(
                    "nip",
                    _(
                        "The NIP was typed as a number, and a spreadsheet keeps only 15 "
                        "digits of a number; type it as text."
                    ),
                )
            elif row.text("nip"):
                try:
                    nip = parse_nip(row.text("nip")).digits
                except ValidationError as exc:
                    row.error("nip", " ".join(exc.messages))
                else:
                    row.once("nip", nip, seen_nips, _("NIP"))
            positions = self._employee_positions(row)
            is_active = row.yes_no("aktif", True)
            match = self._match_employee(row, name, nip, by_nip, by_name, seen_names)
            if match is not None:
                first = claimed.setdefault(match.pk, row.line)
                if first != row.line:
                    row.error(
                        "nama",
                        _("This is the same employee as row %(line)s.") % {"line": first},
                    )
            username = row.text("username")
            user: User | None = None
            new_user = False
            if username:
                allowed, user = self._login(row, username, employee=match, for_opd=False)
                if allowed and user is None:
                    user = self._new_user(
                        row, username, name, row.text("email"), row.text("telepon")
                    )
                    user.is_active = is_active
                    new_user = True
                    self.user_plans.append(_Plan(EMPLOYEES, row, user, None))
                elif user is not None and not is_active and user.is_active:
                    self.user_plans.append(_Plan(EMPLOYEES, row, user, _state(user)))
                    user.is_active = False
            before = None
            if match is not None:
                employee = match
                before = _state(employee, [_Stub(pk) for pk in held[employee.pk]])
            else:
                employee = Employee(agency=self.agency)
            if user is None and not username and employee.user_id is not None and not is_active:
                linked = self._linked_users().get(employee.user_id)
                if linked is not None and linked.is_active:
                    self.user_plans.append(_Plan(EMPLOYEES, row, linked, _state(linked)))
                    linked.is_active = False
            employee.name = name
            employee.nip = nip
            employee.rank = row.text("pangkat_golongan")
            employee.phone = row.text("telepon")
            employee.email = row.text("email")
            employee.is_active = is_active
            if user is not None:
                employee.user = user
            row.check_fields(
                employee,
                {"name": "nama", "rank": "pangkat_golongan", "phone": "telepon", "email": "email"},
                ["agency", "user", "nip"],
            )
            dirty = new_user or any(p.pk is None for p in positions)
            self.plans[EMPLOYEES].append(
                _Plan(EMPLOYEES, row, employee, before, dirty, positions=positions)
            )

    def _linked_users(self) -> dict[int, User]:
        """The logins of the agency's employees, loaded once when first needed."""
        if self.linked is None:
            self.linked = {
                user.pk: user for user in User.objects.filter(employee__agency=self.agency)
            }
        return self.linked

    def _employee_positions(self, row: _Row) -> list[Position]:
        codes = list(
            dict.fromkeys(
                code.strip().lower()
                for code in _LIST_SEPARATORS.split(row.text("jabatan"))
                if code.strip()
            )
        )
        positions: list[Position] = []
        unknown: list[str] = []
        for code in codes:
            if code not in self.positions:
                unknown.append(code)
                continue
            position = self.positions[code]
            if position is not None:
                positions.append(position)
        if unknown:
            row.error(
                "jabatan",
                _("Unknown position code %(codes)s.") % {"codes": ", ".join(unknown)},
            )
        return positions

    def _match_employee(
        self,
        row: _Row,
        name: str,
        nip: str,
        by_nip: dict[str, Employee],
        by_name: dict[str, list[Employee]],
        seen_names: dict[Any, tuple[str, int]],
    ) -> Employee | None:
        if nip:
            found = by_nip.get(nip)
            if found is not None:
                return found
            unnumbered = [e for e in by_name.get(_key(name), []) if not e.nip]
            return unnumbered[0] if len(unnumbered) == 1 else None
        if "nip" in row.bad or not name:
            return None
        if not row.once("nama", _key(name), seen_names, _("Employee without a NIP")):
            return None
        same = by_name.get(_key(name), [])
        if len(same) > 1:
            row.error(
                "nip",
                _("%(count)d stored employees are named %(name)s; write the NIP to say which one.")
                % {"count": len(same), "name": name},
            )
            return None
        if len(same) == 1 and same[0].nip:
            row.error(
                "nip",
                _("The stored employee %(name)s has the NIP %(nip)s; write it to update them.")
                % {"name": same[0].name, "nip": same[0].nip_display},
            )
            return None
        return same[0] if same else None

    # -----------------------------------------------------------------------------------
    # OPD users

    def _check_opd_users(self) -> None:
        for sheet_row in self.sheets[OPD_USERS]:
            row = _Row(OPD_USERS, sheet_row, self.errors)
            username = row.required("username")
            name = row.required("nama")
            opd_text = row.required("opd")
            opd: Opd | None = None
            if opd_text:
                if _key(opd_text) not in self.opds:
                    row.error("opd", _("Unknown OPD %(value)s.") % {"value": opd_text})
                else:
                    opd = self.opds[_key(opd_text)]
            if not username:
                continue
            allowed, user = self._login(row, username, employee=None, for_opd=True)
            if not allowed:
                continue
            email, phone = row.text("email"), row.text("telepon")
            if user is None:
                user = self._new_user(row, username, name, email, phone)
                before = None
            else:
                before = _state(user)
                user.first_name, user.last_name = _split_name(name)
                user.email = email
                user.phone = phone
                row.check_fields(
                    user,
                    {
                        "first_name": "nama",
                        "last_name": "nama",
                        "email": "email",
                        "phone": "telepon",
                    },
                    ["agency", "opd", "password", "last_login", "date_joined", "username"],
                )
            dirty = False
            if opd is not None:
                user.opd = opd
                dirty = opd.pk is None
            self.plans[OPD_USERS].append(_Plan(OPD_USERS, row, user, before, dirty))


def _unit_key(unit: OrgUnit) -> Any:
    """A unit's identity: its id, or the object itself while it is not saved."""
    return unit.pk if unit.pk is not None else ("new", id(unit))


@dataclass(frozen=True)
class _Stub:
    """A position known only by its id (the stored positions of an employee)."""

    pk: int


# ---------------------------------------------------------------------------------------
# Writing


def _changed(plan: _Plan) -> bool:
    if plan.before is None or plan.dirty:
        return True
    return _state(plan.obj, plan.positions) != plan.before


def _action(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"


def _change(plan: _Plan) -> Change | None:
    """The audit event of the plan's row, written: ``created`` with the whole row (a user's
    many-to-many fields empty, as a new login has none), ``changed`` with the changed
    fields only, None when nothing changed."""
    after = _state(plan.obj, plan.positions)
    if plan.before is None:
        if isinstance(plan.obj, User):
            after = {**after, "groups": [], "user_permissions": []}
        return Change(_action(plan.obj, "created"), plan.obj, None, after)
    keys = [key for key in after if plan.before.get(key) != after[key]]
    if not keys:
        return None
    return Change(
        _action(plan.obj, "changed"),
        plan.obj,
        {key: plan.before.get(key) for key in keys},
        {key: after[key] for key in keys},
    )


def _fields(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in {"agency", *_USER_LEFT_OUT}
    ]


def _save(model: type[models.Model], plans: list[_Plan], pending: set[int]) -> None:
    """Insert the new rows and update the changed ones (``pending``: ids of the plans
    that change) of ``plans``."""
    new = [plan.obj for plan in plans if plan.before is None]
    changed = [plan.obj for plan in plans if plan.before is not None and id(plan) in pending]
    if new:
        model._default_manager.bulk_create(new, batch_size=BATCH)
    if changed:
        model._default_manager.bulk_update(changed, _fields(model), batch_size=BATCH)


def _save_units(plans: list[_Plan], pending: set[int]) -> None:
    """New units parents first (each level once its parents have ids), then changes."""
    waiting = [plan.obj for plan in plans if plan.before is None]
    while waiting:
        ready = [u for u in waiting if u.parent is None or u.parent.pk is not None]
        if not ready:  # the checks refused loops; never reached
            raise ValueError("parent units make a loop")
        OrgUnit.objects.bulk_create(ready, batch_size=BATCH)
        waiting = [u for u in waiting if u.pk is None]
    changed = [plan.obj for plan in plans if plan.before is not None and id(plan) in pending]
    if changed:
        OrgUnit.objects.bulk_update(changed, ["name", "abbreviation", "kind"], batch_size=BATCH)


def _save_positions(plans: list[_Plan], pending: set[int]) -> None:
    """Positions changed first lose their head mark, so that the heads of the file never
    meet a head it removes (``one_head_per_unit``), then new and changed rows are written."""
    changed = [plan.obj.pk for plan in plans if plan.before is not None and id(plan) in pending]
    for start in range(0, len(changed), BATCH):
        Position.objects.filter(pk__in=changed[start : start + BATCH]).update(is_head=False)
    _save(Position, plans, pending)


def _save_memberships(plans: list[_Plan]) -> None:
    through = Employee.positions.through
    stale = [
        plan.obj.pk
        for plan in plans
        if plan.before is not None and plan.before["positions"] != _state_ids(plan.positions)
    ]
    for start in range(0, len(stale), BATCH):
        through.objects.filter(employee_id__in=stale[start : start + BATCH]).delete()
    rewritten = set(stale)
    rows = [
        through(employee_id=plan.obj.pk, position_id=position.pk)
        for plan in plans
        if plan.before is None or plan.obj.pk in rewritten
        for position in plan.positions or []
    ]
    through.objects.bulk_create(rows, batch_size=BATCH)


def _state_ids(positions: list[Position] | None) -> list[Any]:
    return sorted(p.pk for p in positions or [])


def _count(result: OrgImportResult, sheet: str, plans: list[_Plan]) -> None:
    counts = result.counts[sheet]
    for plan in plans:
        if plan.before is None:
            counts.created += 1
        elif _changed(plan):
            counts.updated += 1
        else:
            counts.unchanged += 1


def _write(checker: _Checker, actor: User | None, at: dt.datetime) -> OrgImportResult:
    result = OrgImportResult()
    plans = checker.plans
    for sheet in SHEETS:
        _count(result, sheet, plans[sheet])
    employee_users = checker.user_plans
    result.new_logins = [
        plan.obj.username for plan in [*employee_users, *plans[OPD_USERS]] if plan.before is None
    ]
    # Whether a plan changes is decided before writing: a written row compares equal.
    pending = {
        id(plan)
        for sheet in SHEETS
        for plan in [*plans[sheet], *employee_users]
        if plan.before is None or _changed(plan)
    }
    _save_units(plans[UNITS], pending)
    _save(Opd, plans[OPDS], pending)
    _save_positions(plans[POSITIONS], pending)
    _save(User, employee_users, pending)
    _save(User, plans[OPD_USERS], pending)
    _save(Employee, plans[EMPLOYEES], pending)
    _save_memberships(plans[EMPLOYEES])
    changes: list[Change] = []
    for plan in [
        *plans[UNITS],
        *plans[OPDS],
        *plans[POSITIONS],
        *employee_users,
        *plans[OPD_USERS],
        *plans[EMPLOYEES],
    ]:
        if id(plan) in pending:
            change = _change(plan)
            if change is not None:
                changes.append(change)
    record_many(agency=checker.agency, actor=actor, changes=changes, at=at)
    return result


def import_organisation(agency: Agency, actor: User | None, file_bytes: bytes) -> OrgImportResult:
    """Import the organisation workbook ``file_bytes`` into ``agency`` as ``actor`` (None:
    the system): every row of every sheet, or nothing.

    Raises ``orgsheets.BadWorkbook`` when the file is not the workbook (not XLSX, a sheet
    or column missing, a sheet over ``orgsheets.MAX_ROWS`` rows), and its subclass
    ``ImportConflict`` when the database refuses the checked rows (a concurrent change:
    a username or NIP taken meanwhile); nothing is written then. Returns an
    ``OrgImportResult`` whose ``errors`` list every bad cell, sorted by sheet and row
    (then nothing was written), else the rows created, updated and unchanged per sheet
    and the logins created. The checks: required cells, valid NIPs (``jaga.org.nip``)
    unique in the file (the agency's are matched), known units, positions and OPDs (of
    the file or stored), no two units of one name under one parent, no loop of parent
    units, one head per unit, position codes SOP lanes can name and unique, OPD names
    and abbreviations unique, usernames unique in the file and not another agency's or
    another person's login, valid e-mail addresses, field lengths, no bidirectional
    control characters (``jaga.web.bidi``)."""
    sheets = read_workbook(file_bytes)
    checker = _Checker(agency, sheets)
    checker.run()
    if checker.errors:
        order = {name: index for index, name in enumerate(SHEETS)}
        columns = {name: [c.header for c in cols] for name, cols in SHEETS.items()}
        checker.errors.sort(
            key=lambda e: (
                order[e.sheet],
                e.line,
                columns[e.sheet].index(e.column) if e.column in columns[e.sheet] else 99,
            )
        )
        return OrgImportResult(errors=checker.errors)
    try:
        with transaction.atomic():
            return _write(checker, actor, timezone.now())
    except IntegrityError as exc:
        raise ImportConflict(
            _(
                "Nothing was imported: the database refused a row (%(error)s). The "
                "organisation was probably changed at the same moment; upload the workbook "
                "again."
            )
            % {"error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        ) from exc
