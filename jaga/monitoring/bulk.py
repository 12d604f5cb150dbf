"""Updating many rows at once, fast on SQLite and PostgreSQL.

Django's ``bulk_update`` builds one ``CASE WHEN`` per field over all rows, which grows with
the square of the rows on SQLite (10,000 check states took 23 s, ``bench/keeper.py``);
``update_rows`` sends one parameterised ``UPDATE … WHERE pk = %s`` per row through
``executemany`` instead, with the values that need it (datetimes, JSON, decimals) prepared
by their model field for the connection's backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Model

T = TypeVar("T")

#: Fields whose Python values the database driver cannot take as they are.
_PREPARED = {"DateTimeField", "DateField", "TimeField", "JSONField", "DecimalField", "UUIDField"}


#: Most values in one ``IN (…)`` list (SQLite allows 32,766 parameters per statement).
CHUNK = 5000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, for ``__in`` lookups of any length."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _preparer(field: Any) -> Callable[[Any], Any] | None:
    if field.get_internal_type() not in _PREPARED:
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def update_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> int:
    """Write ``fields`` of ``rows`` (mappings of field name to value, plus ``"pk"``) to
    ``model``'s table by primary key; rows that do not exist are not created. Returns the
    number of rows sent. Call it inside a transaction when the writes must be atomic."""
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    names = [str(getattr(field, "column", "")) for field in columns]
    assignments = ", ".join(f"{quote(name)} = %s" for name in names)
    pk = meta.pk
    assert pk is not None
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    prepare = [(name, _preparer(field)) for name, field in zip(fields, columns, strict=True)]
    params = [
        [row[name] if prep is None else prep(row[name]) for name, prep in prepare] + [row["pk"]]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)
