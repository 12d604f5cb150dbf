"""The bookkeeping process of ``jaga monitor`` (issue 19): the ``Keeper`` and every database
query run in a child process of their own, so that neither the database's waits nor the
GIL starve the probing process's receive loop.

The probing process (the parent, ``runner.run_monitor``: asyncio, the ICMP engine, the
scheduler) starts the bookkeeping process (a new interpreter running ``main``, rather than
a fork: a fork of a process with threads may inherit a lock held forever) with its
``Keeper``, settings module and database settings; they talk over one Unix socket pair.
Each message is a frame: a 4-byte big-endian length, then the pickle of ``(kind,
payload)``:

- parent to child: ``("results", [(check id, ok, at UNIX seconds, rtt ms or None, reason or
  None), ...])`` every ``SEND_S`` seconds; ``("beat", Beat)`` at start, every
  ``heartbeat.HEARTBEAT_S`` seconds (the child writes it, with its own CPU, as the
  heartbeat); ``("stop", Beat)`` after the last results: write everything, then that
  heartbeat, and exit 0.
- child to parent: ``("checks", (changed CheckSpecs, removed check ids))``: every check
  after the first ``Keeper.load``, then what each reload (every ``reload_s`` seconds)
  changed, so a reload of 100,000 unchanged checks costs the probing loop nothing.

The child applies the results (``Keeper.record``), writes the states and outages every
``flush_s`` seconds, the finished minutes every minute, and the heartbeat. It ignores SIGINT
and SIGTERM (a Ctrl-C or systemd signals the whole group; the parent decides) and runs
``NICE`` steps below the parent. Deaths: the parent sees the child's end of the socket close
(``BookkeeperDied``: ``jaga monitor`` stops probing and exits 1; systemd restarts it); the
child sees the parent's close (a SIGKILL of the parent) and writes everything it holds, as on
a clean stop, then exits. Either way the ``Keeper``'s restart safety holds: a new monitor
reads the states and open outages back from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone

from jaga.monitoring.heartbeat import Beat, monitor_name, write_heartbeat
from jaga.monitoring.keeper import Keeper
from jaga.monitoring.topology import CheckSpec

logger = logging.getLogger(__name__)

#: Seconds between two batches of results sent to the bookkeeping process.
SEND_S = 0.2
#: Niceness the bookkeeping process adds to its own: under load the probing process wins.
NICE = 5
#: Seconds the parent waits for the child to exit after its socket closed.
EXIT_WAIT_S = 30.0

_LENGTH = struct.Struct("!I")
_READ_SIZE = 1 << 20

#: One result as sent: check id, ok, at (UNIX seconds), rtt (ms) or None, reason or None.
Result = tuple[int, bool, float, float | None, str | None]
#: What a reload changed: the new or changed specs, and the ids of the removed checks.
Changes = tuple[list[CheckSpec], list[int]]


class BookkeeperDied(RuntimeError):
    """The bookkeeping process ended before it was told to stop, or failed to stop."""


def frame(kind: str, payload: Any) -> bytes:
    """One message as sent on the socket pair."""
    data = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


class Frames:
    """Splits the bytes read from the socket pair into ``(kind, payload)`` messages."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[str, Any]]:
        """Add ``data``; return the messages it completed, in order."""
        buffer = self._buffer
        buffer += data
        messages, start = [], 0
        while len(buffer) - start >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(buffer, start)
            end = start + _LENGTH.size + length
            if len(buffer) < end:
                break
            messages.append(pickle.loads(memoryview(buffer)[start + _LENGTH.size : end]))
            start = end
        del buffer[:start]
        return messages


# -- the child ---------------------------------------------------------------------------


