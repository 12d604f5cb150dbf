"""Keyset ("cursor") pagination for lists that grow with the agency (the case list, the
inventory's lists): a page is the rows after (or before) the last (first) row of the page
seen, found along an index on the sort key, so page 4,000 costs what page 1 costs; an
``OFFSET`` reads and throws away every row before the page.

A cursor is the sort key of a row (its fields' values, the primary key last so that ties
never repeat or skip a row) in URL-safe base64 JSON, carried in ``?after=`` (the next
page) or ``?before=`` (the previous page). The page's number rides along in ``?page=``
for display only ("26-50", "2 / 40"): a tampered one mislabels the page, it does not
change which rows are shown. A cursor that cannot be read gives the first page.

The total is counted up to ``cap`` rows (``COUNT`` over ``LIMIT cap + 1``): at a million
cases an exact count reads the whole index on every request (60-80 ms on the development
machine), so past the cap the page says "more than 10,000", as search engines and mail
clients do; a filter narrows it back to an exact figure.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Field, Model, Q, QuerySet, Window
from django.http import QueryDict
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

T = TypeVar("T")

#: Cursor parameters; the page number for display.
AFTER, BEFORE, PAGE = "after", "before", "page"
#: Rows counted at most for the total.
DEFAULT_CAP = 10_000
#: The deepest ``?page=N`` (without a cursor) served by ``OFFSET``.
MAX_OFFSET_PAGE = 10


@dataclass(frozen=True)
class Order:
    """One sort field: a concrete, non-null field of the model (its name, ``pk`` for the
    primary key) and whether it sorts descending."""

    name: str
    descending: bool = False

    @classmethod
    def parse(cls, spec: str) -> Order:
        """``"-started_at"`` -> Order("started_at", descending=True)."""
        return cls(spec.removeprefix("-"), spec.startswith("-"))


def encode(values: Sequence[Any]) -> str:
    """The cursor of a row whose sort key is ``values`` (str, int, date or datetime):
    URL-safe base64 of their JSON, the dates as ISO 8601 text, without padding."""
    plain = [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, model: type[Model], order: Sequence[Order]) -> list[Any] | None:
    """The sort key in cursor ``token``, each value converted by its field (``to_python``),
    or None when the token is not a cursor of this order (bad base64, JSON, length or
    value)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(order):
        return None
    converted = []
    for item, value in zip(order, values, strict=True):
        if value is None or isinstance(value, list | dict | bool):
            return None
        try:
            model_field = model._meta.pk if item.name == "pk" else model._meta.get_field(item.name)
            if not isinstance(model_field, Field):
                return None
            python = model_field.to_python(value)
        except (FieldDoesNotExist, ValidationError, TypeError, ValueError, OverflowError):
            return None
        if python is None or (isinstance(python, int) and not -(2**63) <= python < 2**63):
            return None  # out of a 64-bit column's range: SQLite would refuse it
        converted.append(python)
    return converted


def beyond(order: Sequence[Order], values: Sequence[Any], *, forward: bool = True) -> Q:
    """The rows strictly after the key ``values`` in ``order`` (before it when not
    ``forward``): ``f1 >= v1 AND (f1 > v1 OR (f2 >= v2 AND (f2 > v2 OR ...)))``, each
    comparison turned for a descending field. The outer ``>=`` bounds an index scan on
    the sort key; the OR only drops the ties."""
    head, value = order[0], values[0]
    upward = forward != head.descending
    strict, loose = ("gt", "gte") if upward else ("lt", "lte")
    if len(order) == 1:
        return Q(**{f"{head.name}__{strict}": value})
    rest = beyond(order[1:], values[1:], forward=forward)
    return Q(**{f"{head.name}__{loose}": value}) & (Q(**{f"{head.name}__{strict}": value}) | rest)


