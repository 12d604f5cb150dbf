"""``import_rows``: an atomic import of sites, devices or links (see ``jaga.inventory.tabular``
for the columns and the file formats, docs/inventory.md for the rules).

Every row is checked before anything is written, with the agency's sites, OPDs and devices
loaded once (a constant number of queries, not one per row). If any row is bad the result
lists every bad cell and nothing is written. Otherwise new rows are bulk-inserted, changed
ones bulk-updated, and each created or changed row gets its audit event, all in one
transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    validate_slug,
)
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jaga.audit.services import Change, record_many
from jaga.inventory import bulk
from jaga.inventory.models import (
    Device,
    DeviceAddress,
    DeviceKind,
    DeviceStatus,
    Link,
    LinkMedium,
    Site,
)
from jaga.inventory.rows import Plan, Row
from jaga.inventory.services import change_of, normalise_addresses, snapshot
from jaga.inventory.tabular import (
    BATCH,
    Format,
    ImportResult,
    Kind,
    RowError,
    read_table,
)
from jaga.org.models import Opd, User
from jaga.tenancy.models import Agency

#: How a caller follows an import: ``progress(stage, done, total)`` with ``stage``
#: ``"checking"`` (``done`` of ``total`` rows checked) or ``"writing"`` (all checked).
Progress = Callable[[str, int, int], None]
#: Rows checked between two calls of ``progress``.
PROGRESS_EVERY = 2000


_ADDRESS_SEPARATORS = re.compile(r"[;,\s]+")


# ---------------------------------------------------------------------------------------
# Checking


def _plan_sites(
    agency: Agency,
    rows: list[tuple[int, dict[str, str]]],
    errors: list[RowError],
    progress: Progress | None = None,
) -> list[Plan]:
    opds: dict[str, Opd] = {}
    for each in Opd.objects.filter(agency=agency):
        opds[each.abbreviation.lower()] = each
        opds.setdefault(each.name.lower(), each)
    existing = {site.code: site for site in Site.objects.filter(agency=agency)}
    seen: dict[Any, int] = {}
    plans = []
    language = translation.get_language()
    for index, (line, values) in enumerate(rows):
        _tick(progress, index, len(rows))
        row = Row("sites", line, values, errors, language)
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
        plans.append(Plan(line, site, before))
    return plans


def _plan_devices(
    agency: Agency,
    rows: list[tuple[int, dict[str, str]]],
    errors: list[RowError],
    progress: Progress | None = None,
) -> list[Plan]:
    """A row matches the stored device with its serial number; a device without one is
    known by its site and name (issue 13: re-importing a file must not duplicate devices
    without a serial), and a row with a new serial number takes over the one stored device
    without a serial at its site with its name. The uplink is found by ``_resolve_uplinks``."""
    sites = {site.code: site for site in Site.objects.filter(agency=agency)}
    stored = list(Device.objects.filter(agency=agency))
    existing = {device.serial_number: device for device in stored if device.serial_number}
    unnumbered: dict[tuple[int, str], list[Device]] = {}
    for each in stored:
        if not each.serial_number:
            unnumbered.setdefault((each.site_id, each.name), []).append(each)
    stored_addresses: dict[int, list[str]] = {}
    for device_id, address in DeviceAddress.objects.filter(agency=agency).values_list(
        "device_id", "address"
    ):
        stored_addresses.setdefault(device_id, []).append(address)
    seen: dict[Any, int] = {}
    named: dict[Any, int] = {}
    plans: list[Plan] = []
    checked: list[tuple[Row, Plan, str]] = []
    language = translation.get_language()
    for index, (line, values) in enumerate(rows):
        _tick(progress, index, len(rows))
        row = Row("devices", line, values, errors, language)
        name = row.required("nama")
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
        device: Device | None = existing.get(serial) if serial else None
        if device is None and site is not None and name:
            device = _unnumbered(row, unnumbered.get((site.pk, name), []), serial, named)
        before = None
        if device is not None:
            before = snapshot(device, addresses=stored_addresses.get(device.pk, []))
        else:
            device = Device(agency=agency)
        device.name = name
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
        plan = Plan(line, device, before, addresses=sorted(set(addresses)))
        plans.append(plan)
        checked.append((row, plan, row.text("uplink")))
    _resolve_uplinks(stored, checked)
    _check_loops(agency, checked)
    return plans


def _unnumbered(
    row: Row, candidates: list[Device], serial: str, named: dict[Any, int]
) -> Device | None:
    """The stored device without a serial number that the row (site and name) is, if
    exactly one is; several make an error of a row without a serial number. A second row
    of the file for the same device is an error too."""
    if len(candidates) > 1:
        if not serial:
            row.error(
                "nomor_seri",
                _(
                    "%(count)d devices without a serial number are named %(name)s at site "
                    "%(site)s; give each its serial number."
                )
                % {
                    "count": len(candidates),
                    "name": row.text("nama"),
                    "site": row.text("kode_situs"),
                },
            )
        return None
    if not candidates and serial:
        return None
    key = (row.text("kode_situs"), row.text("nama"))
    first = named.setdefault(key, row.line)
    if first != row.line:
        row.error(
            "nama",
            _(
                "A device without a serial number is known by its site and name: "
                "%(name)s at %(site)s is also on line %(line)s."
            )
            % {"name": key[1], "site": key[0], "line": first},
        )
        return None
    return candidates[0] if candidates else None


def _resolve_uplinks(stored: list[Device], checked: list[tuple[Row, Plan, str]]) -> None:
    """Set each row's uplink: the device of the file or of the agency with that serial
    number, else the one device (after the import) with that name (issue 13 point 12);
    a name several devices have, or one nobody has, is an error that asks for the serial
    number."""
    by_serial: dict[str, Device] = {}
    by_name: dict[str, dict[int, Device]] = {}
    # Stored devices the file changes carry their new serial number and name by now.
    new = [plan.obj for _row, plan, _text in checked if plan.obj.pk is None]
    for device in [*new, *stored]:
        if device.serial_number:
            by_serial.setdefault(device.serial_number, device)
        by_name.setdefault(device.name, {})[id(device)] = device
    for row, plan, text in checked:
        if not text:
            continue
        uplink = by_serial.get(text)
        if uplink is None:
            matches = by_name.get(text, {})
            if len(matches) > 1:
                row.error(
                    "uplink",
                    _(
                        "%(count)d devices are named %(value)s; give the uplink's serial "
                        "number instead."
                    )
                    % {"count": len(matches), "value": text},
                )
                continue
            if not matches:
                row.error(
                    "uplink",
                    _(
                        "Unknown device %(value)s: give the serial number (or the name, "
                        "if no other device has it) of a device in this file or already "
                        "stored."
                    )
                    % {"value": text},
                )
                continue
            uplink = next(iter(matches.values()))
        if uplink is plan.obj:
            row.error("uplink", _("A device cannot be its own uplink."))
            continue
        if "uplink" not in row.bad:
            plan.uplink = uplink


def _check_loops(agency: Agency, checked: list[tuple[Row, Plan, str]]) -> None:
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
    agency: Agency,
    rows: list[tuple[int, dict[str, str]]],
    errors: list[RowError],
    progress: Progress | None = None,
) -> list[Plan]:
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
    language = translation.get_language()
    for index, (line, values) in enumerate(rows):
        _tick(progress, index, len(rows))
        row = Row("links", line, values, errors, language)
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
        plans.append(Plan(line, link, before))
    return plans


# ---------------------------------------------------------------------------------------
# Writing


def _fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key and f.name != "agency"]


def _after(plan: Plan) -> dict[str, Any]:
    return (
        snapshot(plan.obj, addresses=plan.addresses)
        if plan.addresses is not None
        else snapshot(plan.obj)
    )


def _levels(plans: list[Plan]) -> list[list[Plan]]:
    """The new rows in insert order: for devices, those whose uplink is stored (or none)
    first, then those under them, and so on, so each uplink has its id when its downlinks
    are inserted (no second pass of updates)."""
    new = [plan for plan in plans if plan.before is None]
    if not new or not isinstance(new[0].obj, Device):
        return [new]
    levels: list[list[Plan]] = []
    waiting = new
    while waiting:
        ready = [p for p in waiting if p.uplink is None or p.uplink.pk is not None]
        if not ready:  # the checks refused loops; never reached
            raise ValueError("uplinks make a loop")
        levels.append(ready)
        for plan in ready:
            plan.obj.uplink = plan.uplink
        bulk.insert(Device, [plan.obj for plan in ready])
        waiting = [p for p in waiting if p.obj.pk is None]
    return levels


def _write(
    model: type[models.Model], plans: list[Plan], user: User | None, at: dt.datetime
) -> ImportResult:
    result = ImportResult()
    if model is Device:
        _levels(plans)
        for plan in plans:
            if plan.before is not None:
                plan.obj.uplink = plan.uplink  # saved by now: its id is set
    else:
        bulk.insert(model, [plan.obj for plan in plans if plan.before is None])
    changed = [plan for plan in plans if plan.before is not None and _after(plan) != plan.before]
    bulk.update(model, [plan.obj for plan in changed], _fields(model))
    if model is Device:
        _write_addresses(plans)
    changes: list[Change] = []
    for plan in plans:
        change = change_of(plan.obj, plan.before, _after(plan))
        if plan.before is None:
            result.created += 1
        elif change is not None:
            result.updated += 1
        else:
            result.unchanged += 1
        if change is not None:
            changes.append(change)
    if plans:
        record_many(agency=plans[0].obj.agency, actor=user, changes=changes, at=at)
    return result


def _write_addresses(plans: list[Plan]) -> None:
    stale = {
        id(plan)
        for plan in plans
        if plan.before is not None and plan.before.get("management_ips") != plan.addresses
    }
    stale_ids = [plan.obj.pk for plan in plans if id(plan) in stale]
    for start in range(0, len(stale_ids), BATCH):
        DeviceAddress.objects.filter(device__in=stale_ids[start : start + BATCH]).delete()
    rows = [
        DeviceAddress(agency_id=plan.obj.agency_id, device=plan.obj, address=address)
        for plan in plans
        if plan.before is None or id(plan) in stale
        for address in plan.addresses or []
    ]
    bulk.insert(DeviceAddress, rows)


_PLANNERS = {
    "sites": (_plan_sites, Site),
    "devices": (_plan_devices, Device),
    "links": (_plan_links, Link),
}


def _tick(progress: Progress | None, index: int, total: int) -> None:
    if progress is not None and index % PROGRESS_EVERY == 0:
        progress("checking", index, total)


def import_rows(
    agency: Agency,
    user: User | None,
    kind: Kind,
    file_bytes: bytes,
    fmt: Format,
    *,
    progress: Progress | None = None,
    finish: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import a CSV or XLSX file of ``kind`` into ``agency`` as ``user``: all rows or none.

    Raises ``tabular.BadFile`` when the file cannot be read or its header is wrong;
    returns an ``ImportResult`` whose ``errors`` list every bad cell (then nothing was
    written), else the counts of rows created, updated and unchanged. ``progress`` is
    told how far the checks are (``Progress``), outside any transaction. ``finish`` is
    called with the result of a good file inside the import's transaction, after the
    writes: what it writes commits with the rows, and an exception it raises undoes them."""
    if kind not in _PLANNERS:
        raise ValueError(f"unknown kind {kind!r}")
    with _without_cycle_collection():
        return _import(agency, user, kind, file_bytes, fmt, progress, finish)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a file is imported: its full passes over the
    millions of objects of a 100,000-row import (rows, models, snapshots, none of them in a
    cycle) grow with the import, and made a 100,000-row file take twelve times as long as
    one of 10,000 (bench/imports.py). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(
    agency: Agency,
    user: User | None,
    kind: Kind,
    file_bytes: bytes,
    fmt: Format,
    progress: Progress | None,
    finish: Callable[[ImportResult], None] | None,
) -> ImportResult:
    planner, model = _PLANNERS[kind]
    rows = read_table(kind, file_bytes, fmt)
    errors: list[RowError] = []
    plans = planner(agency, rows, errors, progress)
    if errors:
        errors.sort(key=lambda error: error.line)
        return ImportResult(errors=errors)
    if progress is not None:
        progress("writing", len(rows), len(rows))
    for plan in plans:
        plan.obj.agency = agency  # saves a query per audit event for rows loaded as is
    at = timezone.now()
    with transaction.atomic():
        result = _write(model, plans, user, at)
        if finish is not None:
            finish(result)
    return result
