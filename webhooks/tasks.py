"""Celery entry points of the webhooks: one delivery's attempt, and the minute sweep."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.background import retrying_task
from webhooks.selectors import due_delivery_ids
from webhooks.services.endpoints import disable_failing_endpoints
from webhooks.services.outbox import send_now
from webhooks.services.sending import TIMEOUT_SECONDS, deliver

# A delivery due this long ago has lost its task (or never had one): the sweep sends one.
SWEEP_GRACE = dt.timedelta(seconds=30)
SWEEP_LIMIT = 1000


@retrying_task(
    name="webhooks.deliver", soft_time_limit=TIMEOUT_SECONDS * 3, time_limit=TIMEOUT_SECONDS * 4
)
def deliver_task(*, delivery_id: int) -> None:
    """Make the delivery's next attempt. A second run finds it claimed, done or not due
    yet, and does nothing."""
    deliver(delivery_id=delivery_id)


@retrying_task(name="webhooks.sweep", soft_time_limit=50, time_limit=55)
def sweep_task() -> None:
    """Send a task for each delivery due whose task was lost (broker down, worker killed),
    and disable the endpoints that have failed for days. A second run finds less to do."""
    now = timezone.now()
    send_now(due_delivery_ids(now=now, grace=SWEEP_GRACE, limit=SWEEP_LIMIT))
    disable_failing_endpoints(now=now)
