"""Celery entry points of the playbook engine. Each loads by id and calls a service.

Every task is safe to run twice: `process_response` finds the answer processed,
deliveries find their message stamped as sent, sweeps pick only what is due.
Periodic sweeps fan out: they select ids and enqueue one small task each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import time

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from core.background import BULK_QUEUE, TRANSIENT_DATABASE_ERRORS, lane, retrying_task
from playbooks.services import (
    action_items,
    engine,
    issue_alerts,
    issue_fixes,
    messages,
    notifications,
    schedule,
)
from playbooks.services.failures import record_processing_failure

logger = logging.getLogger(__name__)

PROCESS_MAX_RETRIES = 5
# A batch of NPS_ENGINE_BATCH_SIZE answers takes a second or two; a slow database, more.
BATCH_SOFT_TIME_LIMIT = 120
# A batch that lost a deadlock or a serialization failure is tried again at once, this
# many times, before its answers are sent alone.
DEADLOCK_RETRIES = 3
RETRIED_AT_ONCE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
# Deliveries retry what a mail server or Slack outage makes fail, for about an hour.
DELIVERY_OPTIONS = {
    "autoretry_for": (notifications.DeliveryFailed, *TRANSIENT_DATABASE_ERRORS),
    "retry_backoff_max": 1800,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}
# One case's write: only the database can fail in a way worth retrying.
CASE_WRITE_OPTIONS = {"soft_time_limit": 60, "time_limit": 90}


@shared_task(
    name="playbooks.process_response",
    bind=True,
    acks_late=True,
    max_retries=PROCESS_MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def process_response(self, *, response_id: int) -> int | None:
    """Turn an answer into its case. A second run finds the answer processed and does nothing.

    Database errors are retried with exponential back-off and jitter; an answer that
    still fails afterwards (or fails for another reason) goes to the dead-letter log,
    where the periodic re-enqueue leaves it alone until someone looks at it.
    """
    try:
        return engine.process_response(response_id=response_id).case_id
    except TRANSIENT_DATABASE_ERRORS as error:
        if self.request.retries < PROCESS_MAX_RETRIES:
            countdown = _backoff(self.request.retries)
            logger.warning(
                "process_response %s: database error, retry %s in %ss: %s",
                response_id,
                self.request.retries + 1,
                countdown,
                error,
            )
            raise self.retry(exc=error, countdown=countdown) from error
        record_processing_failure(response_id=response_id, error=error)
        raise
    except Exception as error:
        record_processing_failure(response_id=response_id, error=error)
        raise


@shared_task(
    name="playbooks.process_responses",
    acks_late=True,
    soft_time_limit=BATCH_SOFT_TIME_LIMIT,
    time_limit=BATCH_SOFT_TIME_LIMIT + 30,
)
def process_responses(*, response_ids: list[int]) -> int:
    """Turn a batch of answers (an import's, the minute sweep's) into their cases, in one
    transaction (`engine.process_responses`). When the batch fails, its answers are
    processed one by one, so that the one at fault goes to the dead-letter log alone and
    holds back none of the others; on a database error, they are sent again one by one
    (`process_response`, with its retries). Answers another worker held are processed one
    by one after the batch. A second run skips the answers processed.

    A deadlock with another batch (both add to the same monthly theme counts) is tried
    again at once, up to DEADLOCK_RETRIES times: PostgreSQL let the other batch through,
    and answers sent alone would wait behind every email the burst queued meanwhile.

    Returns how many answers it processed without error.
    """
    with lane(BULK_QUEUE):  # the emails of these cases wait behind live work too
        try:
            batch = _process_batch(response_ids)
        except SoftTimeLimitExceeded:
            # Out of time (a slow database): nothing was written; the batch goes back, halved.
            logger.warning(
                "process_responses: out of time, %s answers sent again", len(response_ids)
            )
            half = max(1, len(response_ids) // 2)
            for start in range(0, len(response_ids), half):
                process_responses.apply_async(
                    kwargs={"response_ids": response_ids[start : start + half]}
                )
            return 0
        except TRANSIENT_DATABASE_ERRORS as error:
            logger.warning(
                "process_responses: database error, %s answers sent alone: %s",
                len(response_ids),
                error,
            )
            for response_id in response_ids:
                process_response.apply_async(
                    kwargs={"response_id": response_id}, queue=BULK_QUEUE, countdown=_backoff(0)
                )
            return 0
        except Exception:  # noqa: BLE001 - each answer is tried alone below
            logger.exception("process_responses: the batch failed; its answers go one by one")
            return _one_by_one(response_ids)
        return len(batch.processed) + _one_by_one(batch.left)


def _process_batch(response_ids: list[int]) -> engine.ProcessedBatch:
    tries = 0
    while True:
        try:
            return engine.process_responses(response_ids=response_ids)
        except OperationalError as error:
            tries += 1
            if tries > DEADLOCK_RETRIES or not _lost_to_another_transaction(error):
                raise
            logger.info(
                "process_responses: %s, %s answers tried again (%s)",
                error.__cause__.sqlstate,
                len(response_ids),
                tries,
            )
            time.sleep(random.uniform(0.02, 0.2))  # noqa: S311 - a jitter, not a secret


def _lost_to_another_transaction(error: OperationalError) -> bool:
    """A deadlock or a serialization failure: PostgreSQL rolled this transaction back so
    that another could go on; the same work succeeds when tried again."""
    return getattr(error.__cause__, "sqlstate", None) in RETRIED_AT_ONCE


def _one_by_one(response_ids: list[int]) -> int:
    done = 0
    for response_id in response_ids:
        try:
            engine.process_response(response_id=response_id)
            done += 1
        except TRANSIENT_DATABASE_ERRORS:
            process_response.apply_async(
                kwargs={"response_id": response_id}, queue=BULK_QUEUE, countdown=_backoff(0)
            )
        except Exception as error:  # noqa: BLE001 - dead-lettered; the others go on
            record_processing_failure(response_id=response_id, error=error)
    return done


def _backoff(retries: int) -> int:
    return min(300, 2 ** (retries + 1)) + random.randint(0, 3)


@retrying_task(name="playbooks.deliver_step", **DELIVERY_OPTIONS)
def deliver_step(*, step_id: int) -> bool:
    """Send a notify or acknowledge step's email (and Slack post); a second run sends nothing."""
    return notifications.deliver_step(step_id=step_id)


