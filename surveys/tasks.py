"""Celery entry points for sending surveys. Each is thin and safe to run twice.

`send_invitations` is the one sender: a cache lock keeps a single run going at a
time, which paces the emails to NPS_SURVEY_EMAILS_PER_MINUTE for all workers
together; rows are claimed with SKIP LOCKED as well, so even two runs never send
the same invitation twice. A run works for up to SENDER_RUN_SECONDS, then hands
over to the next one.
"""

from __future__ import annotations

import logging
import time
import uuid

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from core.background import retrying_task
from surveys.services import campaigns, sending

logger = logging.getLogger(__name__)

SENDER_LOCK = "surveys:sender"
SENDER_RUN_SECONDS = 45
# Longer than a run can last (its hard time limit), so a killed run frees the lock.
SENDER_LOCK_SECONDS = 150
# Claimed and judged together; paced so that a round is about ten seconds of the rate.
MAX_ROUND = 200


@retrying_task(name="surveys.plan_campaign", soft_time_limit=300, time_limit=360)
def plan_campaign(*, campaign_id: int) -> int:
    """Create a launched campaign's invitations. A second run finds it planned: nothing."""
    return campaigns.plan_campaign(campaign_id=campaign_id)


@shared_task(name="surveys.send_invitations", acks_late=True, soft_time_limit=120, time_limit=140)
def send_invitations() -> int:
    """Send due invitations for up to SENDER_RUN_SECONDS within the rate, then hand over.

    Returns how many were sent. A run that finds another one going returns 0 at once.
    """
    token = uuid.uuid4().hex
    if not cache.add(SENDER_LOCK, token, timeout=SENDER_LOCK_SECONDS):
        return 0
    sent = 0
    more = False
    try:
        rate = max(1, sending.sending_rate_per_minute())
        round_size = max(1, min(MAX_ROUND, rate // 6))
        started = time.monotonic()
        while time.monotonic() - started < SENDER_RUN_SECONDS:
            round_started = time.monotonic()
            outcome = sending.send_due_invitations(limit=round_size)
            sent += outcome.sent
            if outcome.claimed < round_size:
                break
            # The emails of this round may take no less than their share of a minute.
            pause = outcome.sent * 60 / rate - (time.monotonic() - round_started)
            if pause > 0:
                time.sleep(pause)
        else:
            more = True
    finally:
        if cache.get(SENDER_LOCK) == token:
            cache.delete(SENDER_LOCK)
    if more:
        send_invitations.delay()
    if sent:
        logger.info("sent %s survey invitations", sent)
    return sent


@shared_task(name="surveys.sending_sweep", acks_late=True, soft_time_limit=60, time_limit=90)
def sending_sweep() -> None:
    """Every minute: plan campaigns whose planning was lost, free invitations a dead worker
    held, and start the sender when something is due. Running it twice changes nothing."""
    for campaign_id in campaigns.unplanned_campaign_ids():
        plan_campaign.delay(campaign_id=campaign_id)
    sending.release_stuck_invitations()
    if sending.invitations_due(now=timezone.now()):
        send_invitations.delay()
