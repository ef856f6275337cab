"""Background work, the same way in every app: which database errors are worth a retry, the
retrying task, and how a service asks for work without importing the task that does it.

Services sit below the tasks that call them, so they enqueue by task name
(`enqueue_on_commit("playbooks.deliver_step", step_id=...)`): the message is the one
`.delay()` sends, routed the same way, and the import runs downward only.

Queues (settings `CELERY_TASK_QUEUES`, a worker reads them in this order): `live` for
what a person waits for (a new answer's case), `celery` for the rest, `bulk` for what
a batch started (an import's answers). Work enqueued inside `lane("bulk")` goes to
`bulk` whatever its route, so that the emails of ten thousand imported cases never
pass a live answer or the survey sender.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from contextvars import ContextVar

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


BULK_QUEUE = "bulk"
_lane: ContextVar[str | None] = ContextVar("background_lane", default=None)
# Set while the caller does the work itself (the demo seeding processes its own answers).
_work_done_inline: ContextVar[bool] = ContextVar("work_done_inline", default=False)


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


@contextlib.contextmanager
def lane(queue: str) -> Iterator[None]:
    """Inside, every task enqueued goes to `queue`, whatever its route."""
    token = _lane.set(queue)
    try:
        yield
    finally:
        _lane.reset(token)


def enqueue(task_name: str, /, *, queue: str | None = None, **kwargs) -> None:
    """Send the task `task_name` with `kwargs` now, to `queue`, else to the current lane's,
    else where the task's route (`CELERY_TASK_ROUTES`) sends it."""
    if _work_done_inline.get():
        return
    queue = queue or _lane.get()
    current_app.send_task(task_name, kwargs=kwargs, **({"queue": queue} if queue else {}))


def enqueue_on_commit(task_name: str, /, *, queue: str | None = None, **kwargs) -> None:
    """Send the task once the current transaction commits (now outside one).

    `robust=True`: when the broker is unreachable, what the transaction wrote stays written;
    each kind of work has a sweep that finds what was left and enqueues it again.
    Inside `work_done_inline()` nothing is sent, not even once the block has ended.
    """
    if _work_done_inline.get():
        return
    if queue := queue or _lane.get():  # the lane of the moment, not of the commit's
        kwargs = {**kwargs, "queue": queue}
    transaction.on_commit(lambda: enqueue(task_name, **kwargs), robust=True)


class _Batch:
    """Items gathered for one task sent on commit."""

    def __init__(self, task_name: str, key: str, queue: str | None) -> None:
        self.task_name, self.key, self.queue = task_name, key, queue
        self.items: list[int] = []

    def send(self) -> None:
        queue = {"queue": self.queue} if self.queue else {}
        enqueue(self.task_name, **queue, **{self.key: self.items})

    def waiting(self, connection) -> bool:
        """Still to be sent on commit (not sent yet, nor dropped by a rollback)."""
        return any(callback == self.send for _, callback, _ in connection.run_on_commit)


_batches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def enqueue_in_batches_on_commit(task_name: str, /, *, key: str, item: int, size: int) -> None:
    """Add `item` to the list argument `key` of a `task_name` task sent once the current
    transaction commits, `size` items to a task at most: an import that records a thousand
    answers in a transaction sends a few tasks, not a thousand. Outside a transaction the
    task is sent now, with this item alone."""
    if _work_done_inline.get():
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        enqueue(task_name, **{key: [item]})
        return
    pending = _batches.setdefault(connection, {})
    batch = pending.get(task_name)
    if batch is None or len(batch.items) >= size or not batch.waiting(connection):
        batch = pending[task_name] = _Batch(task_name, key, _lane.get())
        transaction.on_commit(batch.send, robust=True)
    batch.items.append(item)


def enqueue_many_on_commit(task_name: str, /, kwargs_list: list[dict]) -> None:
    """Send the task once per item of `kwargs_list` when the current transaction commits,
    over one broker connection (a bulk import's batches of answers)."""
    if kwargs_list and not _work_done_inline.get():
        transaction.on_commit(lambda: enqueue_many(task_name, kwargs_list), robust=True)


def enqueue_many(task_name: str, /, kwargs_list: list[dict]) -> None:
    """Send the task `task_name` now once per item of `kwargs_list`, over one connection,
    where its route (`CELERY_TASK_ROUTES`) sends it."""
    if _work_done_inline.get():
        return
    with current_app.producer_or_acquire() as producer:
        for kwargs in kwargs_list:
            current_app.send_task(task_name, kwargs=kwargs, producer=producer)
