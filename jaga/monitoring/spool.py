"""The agent's on-disk queue of result batches (``jaga agent``; docs/monitoring.md, "Remote
agents"): JSON Lines files written durably (fsync'd file, renamed, directory fsync'd) and
sent oldest first, so a killed agent loses nothing it spooled."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jaga.monitoring.api import MAX_RESULTS

_BATCH = re.compile(r"^(\d{12})\.jsonl$")
#: One result as spooled: the JSON object the server's results endpoint takes.
Line = dict[str, Any]


class SpoolError(Exception):
    """A batch file that cannot be read back as JSON Lines of objects."""


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
        found = sorted(
            int(match.group(1))
            for path in directory.iterdir()
            if (match := _BATCH.match(path.name)) is not None
        )
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
        """Write ``lines`` as new batch files of at most ``MAX_RESULTS`` lines each, durably
        (fsync'd file and directory). Returns the number of files written; raises
        ``OSError`` (nothing half-written stays visible)."""
        written = 0
        for start in range(0, len(lines), MAX_RESULTS):
            with self._lock:
                sequence = self._next
                self._next += 1
            _write_durably(self.path(sequence), _jsonl(lines[start : start + MAX_RESULTS]))
            with self._lock:
                self._sequences.append(sequence)
                self._sequences.sort()
            written += 1
        return written

    def read(self, path: Path) -> list[Line]:
        """The results in batch file ``path``; raises ``SpoolError`` for a file that is not
        JSON Lines of objects (``OSError`` when it cannot be read)."""
        lines: list[Line] = []
        for number, text in enumerate(path.read_bytes().splitlines(), start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError as exc:
                raise SpoolError(f"{path.name}:{number}: not JSON: {exc}") from None
            if not isinstance(line, dict):
                raise SpoolError(f"{path.name}:{number}: not a JSON object")
            lines.append(line)
        return lines

    def delete(self, paths: Iterable[Path]) -> None:
        """Forget the batch files ``paths`` (sent), durably."""
        for path in paths:
            path.unlink(missing_ok=True)
            self._forget(path)
        _sync_directory(self.directory)

    def replace(self, path: Path, lines: list[Line]) -> None:
        """Keep only ``lines`` in batch file ``path`` (deleted when empty), durably."""
        if lines:
            _write_durably(path, _jsonl(lines))
        else:
            self.delete([path])

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


def _jsonl(lines: list[Line]) -> bytes:
    return b"".join(
        json.dumps(line, separators=(",", ":")).encode("utf-8") + b"\n" for line in lines
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
