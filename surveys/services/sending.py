"""Sending survey emails: claim what is due, drop who may not be surveyed, send, stamp.

A round claims due invitations (rows locked and skipped by a concurrent round),
judges them by the exclusion rules at that moment, marks them `sending` and
commits; the emails then go out over one connection, outside any transaction;
each chunk is stamped `sent` as soon as it is through. A worker killed mid-round
leaves some invitations `sending`: `release_stuck_invitations` puts them back on
the schedule (the email of the chunk in flight may then go out twice; none is lost).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from anymail.exceptions import AnymailRecipientsRefused
from django.conf import settings
from django.core.cache import cache
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Contact, ErasedAddress
from core.models import LoopSettings
from surveys.audience import Member, Rules, Verdict, exclusions_for, follow_up_verdict
from surveys.emails import SurveyLook, invitation_email, sent_message_id, survey_language
from surveys.models import (
    Campaign,
    CampaignStatus,
    Invitation,
    InvitationPurpose,
    InvitationStatus,
)

logger = logging.getLogger(__name__)

# Invitations stamped `sent` together: at most this many may go out twice after a crash.
STAMP_EVERY = 25
# One sender at a time, for all workers together: that is what paces the emails.
SENDER_LOCK = "surveys:sender"
SENDER_RUN_SECONDS = 45
# Longer than a run can last (its task's hard time limit), so a killed run frees the lock.
SENDER_LOCK_SECONDS = 150
# Claimed and judged together; paced so that a round is about ten seconds of the rate.
MAX_ROUND = 200
MAX_ATTEMPTS = 5
STUCK_AFTER = dt.timedelta(minutes=15)


@dataclass
class SendingRound:
    """What one round did."""

    claimed: int = 0
    sent: int = 0
    excluded: int = 0
    bounced: int = 0
    failed: int = 0
    retrying: int = 0
    campaigns: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class SenderRun:
    sent: int
    more: bool  # stopped because its time was up, with invitations still due


def run_sender() -> SenderRun:
    """Send due invitations for up to SENDER_RUN_SECONDS, in rounds paced to the sending
    rate. A cache lock keeps one run going at a time; rows are claimed with SKIP LOCKED
    as well, so even two runs never send the same invitation twice. A run that finds
    another one going sends nothing."""
    token = uuid.uuid4().hex
    if not cache.add(SENDER_LOCK, token, timeout=SENDER_LOCK_SECONDS):
        return SenderRun(sent=0, more=False)
    sent = 0
    more = False
    try:
        rate = max(1, sending_rate_per_minute())
        round_size = max(1, min(MAX_ROUND, rate // 6))
        started = time.monotonic()
        while time.monotonic() - started < SENDER_RUN_SECONDS:
            round_started = time.monotonic()
            outcome = send_due_invitations(limit=round_size)
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
    if sent:
        logger.info("sent %s survey invitations", sent)
    return SenderRun(sent=sent, more=more)


def send_due_invitations(*, limit: int, now: dt.datetime | None = None) -> SendingRound:
    """Send up to `limit` invitations whose time has come, oldest first."""
    now = now or timezone.now()
    outcome = SendingRound()
    to_send = _claim(limit=limit, now=now, outcome=outcome)
    if to_send:
        _send(to_send, outcome)
    if outcome.campaigns:
        _mark_progress(outcome.campaigns)
    return outcome


def invitations_due(*, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return Invitation.objects.filter(
        status=InvitationStatus.SCHEDULED, scheduled_for__lte=now
    ).exists()


def next_due_at() -> dt.datetime | None:
    """When the next scheduled invitation is due."""
    first = (
        Invitation.objects.filter(status=InvitationStatus.SCHEDULED)
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
        .first()
    )
    return first


def release_stuck_invitations(*, now: dt.datetime | None = None) -> int:
    """Put back on the schedule invitations a dead worker left `sending` (those being sent
    again after a soft bounce, back among the invitations to send again)."""
    now = now or timezone.now()
    stuck = Invitation.objects.filter(
        status=InvitationStatus.SENDING, claimed_at__lt=now - STUCK_AFTER
    )
    released = stuck.filter(sent_at__isnull=True).update(
        status=InvitationStatus.SCHEDULED, scheduled_for=now, claimed_at=None
    )
    # One sent before, being sent again after a soft bounce: back to its retries.
    released += stuck.filter(sent_at__isnull=False).update(
        status=InvitationStatus.DEFERRED, resend_at=now, claimed_at=None
    )
    if released:
        logger.warning("released %s invitations left 'sending' by a stopped worker", released)
    return released


def invite_to_follow_up(
    *, contact: Contact, ignore_suppression_ids: list[int], now: dt.datetime | None = None
) -> tuple[Invitation | None, Verdict | None]:
    """Schedule the follow-up survey of a case, now.

    The case's own suppression is ignored, and so are the throttling window and the
    account's quota (`NOT_FOR_FOLLOW_UPS`): the survey goes out on the date the plan
    promised. A contact who opted out, was erased or is suppressed otherwise gets none.
    Returns the invitation (None when refused) and the verdict that refused it.
    """
    now = now or timezone.now()
    # Someone erased at their request is never surveyed: as if they had opted out.
    member = Member(contact.pk, contact.account_id, contact.opted_out or contact.is_erased)
    verdict = follow_up_verdict(
        exclusions_for([member], at=now, ignore_suppression_ids=ignore_suppression_ids).get(
            contact.pk
        )
    )
    if verdict is not None:
        return None, verdict
    invitation = Invitation.objects.create(
        purpose=InvitationPurpose.FOLLOW_UP,
        contact=contact,
        account_id=contact.account_id,
        language=survey_language(contact.language),
        scheduled_for=now,
    )
    return invitation, None


# --- claiming ----------------------------------------------------------------------------


def _claim(*, limit: int, now: dt.datetime, outcome: SendingRound) -> list[Invitation]:
    with transaction.atomic():
        due = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=InvitationStatus.SCHEDULED, scheduled_for__lte=now)
            .select_related("contact", "campaign")
            .order_by("scheduled_for", "pk")[:limit]
        )
        outcome.claimed = len(due)
        if not due:
            return []
        # Someone erased at their request is never surveyed, whatever row points to them.
        erased = ErasedAddress.objects.among(i.contact.email for i in due)
        members = [
            Member(
                i.contact_id,
                i.contact.account_id,
                i.contact.opted_out or i.contact.is_erased or i.contact.email in erased,
            )
            for i in due
        ]
        verdicts = exclusions_for(members, at=now, rules=Rules.current())
        to_send, excluded = [], defaultdict(list)
        for invitation in due:
            outcome.campaigns.add(invitation.campaign_id)
            verdict = verdicts.get(invitation.contact_id)
            if invitation.purpose == InvitationPurpose.FOLLOW_UP:
                verdict = follow_up_verdict(verdict)
            if verdict is None:
                to_send.append(invitation)
            else:
                excluded[(verdict.reason, verdict.note)].append(invitation.pk)
        for (reason, note), ids in excluded.items():
            outcome.excluded += Invitation.objects.filter(pk__in=ids).update(
                status=InvitationStatus.EXCLUDED,
                exclusion=reason,
                exclusion_note=note[:300],
                excluded_at=now,
            )
        Invitation.objects.filter(pk__in=[i.pk for i in to_send]).update(
            status=InvitationStatus.SENDING, claimed_at=now
        )
        for invitation in to_send:
            # The account may have changed since planning: quotas count the current one.
            invitation.account_id = invitation.contact.account_id
    return to_send


# --- sending -----------------------------------------------------------------------------


def _send(invitations: list[Invitation], outcome: SendingRound) -> None:
    link_days = LoopSettings.current().survey_link_days
    look = SurveyLook.current()  # read once a round: every email would read the cache
    connection = get_connection()
    try:
        connection.open()
        for start in range(0, len(invitations), STAMP_EVERY):
            chunk = invitations[start : start + STAMP_EVERY]
            sent = []
            for invitation in chunk:
                message_id = _send_one(connection, invitation, outcome, look=look)
                if message_id is not None:
                    invitation.message_id = message_id
                    sent.append(invitation)
            _stamp_sent(sent, link_days)
            outcome.sent += len(sent)
    finally:
        connection.close()


def _send_one(
    connection, invitation: Invitation, outcome: SendingRound, *, look: SurveyLook
) -> str | None:
    """Send one invitation's email; its message id once sent, else None."""
    _follow_contact_language(invitation)
    message = invitation_email(invitation, look=look)
    try:
        connection.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused) as error:
        _stamp_bounced(invitation, str(error))
        outcome.bounced += 1
    except (smtplib.SMTPException, OSError) as error:
        # The mail server is unreachable or refused for now: try again later.
        if _retry_later(invitation, str(error)):
            outcome.retrying += 1
        else:
            outcome.failed += 1
        try:  # a broken connection is reopened for the next message
            connection.close()
            connection.open()
        except (smtplib.SMTPException, OSError):
            pass
    else:
        return sent_message_id(message)
    return None


