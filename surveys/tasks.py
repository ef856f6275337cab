"""Celery entry points for sending surveys. Each is thin and safe to run twice.

`send_invitations` is the one sender (`sending.run_sender`: one run at a time, paced
to NPS_SURVEY_EMAILS_PER_MINUTE for all workers together); a run that stops because
its time was up hands over to the next one.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.background import enqueue_many, retrying_task
from surveys.services import campaigns, deliveries, erasure, sending, webhook_messages


@retrying_task(name="surveys.plan_campaign", soft_time_limit=300, time_limit=360)
def plan_campaign(*, campaign_id: int) -> int:
    """Create a launched campaign's invitations. A second run finds it planned: nothing."""
    return campaigns.plan_campaign(campaign_id=campaign_id)


@shared_task(name="surveys.send_invitations", acks_late=True, soft_time_limit=120, time_limit=140)
def send_invitations() -> int:
    """Send due invitations for a while within the rate, then hand over to the next run.

    Returns how many were sent; a run that finds another one going sends none.
    """
    run = sending.run_sender()
    if run.more:
        send_invitations.delay()
    return run.sent


@shared_task(name="surveys.sending_sweep", acks_late=True, soft_time_limit=60, time_limit=90)
def sending_sweep() -> None:
    """Every minute: plan campaigns whose planning was lost, free invitations a dead worker
    held, start the sender when something is due, and send again the soft-bounced
    invitations whose time has come. Running it twice changes nothing."""
    for campaign_id in campaigns.unplanned_campaign_ids():
        plan_campaign.delay(campaign_id=campaign_id)
    sending.release_stuck_invitations()
    if sending.invitations_due(now=timezone.now()):
        send_invitations.delay()
    enqueue_many(
        "surveys.resend_invitation",
        [{"invitation_id": invitation_id} for invitation_id in deliveries.resends_due()],
    )


@retrying_task(name="surveys.resend_invitation", soft_time_limit=60, time_limit=90)
def resend_invitation(*, invitation_id: int) -> bool:
    """Send a soft-bounced invitation's email again once due (`deliveries.RESEND_DELAYS`).
    A second run finds it sent, or claimed by the first: it sends nothing."""
    return deliveries.resend_invitation(invitation_id=invitation_id)


@shared_task(name="surveys.forget_old_webhook_messages", soft_time_limit=300, time_limit=360)
def forget_old_webhook_messages() -> int:
    """Nightly: forget webhook message ids kept long enough to ignore the tools' retries."""
    return webhook_messages.forget_old_messages()


@shared_task(
    name="surveys.expire_old_comments", acks_late=True, soft_time_limit=1800, time_limit=1900
)
def expire_old_comments() -> int:
    """Nightly: blank the comments of answers older than NPS_RETENTION_DAYS (unset: keep
    them). Returns how many were blanked; a second run finds none left."""
    days = settings.NPS_RETENTION_DAYS
    if days is None:
        return 0
    return erasure.expire_old_comments(days=days)
