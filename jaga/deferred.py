"""Writes gathered over one operation and made together at its end (issue 19 point 2: a
step completion near its own SQL).

A step completion appends two audit events and tells two groups of people; written one at a
time, each costs its own statements (the chain head's compare-and-set and the insert; the
channel choices, the subscriptions, the notifications and the deliveries). Inside
``gathering()``, ``add(write, item)`` keeps ``item`` and, when the block ends without an
error, calls ``write`` once with every item given for it, in the order they were given:
one compare-and-set and one insert for the events, four statements for every notice.

``gathering()`` belongs inside the operation's transaction (``transaction.atomic()``
around it), so the gathered writes commit or roll back with the rest; an error in the
block drops them. Outside a gathering, ``add`` writes at once. Nested gatherings join the
outermost one. The gathering is per thread and per asyncio task (a ``ContextVar``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

Item = TypeVar("Item")
#: A writer of gathered items: called with every item given to ``add`` for it, in order.
Writer = Callable[[Sequence[Any]], object]

_gathered: ContextVar[dict[Writer, list[Any]] | None] = ContextVar("jaga_deferred", default=None)


@contextmanager
def gathering() -> Iterator[None]:
    """Gather the writes ``add`` is given in the block and make them at its end, each
    writer once (in the order the writers were first given an item). An exception in the
    block drops what was gathered and propagates; an exception of a writer propagates (the
    caller's transaction rolls back). Inside another gathering, joins it."""
    if _gathered.get() is not None:
        yield
        return
    batch: dict[Writer, list[Any]] = {}
    token = _gathered.set(batch)
    try:
        yield
    finally:
        _gathered.reset(token)
    # After the reset: what a writer adds in turn is written at once.
    for write, items in batch.items():
        write(items)


def add(write: Callable[[Sequence[Item]], object], item: Item) -> None:
    """Give ``item`` to ``write``: kept until the end of the current gathering, or written
    at once (``write([item])``) outside one."""
    batch = _gathered.get()
    if batch is None:
        write([item])
        return
    batch.setdefault(write, []).append(item)


def is_gathering() -> bool:
    """Whether a gathering is open in this thread or task."""
    return _gathered.get() is not None
