"""Import jobs (issue 13 point 7): queued → running → done or failed, all rows or none,
progress written while the rows are checked, the uploaded file deleted at the end, and a job
whose worker died failed instead of "running" forever."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus

from jaga.audit.models import Event
from jaga.audit.services import verify
from jaga.inventory import importing, jobs
from jaga.inventory.models import Device, ImportJob, ImportState
from jaga.inventory.tabular import Format
from jaga.org.models import User
from jaga.tenancy.models import Agency
from tests.inventory.test_tabular import DEVICE_HEADER, csv_bytes, device_row

pytestmark = pytest.mark.django_db


def good_file(count: int = 3) -> bytes:
    return csv_bytes([DEVICE_HEADER, *[device_row(f"SN{n}") for n in range(count)]])


def start(agency: Agency, user: User, content: bytes, fmt: Format = "csv") -> ImportJob:
    return jobs.start_job(agency, user, "devices", f"perangkat.{fmt}", content, fmt, enqueue=False)


def stored_file(job: ImportJob) -> Any:
    return jobs.imports_dir() / job.stored_as


def test_it_runs_a_job_from_queued_to_done_and_deletes_the_file(
    sites: Agency, admin_a: User
) -> None:
    job = start(sites, admin_a, good_file())
    assert job.state == ImportState.QUEUED
    path = stored_file(job)
    assert path.read_bytes() == good_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert jobs.run_job(job.pk) == ImportState.DONE
    job.refresh_from_db()
    assert (job.state, job.created, job.updated, job.unchanged) == ("done", 3, 0, 0)
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert job.started_at is not None
    assert job.finished_at is not None
    assert not path.exists()
    assert job.stored_as == ""
    assert Device.objects.filter(agency=sites).count() == 3
    assert verify(sites).ok
    # a job is run once: a second delivery of the task changes nothing
    assert jobs.run_job(job.pk) == ImportState.DONE
    assert Device.objects.filter(agency=sites).count() == 3


def test_it_fails_a_job_with_every_bad_row_and_writes_nothing(sites: Agency, admin_a: User) -> None:
    content = csv_bytes(
        [
            DEVICE_HEADER,
            device_row("SN1"),
            device_row("SN2", kode_situs="nowhere"),
            device_row("SN3", jenis="toaster", ip_manajemen="10.0.0.999"),
        ]
    )
    events = Event.objects.count()
    job = start(sites, admin_a, content)
    path = stored_file(job)
    assert jobs.run_job(job.pk) == ImportState.FAILED
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert [(line, column) for line, column, _reason in job.errors] == [
        (3, "kode_situs"),
        (4, "jenis"),
        (4, "ip_manajemen"),
    ]
    assert job.message == "2 of the rows are bad; nothing was imported."
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)
    assert not Device.objects.exists()
    assert Event.objects.count() == events
    assert not path.exists()


def test_it_fails_a_job_whose_file_cannot_be_read(sites: Agency, admin_a: User) -> None:
    job = start(sites, admin_a, b"kode_situs,nama\nx,y\n")
    assert jobs.run_job(job.pk) == ImportState.FAILED
    job.refresh_from_db()
    assert job.message.startswith("Wrong header for devices")
    assert not Device.objects.exists()


def test_it_writes_its_progress_while_checking_the_rows(
    sites: Agency, admin_a: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0.0)
    seen: list[tuple[str, str, int, int | None]] = []
    real = importing.import_rows

    def spying(*args: Any, progress: Callable[[str, int, int], None], **kwargs: Any) -> Any:
        def told(stage: str, done: int, total: int) -> None:
            progress(stage, done, total)
            row = ImportJob.objects.get()
            seen.append((row.state, row.stage, row.rows_done, row.rows_total))

        return real(*args, progress=told, **kwargs)

    monkeypatch.setattr("jaga.inventory.jobs.import_rows", spying)
    job = start(sites, admin_a, good_file(3))
    jobs.run_job(job.pk)
    assert seen == [
        ("running", "checking", 0, 3),
        ("running", "checking", 1, 3),
        ("running", "checking", 2, 3),
        ("running", "writing", 3, 3),
    ]


def test_it_runs_the_job_through_the_task_queue(
    sites: Agency, admin_a: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job(sites, admin_a, "devices", "p.csv", good_file(), "csv")
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    from jaga.inventory.tasks import run_import_job

    result = run_import_job.enqueue(job.pk)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "done"


def running(agency: Agency, user: User, *, worker: str, silent_for: dt.timedelta) -> ImportJob:
    """A job taken by ``worker`` whose last sign of life was ``silent_for`` ago."""
    job = start(agency, user, good_file())
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.RUNNING, worker=worker, heartbeat_at=timezone.now() - silent_for
    )
    return job


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_it_fails_a_running_job_whose_worker_is_gone_or_silent(
    sites: Agency, admin_a: User
) -> None:
    host = jobs.this_worker().rpartition(":")[0]
    alive = running(sites, admin_a, worker=jobs.this_worker(), silent_for=dt.timedelta(minutes=1))
    killed = running(sites, admin_a, worker=f"{host}:{dead_pid()}", silent_for=dt.timedelta(0))
    silent = running(
        sites, admin_a, worker="elsewhere:1", silent_for=jobs.STALE_AFTER + dt.timedelta(seconds=1)
    )
    remote = running(sites, admin_a, worker="elsewhere:1", silent_for=dt.timedelta(minutes=1))
    files = {job.pk: stored_file(job) for job in (alive, killed, silent, remote)}
    assert jobs.expire_stale(sites.pk) == 2
    states = dict(ImportJob.objects.values_list("pk", "state"))
    assert states == {
        alive.pk: "running",
        killed.pk: "failed",
        silent.pk: "failed",
        remote.pk: "running",
    }
    killed.refresh_from_db()
    assert killed.message.startswith("The import stopped: the background worker running it ended.")
    assert not files[killed.pk].exists()
    assert not files[silent.pk].exists()
    assert files[alive.pk].exists()
    # a failed job is not run when its task comes after all
    assert jobs.run_job(killed.pk) == ImportState.FAILED
    assert not Device.objects.exists()


def test_it_rolls_the_import_back_when_its_job_was_failed_as_stale_meanwhile(
    sites: Agency, admin_a: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importing.import_rows

    def slow(*args: Any, progress: Callable[[str, int, int], None], **kwargs: Any) -> Any:
        def told(stage: str, done: int, total: int) -> None:
            progress(stage, done, total)
            if stage == "writing":  # the page decides the worker is gone
                later = timezone.now() + jobs.STALE_AFTER + dt.timedelta(minutes=1)
                assert jobs.expire_stale(sites.pk, now=later) == 1

        return real(*args, progress=told, **kwargs)

    monkeypatch.setattr("jaga.inventory.jobs.import_rows", slow)
    events = Event.objects.count()
    job = start(sites, admin_a, good_file())
    assert jobs.run_job(job.pk) == ImportState.FAILED
    job.refresh_from_db()
    assert job.state == ImportState.FAILED
    assert not Device.objects.exists()
    assert Event.objects.count() == events
