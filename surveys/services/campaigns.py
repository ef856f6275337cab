"""Email campaigns: drafted, launched, planned into invitations, cancelled.

Sending itself is `surveys.services.sending`; the campaign's status moves from
draft to scheduled here, to sending and completed as its emails go out.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.background import enqueue_on_commit
from core.business_days import parse_holidays
from core.models import LoopSettings
from surveys.audience import campaign_audience
from surveys.drip import drip_times
from surveys.emails import survey_language
from surveys.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Exclusion,
    Invitation,
    InvitationStatus,
)

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "name",
    "description",
    "question_en",
    "question_fr",
    "audience_segment",
    "audience_tier",
    "audience_persona",
    "audience_account",
    "audience_csm",
    "sender",
    "send_at",
    "drip_days",
)
PLAN_BATCH = 2000


def create_campaign(*, actor: User | None, **fields: Any) -> Campaign:
    """A draft email campaign; nothing is sent until it is launched."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not campaign fields: {', '.join(sorted(unknown))}")
    campaign = Campaign(
        channel=CampaignChannel.EMAIL, status=CampaignStatus.DRAFT, created_by=actor, **fields
    )
    campaign.full_clean()
    campaign.save()
    return campaign


def update_campaign(*, campaign: Campaign, **fields: Any) -> Campaign:
    """Change a draft; a launched campaign is no longer edited."""
    if not campaign.is_editable:
        raise ValidationError(_("Only a draft campaign can be changed."))
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(f"not a campaign field: {name}")
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    return campaign


def save_external_campaign(*, campaign: Campaign) -> Campaign:
    """Create or change the record of a campaign another survey tool runs (the admin keeps
    them); its channel stays external and its status as it was."""
    if campaign.is_email:
        raise ValidationError(_("An email campaign is changed from the campaigns page."))
    campaign.full_clean()
    campaign.save()
    return campaign


def delete_external_campaign(*, campaign: Campaign) -> None:
    """Delete the record of a campaign another survey tool ran; its answers stay, without it."""
    if campaign.is_email:
        raise ValidationError(_("An email campaign is changed from the campaigns page."))
    campaign.delete()


def delete_campaign(*, campaign: Campaign) -> None:
    """Delete a draft; launched campaigns stay, with their invitations and numbers."""
    if not campaign.is_editable:
        raise ValidationError(_("Only a draft campaign can be deleted; cancel it instead."))
    campaign.delete()


def launch_campaign(
    *, campaign: Campaign, actor: User | None, now: dt.datetime | None = None
) -> Campaign:
    """Schedule a draft: the worker plans its invitations, then sends them when due."""
    now = now or timezone.now()
    if not campaign.is_editable:
        raise ValidationError(_("This campaign was already launched."))
    if not campaign_audience(campaign).exists():
        raise ValidationError(
            _("No contact matches this audience: widen the filters before launching.")
        )
    with transaction.atomic():
        send_at = campaign.send_at if campaign.send_at and campaign.send_at > now else now
        launched = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.DRAFT).update(
            status=CampaignStatus.SCHEDULED,
            send_at=send_at,
            launched_at=now,
            launched_by=actor,
        )
        if not launched:
            raise ValidationError(_("This campaign was already launched."))
        campaign.refresh_from_db()
        enqueue_on_commit("surveys.plan_campaign", campaign_id=campaign.pk)
    logger.info("campaign %s launched by %s", campaign.pk, getattr(actor, "pk", None))
    return campaign


def plan_campaign(*, campaign_id: int) -> int:
    """Create the invitations of a launched campaign, each at its drip time; once.

    Contacts are shuffled (the same way for a campaign every time) so each day of a
    drip gets a mix of accounts, and so of CSMs. Returns how many were created.
    """
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .filter(
                pk=campaign_id,
                status__in=(CampaignStatus.SCHEDULED, CampaignStatus.SENDING),
                planned_at__isnull=True,
            )
            .first()
        )
        if campaign is None:
            return 0
        members = list(campaign_audience(campaign).values_list("pk", "account_id", "language"))
        random.Random(campaign.pk).shuffle(members)
        loop = LoopSettings.current()
        times = drip_times(
            len(members),
            start=campaign.send_at or timezone.now(),
            days=campaign.drip_days,
            working_days=loop.working_days,
            holidays=parse_holidays(loop.holidays),
        )
        created = 0
        for start in range(0, len(members), PLAN_BATCH):
            batch = [
                Invitation(
                    campaign=campaign,
                    contact_id=contact_id,
                    account_id=account_id,
                    language=survey_language(language),
                    scheduled_for=at,
                )
                for (contact_id, account_id, language), at in zip(
                    members[start : start + PLAN_BATCH],
                    times[start : start + PLAN_BATCH],
                    strict=True,
                )
            ]
            created += len(Invitation.objects.bulk_create(batch, ignore_conflicts=True))
        Campaign.objects.filter(pk=campaign.pk).update(planned_at=timezone.now())
    logger.info("campaign %s planned: %s invitations", campaign_id, created)
    if campaign.send_at and campaign.send_at <= timezone.now():
        enqueue_on_commit("surveys.send_invitations")
    return created


def cancel_campaign(*, campaign: Campaign, actor: User | None) -> int:
    """Stop a launched campaign: what was not sent yet never will be. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        cancelled = Campaign.objects.filter(
            pk=campaign.pk, status__in=(CampaignStatus.SCHEDULED, CampaignStatus.SENDING)
        ).update(status=CampaignStatus.CANCELLED, cancelled_at=now)
        if not cancelled:
            raise ValidationError(_("Only a scheduled or sending campaign can be cancelled."))
        # Emails to send again after a soft bounce are dropped too, uncounted: they went once.
        Invitation.objects.filter(campaign=campaign, status=InvitationStatus.DEFERRED).update(
            status=InvitationStatus.SENT, resend_at=None
        )
        dropped = Invitation.objects.filter(
            campaign=campaign, status=InvitationStatus.SCHEDULED
        ).update(
            status=InvitationStatus.EXCLUDED,
            exclusion=Exclusion.CANCELLED,
            exclusion_note=_("Cancelled by %(name)s.") % {"name": actor.name if actor else "—"},
            excluded_at=now,
        )
    campaign.refresh_from_db()
    logger.info("campaign %s cancelled; %s invitations dropped", campaign.pk, dropped)
    return dropped


def unplanned_campaign_ids() -> list[int]:
    """Launched campaigns whose invitations are not planned yet (the broker was down)."""
    return list(
        Campaign.objects.filter(
            status=CampaignStatus.SCHEDULED,
            planned_at__isnull=True,
            launched_at__lt=timezone.now() - dt.timedelta(minutes=2),
        ).values_list("pk", flat=True)
    )