@retrying_task(name="playbooks.deliver_escalation", **DELIVERY_OPTIONS)
def deliver_escalation(*, escalation_id: int) -> bool:
    """Tell the managers about an escalation; a second run sends nothing."""
    return notifications.deliver_escalation(escalation_id=escalation_id)


@shared_task(name="playbooks.deliver_steps", acks_late=True, soft_time_limit=240, time_limit=270)
def deliver_steps(*, step_ids: list[int]) -> int:
    """Send the emails of a transaction's notify and acknowledge steps; one that fails is
    sent again alone (`deliver_step`, with its retries). Returns how many were sent."""
    return _deliver_each(
        step_ids, deliver=notifications.deliver_step, alone=deliver_step, key="step_id"
    )


@shared_task(
    name="playbooks.deliver_escalations", acks_late=True, soft_time_limit=240, time_limit=270
)
def deliver_escalations(*, escalation_ids: list[int]) -> int:
    """Tell the managers about a transaction's escalations; one that fails is sent again
    alone (`deliver_escalation`, with its retries). Returns how many were sent."""
    return _deliver_each(
        escalation_ids,
        deliver=notifications.deliver_escalation,
        alone=deliver_escalation,
        key="escalation_id",
    )


def _deliver_each(ids: list[int], *, deliver, alone, key: str) -> int:
    sent = 0
    for position, item in enumerate(ids):
        try:
            sent += bool(deliver(**{key: item}))
        except SoftTimeLimitExceeded:
            for rest in ids[position:]:
                alone.apply_async(kwargs={key: rest})
            break
        except Exception as error:  # noqa: BLE001 - retried alone, with its own back-off
            logger.warning("%s %s failed, sent again alone: %s", alone.name, item, error)
            alone.apply_async(kwargs={key: item}, countdown=_backoff(0))
    return sent


