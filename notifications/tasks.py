"""Emails of notifications, sent outside the transaction that wrote them."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from core.background import TRANSIENT_DATABASE_ERRORS, enqueue_many, retrying_task
from notifications import selectors, services

logger = logging.getLogger(__name__)

EMAIL_OPTIONS = {
    "autoretry_for": (services.EmailFailed, *TRANSIENT_DATABASE_ERRORS),
    "retry_backoff_max": 1800,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@retrying_task(name="notifications.email_notification", **EMAIL_OPTIONS)
def email_notification(*, notification_id: int) -> bool:
    """Email one notification to its recipient; a second run sends nothing."""
    return services.email_notification(notification_id=notification_id)


@shared_task(
    name="notifications.email_notifications", acks_late=True, soft_time_limit=240, time_limit=270
)
def email_notifications(*, notification_ids: list[int]) -> int:
    """Email a transaction's notifications; one that fails is sent again alone
    (`email_notification`, with its retries). Returns how many were sent."""
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += bool(services.email_notification(notification_id=notification_id))
        except (services.EmailFailed, *TRANSIENT_DATABASE_ERRORS) as error:
            logger.warning(
                "notification %s not emailed, retrying alone: %s", notification_id, error
            )
            email_notification.delay(notification_id=notification_id)
    return sent


# Left alone this long, a notification's email was lost with the broker, not on its way.
UNSENT_AFTER = dt.timedelta(minutes=5)


@shared_task(
    name="notifications.requeue_unsent_emails", acks_late=True, soft_time_limit=50, time_limit=60
)
def requeue_unsent_emails() -> int:
    """Queue again the emails of notifications never sent; a second run queues what is
    still unsent, and each email goes out once. Returns how many were queued."""
    ids = selectors.unsent_emails(older_than=timezone.now() - UNSENT_AFTER)
    batches = [
        ids[start : start + services.EMAIL_BATCH_SIZE]
        for start in range(0, len(ids), services.EMAIL_BATCH_SIZE)
    ]
    enqueue_many(
        "notifications.email_notifications",
        [{"notification_ids": batch} for batch in batches],
    )
    return len(ids)
