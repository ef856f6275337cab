"""Webhook message ids: a message processed once is acknowledged and ignored when it comes again.

Survey tools retry a delivery they think failed, and a replayed day of webhooks
repeats messages already processed. Their message id (Standard Webhooks'
`webhook-id`, the `event_id` of Delighted and Typeform) is stored in the
transaction that processed the delivery, so it is remembered exactly when the
delivery's effects are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from surveys.models import WebhookMessage

logger = logging.getLogger(__name__)

# A replay older than this is judged by its content alone (stale or a repeat).
MESSAGE_IDS_KEPT_DAYS = 30
_MAX_LENGTH = 200


def first_delivery(*, kind: str, message_id: str) -> bool:
    """Remember `message_id` of `kind`; False when it was processed before.

    Call it inside the transaction that processes the delivery: a delivery that fails
    is forgotten with it. A concurrent delivery of the same message waits for the first
    to commit, then finds it.
    """
    message_id = _stored_form(message_id)
    try:
        with transaction.atomic():
            WebhookMessage.objects.create(kind=kind, message_id=message_id)
    except IntegrityError:
        logger.info("webhook %s message %s replayed: ignored", kind, message_id)
        return False
    return True


def forget_old_messages(*, now: dt.datetime | None = None) -> int:
    """Forget message ids older than `MESSAGE_IDS_KEPT_DAYS`; returns how many."""
    before = (now or timezone.now()) - dt.timedelta(days=MESSAGE_IDS_KEPT_DAYS)
    deleted, _ = WebhookMessage.objects.filter(received_at__lt=before).delete()
    return deleted


def _stored_form(message_id: str) -> str:
    message_id = message_id.strip()
    if len(message_id) <= _MAX_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()
