"""Statements the ORM does not write, for the hot paths that count their statements (issue
19 point 2: a step completion near its own SQL).

``insert_new`` is ``INSERT … ON CONFLICT DO NOTHING RETURNING …``: rows that would break a
unique constraint are skipped by the database, in the same statement, without the
savepoint per row that catching ``IntegrityError`` needs, and the caller learns which rows
went in. PostgreSQL and SQLite 3.35+ both take it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, router


def insert_new(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` into ``model``'s table in one statement, skipping each row that
    conflicts with a unique constraint, and return ``returning`` (column names, e.g.
    ``["id", "recipient_id"]``) of the rows inserted, in no particular order.

    ``rows`` map field names to values as ``Model(**row)`` would take them, a foreign key
    by its ``<name>_id`` attribute or its name with the primary key; every row has the same
    keys; fields left out take the database default (so give every field without one).
    Values are converted by each field's ``get_db_prep_save``, as ``save`` converts them
    (an aware datetime stays UTC, a dict becomes JSON). An empty ``rows`` writes nothing.
    Raises ``django.core.exceptions.FieldDoesNotExist`` for an unknown field."""
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    quote = connection.ops.quote_name
    names = list(rows[0])
    fields = [_concrete(model, name) for name in names]
    values: list[Any] = []
    for row in rows:
        for name, field in zip(names, fields, strict=True):
            values.append(field.get_db_prep_save(row[name], connection))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column or '') for field in fields)}) "
        f"VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT DO NOTHING RETURNING {', '.join(quote(name) for name in returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return [tuple(row) for row in cursor.fetchall()]


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The concrete field ``name`` (or ``<name>_id``) of ``model``; ``FieldDoesNotExist``
    for an unknown or a reverse one."""
    field = model._meta.get_field(name.removesuffix("_id") if name.endswith("_id") else name)
    if not isinstance(field, models.Field) or not field.concrete:
        raise FieldDoesNotExist(f"{model._meta.label} has no column for {name!r}")
    return field
