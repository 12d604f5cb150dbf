"""Background work of the inventory (django-tasks, run by ``jaga run``'s worker): the imports
started from the import page (issue 13 point 7)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Run ``jaga.inventory.jobs.run_job`` for ``ImportJob`` ``job_id``; returns the job's
    final state (``done`` or ``failed``; a job no longer queued is left alone and its
    state returned). Raises ``ImportJob.DoesNotExist`` for a missing id."""
    from jaga.inventory.jobs import run_job

    return run_job(job_id)
