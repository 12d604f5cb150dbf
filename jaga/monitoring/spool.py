"""The agent's on-disk queue of result batches (``jaga agent``; docs/monitoring.md, "Remote
agents"): JSON Lines files written durably (fsync'd file, renamed, directory fsync'd) and
sent oldest first, so a killed agent loses nothing it spooled.

A batch file starts with a header line ``{"batch": id}``: the batch's id, a random UUID
chosen when it is spooled and sent with it every time, so the server applies it once
however often it arrives (issue 13 point 8). Files spooled by an agent older than the ids
have no header: their id is ``sha256:`` and the SHA-256 of the file's bytes, the same at
every read; when such a file is rewritten (some of its results refused) the header keeps
that id."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaga.monitoring.api import MAX_RESULTS

_BATCH = re.compile(r"^(\d{12})\.jsonl$")
#: One result as spooled: the JSON object the server's results endpoint takes.
Line = dict[str, Any]


#: The key of a batch file's header line.
HEADER = "batch"


@dataclass(frozen=True, slots=True)
class Batch:
    """One spooled batch: its file ``path``, its ``id`` and its result ``lines``."""

    path: Path
    id: str
    lines: list[Line]


def new_batch_id() -> str:
    """A fresh batch id: a random UUID as 32 hexadecimal digits."""
    return uuid.uuid4().hex


class SpoolError(Exception):
    """A batch file that cannot be read back as JSON Lines of objects."""


def batch_sequences(directory: Path) -> list[int]:
    """The sequence numbers of the batch files in ``directory``, in order. Only lists:
    unlike ``Spool(directory)`` it never removes a temporary file, so another process may
    look at a spool a running agent writes."""
    return sorted(
        int(match.group(1))
        for path in directory.iterdir()
        if (match := _BATCH.match(path.name)) is not None
    )


def load_batch(path: Path) -> Batch:
    """The batch in file ``path``: its id (from the header line, else derived from the
    file's bytes) and its results. Raises ``SpoolError`` for a file that is not JSON
    Lines of objects (``OSError`` when it cannot be read)."""
    data = path.read_bytes()
    lines: list[Line] = []
    batch_id = ""
    for number, text in enumerate(data.splitlines(), start=1):
        if not text.strip():
            continue
        try:
            line = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise SpoolError(f"{path.name}:{number}: not JSON: {exc}") from None
        if not isinstance(line, dict):
            raise SpoolError(f"{path.name}:{number}: not a JSON object")
        if not lines and not batch_id and line.keys() == {HEADER}:
            if not isinstance(line[HEADER], str) or not line[HEADER]:
                raise SpoolError(f"{path.name}:{number}: a bad batch id")
            batch_id = line[HEADER]
            continue
        lines.append(line)
    return Batch(path, batch_id or f"sha256:{hashlib.sha256(data).hexdigest()}", lines)


class Spool:
    """The on-disk queue of result batches in ``directory`` (created, mode 0700). Batch
    files are ``<sequence>.jsonl``; ``rejected/`` holds what the server refused and
    ``assignments.json`` the last pulled assignments. Thread-safe: its methods do blocking
    I/O (fsync) and are called through ``asyncio.to_thread``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rejected = directory / "rejected"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.rejected.mkdir(exist_ok=True, mode=0o700)
        for stale in directory.glob("*.tmp"):  # a write cut short: never renamed, never spooled
            stale.unlink(missing_ok=True)
        found = batch_sequences(directory)
        self._lock = threading.Lock()
        self._sequences = found
        self._next = (found[-1] + 1) if found else 1

    # -- batches -----------------------------------------------------------------------

    def path(self, sequence: int) -> Path:
        return self.directory / f"{sequence:012d}.jsonl"

    def files(self) -> list[Path]:
        """The batch files waiting to be sent, oldest first."""
        with self._lock:
            return [self.path(sequence) for sequence in self._sequences]

    def append(self, lines: list[Line]) -> int:
        """Write ``lines`` as new batch files of at most ``MAX_RESULTS`` lines each, each
        with a new batch id, durably (fsync'd file and directory). Returns the number of
        files written; raises ``OSError`` (nothing half-written stays visible)."""
        written = 0
        for start in range(0, len(lines), MAX_RESULTS):
            with self._lock:
                sequence = self._next
                self._next += 1
            chunk = lines[start : start + MAX_RESULTS]
            _write_durably(self.path(sequence), _jsonl(chunk, new_batch_id()))
            with self._lock:
                self._sequences.append(sequence)
                self._sequences.sort()
            written += 1
        return written

    def read(self, path: Path) -> list[Line]:
        """The results in batch file ``path`` (``load``)."""
        return self.load(path).lines

    def load(self, path: Path) -> Batch:
        """The batch in file ``path`` (``load_batch``)."""
        return load_batch(path)

    def delete(self, paths: Iterable[Path]) -> None:
        """Forget the batch files ``paths`` (sent), durably."""
        for path in paths:
            path.unlink(missing_ok=True)
            self._forget(path)
        _sync_directory(self.directory)

    def replace(self, batch: Batch, lines: list[Line]) -> None:
        """Keep only ``lines`` in the file of ``batch`` under the same batch id (deleted
        when empty), durably."""
        if lines:
            _write_durably(batch.path, _jsonl(lines, batch.id))
        else:
            self.delete([batch.path])

    def reject(self, path: Path, lines: list[Line] | None = None) -> None:
        """Move ``lines`` of batch file ``path`` (None: the whole file) to ``rejected/``
        under the file's name, appending to what an earlier rejection put there."""
        target = self.rejected / path.name
        if lines is None:
            if target.exists():
                with target.open("ab") as out:
                    out.write(path.read_bytes())
                    out.flush()
                    os.fsync(out.fileno())
                path.unlink(missing_ok=True)
            else:
                os.replace(path, target)
            _sync_directory(self.rejected)
            self._forget(path)
            _sync_directory(self.directory)
            return
        with target.open("ab") as out:
            out.write(_jsonl(lines))
            out.flush()
            os.fsync(out.fileno())
        _sync_directory(self.rejected)

    def _forget(self, path: Path) -> None:
        match = _BATCH.match(path.name)
        if match is not None:
            with self._lock, contextlib.suppress(ValueError):
                self._sequences.remove(int(match.group(1)))

    # -- cached assignments ------------------------------------------------------------

    @property
    def assignments_path(self) -> Path:
        return self.directory / "assignments.json"

    def save_assignments(self, payload: dict[str, Any]) -> None:
        """Cache the server's assignments answer (mode 0600), durably."""
        _write_durably(self.assignments_path, json.dumps(payload).encode("utf-8"))

    def load_assignments(self) -> dict[str, Any] | None:
        """The cached assignments answer, or None without a readable one."""
        try:
            payload = json.loads(self.assignments_path.read_bytes())
        except (OSError, ValueError):
            return None
        return payload if isinstance(payload, dict) else None


def _jsonl(lines: list[Line], batch_id: str | None = None) -> bytes:
    """``lines`` as JSON Lines, after the header line of ``batch_id`` unless it is None."""
    head = [{HEADER: batch_id}] if batch_id is not None else []
    return b"".join(
        json.dumps(line, separators=(",", ":")).encode("utf-8") + b"\n" for line in [*head, *lines]
    )


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a fsync'd temporary file renamed over it,
    then the directory fsync'd. Mode 0600."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
