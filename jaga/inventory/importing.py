"""``import_rows``: an atomic import of sites, devices or links (see ``jaga.inventory.tabular``
for the columns and the file formats, docs/inventory.md for the rules).

Every row is checked before anything is written, with the agency's sites, OPDs and devices
loaded once (a constant number of queries, not one per row). If any row is bad the result
lists every bad cell and nothing is written. Otherwise new rows are bulk-inserted, changed
ones bulk-updated, and each created or changed row gets its audit event, all in one
transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jaga.inventory.models import (
    Device,
    DeviceAddress,
    DeviceKind,
    DeviceStatus,
    Link,
    LinkMedium,
    Site,
)
from jaga.inventory.services import normalise_addresses, record_change, snapshot
from jaga.inventory.tabular import (
    BATCH,
    FIELD_COLUMNS,
    NO,
    YES,
    Format,
    ImportResult,
    Kind,
    RowError,
    read_table,
)
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency

_SIX_PLACES = Decimal("0.000001")
_ADDRESS_SEPARATORS = re.compile(r"[;,\s]+")


class _Row:
    """One data row being checked: its cells and the errors found in it (one per column)."""

    def __init__(self, kind: Kind, line: int, values: dict[str, str], errors: list[RowError]):
        self.kind = kind
        self.line = line
        self.values = values
        self.errors = errors
        self.bad: set[str] = set()

    def error(self, column: str, reason: str) -> None:
        if column not in self.bad:
            self.bad.add(column)
            self.errors.append(RowError(self.line, column, reason))

    def text(self, column: str) -> str:
        return self.values.get(column, "")

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            self.error(column, _("A value is required."))
        return value

    def choice(
        self,
        column: str,
        choices: type[models.TextChoices],
        default: str | None = None,
    ) -> str:
        """The choice's value, matched on value or label, ignoring case, spaces and
        dashes; the default for an empty cell (else a value is required)."""
        text = self.text(column)
        if not text:
            if default is not None:
                return default
            self.required(column)
            return ""
        key = re.sub(r"[\s/-]+", "_", text.lower())
        for value, label in choices.choices:
            if key == value or text.lower() == str(label).lower():
                return str(value)
        self.error(
            column,
            _("Unknown value %(value)s; use one of: %(allowed)s.")
            % {"value": text, "allowed": ", ".join(choices.values)},
        )
        return ""

    def yes_no(self, column: str) -> bool:
        text = self.text(column).lower()
        if text in YES:
            return True
        if text not in NO:
            self.error(column, _("Write ya or tidak, not %(value)s.") % {"value": text})
        return False

    def decimal(self, column: str) -> Decimal | None:
        """A number with a decimal point (or, as Indonesian writes it, a decimal comma),
        rounded to 6 places; None for an empty cell."""
        text = self.text(column)
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            return number.quantize(_SIX_PLACES)
        except InvalidOperation:
            self.error(column, _("%(value)s is not a number.") % {"value": self.text(column)})
            return None

    def positive_int(self, column: str) -> int | None:
        text = self.required(column)
        if not text:
            return None
        if not text.isdigit() or int(text) < 1:
            self.error(column, _("%(value)s is not a whole number above 0.") % {"value": text})
            return None
        return int(text)

    def check_fields(self, obj: models.Model, exclude: list[str]) -> None:
        """The model's own field checks (lengths, choices, ranges) as errors of this row,
        except in columns that already have one."""
        try:
            obj.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.error(FIELD_COLUMNS[self.kind].get(name, name), " ".join(messages))

    def once(self, column: str, key: Any, seen: dict[Any, int], what: str) -> None:
        """Report the row if another row of the file already had ``key``."""
        first = seen.setdefault(key, self.line)
        if first != self.line:
            self.error(
                column,
                _("%(what)s %(value)s is also on line %(line)s.")
                % {"what": what, "value": self.text(column), "line": first},
            )


@dataclass(eq=False)
class _Plan:
    """A checked row: the object to write, its snapshot before (None: new) and, for a
    device, its management addresses and its uplink device."""

    line: int
    obj: Any
    before: dict[str, Any] | None
    addresses: list[str] | None = None
    uplink: Device | None = None


# ---------------------------------------------------------------------------------------
# Checking


def _plan_sites(
    agency: Agency, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> list[_Plan]:
    opds: dict[str, Opd] = {}
    for each in Opd.objects.filter(agency=agency):
        opds[each.abbreviation.lower()] = each
        opds.setdefault(each.name.lower(), each)
    existing = {site.code: site for site in Site.objects.filter(agency=agency)}
    seen: dict[Any, int] = {}
    plans = []
    for line, values in rows:
        row = _Row("sites", line, values, errors)
        code = row.required("kode_situs")
        if code:
            try:
                validate_slug(code)
            except ValidationError:
                row.error("kode_situs", _("Use only letters, digits, - and _."))
            row.once("kode_situs", code, seen, _("Site code"))
        row.required("nama")
        is_store = row.yes_no("gudang")
        opd: Opd | None = None
        if row.text("opd"):
            opd = opds.get(row.text("opd").lower())
            if opd is None:
                row.error("opd", _("Unknown OPD %(value)s.") % {"value": row.text("opd")})
        site = existing.get(code)
        before = snapshot(site) if site is not None else None
        if site is None:
            site = Site(agency=agency, code=code)
        site.name = row.text("nama")
        site.opd = opd
        site.address = row.text("alamat")
        site.latitude = row.decimal("lintang")
        site.longitude = row.decimal("bujur")
        site.contact_name = row.text("kontak")
        site.contact_phone = row.text("telepon")
        site.is_store = is_store
        row.check_fields(site, ["agency", "opd"])
        plans.append(_Plan(line, site, before))
    return plans


def _plan_devices(
    agency: Agency, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> list[_Plan]:
    sites = {site.code: site for site in Site.objects.filter(agency=agency)}
    existing = {
        device.serial_number: device
        for device in Device.objects.filter(agency=agency).exclude(serial_number="")
    }
    stored_addresses: dict[int, list[str]] = {}
    for device_id, address in DeviceAddress.objects.filter(agency=agency).values_list(
        "device_id", "address"
    ):
        stored_addresses.setdefault(device_id, []).append(address)
    in_file = {values.get("nomor_seri", "") for _line, values in rows} - {""}
    seen: dict[Any, int] = {}
    plans: list[_Plan] = []
    by_serial: dict[str, Device] = {}
    checked: list[tuple[_Row, _Plan, str]] = []
    for line, values in rows:
        row = _Row("devices", line, values, errors)
        row.required("nama")
        kind = row.choice("jenis", DeviceKind)
        status = row.choice("status", DeviceStatus, default=DeviceStatus.IN_SERVICE)
        serial = row.text("nomor_seri")
        if serial:
            row.once("nomor_seri", serial, seen, _("Serial number"))
        site = None
        code = row.required("kode_situs")
        if code:
            site = sites.get(code)
            if site is None:
                row.error("kode_situs", _("Unknown site %(value)s.") % {"value": code})
        addresses: list[str] = []
        bad = []
        for text in _ADDRESS_SEPARATORS.split(row.text("ip_manajemen")):
            if text:
                try:
                    addresses += normalise_addresses([text])
                except ValueError:
                    bad.append(text)
        if bad:
            row.error(
                "ip_manajemen",
                _("Not an IP address: %(values)s.") % {"values": ", ".join(bad)},
            )
        uplink = row.text("uplink")
        if uplink and uplink == serial:
            row.error("uplink", _("A device cannot be its own uplink."))
        elif uplink and uplink not in in_file and uplink not in existing:
            row.error("uplink", _("Unknown device %(value)s.") % {"value": uplink})
        device = existing.get(serial) if serial else None
        before = None
        if device is not None:
            before = snapshot(device, addresses=stored_addresses.get(device.pk, []))
        else:
            device = Device(agency=agency)
        device.name = row.text("nama")
        device.kind = kind
        device.vendor = row.text("vendor")
        device.model = row.text("model")
        device.serial_number = serial
        device.asset_code = row.text("kode_barang")
        device.status = status
        if site is not None:
            device.site = site
        device.notes = row.text("catatan")
        row.check_fields(device, ["agency", "site", "uplink"])
        plan = _Plan(line, device, before, addresses=sorted(set(addresses)))
        plans.append(plan)
        if serial and serial not in by_serial:
            by_serial[serial] = device
        checked.append((row, plan, uplink))
    for row, plan, uplink in checked:
        if uplink and "uplink" not in row.bad:
            plan.uplink = by_serial.get(uplink) or existing[uplink]
    _check_loops(agency, checked)
    return plans


def _check_loops(agency: Agency, checked: list[tuple[_Row, _Plan, str]]) -> None:
    """Report rows whose uplink chain, with the file applied to the stored devices, comes
    back to the row's device."""
    parent: dict[object, object] = {
        ("pk", pk): (("pk", up) if up is not None else None)
        for pk, up in Device.objects.filter(agency=agency).values_list("pk", "uplink_id")
    }

    def key(device: Device) -> object:
        return ("pk", device.pk) if device.pk is not None else ("new", id(device))

    for _row, plan, _uplink in checked:
        parent[key(plan.obj)] = key(plan.uplink) if plan.uplink is not None else None
    safe: set[object] = set()
    for row, plan, _uplink in checked:
        start = key(plan.obj)
        path: list[object] = []
        node: object = parent.get(start)
        while node is not None and node not in safe and node != start and node not in path:
            path.append(node)
            node = parent.get(node)
        if node == start:
            row.error("uplink", _("These uplinks make a loop."))
        elif node is None or node in safe:
            safe.update(path)


