"""The history of one inventory row as its detail page shows it: its audit events newest
first, each with the changed fields under human labels and their values made readable.

Events are those ``jaga.inventory.services`` (and ``jaga.inventory.replacement``) record:
``inventory.<model>.created`` (``after`` the whole row), ``.changed`` (``before``/``after``
the changed fields only), ``.deleted`` and ``inventory.device.replaced``. Keys are attribute
names (``site_id``, ``uplink_id``) plus ``management_ips`` for devices; the replacement
event has its own keys (``installed``, ``removed_status``, ``store``, ``case`` shown by the
agency's case number, ``checks`` counted). A key without a label here is internal and is
not shown (issue 13 point 12).

Reading a history costs a fixed number of queries whatever its length: the count, the
newest ``limit`` events, and one query per kind of row the shown values refer to (OPDs,
sites, devices) to put names on their ids.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jaga.audit.models import Event
from jaga.audit.services import history
from jaga.inventory.models import Device, DeviceStatus, Link, Replacement, Site
from jaga.workflow.models import Case

#: How many events a detail page shows (the newest); the total is counted.
HISTORY_LIMIT = 50

InventoryRow = Site | Device | Link


@dataclass(frozen=True)
class FieldChange:
    """One field of an event: ``key`` as stored, ``label`` for people, and the values
    before and after as text ("" when empty or not given)."""

    key: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One audit event of the row: ``verb`` is the last part of the action (``created``,
    ``changed``, ``deleted``, ``replaced``…), ``actor`` the login or "system"."""

    seq: int
    at: dt.datetime
    action: str
    verb: str
    verb_label: str
    actor: str
    on_behalf_of: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class ObjectHistory:
    """The newest events of a row (at most ``limit``), how many there are in all, and the
    agency's time zone the times are shown in."""

    entries: list[HistoryEntry]
    total: int
    timezone: str
    limit: int

    @property
    def truncated(self) -> bool:
        """Whether older events were left out."""
        return self.total > len(self.entries)


def _verb_labels() -> dict[str, str]:
    return {
        "created": _("created"),
        "changed": _("changed"),
        "deleted": _("deleted"),
        "replaced": _("replaced"),
    }


@dataclass(frozen=True)
class _Key:
    """How to show one stored key: its label, and which model its values point at (their
    ids are turned into names) or how to word them."""

    label: str
    points_at: type[models.Model] | None = None
    render: Callable[[Any], str] | None = None


def _status_label(value: Any) -> str:
    return str(dict(DeviceStatus.choices).get(value, value))


def _checks_label(value: Any) -> str:
    count = len(value) if isinstance(value, list) else 0
    if not count:
        return ""
    return ngettext(
        "%(count)d check moved to the replacement",
        "%(count)d checks moved to the replacement",
        count,
    ) % {"count": count}


def _keys(model: type[models.Model]) -> dict[str, _Key]:
    """The keys an event of ``model`` may hold, with their labels (the fields'
    ``verbose_name``)."""
    keys: dict[str, _Key] = {}
    for field in model._meta.concrete_fields:
        label = capfirst(str(field.verbose_name))
        if field.many_to_one and field.related_model is not None:
            related = field.related_model
            assert isinstance(related, type)
            keys[field.attname] = _Key(label, points_at=related)
        else:
            keys[field.attname] = _Key(label)
    if model is Device:
        keys["management_ips"] = _Key(capfirst(_("management IP addresses")))
        # inventory.device.replaced (jaga.inventory.replacement)
        meta = Replacement._meta
        keys["device"] = _Key(capfirst(str(meta.get_field("removed").verbose_name)), Device)
        keys["installed"] = _Key(capfirst(str(meta.get_field("installed").verbose_name)), Device)
        keys["removed_status"] = _Key(
            capfirst(str(meta.get_field("removed_status").verbose_name)), render=_status_label
        )
        keys["store"] = _Key(capfirst(str(meta.get_field("store").verbose_name)))
        keys["site"] = _Key(capfirst(str(meta.get_field("site").verbose_name)))
        keys["case"] = _Key(capfirst(str(meta.get_field("case").verbose_name)), Case)
        keys["step"] = _Key(capfirst(str(meta.get_field("step").verbose_name)))
        # The monitor's checks that followed the spare (their ids): counted, not listed.
        keys["checks"] = _Key(_("Network monitor"), render=_checks_label)
    return keys


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _name(row: models.Model) -> str:
    """A row as the history names it: a device by its name, a case by the agency's case
    number (issue 13 point 12), anything else by ``str``."""
    if isinstance(row, Device):
        return row.name
    if isinstance(row, Case):
        return f"#{row.number}"
    return str(row)


