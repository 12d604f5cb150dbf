"""One row of an import being checked (``Row``: its cells, typed readers that report bad
cells) and the checked row (``Plan``: what to write), for ``jaga.inventory.importing``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext as _

from jaga.inventory.models import Device
from jaga.inventory.tabular import FIELD_COLUMNS, NO, YES, Kind, RowError

SIX_PLACES = Decimal("0.000001")


def _choice_keys(choices: type[models.TextChoices], language: str | None) -> dict[str, str]:
    """Value by lower-case value and label (in ``language``), built once."""
    cache = (choices, language)
    keys = _CHOICE_KEYS.get(cache)
    if keys is None:
        keys = {}
        for value, label in choices.choices:
            keys.setdefault(str(label).lower(), str(value))
        keys.update({str(value): str(value) for value in choices.values})
        _CHOICE_KEYS[cache] = keys
    return keys


_CHOICE_KEYS: dict[tuple[type[models.TextChoices], str | None], dict[str, str]] = {}


@functools.cache
def _text_fields(
    model: type[models.Model],
) -> list[tuple[models.Field[Any, Any], frozenset[str] | None]]:
    """The model's text fields without validators beyond length and NUL characters, each
    with its choices' values (None: free text)."""
    return [
        (f, frozenset(str(value) for value, _label in f.flatchoices) if f.choices else None)
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not isinstance(f, models.SlugField)
        and all(
            isinstance(v, MaxLengthValidator | ProhibitNullCharactersValidator)
            for v in f.validators
        )
    ]


class Row:
    """One data row being checked: its cells and the errors found in it (one per column)."""

    def __init__(
        self,
        kind: Kind,
        line: int,
        values: dict[str, str],
        errors: list[RowError],
        language: str | None,
    ):
        self.kind = kind
        self.language = language
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
        found = _choice_keys(choices, self.language).get(text.lower())
        if found is None:
            found = _choice_keys(choices, self.language).get(re.sub(r"[\s/-]+", "_", text.lower()))
        if found is not None:
            return found
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
            return number.quantize(SIX_PLACES)
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
        except in columns that already have one. Text that is plainly valid (a choice
        already checked by ``choice``, within the length, no NUL character) is not run
        through them again: for 100,000 rows that is most of the checking time."""
        skip = list(exclude)
        for field, allowed in _text_fields(type(obj)):
            value = getattr(obj, field.attname)
            if (
                isinstance(value, str)
                and (value or field.blank)
                and "\x00" not in value
                and (field.max_length is None or len(value) <= field.max_length)
                and (allowed is None or value in allowed or (not value and field.blank))
            ):
                skip.append(field.name)
        try:
            obj.clean_fields(exclude=skip)
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
class Plan:
    """A checked row: the object to write, its snapshot before (None: new) and, for a
    device, its management addresses and its uplink device."""

    line: int
    obj: Any
    before: dict[str, Any] | None
    addresses: list[str] | None = None
    uplink: Device | None = None