def _plan_links(
    agency: Agency, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> list[_Plan]:
    devices = {
        device.serial_number: device
        for device in Device.objects.filter(agency=agency).exclude(serial_number="")
    }
    existing = {
        (link.provider, link.circuit_id): link
        for link in Link.objects.filter(agency=agency).exclude(circuit_id="")
    }
    seen: dict[Any, int] = {}
    plans = []
    for line, values in rows:
        row = _Row("links", line, values, errors)
        ends: list[Device | None] = []
        for column in ("perangkat_a", "perangkat_b"):
            serial = row.required(column) if column == "perangkat_a" else row.text(column)
            device = devices.get(serial) if serial else None
            if serial and device is None:
                row.error(column, _("Unknown device %(value)s.") % {"value": serial})
            ends.append(device)
        a_device, b_device = ends
        if row.text("perangkat_b") and row.text("perangkat_b") == row.text("perangkat_a"):
            row.error("perangkat_b", _("A link joins two different devices."))
        medium = row.choice("media", LinkMedium)
        bandwidth = row.positive_int("bandwidth_mbps")
        provider = row.text("penyedia")
        if not row.text("perangkat_b") and not provider:
            row.error("penyedia", _("A link to an ISP names the provider."))
        circuit = row.text("id_sirkuit")
        if circuit:
            row.once("id_sirkuit", (provider, circuit), seen, _("Circuit id"))
        link = existing.get((provider, circuit)) if circuit else None
        before = snapshot(link) if link is not None else None
        if link is None:
            link = Link(agency=agency)
        if a_device is not None:
            link.a_device = a_device
        link.b_device = b_device
        link.medium = medium
        link.bandwidth_mbps = bandwidth or 1
        link.provider = provider
        link.circuit_id = circuit
        link.notes = row.text("catatan")
        row.check_fields(link, ["agency", "a_device", "b_device"])
        plans.append(_Plan(line, link, before))
    return plans


# ---------------------------------------------------------------------------------------
# Writing


def _fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "agency"]