@retrying_task(name="playbooks.deliver_superseded_notice", **DELIVERY_OPTIONS)
def deliver_superseded_notice(*, case_id: int) -> bool:
    """Tell a superseded case's owner; a second run sends nothing."""
    return notifications.deliver_superseded_notice(case_id=case_id)


CUSTOMER_MESSAGE_MAX_RETRIES = 8


@shared_task(
    name="playbooks.deliver_customer_message",
    bind=True,
    acks_late=True,
    max_retries=CUSTOMER_MESSAGE_MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def deliver_customer_message(self, *, message_id: int) -> bool:
    """Send an email a CSM wrote to a customer, and stamp it sent; a second run finds it
    sent (or refused) and sends nothing. A mail server that is down is retried with back-off
    for about an hour, after which the email is marked failed on the case's timeline."""
    try:
        return messages.deliver_message(
            message_id=message_id, first_attempt=self.request.retries == 0
        )
    except (notifications.DeliveryFailed, *TRANSIENT_DATABASE_ERRORS) as error:
        if self.request.retries < CUSTOMER_MESSAGE_MAX_RETRIES:
            countdown = min(1800, 2 ** (self.request.retries + 2)) + random.randint(0, 5)
            raise self.retry(exc=error, countdown=countdown) from error
        messages.give_up_delivery(message_id=message_id, error=str(error))
        return False


# --- periodic sweeps (see nps_loop/celery.py) ---------------------------------------------


@shared_task(
    name="playbooks.requeue_unprocessed", acks_late=True, soft_time_limit=50, time_limit=60
)
def requeue_unprocessed() -> int:
    """Enqueue again the answers still unprocessed after a minute (accepted while the broker or
    the worker was down), and the notifications and customer emails that were never handed to
    the broker; mark failed the customer emails whose delivery was cut short."""
    older_than = timezone.now() - dt.timedelta(minutes=1)
    busy = _queue_length() > 0
    response_ids = schedule.unprocessed_response_ids(older_than=older_than, queue_busy=busy)
    size = settings.NPS_ENGINE_BATCH_SIZE
    for start in range(0, len(response_ids), size):
        process_responses.delay(response_ids=response_ids[start : start + size])
    step_ids, escalation_ids = schedule.undelivered_notifications(older_than=older_than)
    for step_id in step_ids:
        deliver_step.delay(step_id=step_id)
    for escalation_id in escalation_ids:
        deliver_escalation.delay(escalation_id=escalation_id)
    for message_id in messages.undelivered_message_ids(older_than=older_than):
        deliver_customer_message.delay(message_id=message_id)
    messages.give_up_stale_deliveries()
    if response_ids:
        logger.info("re-enqueued %s unprocessed answers", len(response_ids))
    return len(response_ids)


def _queue_length() -> int:
    """Tasks waiting in the queues of answers to process (0 when the broker cannot say)."""
    app = requeue_unprocessed.app
    queues = sorted({route["queue"] for route in (app.conf.task_routes or {}).values()}) or [
        app.conf.task_default_queue
    ]
    waiting = 0
    try:
        with app.connection_for_read() as connection:
            for queue in queues:
                with contextlib.suppress(Exception):  # Redis drops an empty queue's key
                    declared = connection.default_channel.queue_declare(queue=queue, passive=True)
                    waiting += declared.message_count
    except Exception:  # noqa: BLE001 - unknown means "not busy": better a copy than a loss
        return 0
    return waiting


@shared_task(name="playbooks.check_slas", acks_late=True, soft_time_limit=120, time_limit=150)
def check_slas() -> int:
    """Remind assignees of steps coming due, and escalate required steps overdue past the grace;
    remind owners of action items due tomorrow or today, and escalate those late for days."""
    reminders, overdue = schedule.steps_to_remind(), schedule.steps_overdue()
    for step_id in reminders:
        remind_step.delay(step_id=step_id)
    for step_id in overdue:
        escalate_overdue_step.delay(step_id=step_id)
    item_reminders, items_overdue = action_items.items_to_remind(), action_items.items_overdue()
    for item_id, reminder in item_reminders:
        remind_action_item.delay(item_id=item_id, reminder=str(reminder))
    for item_id in items_overdue:
        escalate_overdue_action_item.delay(item_id=item_id)
    return len(reminders) + len(overdue) + len(item_reminders) + len(items_overdue)


@retrying_task(name="playbooks.remind_step", **DELIVERY_OPTIONS)
def remind_step(*, step_id: int) -> bool:
    """Email the assignee that a step comes due; a second run sends nothing."""
    return notifications.deliver_reminder(step_id=step_id)


@retrying_task(name="playbooks.escalate_overdue_step", **CASE_WRITE_OPTIONS)
def escalate_overdue_step(*, step_id: int) -> int | None:
    """Raise the overdue escalation of a required step; a second run raises nothing."""
    escalation = schedule.escalate_overdue_step(step_id=step_id)
    return escalation.pk if escalation else None


@retrying_task(name="playbooks.remind_action_item", **CASE_WRITE_OPTIONS)
def remind_action_item(*, item_id: int, reminder: str) -> bool:
    """Remind an action item's owner that it comes due; a second run reminds nobody."""
    return action_items.remind(item_id=item_id, reminder=reminder) is not None


@retrying_task(name="playbooks.escalate_overdue_action_item", **CASE_WRITE_OPTIONS)
def escalate_overdue_action_item(*, item_id: int) -> int | None:
    """Raise the overdue escalation of an action item; a second run raises nothing."""
    escalation = action_items.escalate_overdue(item_id=item_id)
    return escalation.pk if escalation else None


@shared_task(
    name="playbooks.request_follow_ups", acks_late=True, soft_time_limit=120, time_limit=150
)
def request_follow_ups() -> int:
    """Find the cases whose follow-up survey is due, open or closed, and ask each to send it."""
    case_ids = schedule.follow_ups_due()
    for case_id in case_ids:
        request_follow_up.delay(case_id=case_id)
    return len(case_ids)


@retrying_task(name="playbooks.request_follow_up", **CASE_WRITE_OPTIONS)
def request_follow_up(*, case_id: int | None = None, step_id: int | None = None) -> int | None:
    """Send a case's follow-up survey; a second run does nothing.

    `step_id` (the case's follow-up step) is how earlier versions queued it: a message
    queued before an upgrade still sends its survey rather than failing."""
    if case_id is None:
        case_id = schedule.case_of_step(step_id) if step_id is not None else None
        if case_id is None:
            return None
    case = schedule.request_follow_up(case_id=case_id)
    return case.pk if case else None


@shared_task(name="playbooks.end_suppressions", acks_late=True, soft_time_limit=120, time_limit=150)
def end_suppressions() -> int:
    """Lift the survey suppressions whose case has closed but which are still in force."""
    return schedule.end_suppressions_of_closed_cases()


@shared_task(
    name="playbooks.check_issue_thresholds", acks_late=True, soft_time_limit=120, time_limit=150
)
def check_issue_thresholds() -> int:
    """Alert the managers about the recurring issues that reached the threshold of the
    settings; a second run finds them alerted and tells nothing. Returns how many alerts."""
    return len(issue_alerts.raise_issue_alerts())


@retrying_task(name="playbooks.post_issue_alert", **DELIVERY_OPTIONS)
def post_issue_alert(*, alert_id: int) -> bool:
    """Post a recurring issue's alert to Slack; a second run finds it posted."""
    return issue_alerts.post_issue_alert(alert_id=alert_id)


@retrying_task(
    name="playbooks.send_fix_emails",
    **{**DELIVERY_OPTIONS, "soft_time_limit": 240, "time_limit": 270},
)
def send_fix_emails(*, email_ids: list[int]) -> int:
    """Email a batch of the contacts who raised a fixed issue; each row is claimed before
    its email goes, so a second run (or a retry after the mail server failed) sends only
    what was not sent. Returns how many were sent."""
    return sum(issue_fixes.deliver_fix_email(email_id=email_id) for email_id in email_ids)


@shared_task(name="playbooks.requeue_fix_emails", acks_late=True, soft_time_limit=50, time_limit=60)
def requeue_fix_emails() -> int:
    """Send again the batches of fix emails the broker lost; rows are claimed one by one,
    so a batch that was only slow sends nothing twice. Returns how many were queued."""
    return issue_fixes.requeue_lost_fix_emails()
