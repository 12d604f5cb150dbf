"""Imports run in the background (issue 13 point 7: "a 100,000-row devices CSV imports from
the import page … as a background task with progress on the page").

``start_job`` keeps the uploaded file under ``<data dir>/imports/`` and queues
``jaga.inventory.tasks.run_import_job`` after the job row commits; the worker of ``jaga run``
calls ``run_job``, which takes the job (``queued`` → ``running``, compare-and-set), checks the
rows with ``import_rows`` while writing its progress to the job row, and writes everything in
one transaction that also marks the job ``done``; bad rows or an unreadable file make it
``failed`` with every bad cell and nothing written. The file is deleted when the job ends.

A worker killed mid-job leaves its job ``running``: ``expire_stale`` (run by the import pages)
fails a running job whose worker process is gone (same host, its pid no longer exists) or
that has shown no sign of life for ``STALE_AFTER``; its writes, never committed, are gone
with the worker. The user uploads the file again. If the dead worker's job is failed while
its worker is in fact alive, the final compare-and-set fails and the import rolls back.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jaga.inventory.forms import CORRUPT_XLSX
from jaga.inventory.importing import import_rows
from jaga.inventory.models import ImportJob, ImportState
from jaga.inventory.tabular import KINDS, BadFile, Format, ImportResult, Kind
from jaga.org.models import User
from jaga.tenancy.models import Agency

logger = logging.getLogger(__name__)

#: A running job without a sign of life for this long is taken for dead. Progress moves
#: ``heartbeat_at`` at least every ``HEARTBEAT_EVERY`` while rows are checked; the write
#: (one transaction, no progress) of 100,000 rows takes well under a minute.
STALE_AFTER = dt.timedelta(minutes=10)
#: The least time between two progress writes of a job (seconds).
HEARTBEAT_EVERY = 1.0


class JobLost(RuntimeError):
    """The job was no longer ``running`` when its import wanted to commit (it was failed as
    stale meanwhile): the import is rolled back."""


def imports_dir() -> Path:
    """``<data dir>/imports``, created readable by its owner only."""
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def this_worker() -> str:
    """``host:pid`` of this process, as ``ImportJob.worker`` records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def start_job(
    agency: Agency,
    user: User | None,
    kind: Kind,
    file_name: str,
    content: bytes,
    fmt: Format,
    *,
    enqueue: bool = True,
) -> ImportJob:
    """Store ``content`` (the uploaded file named ``file_name``, of format ``fmt``) and
    create its ``queued`` job for ``agency`` by ``user``, in the active language; with
    ``enqueue`` the background task is queued once the job row has committed."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    stored = imports_dir() / f"{uuid.uuid4().hex}.{fmt}"
    descriptor = os.open(stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
    try:
        with transaction.atomic():
            job = ImportJob.objects.create(
                agency=agency,
                user=user,
                kind=kind,
                file_name=file_name[:255],
                file_format=fmt,
                stored_as=stored.name,
                language=translation.get_language() or settings.LANGUAGE_CODE,
                queued_at=timezone.now(),
            )
            if enqueue:
                transaction.on_commit(lambda: _enqueue(job.pk))
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return job


def _enqueue(job_id: int) -> None:
    from jaga.inventory.tasks import run_import_job

    run_import_job.enqueue(job_id)


def _delete_file(job: ImportJob) -> None:
    if job.stored_as:
        (imports_dir() / Path(job.stored_as).name).unlink(missing_ok=True)


def _end(job: ImportJob, state: ImportState, **fields: object) -> bool:
    """Move ``job`` from running to ``state`` with ``fields`` (compare-and-set); deletes
    its file. Whether this call moved it."""
    moved = ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING).update(
        state=state, finished_at=timezone.now(), stored_as="", **fields
    )
    _delete_file(job)
    return moved == 1


def run_job(job_id: int) -> str:
    """Run import job ``job_id`` if it is still queued; returns its final state (or the
    state it was found in). Never raises for a bad file or bad rows: they fail the job."""
    now = timezone.now()
    taken = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.RUNNING,
        stage="reading",
        started_at=now,
        heartbeat_at=now,
        worker=this_worker(),
    )
    job = ImportJob.objects.select_related("agency", "user").get(pk=job_id)
    if not taken:
        return str(job.state)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: ImportJob) -> str:
    last = [time.monotonic()]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == "checking" and done and now - last[0] < HEARTBEAT_EVERY:
            return
        last[0] = now
        ImportJob.objects.filter(pk=job.pk, state=ImportState.RUNNING).update(
            stage=stage, rows_done=done, rows_total=total, heartbeat_at=timezone.now()
        )

    def finish(result: ImportResult) -> None:
        if not _end(
            job,
            ImportState.DONE,
            stage="",
            rows_done=result.created + result.updated + result.unchanged,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ):
            raise JobLost(f"import job {job.pk} is no longer running")

    try:
        content = (imports_dir() / Path(job.stored_as).name).read_bytes()
        result = import_rows(
            job.agency,
            job.user,
            job.kind,  # type: ignore[arg-type]
            content,
            job.file_format,  # type: ignore[arg-type]
            progress=progress,
            finish=finish,
        )
    except BadFile as exc:
        _end(job, ImportState.FAILED, stage="", message=str(exc))
        return ImportState.FAILED
    except CORRUPT_XLSX:
        _end(
            job,
            ImportState.FAILED,
            stage="",
            message=_("The file is not a readable XLSX workbook."),
        )
        return ImportState.FAILED
    except JobLost:
        logger.warning("import job %s was failed as stale while running; rolled back", job.pk)
        _delete_file(job)
        return ImportState.FAILED
    except Exception:
        logger.exception("import job %s failed", job.pk)
        _end(
            job,
            ImportState.FAILED,
            stage="",
            message=_("The import stopped on an unexpected error; nothing was imported."),
        )
        return ImportState.FAILED
    if not result.ok:
        lines = {error.line for error in result.errors}
        _end(
            job,
            ImportState.FAILED,
            stage="",
            rows_done=0,
            errors=[[e.line, e.column, e.reason] for e in result.errors],
            message=_("%(lines)d of the rows are bad; nothing was imported.")
            % {"lines": len(lines)},
        )
        return ImportState.FAILED
    return ImportState.DONE


def _alive(worker: str) -> bool:
    """Whether ``worker`` (``host:pid``) may still be running: any worker of another host,
    and a process of this host that still exists."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def expire_stale(agency_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Fail every running job (of ``agency_id``, or of all agencies) whose worker is gone
    or that has shown no sign of life for ``STALE_AFTER`` before ``now``, deleting its
    file, so that it does not stay "running" forever; returns how many. Compare-and-set:
    a job that ended meanwhile is left as it is."""
    now = now or timezone.now()
    running = ImportJob.objects.filter(state=ImportState.RUNNING)
    if agency_id is not None:
        running = running.filter(agency_id=agency_id)
    expired = 0
    for job in running.only("pk", "worker", "heartbeat_at", "stored_as", "language"):
        silent = job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
        if not silent and _alive(job.worker):
            continue
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _(
                "The import stopped: the background worker running it ended. Nothing was "
                "imported; upload the file again."
            )
        try:
            moved = ImportJob.objects.filter(
                Q(heartbeat_at=job.heartbeat_at) | Q(heartbeat_at__isnull=True),
                pk=job.pk,
                state=ImportState.RUNNING,
            ).update(state=ImportState.FAILED, finished_at=now, stored_as="", message=message)
        except OperationalError:  # SQLite: a write holds the database; try next time
            continue
        if moved:
            _delete_file(job)
            expired += 1
    return expired
