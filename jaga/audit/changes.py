"""Before/after events of configuration rows: users, the organisation, agency settings and
calendars, number patterns (issue 13 point 5).

The same event shape as the inventory's (``jaga.inventory.services``), for any model:
``<app_label>.<model_name>.created`` with ``after`` the whole row, ``.changed`` with
``before``/``after`` holding only the fields that changed (a save that changes nothing
writes no event) and ``.deleted`` with ``before`` the whole row. Rows are keyed by
attribute name (``unit_id``, not ``unit``); many-to-many fields are sorted lists of ids
(``positions``, ``groups``); files are their stored names (``logo``).

Secrets never reach the log: a user's ``password`` (its hash) is left out of every event;
a user row holds ``has_usable_password`` instead, and a changed hash shows as
``"password_changed": true`` in ``after`` of ``org.user.changed``.

Whose chain: an agency-owned row's agency; an agency's own; a user's agency (a user moved
from one agency to another gets the same event in both chains). A user without an agency
(a platform administrator, before and after) has no chain: nothing is recorded (docs/audit.md).

Deleting a row also records what the database does to other audited rows with it: rows
deleted by cascade (``.deleted``), rows whose reference is set to NULL and holders of a
many-to-many link to it (``.changed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.apps import apps
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.db.models.fields.files import FieldFile

from jaga.audit.models import Event
from jaga.audit.services import record
from jaga.org.models import User
from jaga.tenancy.models import Agency, AgencyScoped

__all__ = [
    "AUDITED_MODELS",
    "delete_audited",
    "is_audited",
    "record_deleted",
    "record_saved",
    "save_audited",
    "snapshot",
    "stored_snapshot",
]

#: The configuration models whose saves and deletes are audited through this module
#: (``app_label.model_name``). The inventory has its own services with the same shape.
AUDITED_MODELS = frozenset(
    {
        "org.user",
        "org.opd",
        "org.orgunit",
        "org.position",
        "org.employee",
        "org.actingassignment",
        "tenancy.agency",
        "tenancy.specialperiod",
        "tenancy.workinghours",
        "tenancy.dayoff",
        "documents.numberpattern",
        "maintenance.checklisttemplate",
        "maintenance.checklistitem",
        "notifications.escalationposition",
        "signatures.esignclient",
        "signatures.signer",
    }
)

#: Fields never written to an event: secrets (the password hash) and internal values that
#: change by themselves (the calendar cache token).
_LEFT_OUT = {
    "org.user": {"password"},
    "tenancy.agency": {"calendar_token"},
    # The esign-client's service account password (docs/signatures.md).
    "signatures.esignclient": {"password"},
}

_M = TypeVar("_M", bound=models.Model)

#: The key a user's snapshot keeps its password hash under (in memory only) to notice a
#: change. It holds a NUL character, which ``jaga.audit.services.to_json`` refuses: a raw
#: snapshot passed to ``record`` by mistake fails instead of logging the hash.
_SECRET = "\x00password"


def is_audited(model: type[models.Model] | models.Model) -> bool:
    """Whether ``model`` (a class or an instance) is one of ``AUDITED_MODELS``."""
    return model._meta.label_lower in AUDITED_MODELS


def _value(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The row's stored fields by attribute name, without the id, without the agency of an
    agency-owned row (the chain says whose it is; a user's ``agency_id`` stays) and without
    ``_LEFT_OUT`` fields; many-to-many fields (of a saved row, read from the database) as
    sorted id lists; a user's ``has_usable_password``. For a user the dict also holds the
    password hash under an internal key (``_SECRET``) to notice a change:
    ``record_saved``/``record_deleted`` drop it; ``record`` refuses it."""
    left_out = _LEFT_OUT.get(obj._meta.label_lower, set())
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in left_out:
            continue
        if field.name == "agency" and isinstance(obj, AgencyScoped):
            continue
        data[field.attname] = _value(getattr(obj, field.attname))
    for m2m in obj._meta.many_to_many:
        if obj.pk is not None:
            related = getattr(obj, m2m.name)
            data[m2m.name] = sorted(related.order_by().values_list("pk", flat=True))
    if isinstance(obj, User):
        data["has_usable_password"] = obj.has_usable_password()
        data[_SECRET] = obj.password
    return data


def stored_snapshot(obj: models.Model) -> dict[str, Any] | None:
    """``snapshot`` of the row as stored now, or None if ``obj`` is not saved yet (take it
    before saving a change)."""
    if obj.pk is None:
        return None
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else None


def _public(state: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in state.items() if key != _SECRET}


def _agency_ids(obj: models.Model, before: dict[str, Any] | None) -> list[int]:
    """The chains an event about ``obj`` goes to: its agency now, then (a user moved
    between agencies) the one it had before."""
    if isinstance(obj, Agency):
        return [obj.pk]
    now = getattr(obj, "agency_id", None)
    ids = [now] if isinstance(now, int) else []
    if isinstance(obj, User) and before is not None:
        earlier = before.get("agency_id")
        if isinstance(earlier, int) and earlier not in ids:
            ids.append(earlier)
    return ids


def _record(
    obj: models.Model,
    actor: User | None,
    verb: str,
    *,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    agency_ids: Iterable[int],
    at: dt.datetime | None,
) -> Event | None:
    action = f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"
    event = None
    for agency_id in agency_ids:
        own = isinstance(obj, Agency) or getattr(obj, "agency_id", None) == agency_id
        if isinstance(obj, Agency):
            agency = obj
        elif own:
            agency = getattr(obj, "agency")  # noqa: B009 - AgencyScoped or User
        else:
            agency = Agency.objects.get(pk=agency_id)
        event = record(
            agency=agency,
            actor=actor,
            action=action,
            obj=obj if own else None,
            object_type="" if own else obj._meta.label_lower,
            object_id="" if own else str(obj.pk),
            before=before,
            after=after,
            at=at,
        )
    return event


