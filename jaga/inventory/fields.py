"""Form fields that take ids of rows (sites, devices; also the people of a step) from a
request.

``IdsChoiceField`` is Django's ``ModelMultipleChoiceField`` that refuses ids outside the
64-bit range of the database's integer columns as a field error. Django looks several ids up
with one ``pk__in`` query, and SQLite cannot bind a Python int beyond 64 bits ("Python int
too large to convert to SQLite INTEGER"), so ``sites=99999999999999999999`` answered 500
(issue 13 point 9). A single id (``ModelChoiceField``) needs nothing: Django's exact lookup
already treats an id out of range as matching no row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet

#: The range of a 64-bit signed integer column (SQLite INTEGER, PostgreSQL bigint).
ID_MIN, ID_MAX = -(2**63), 2**63 - 1

_M = TypeVar("_M", bound=Model)


def id_out_of_range(value: object) -> bool:
    """True when ``value`` reads as an integer outside ``ID_MIN``..``ID_MAX``; other text is
    left to the field's own checks."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return False
    return not ID_MIN <= number <= ID_MAX


class IdsChoiceField(forms.ModelMultipleChoiceField[_M]):
    """A ``ModelMultipleChoiceField`` whose ids out of the 64-bit range are the field's
    ``invalid_pk_value`` error ("… is not a valid value.") instead of a database error."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet[_M]:
        values = list(value) if not isinstance(value, str) else [value]
        for pk in values:
            if id_out_of_range(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        checked: QuerySet[_M] = super()._check_values(values)  # type: ignore[misc]
        return checked
