"""Background work, the same way in every app: which database errors are worth a retry, the
retrying task, and how a service asks for work without importing the task that does it.

Services sit below the tasks that call them, so they enqueue by task name
(`enqueue_on_commit("playbooks.deliver_step", step_id=...)`): the message is the one
`.delay()` sends, routed the same way, and the import runs downward only.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from celery import current_app, shared_task
from django.db import InterfaceError, OperationalError, transaction

# A lost connection, a failover, a deadlock, a statement timeout: worth another try.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)

RETRY_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_DATABASE_ERRORS,
    "retry_backoff": 30,
    "retry_jitter": True,
    "max_retries": 5,
}


def retrying_task(*, name: str, **options):
    """A Celery task acknowledged once done and retried with exponential back-off and jitter
    on transient database errors (`options` override or extend, e.g. `autoretry_for`)."""
    return shared_task(name=name, **{**RETRY_OPTIONS, **options})


# Set while the caller does the work itself (the demo seeding processes its own answers).
_work_done_inline = contextvars.ContextVar("work_done_inline", default=False)


@contextlib.contextmanager
def work_done_inline() -> Iterator[None]:
    """Enqueue nothing inside the block: the caller does the work the tasks would do.

    For the demo seeding, which processes its answers and delivers their notifications
    itself: hundreds of tasks left in the broker would find nothing to do, yet a worker
    started afterwards would chew through them before a real answer's task. What the caller
    leaves undone is still found by the periodic sweeps, as after a broker outage.
    """
    token = _work_done_inline.set(True)
    try:
        yield
    finally:
        _work_done_inline.reset(token)


def enqueue(task_name: str, /, **kwargs) -> None:
    """Send the task `task_name` with `kwargs` now (not inside `work_done_inline()`)."""
    if _work_done_inline.get():
        return
    current_app.send_task(task_name, kwargs=kwargs)


def enqueue_on_commit(task_name: str, /, **kwargs) -> None:
    """Send the task once the current transaction commits (now outside one).

    `robust=True`: when the broker is unreachable, what the transaction wrote stays written;
    each kind of work has a sweep that finds what was left and enqueues it again.
    Inside `work_done_inline()` nothing is sent, not even once the block has ended.
    """
    if _work_done_inline.get():
        return
    transaction.on_commit(lambda: enqueue(task_name, **kwargs), robust=True)


def enqueue_many_on_commit(task_name: str, /, kwargs_list: list[dict]) -> None:
    """Send the task once per item of `kwargs_list` when the current transaction commits,
    over one broker connection (a bulk import's thousands of answers)."""
    if kwargs_list:
        transaction.on_commit(lambda: enqueue_many(task_name, kwargs_list), robust=True)


def enqueue_many(task_name: str, /, kwargs_list: list[dict]) -> None:
    """Send the task `task_name` now once per item of `kwargs_list`, over one connection."""
    with current_app.producer_or_acquire() as producer:
        for kwargs in kwargs_list:
            current_app.send_task(task_name, kwargs=kwargs, producer=producer)
