"""Celery entry points of the browser imports. Each loads a job by id and calls a service.

A second run of a step finds the job taken by a live worker, or moved on, and does
nothing; a step whose worker died is taken again once it has been silent a while.
"""

from __future__ import annotations

from core.background import TRANSIENT_DATABASE_ERRORS, retrying_task
from imports.services import jobs

# A 50 MB file is hundreds of thousands of rows: allow the time, but stay below the
# broker's visibility timeout (an hour), after which Redis would hand the task out again.
IMPORT_TASK_OPTIONS = {"soft_time_limit": 50 * 60, "time_limit": 55 * 60}


# The names date from when import jobs lived in `accounts`. They stay: a message already
# queued by a running deployment names its task, and a worker finds the task by that name.
@retrying_task(name="accounts.check_import_job", **IMPORT_TASK_OPTIONS)
def check_import_job(*, job_id: int) -> None:
    """Check an uploaded file and keep its preview; a second run finds it checked."""
    try:
        jobs.check_import_job(job_id=job_id)
    except TRANSIENT_DATABASE_ERRORS:
        raise
    except Exception as error:
        jobs.fail_import_job(job_id=job_id, error=error)
        raise


@retrying_task(name="accounts.run_import_job", **IMPORT_TASK_OPTIONS)
def run_import_job(*, job_id: int) -> None:
    """Import a confirmed file; a second run finds it imported (or completes what was cut)."""
    try:
        jobs.run_import_job(job_id=job_id)
    except TRANSIENT_DATABASE_ERRORS:
        raise
    except Exception as error:
        jobs.fail_import_job(job_id=job_id, error=error)
        raise