def _follow_contact_language(invitation: Invitation) -> None:
    """Write the email in the contact's language of today: it may have changed since the
    invitation was planned (a CRM import during a campaign spread over weeks). The answer
    and thank-you pages follow the invitation's language, so it is stored too."""
    if not invitation.contact.language:
        return
    language = survey_language(invitation.contact.language)
    if language != invitation.language:
        invitation.language = language
        Invitation.objects.filter(pk=invitation.pk).update(language=language)


def _stamp_sent(invitations: list[Invitation], link_days: int) -> None:
    if not invitations:
        return
    now = timezone.now()
    expires_at = now + dt.timedelta(days=link_days)
    # One statement for the chunk, each row getting its own account: the people of a chunk
    # are mostly at different accounts, and one statement per account cost a query per email.
    account_of = Case(
        *[When(pk=invitation.pk, then=Value(invitation.account_id)) for invitation in invitations],
        output_field=Invitation._meta.get_field("account").target_field,
    )
    message_id_of = Case(
        *[When(pk=invitation.pk, then=Value(invitation.message_id)) for invitation in invitations],
        output_field=Invitation._meta.get_field("message_id"),
    )
    with transaction.atomic():
        Invitation.objects.filter(
            pk__in=[invitation.pk for invitation in invitations], status=InvitationStatus.SENDING
        ).update(
            status=InvitationStatus.SENT,
            sent_at=now,
            expires_at=expires_at,
            account_id=account_of,
            message_id=message_id_of,
            attempts=F("attempts") + 1,
            last_error="",
        )
        per_campaign = defaultdict(int)
        for invitation in invitations:
            if invitation.campaign_id is not None:
                per_campaign[invitation.campaign_id] += 1
        for campaign_id, count in per_campaign.items():
            # Read by the dashboard's response rate; counted as emails leave.
            Campaign.objects.filter(pk=campaign_id).update(
                invitations_sent=Coalesce(F("invitations_sent"), 0) + count,
                started_at=Coalesce(F("started_at"), Value(now)),
            )