def keep(sock: socket.socket, keeper: Keeper, flush_s: float, reload_s: float) -> bool:
    """The bookkeeping loop on ``sock`` (blocking) until the parent says stop (returns True)
    or its end closes (False); everything held is written either way. Raises what the first
    load raises (the database unreachable at start)."""
    frames = Frames()
    name = keeper.name or monitor_name(keeper.agencies)
    started_at = timezone.now()
    known = {spec.id: spec for spec in keeper.load()}
    if not _send(sock, frame("checks", (list(known.values()), []))):
        _final(keeper)
        return False
    last_flush = last_reload = time.monotonic()
    last_minute = time.time()
    while True:
        timeout = min(1.0, max(0.0, last_flush + flush_s - time.monotonic()))
        readable, _, _ = select.select([sock], [], [], timeout)
        try:
            data = sock.recv(_READ_SIZE) if readable else b""
        except OSError:
            data, readable = b"", [sock]
        if readable and not data:
            logger.error("the probing process is gone: writing what is held and exiting")
            _final(keeper)
            return False
        for kind, payload in frames.feed(data):
            if kind == "results":
                for result in payload:
                    keeper.record(*result)
            elif kind == "beat":
                _heartbeat(name, keeper, started_at, payload)
            elif kind == "stop":
                _final(keeper)
                _heartbeat(name, keeper, started_at, payload)
                return True
        changes: Changes = ([], [])
        try:
            if time.monotonic() - last_flush >= flush_s:
                last_flush = time.monotonic()
                close_old_connections()
                keeper.flush()
            if int(time.time() // 60) != int(last_minute // 60):
                last_minute = time.time()
                close_old_connections()
                keeper.flush_rollups(last_minute)
            if time.monotonic() - last_reload >= reload_s:
                last_reload = time.monotonic()
                close_old_connections()
                changes = _changes(known, keeper.load())
        except Exception:  # the database may be away for a while: keep the results
            logger.exception("could not write the monitor's results; retrying")
        if (changes[0] or changes[1]) and not _send(sock, frame("checks", changes)):
            logger.error("the probing process is gone: writing what is held and exiting")
            _final(keeper)
            return False


def _send(sock: socket.socket, data: bytes) -> bool:
    """Send ``data`` to the parent; False if its end is closed."""
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _changes(known: dict[int, CheckSpec], specs: list[CheckSpec]) -> Changes:
    """What ``specs`` (a reload) changed against ``known``, which is updated to them."""
    wanted = {spec.id: spec for spec in specs}
    changed = [spec for pk, spec in wanted.items() if known.get(pk) != spec]
    removed = [pk for pk in known if pk not in wanted]
    known.clear()
    known.update(wanted)
    return changed, removed


def _heartbeat(name: str, keeper: Keeper, started_at: Any, beat: Beat) -> None:
    try:
        close_old_connections()
        mine = dataclasses.replace(beat, bookkeeping_cpu_s=time.process_time())
        write_heartbeat(name, keeper.agencies, started_at, mine)
    except Exception:
        logger.exception("could not write the monitor's heartbeat")


def _final(keeper: Keeper) -> None:
    close_old_connections()
    keeper.flush(final=True)
    keeper.flush_rollups()


#: The bookkeeping process's program (``python -c``; argument: the settings module): Django
#: is set up before ``main`` unpickles the keeper, whose class may be any ``Keeper``'s.
_BOOT = (
    "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = sys.argv[1]; "
    "django.setup(); from jaga.monitoring.bookkeeper import main; sys.exit(main())"
)


def main() -> int:
    """The bookkeeping process (``_BOOT``, started by ``Bookkeeper.start``): reads its
    configuration (a pickle: the socket's descriptor, the ``Keeper``, the seconds between
    flushes and reloads, the probing process's database settings) from stdin, leaves the
    signals to the parent, lowers its priority and keeps. Returns the exit status: 0 when
    stopped or orphaned, 1 when it failed (logged)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    config = pickle.loads(sys.stdin.buffer.read())
    with contextlib.suppress(OSError):
        os.nice(NICE)
    connections["default"].settings_dict.update(config["database"])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    sock = socket.socket(fileno=config["fd"])
    try:
        keep(sock, config["keeper"], config["flush_s"], config["reload_s"])
    except BaseException:
        logger.exception("the bookkeeping process failed")
        return 1
    finally:
        connections.close_all()
    return 0


# -- the parent --------------------------------------------------------------------------


class Bookkeeper(asyncio.Protocol):
    """The probing process's end: starts the bookkeeping process (``start``), batches the
    results (``add``) and sends them every ``SEND_S`` seconds, hands each ``Changes`` of the
    checks to ``on_checks`` (in the event loop), and tells ``died`` when the child's end
    closed."""

    def __init__(self, on_checks: Callable[[Changes], None]) -> None:
        self.on_checks = on_checks
        self.died = asyncio.Event()
        self.process: subprocess.Popen[bytes] | None = None
        self._frames = Frames()
        self._batch: list[Result] = []
        self._transport: asyncio.Transport | None = None
        self._stopping = False
        self._sender: asyncio.Task[None] | None = None

    async def start(self, keeper: Keeper, flush_s: float, reload_s: float) -> None:
        """Start the bookkeeping process for ``keeper`` (not loaded yet: it is pickled) on
        this process's settings and database, and connect to it."""
        from django.conf import settings

        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        config = {
            "fd": theirs.fileno(),
            "keeper": keeper,
            "flush_s": flush_s,
            "reload_s": reload_s,
            "database": dict(connections["default"].settings_dict),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, str(settings.SETTINGS_MODULE)],
            stdin=subprocess.PIPE,
            pass_fds=(theirs.fileno(),),
        )
        assert self.process.stdin is not None
        with self.process.stdin:
            self.process.stdin.write(pickle.dumps(config))
        theirs.close()
        await loop.connect_accepted_socket(lambda: self, ours)
        self._sender = loop.create_task(self._send_every(SEND_S))

    def add(self, pk: int, ok: bool, at: float, rtt: float | None, reason: str | None) -> None:
        """Queue one result (``Runner``'s ``on_result``) for the next batch."""
        self._batch.append((pk, ok, at, rtt, reason))

    def send(self, kind: str, payload: Any = None) -> None:
        """Send the queued results, then message ``kind`` (``"beat"``, ``"stop"``) if any
        other than ``"results"``. Never blocks: the transport buffers what the child has not
        read yet."""
        if self._transport is None or self._transport.is_closing():
            return
        if self._batch:
            batch, self._batch = self._batch, []
            self._transport.write(frame("results", batch))
        if kind != "results":
            self._transport.write(frame(kind, payload))

    async def _send_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.send("results")

    async def stop(self, beat: Beat) -> None:
        """Send what is left and ``stop`` with the last ``beat``; wait for the child to
        write everything and exit. Raises ``BookkeeperDied`` unless it exited 0 after being
        told to stop."""
        if self._sender is not None:
            self._sender.cancel()
        told = self._transport is not None and not self._transport.is_closing()
        self._stopping = True
        self.send("stop", beat)
        code = await self.wait()
        if not told or code != 0:
            raise BookkeeperDied(f"the bookkeeping process ended with exit status {code}")

    async def wait(self) -> int | None:
        """Wait for the child's end to close and the child to exit; its exit status (a
        signal's negative number, like ``Popen.returncode``; None if it did not exit within
        ``EXIT_WAIT_S`` seconds of the close: it is killed)."""
        await self.died.wait()
        if self._sender is not None:
            self._sender.cancel()
        assert self.process is not None
        deadline = time.monotonic() + EXIT_WAIT_S
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.kill()
                self.process.wait()
                return None
            await asyncio.sleep(0.05)
        return self.process.returncode

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        for kind, payload in self._frames.feed(data):
            if kind == "checks":
                self.on_checks(payload)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._stopping:
            logger.error("the bookkeeping process is gone (%s)", exc or "its socket closed")
        self._transport = None
        self.died.set()