@dataclass
class KeysetPage(Generic[T]):
    """One page of a keyset-paginated list, with what ``workflow/_keyset_pagination.html``
    shows: the rows, the links' cursors (None: no such page), the page's number (1 for
    the first; None when not known), the total counted up to the cap (``total``, and
    ``capped`` when there are more)."""

    object_list: list[T]
    number: int | None
    per_page: int
    total: int
    capped: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    query: QueryDict = field(default_factory=QueryDict)

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def paginator(self) -> KeysetPage[T]:
        """The page itself, for templates written for Django's ``Page``
        (``page.paginator.count``)."""
        return self

    @property
    def count(self) -> int:
        """The total counted (up to the cap), as ``Paginator.count``."""
        return self.total

    @property
    def start_index(self) -> int | None:
        """The 1-based position of the page's first row, when the page's number is known."""
        if self.number is None or not self.object_list:
            return None
        return (self.number - 1) * self.per_page + 1

    @property
    def end_index(self) -> int | None:
        start = self.start_index
        return None if start is None else start + len(self.object_list) - 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, None when the total is capped."""
        return None if self.capped else max(1, math.ceil(self.total / self.per_page))

    @property
    def total_label(self) -> str:
        """The total as the page shows it: "1.234", or "more than 10.000" past the cap."""
        if self.capped:
            return _("more than %(count)s") % {
                "count": number_format(self.total, force_grouping=True)
            }
        return number_format(self.total, force_grouping=True)

    def _link(self, key: str, cursor: str, number: int | None) -> str:
        query = self.query.copy()
        for name in (AFTER, BEFORE, PAGE):
            query.pop(name, None)
        query[key] = cursor
        if number is not None and number > 1:
            query[PAGE] = str(number)
        return "?" + query.urlencode()

    @property
    def next_url(self) -> str | None:
        """The query string of the next page (filters kept), or None."""
        if self.next_cursor is None:
            return None
        number = None if self.number is None else self.number + 1
        return self._link(AFTER, self.next_cursor, number)

    @property
    def previous_url(self) -> str | None:
        if self.previous_cursor is None:
            return None
        number = None if self.number is None else self.number - 1
        return self._link(BEFORE, self.previous_cursor, number)

    @property
    def first_url(self) -> str:
        """The query string of the first page (filters kept)."""
        query = self.query.copy()
        for name in (AFTER, BEFORE, PAGE):
            query.pop(name, None)
        return "?" + query.urlencode()


def _number(text: str | None) -> int | None:
    """``?page=`` as an int, None when it is not one (or absurdly long)."""
    if text is None or len(text) > 40:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def paginate(
    queryset: QuerySet[Any],
    order: Sequence[str],
    query: QueryDict,
    per_page: int,
    *,
    cap: int | None = DEFAULT_CAP,
    values: str | None = None,
    narrowed: bool = False,
) -> KeysetPage[Any]:
    """The page of ``queryset`` that ``query`` (the request's GET) asks for, ``per_page``
    rows in ``order`` (non-null fields, ``-`` for descending, ending with ``pk`` or
    ``-pk``). The rows are the model instances, or the list of one field's values when
    ``values`` names it (the ids of the page, say). The total is counted up to ``cap``
    rows (None: exactly; for lists that do not grow with the cases).

    - ``?after=<cursor>`` / ``?before=<cursor>``: the rows after (before) that key, along
      the index; what the links use. A bad cursor gives the first page, and so does a
      previous page that reaches the start.
    - ``?page=N`` without a cursor (old links, a typed URL), as ``Paginator.get_page``
      answers it: up to page ``MAX_OFFSET_PAGE`` by ``OFFSET`` (at most a few hundred rows
      skipped); a number out of range (below 1, past the last page) gives the last page,
      read backwards along the index; a number that is not one, or one deeper than
      ``MAX_OFFSET_PAGE`` inside a list counted past the cap, the first page.

    Two queries (the page, ``LIMIT per_page + 1`` to know whether another follows; the
    count), a third when a cursor falls back to the first page; one for the first page of
    a ``narrowed`` (filtered) list counted exactly, by ``values``."""
    model = queryset.model
    orders = [Order.parse(spec) for spec in order]
    if orders[-1].name != "pk":
        raise ValueError("the order must end with the primary key")
    names = [item.name for item in orders]
    forward_order = list(order)
    backward_order = [spec[1:] if spec.startswith("-") else f"-{spec}" for spec in order]

    def fetch(rows: QuerySet[Any], start: int = 0, size: int = per_page + 1) -> list[Any]:
        if values:
            rows = rows.values_list(*names, values)
        return list(rows[start : start + size])

    def cursor(row: Any) -> str:
        if values:
            return encode(row[: len(names)])
        return encode([getattr(row, name) for name in names])

    first_page = not query.get(AFTER) and not query.get(BEFORE)
    if narrowed and values and cap is None and first_page and _number(query.get(PAGE)) in (None, 1):
        # A filtered list's first page: its rows and the total in one query (COUNT(*) OVER
        # ()), the filter (a text search above all) costing more than the sort.
        totalled = queryset.order_by(*forward_order).annotate(_keyset_total=Window(Count("pk")))
        found = list(totalled.values_list(*names, values, "_keyset_total")[: per_page + 1])
        return KeysetPage(
            object_list=[row[-2] for row in found[:per_page]],
            number=1,
            per_page=per_page,
            total=found[0][-1] if found else 0,
            capped=False,
            next_cursor=cursor(found[per_page - 1]) if len(found) > per_page else None,
            query=query,
        )
    counted_rows = queryset.order_by().values("pk")
    counted = (counted_rows[: cap + 1] if cap is not None else counted_rows).count()
    capped = cap is not None and counted > cap
    total = min(counted, cap) if cap is not None else counted
    last = None if capped else max(1, math.ceil(total / per_page))
    number = _number(query.get(PAGE))
    after, before = query.get(AFTER), query.get(BEFORE)
    rows: list[Any] | None = None
    next_cursor = previous_cursor = None
    if after:
        start = decode(after, model, orders)
        if start is not None:
            found = fetch(queryset.filter(beyond(orders, start)).order_by(*forward_order))
            if found:
                rows = found[:per_page]
                next_cursor = cursor(rows[-1]) if len(found) > per_page else None
                previous_cursor = cursor(rows[0])
    elif before:
        end = decode(before, model, orders)
        if end is not None:
            found = fetch(
                queryset.filter(beyond(orders, end, forward=False)).order_by(*backward_order)
            )
            if len(found) > per_page:  # else the start is reached: the first page
                rows = found[:per_page][::-1]
                previous_cursor = cursor(rows[0])
                next_cursor = cursor(rows[-1])
    elif number is not None and number != 1:
        if last is not None and not 1 <= number <= last:
            number = last
        if last is not None and number == last and number > 1:
            size = total - (last - 1) * per_page
            rows = fetch(queryset.order_by(*backward_order), size=size)[::-1]
        elif 2 <= number <= MAX_OFFSET_PAGE:
            found = fetch(queryset.order_by(*forward_order), start=(number - 1) * per_page)
            rows = found[:per_page] or None
            if rows:
                next_cursor = cursor(rows[-1]) if len(found) > per_page else None
        if rows:
            previous_cursor = cursor(rows[0])
        else:
            rows = None
    if rows is None:
        found = fetch(queryset.order_by(*forward_order))
        rows = found[:per_page]
        next_cursor = cursor(rows[-1]) if len(found) > per_page else None
        previous_cursor = None
        number = 1
    elif number is not None and (number < 2 or (last is not None and number > last)):
        number = None  # not the first page, nor one the list has: the URL's is wrong
    return KeysetPage(
        object_list=[row[-1] for row in rows] if values else rows,
        number=number,
        per_page=per_page,
        total=total,
        capped=capped,
        next_cursor=next_cursor,
        previous_cursor=previous_cursor,
        query=query,
    )


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Django's ``Paginator`` by page number (``OFFSET``), for a list whose order has no
    keyset here (the inbox sorts on a nullable due time), with the total counted up to
    ``cap`` rows: past it the page says "more than 1.000" and any page that has rows is
    served (``num_pages`` is then unknown; ``has_next`` looks one row ahead)."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The rows, up to ``cap + 1`` (more than ``cap`` when ``capped``)."""
        rows = cast("QuerySet[Any]", self.object_list)
        return rows.order_by().values("pk")[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def total_label(self) -> str:
        """The total as the page shows it: "1.234", or "more than 1.000" past the cap."""
        if self.capped:
            counted = number_format(self.cap, force_grouping=True)
            return _("more than %(count)s") % {"count": counted}
        return number_format(self.count, force_grouping=True)

    def page(self, number: int | str) -> Page[Any]:
        if not self.capped:
            return super().page(number)
        try:
            wanted = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(_("That page number is not an integer")) from error
        if wanted < 1 or wanted > 100_000_000:
            raise EmptyPage(_("That page contains no results"))
        bottom = (wanted - 1) * self.per_page
        found = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not found:
            raise EmptyPage(_("That page contains no results"))
        return _CappedPage(found[: self.per_page], wanted, self, len(found) > self.per_page)

    def get_page(self, number: Any) -> Page[Any]:
        if not self.capped:
            return super().get_page(number)
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)


class _CappedPage(Page):  # type: ignore[type-arg]
    """A page of a capped ``CappedPaginator``: whether another follows was looked up."""

    def __init__(self, rows: list[Any], number: int, paginator: Paginator, more: bool) -> None:  # type: ignore[type-arg]
        super().__init__(rows, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more
