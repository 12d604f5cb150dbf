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


def _acting_kind(employee: Employee, position: Position, on: dt.date | None) -> str:
    """ "Plt"/"Plh" when ``employee`` acts for ``position`` on local date ``on`` without
    holding it; "" when they hold it or no acting assignment covers the day."""
    if employee.positions.filter(pk=position.pk).exists():
        return ""
    acting = ActingAssignment.objects.filter(employee=employee, position=position)
    if on is not None:
        acting = acting.filter(start_date__lte=on, end_date__gte=on)
    row = acting.order_by("-start_date").first()
    return ACTING_PREFIX.get(ActingKind(row.kind), "") if row is not None else ""


def employee_signatory(
    employee: Employee, position: Position | None = None, on: dt.date | None = None
) -> dict[str, str]:
    """``employee`` signing in ``position`` (else their first position) on local date ``on``
    (the document's date: it decides whether an acting assignment covers the day)."""
    held = position or employee.positions.select_related("unit").order_by("pk").first()
    acting = _acting_kind(employee, held, on) if held is not None else ""
    title = held.title if held is not None else ""
    return {
        "name": employee.name,
        "rank": employee.rank,
        "nip": employee.nip_display,
        "position": f"{acting}. {title}" if acting and title else title,
        "unit": held.unit.name if held is not None else "",
        "acting": acting,
    }


def person(
    user: User | None, position: Position | None = None, on: dt.date | None = None
) -> dict[str, str]:
    """A signatory (shape in the module docstring): the employee linked to ``user`` in
    ``position`` (the position a step was done on behalf of, else the employee's first),
    marked Plt./Plh. when they act for it on ``on``; an OPD user without an employee
    record signs for the OPD; ``None`` gives the empty signatory (a blank line to sign)."""
    if user is None:
        return dict(EMPTY)
    employee = Employee.objects.filter(user=user).first()
    if employee is not None:
        return employee_signatory(employee, position, on)
    opd = user.opd
    return {
        **EMPTY,
        "name": user.get_full_name() or user.username,
        "position": f"Pelapor {opd.name}" if opd is not None else "",
        "unit": opd.name if opd is not None else "",
    }