def _names(
    agency_id: int, wanted: dict[type[models.Model], set[int]]
) -> dict[type[models.Model], dict[int, str]]:
    """One query per model: the names of the rows of ``agency_id`` with the wanted ids
    (a device by its name, anything else by ``str``)."""
    names: dict[type[models.Model], dict[int, str]] = {}
    for model, ids in wanted.items():
        if not ids:
            continue
        rows = model._default_manager.filter(agency_id=agency_id, pk__in=ids)
        names[model] = {row.pk: _name(row) for row in rows}
    return names


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _choice_labels(model: type[models.Model]) -> dict[str, dict[Any, str]]:
    labels: dict[str, dict[Any, str]] = {}
    for field in model._meta.concrete_fields:
        if field.choices:
            labels[field.attname] = {key: str(text) for key, text in field.flatchoices}
    return labels


class _Renderer:
    """Turns stored values into text, with the names of the rows they point at."""

    def __init__(
        self,
        keys: dict[str, _Key],
        choices: dict[str, dict[Any, str]],
        names: dict[type[models.Model], dict[int, str]],
    ) -> None:
        self.keys, self.choices, self.names = keys, choices, names

    def text(self, key: str, value: Any) -> str:
        spec = self.keys.get(key)
        if value is None or value == "" or value == []:
            return ""
        if spec is not None and spec.points_at is not None:
            pk = _as_id(value)
            if pk is not None:
                return self.names.get(spec.points_at, {}).get(pk, f"#{pk}")
        if spec is not None and spec.render is not None:
            return spec.render(value)
        if key in self.choices and not isinstance(value, list | dict):
            return self.choices[key].get(value, str(value))
        return _plain(value)

    def label(self, key: str) -> str:
        spec = self.keys.get(key)
        return spec.label if spec is not None else key


def _ordered_keys(
    keys: dict[str, _Key], before: dict[str, Any], after: dict[str, Any]
) -> list[str]:
    """The keys of an event to show, in the model's field order. Keys the page has no label
    for are internal bookkeeping and stay in the audit log only (issue 13 point 12: no raw
    entries such as "checks — → 30")."""
    present = set(before) | set(after)
    return [key for key in keys if key in present]


def _referenced(
    keys: dict[str, _Key], events: Iterable[Event]
) -> dict[type[models.Model], set[int]]:
    wanted: dict[type[models.Model], set[int]] = {}
    for event in events:
        for state in (event.before or {}, event.after or {}):
            for key, value in state.items():
                spec = keys.get(key)
                if spec is None or spec.points_at is None:
                    continue
                pk = _as_id(value)
                if pk is not None:
                    wanted.setdefault(spec.points_at, set()).add(pk)
    return wanted


def object_history(obj: InventoryRow, *, limit: int | None = None) -> ObjectHistory:
    """The audit history of ``obj`` (a saved site, device or link): its newest ``limit``
    (default ``HISTORY_LIMIT``) events, newest first, and their total. Field keys get the
    model fields' verbose names; ids of OPDs, sites and devices become their names
    (``#<id>`` for a row deleted since); choices their labels; ``management_ips`` and other
    lists are joined with commas. A created event lists only the fields that have a value,
    a deleted one likewise. Times are UTC datetimes; ``timezone`` is the agency's zone to
    show them in (reads ``obj.agency``, so select it along). Raises ``ValueError`` for an
    unsaved ``obj``."""
    if obj.pk is None:
        raise ValueError("an unsaved row has no history")
    if limit is None:
        limit = HISTORY_LIMIT
    model = type(obj)
    events_qs = history(obj)
    total = events_qs.count()
    events = list(events_qs.order_by("-seq")[:limit])
    keys = _keys(model)
    renderer = _Renderer(
        keys, _choice_labels(model), _names(obj.agency_id, _referenced(keys, events))
    )
    verbs = _verb_labels()
    entries = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        changes = []
        for key in _ordered_keys(keys, before, after):
            old = renderer.text(key, before.get(key))
            new = renderer.text(key, after.get(key))
            if not old and not new:
                continue
            changes.append(FieldChange(key=key, label=renderer.label(key), before=old, after=new))
        verb = event.action.rsplit(".", 1)[-1]
        entries.append(
            HistoryEntry(
                seq=event.seq,
                at=event.at,
                action=event.action,
                verb=verb,
                verb_label=verbs.get(verb, verb),
                actor=event.actor_label or _("system"),
                on_behalf_of=event.on_behalf_of,
                changes=changes,
            )
        )
    return ObjectHistory(entries=entries, total=total, timezone=obj.agency.timezone, limit=limit)