def record_saved(
    obj: models.Model,
    actor: User | None,
    before: dict[str, Any] | None,
    *,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event | None:
    """Audit the save of ``obj`` given its ``stored_snapshot`` taken before the save (None:
    it was created); ``after`` defaults to its snapshot now. Returns the event (the last
    one when it went to two chains), or None when nothing changed or the row has no chain
    (a platform administrator's user). Call it inside the save's transaction."""
    if after is None:
        after = snapshot(obj)
    agency_ids = _agency_ids(obj, before)
    if before is None:
        return _record(
            obj, actor, "created", before=None, after=_public(after), agency_ids=agency_ids, at=at
        )
    changed = [key for key in after if key != _SECRET and before.get(key) != after[key]]
    old: dict[str, Any] = {key: before.get(key) for key in changed}
    new: dict[str, Any] = {key: after[key] for key in changed}
    if _SECRET in after and before.get(_SECRET) != after[_SECRET]:
        new["password_changed"] = True
    if not new:
        return None
    return _record(obj, actor, "changed", before=old, after=new, agency_ids=agency_ids, at=at)


def record_deleted(
    obj: models.Model,
    actor: User | None,
    *,
    before: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> Event | None:
    """Audit the deletion of ``obj`` (call it before deleting, in the same transaction);
    ``before`` defaults to its snapshot now. None when the row has no chain."""
    if before is None:
        before = snapshot(obj)
    return _record(
        obj,
        actor,
        "deleted",
        before=_public(before),
        after=None,
        agency_ids=_agency_ids(obj, None),
        at=at,
    )


def _side_effects(
    obj: models.Model,
) -> tuple[list[models.Model], list[tuple[models.Model, str, Any]]]:
    """What deleting ``obj`` does to other audited rows: (rows deleted with it, (row,
    attribute, new value) of references set to NULL or their default). Raises
    ``ProtectedError``/``RestrictedError`` when the database would refuse the deletion."""
    collector = Collector(using=router.db_for_write(type(obj), instance=obj), origin=obj)
    collector.collect([obj])
    deleted: list[models.Model] = []
    for model, instances in collector.data.items():
        if is_audited(model):
            deleted.extend(row for row in instances if not (model is type(obj) and row == obj))
    for queryset in collector.fast_deletes:
        if is_audited(queryset.model):
            deleted.extend(queryset)
    nulled: list[tuple[models.Model, str, Any]] = []
    for (field, value), batches in collector.field_updates.items():
        if not is_audited(field.model):
            continue
        for batch in batches:
            # a queryset or a list of rows since Django 4.2 (the stubs say one row)
            rows = cast("Iterable[models.Model]", batch)
            nulled.extend((row, field.attname, value) for row in rows)
    deleted.sort(key=lambda row: (row._meta.label_lower, row.pk))
    return deleted, nulled


def _m2m_holders(obj: models.Model) -> list[tuple[models.Model, str]]:
    """Audited rows that link to ``obj`` through one of their many-to-many fields (an
    employee holding a position about to be deleted), with the field's name."""
    holders: list[tuple[models.Model, str]] = []
    for label in sorted(AUDITED_MODELS):
        model = apps.get_model(label)
        for m2m in model._meta.many_to_many:
            if m2m.related_model is type(obj):
                rows = model._default_manager.filter(**{m2m.name: obj}).order_by("pk")
                holders.extend((row, m2m.name) for row in rows)
    return holders


def delete_audited(obj: models.Model, actor: User | None, *, at: dt.datetime | None = None) -> None:
    """Delete ``obj`` in one transaction with its ``.deleted`` event and the events of what
    the deletion does to other audited rows (cascades, NULLed references, many-to-many
    links dropped). Refused with ``ProtectedError`` (nothing written) while rows protect
    it. An agency is deleted without an event: its chain would go with it, and a chain
    that exists protects the agency anyway (docs/audit.md)."""
    with transaction.atomic():
        if isinstance(obj, Agency):
            obj.delete()
            return
        deleted, nulled = _side_effects(obj)
        for row in deleted:
            record_deleted(row, actor, at=at)
        for row, attname, value in nulled:
            if getattr(row, attname) != value:
                _record(
                    row,
                    actor,
                    "changed",
                    before={attname: getattr(row, attname)},
                    after={attname: value},
                    agency_ids=_agency_ids(row, None),
                    at=at,
                )
        for row, name in _m2m_holders(obj):
            ids = sorted(getattr(row, name).order_by().values_list("pk", flat=True))
            _record(
                row,
                actor,
                "changed",
                before={name: ids},
                after={name: [pk for pk in ids if pk != obj.pk]},
                agency_ids=_agency_ids(row, None),
                at=at,
            )
        record_deleted(obj, actor, at=at)
        obj.delete()


def save_audited(obj: _M, actor: User | None, *, at: dt.datetime | None = None) -> _M:
    """Validate (``full_clean``, raising ``ValidationError`` before anything is written)
    and save ``obj`` with its ``.created``/``.changed`` event, in one transaction; returns
    ``obj``."""
    with transaction.atomic():
        before = stored_snapshot(obj)
        obj.full_clean()
        obj.save()
        record_saved(obj, actor, before, at=at)
    return obj
