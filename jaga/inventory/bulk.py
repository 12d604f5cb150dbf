"""Plain multi-row writes for the import (issue 13 point 7: 100,000 devices in under a minute).

Django's ``bulk_create`` compiles an expression per value and ``bulk_update`` a ``CASE`` per
field and row; for an import of 100,000 rows that is most of the time. These helpers send the
same rows as plain parameterised SQL (the values still go through each field's
``get_db_prep_save``, so they are stored exactly as the ORM would store them) and work on
SQLite and PostgreSQL alike. They run in the caller's transaction and write no audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.fields import Field

#: Rows per INSERT statement (times the columns stays below SQLite's 32,766 parameters).
ROWS_PER_INSERT = 1000


def _columns(model: type[models.Model], names: Sequence[str] | None) -> list[Field[Any, Any]]:
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and (names is None or f.name in names)
    ]
    return fields


def _value(obj: models.Model, field: Field[Any, Any]) -> Any:
    """The value ``save`` would store in ``field``: for a relation whose object was saved
    after it was assigned, that object's id (as ``save`` fills it in)."""
    value = field.pre_save(obj, obj._state.adding)
    if value is None and isinstance(field, models.ForeignKey) and field.is_cached(obj):
        related = field.get_cached_value(obj)
        if related is not None and related.pk is not None:
            value = related.pk
            setattr(obj, field.attname, value)
    return value


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (unsaved, every concrete field but the id) and set each one's ``pk``
    from ``RETURNING``, in statements of ``ROWS_PER_INSERT`` rows. Objects pointing at a
    related object saved after they were assigned get its id (as ``save`` would)."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = _columns(model, None)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(ROWS_PER_INSERT, connection.ops.bulk_batch_size(fields, list(objs))))
    pk = quote(model._meta.pk.column)
    returning = connection.features.can_return_rows_from_bulk_insert
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[Any] = []
            for obj in chunk:
                params += [f.get_db_prep_save(_value(obj, f), connection) for f in fields]
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(chunk))}"
            if not returning:  # an SQLite older than 3.35: the ORM's row by row
                for obj in chunk:
                    obj.save(force_insert=True)
                continue
            cursor.execute(f"{sql} RETURNING {pk}", params)
            for obj, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


def update(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """``UPDATE … SET <names> WHERE id = …`` for each of ``objs`` (saved), as one
    ``executemany``."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    fields = _columns(model, names)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} = %s"
    rows = []
    for obj in objs:
        rows.append([f.get_db_prep_save(_value(obj, f), connection) for f in fields] + [obj.pk])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