def _stamp_bounced(invitation: Invitation, error: str) -> None:
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
        status=InvitationStatus.BOUNCED,
        bounced_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error=error[:300],
    )
    logger.info("invitation %s bounced: %s", invitation.pk, error)


def _retry_later(invitation: Invitation, error: str) -> bool:
    """Back on the schedule with a growing delay; `failed` after MAX_ATTEMPTS."""
    attempts = invitation.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
            status=InvitationStatus.FAILED, attempts=attempts, last_error=error[:300]
        )
        logger.error("invitation %s not sent after %s attempts: %s", invitation.pk, attempts, error)
        return False
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
        status=InvitationStatus.SCHEDULED,
        scheduled_for=timezone.now() + dt.timedelta(minutes=5 * 2**attempts),
        claimed_at=None,
        attempts=attempts,
        last_error=error[:300],
    )
    logger.warning("invitation %s not sent (attempt %s): %s", invitation.pk, attempts, error)
    return True


# --- campaign progress ---------------------------------------------------------------------


def _mark_progress(campaign_ids: set[int]) -> None:
    """Scheduled campaigns that sent something are sending; those with nothing left, done."""
    ids = [pk for pk in campaign_ids if pk is not None]
    if not ids:
        return
    now = timezone.now()
    Campaign.objects.filter(pk__in=ids, status=CampaignStatus.SCHEDULED).update(
        status=CampaignStatus.SENDING
    )
    waiting = Invitation.objects.filter(
        campaign_id__in=ids,
        status__in=(InvitationStatus.SCHEDULED, InvitationStatus.SENDING),
    ).values_list("campaign_id", flat=True)
    Campaign.objects.filter(
        Q(pk__in=ids), status=CampaignStatus.SENDING, planned_at__isnull=False
    ).exclude(pk__in=waiting).update(status=CampaignStatus.COMPLETED, completed_at=now)


def sending_rate_per_minute() -> int:
    """How many survey emails may leave per minute, all workers together."""
    return settings.NPS_SURVEY_EMAILS_PER_MINUTE
