"""Emails of notifications, sent outside the transaction that wrote them."""

from __future__ import annotations

import logging

from celery import shared_task

from core.background import TRANSIENT_DATABASE_ERRORS, retrying_task
from notifications import services

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
