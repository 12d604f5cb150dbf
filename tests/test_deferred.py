"""``jaga.deferred``: writes gathered over one operation and made at its end."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from jaga import deferred


class Writer:
    """Records each call it gets, with the items of the call."""

    def __init__(self, log: list[tuple[str, list[str]]], name: str) -> None:
        self.log, self.name = log, name

    def __call__(self, items: Sequence[str]) -> None:
        self.log.append((self.name, list(items)))


def test_it_writes_at_once_outside_a_gathering() -> None:
    log: list[tuple[str, list[str]]] = []
    deferred.add(Writer(log, "audit"), "one")
    assert log == [("audit", ["one"])]
    assert not deferred.is_gathering()


def test_it_calls_each_writer_once_at_the_end_in_the_order_first_given() -> None:
    log: list[tuple[str, list[str]]] = []
    audit, notices = Writer(log, "audit"), Writer(log, "notices")
    with deferred.gathering():
        deferred.add(audit, "completed")
        deferred.add(notices, "reporter")
        deferred.add(audit, "issued")
        deferred.add(notices, "next step")
        assert log == []
        assert deferred.is_gathering()
    assert log == [("audit", ["completed", "issued"]), ("notices", ["reporter", "next step"])]


def test_it_joins_an_outer_gathering() -> None:
    log: list[tuple[str, list[str]]] = []
    audit = Writer(log, "audit")
    with deferred.gathering():
        deferred.add(audit, "outer")
        with deferred.gathering():
            deferred.add(audit, "inner")
        assert log == []  # the inner block's end writes nothing
    assert log == [("audit", ["outer", "inner"])]


def test_it_drops_what_a_failed_block_gathered() -> None:
    log: list[tuple[str, list[str]]] = []
    audit = Writer(log, "audit")

    def failing_operation() -> None:
        with deferred.gathering():
            deferred.add(audit, "lost")
            raise KeyError("the operation fails")

    with pytest.raises(KeyError):
        failing_operation()
    assert log == []
    assert not deferred.is_gathering()
    deferred.add(audit, "next")
    assert log == [("audit", ["next"])]


def test_it_writes_at_once_what_a_writer_adds_while_writing() -> None:
    log: list[tuple[str, list[str]]] = []
    audit = Writer(log, "audit")

    def notices(items: Sequence[str]) -> None:
        log.append(("notices", list(items)))
        deferred.add(audit, "notices written")

    with deferred.gathering():
        deferred.add(notices, "reporter")
    assert log == [("notices", ["reporter"]), ("audit", ["notices written"])]