def _after(plan: _Plan) -> dict[str, Any]:
    return (
        snapshot(plan.obj, addresses=plan.addresses)
        if plan.addresses is not None
        else snapshot(plan.obj)
    )


def _write(
    model: type[models.Model], plans: list[_Plan], user: User | None, at: dt.datetime
) -> ImportResult:
    result = ImportResult()
    fields = _fields(model)
    deferred: list[_Plan] = []  # devices whose uplink is created by this import
    for plan in plans:
        if isinstance(plan.obj, Device):
            if plan.uplink is not None and plan.uplink.pk is None:
                deferred.append(plan)
                plan.obj.uplink = None
            else:
                plan.obj.uplink = plan.uplink
    new = [plan.obj for plan in plans if plan.before is None]
    model._default_manager.bulk_create(new, batch_size=BATCH)
    changed = [
        plan
        for plan in plans
        if plan.before is not None and (plan in deferred or _after(plan) != plan.before)
    ]
    model._default_manager.bulk_update([plan.obj for plan in changed], fields, batch_size=BATCH)
    for plan in deferred:
        plan.obj.uplink = plan.uplink
    if deferred:
        Device.objects.bulk_update([plan.obj for plan in deferred], ["uplink"], batch_size=BATCH)
    if model is Device:
        _write_addresses(plans)
    for plan in plans:
        after = _after(plan)
        if plan.before is None:
            result.created += 1
        elif after != plan.before:
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        record_change(plan.obj, user, plan.before, after=after, at=at)
    return result


def _write_addresses(plans: list[_Plan]) -> None:
    stale = [
        plan
        for plan in plans
        if plan.before is not None and plan.before.get("management_ips") != plan.addresses
    ]
    DeviceAddress.objects.filter(device__in=[plan.obj.pk for plan in stale]).delete()
    rows = [
        DeviceAddress(agency_id=plan.obj.agency_id, device=plan.obj, address=address)
        for plan in plans
        if plan.before is None or plan in stale
        for address in plan.addresses or []
    ]
    DeviceAddress.objects.bulk_create(rows, batch_size=BATCH)


_PLANNERS = {
    "sites": (_plan_sites, Site),
    "devices": (_plan_devices, Device),
    "links": (_plan_links, Link),
}


def import_rows(
    agency: Agency, user: User | None, kind: Kind, file_bytes: bytes, fmt: Format
) -> ImportResult:
    """Import a CSV or XLSX file of ``kind`` into ``agency`` as ``user``: all rows or none.

    Raises ``tabular.BadFile`` when the file cannot be read or its header is wrong;
    returns an ``ImportResult`` whose ``errors`` list every bad cell (then nothing was
    written), else the counts of rows created, updated and unchanged."""
    if kind not in _PLANNERS:
        raise ValueError(f"unknown kind {kind!r}")
    planner, model = _PLANNERS[kind]
    rows = read_table(kind, file_bytes, fmt)
    errors: list[RowError] = []
    plans = planner(agency, rows, errors)
    if errors:
        errors.sort(key=lambda error: error.line)
        return ImportResult(errors=errors)
    for plan in plans:
        plan.obj.agency = agency  # saves a query per audit event for rows loaded as is
    at = timezone.now()
    with transaction.atomic():
        return _write(model, plans, user, at)
