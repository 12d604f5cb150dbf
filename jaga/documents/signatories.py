"""The people a document names, as tata naskah dinas prints them (issue 18 point 2).

A signatory is a dict of strings (frozen in ``Document.content``):

- ``name``: the name with academic titles as the employee record holds it
  ("Drs. Firdaus, M.Si"; Permendagri 1/2023, Lampiran, the signature block: the name is
  printed with its titles and without the rank in front of it);
- ``rank``: pangkat/golongan ("Pembina (IV/a)"), "" for non-civil-servant staff;
- ``nip``: grouped for print ("19671226 198603 1 002"), "" without a NIP;
- ``position``: the jabatan printed above the name, prefixed "Plt." or "Plh." when an
  acting official signs for the position (BKN SE 1/2021 and Permendagri 1/2023: an
  acting official signs with the acting kind in front of the jabatan);
- ``unit``: the organisation unit (or the OPD) the position belongs to;
- ``acting``: "Plt", "Plh" or "".

An OPD user without an employee record signs for the OPD ("Pelapor Dinas Kesehatan").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from jaga.org.models import ActingAssignment, ActingKind, Employee, Position, User

#: The printed prefix of each acting kind (Permendagri 1/2023: "Plt." / "Plh.").
ACTING_PREFIX = {ActingKind.PLT: "Plt", ActingKind.PLH: "Plh"}

EMPTY: dict[str, str] = {
    "name": "",
    "rank": "",
    "nip": "",
    "position": "",
    "unit": "",
    "acting": "",
}


def _positions(employee: Employee) -> list[Position]:
    """``employee``'s positions with their units, in id order: the prefetched ones when a
    ``Signatories`` loaded the employee, else one query."""
    cached = getattr(employee, "_prefetched_objects_cache", {}).get("positions")
    if cached is not None:
        return sorted(cached, key=lambda position: position.pk)
    return list(employee.positions.select_related("unit").order_by("pk"))


def _pk(position: Position) -> int:
    return int(position.pk)


def _acting_kind(
    employee: Employee, positions: list[Position], position: Position, on: dt.date | None
) -> str:
    """ "Plt"/"Plh" when ``employee`` (holding ``positions``) acts for ``position`` on local
    date ``on`` without holding it; "" when they hold it or no acting assignment covers
    the day."""
    if any(held.pk == position.pk for held in positions):
        return ""
    acting = ActingAssignment.objects.filter(employee=employee, position=position)
    if on is not None:
        acting = acting.filter(start_date__lte=on, end_date__gte=on)
    row = acting.order_by("-start_date").first()
    return ACTING_PREFIX.get(ActingKind(row.kind), "") if row is not None else ""


def employee_signatory(
    employee: Employee,
    position: Position | None = None,
    on: dt.date | None = None,
    positions: list[Position] | None = None,
) -> dict[str, str]:
    """``employee`` signing in ``position`` (else their first position) on local date ``on``
    (the document's date: it decides whether an acting assignment covers the day).
    ``positions``: the employee's positions with their units, when read already (in any
    order); else they are read."""
    positions = _positions(employee) if positions is None else sorted(positions, key=_pk)
    held: Position | None
    if position is None:
        held = positions[0] if positions else None
    else:  # the loaded copy carries its unit
        held = next((p for p in positions if p.pk == position.pk), position)
    acting = _acting_kind(employee, positions, held, on) if held is not None else ""
    title = held.title if held is not None else ""
    return {
        "name": employee.name,
        "rank": employee.rank,
        "nip": employee.nip_display,
        "position": f"{acting}. {title}" if acting and title else title,
        "unit": held.unit.name if held is not None else "",
        "acting": acting,
    }


class Signatories:
    """The signatories of users on local date ``on``, with each user's employee record and
    positions (units included) read once: ``load`` reads any number of users in one query
    (two when some of them hold no position), ``of`` reads a user not loaded yet by
    itself. An acting assignment is read only for a position its employee does not hold
    (the Plt./Plh. case). Documents build one per issue, so a document names many people
    without a query per person (issue 19 point 2)."""

    def __init__(self, on: dt.date | None = None) -> None:
        self.on = on
        self._employees: dict[int, Employee | None] = {}
        # Employee id -> the employee and the positions it holds, units included.
        self._held: dict[int, tuple[Employee, list[Position]]] = {}

    def load(self, users: Iterable[User | None]) -> None:
        """Read the employee records of ``users`` (None and users read before skipped)."""
        wanted = {user.pk for user in users if user is not None} - self._employees.keys()
        if not wanted:
            return
        held = Employee.positions.through.objects.filter(
            employee__user_id__in=wanted
        ).select_related("employee", "position__unit")
        for link in held:
            # Each row brings its own copy of the employee: the first is kept.
            employee = self._held.setdefault(link.employee_id, (link.employee, []))[0]
            self._held[employee.pk][1].append(link.position)
            if employee.user_id is not None:
                self._employees[employee.user_id] = employee
        rest = wanted - self._employees.keys()
        if rest:  # employees without a position, and users without an employee record
            found = {e.user_id: e for e in Employee.objects.filter(user_id__in=rest)}
            for pk in rest:
                self._employees[pk] = found.get(pk)
                if pk in found:
                    self._held[found[pk].pk] = (found[pk], [])

    def of(self, user: User | None, position: Position | None = None) -> dict[str, str]:
        """``person(user, position, self.on)`` (shape in the module docstring)."""
        if user is None:
            return dict(EMPTY)
        self.load([user])
        employee = self._employees[user.pk]
        if employee is not None:
            return employee_signatory(employee, position, self.on, self._held[employee.pk][1])
        opd = user.opd
        return {
            **EMPTY,
            "name": user.get_full_name() or user.username,
            "position": f"Pelapor {opd.name}" if opd is not None else "",
            "unit": opd.name if opd is not None else "",
        }


def person(
    user: User | None, position: Position | None = None, on: dt.date | None = None
) -> dict[str, str]:
    """A signatory (shape in the module docstring): the employee linked to ``user`` in
    ``position`` (the position a step was done on behalf of, else the employee's first),
    marked Plt./Plh. when they act for it on ``on``; an OPD user without an employee
    record signs for the OPD; ``None`` gives the empty signatory (a blank line to sign).
    To name several people, load them together in a ``Signatories``."""
    return Signatories(on).of(user, position)
