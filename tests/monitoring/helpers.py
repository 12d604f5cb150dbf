"""What the monitor's tests share: running a coroutine off the main thread, waiting for a
condition, and skipping (or, under CI=true, failing) for a missing prerequisite."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn, TypeVar

import pytest

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` in an event loop of its own, in a thread of its own: the browser
    tests' Playwright keeps a loop running in the main thread for the whole session."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def missing(reason: str) -> NoReturn:
    """Skip for a missing prerequisite; fail instead under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def require_icmp() -> None:
    """``missing`` unless this process may open a raw or ping ICMP socket."""
    for kind in (socket.SOCK_RAW, socket.SOCK_DGRAM):
        try:
            socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP).close()
            return
        except OSError:
            continue
    missing("the ICMP check needs root, CAP_NET_RAW or ping sockets")


def wait_for(what: str, condition: Callable[[], bool], timeout: float, poll: float = 0.1) -> float:
    """Poll ``condition`` every ``poll`` seconds until true; returns the seconds it took.
    Fails the test after ``timeout`` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(poll)
    pytest.fail(f"not within {timeout:g} s: {what}")
