"""Bounces and complaints come back in: what email providers report about survey emails.

Each event is kept once (`DeliveryEvent`, unique per provider and event id) and found its
invitation: by the invitation id the email carried as metadata, by the message id, else
by the recipient's latest survey email of the last `MATCH_BY_ADDRESS_DAYS` days. Then:

- a hard bounce, or a refusal by the provider: the invitation is bounced; when the address
  is at fault (unknown, invalid, bounced before; not a policy such as DMARC, nor a sender
  the provider has not confirmed) surveys to it are suppressed (reason *bounced*);
- a spam complaint, an unsubscription at the provider: suppressed (reason *complained*,
  *unsubscribed*); no survey, follow-ups included, goes to the address again;
- a soft bounce: the invitation is sent again later, after each of `RESEND_DELAYS`; one
  more soft bounce after the last makes it bounced (the address is not suppressed: a full
  mailbox is no reason to stop for good);
- a delivery of an email waiting to be sent again: it arrived after all; nothing to resend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib

from anymail.exceptions import AnymailRecipientsRefused
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Contact, ErasedAddress
from core.models import LoopSettings
from surveys.audience import NOT_FOR_FOLLOW_UPS, Member, exclusions_for
from surveys.deliveries import DeliveryReport
from surveys.emails import invitation_email, sent_message_id
from surveys.models import (
    DeliveryEvent,
    DeliveryKind,
    Invitation,
    InvitationStatus,
    Suppression,
    SuppressionReason,
)
from surveys.services.suppressions import suppress_surveys

logger = logging.getLogger(__name__)

# After the first, second and third soft bounce the email goes again this much later: four
# emails over about seventeen hours, then the invitation counts as bounced.
RESEND_DELAYS = (dt.timedelta(hours=1), dt.timedelta(hours=4), dt.timedelta(hours=12))
MATCH_BY_ADDRESS_DAYS = 7
# An event about an earlier email of the same invitation changes nothing of the one sent
# since; this much leeway for the clocks of the provider and ours.
CLOCK_LEEWAY = dt.timedelta(minutes=2)
RESEND_BATCH = 500
HARD = (DeliveryKind.BOUNCED, DeliveryKind.REJECTED)
SOFT = (DeliveryKind.SOFT_BOUNCED, DeliveryKind.FAILED)
SUPPRESSED_FOR = {
    DeliveryKind.COMPLAINED: SuppressionReason.COMPLAINED,
    DeliveryKind.UNSUBSCRIBED: SuppressionReason.UNSUBSCRIBED,
}
# Invitations whose email is out: what the provider says may still change them.
OUT = (InvitationStatus.SENT, InvitationStatus.DEFERRED)


def record_delivery_event(*, report: DeliveryReport) -> DeliveryEvent | None:
    """Keep the provider's event and act on it; None when it was recorded before (a replay)."""
    if report.recipient and ErasedAddress.objects.holds(report.recipient):
        # Someone erased at their request is not stored again, not even as a recipient.
        report = dataclasses.replace(report, recipient="", description="")
    with transaction.atomic():
        invitation = _invitation_for(report)
        try:
            with transaction.atomic():
                event = DeliveryEvent.objects.create(
                    provider=report.provider,
                    event_id=report.event_id,
                    kind=report.kind,
                    invitation=invitation,
                    recipient=report.recipient,
                    message_id=report.message_id,
                    description=report.description,
                    occurred_at=report.occurred_at,
                )
        except IntegrityError:
            logger.info("delivery event %s:%s seen before", report.provider, report.event_id)
            return None
        contact = _contact_for(report, invitation)
        if invitation is None:
            logger.warning(
                "delivery event id=%s kind=%s message=%s matches no survey invitation",
                event.pk,
                report.kind,
                report.message_id or "-",
            )
        reason = SUPPRESSED_FOR.get(report.kind)
        if report.address_refused:
            reason = SuppressionReason.BOUNCED
        elif report.kind in HARD:
            logger.warning(
                "delivery event id=%s: the provider refused the email, not the address (%s)",
                event.pk,
                report.description or report.reject_reason or "no reason given",
            )
        if reason is not None and contact is not None:
            _suppress(contact=contact, reason=reason, report=report)
        if invitation is not None:
            _follow(invitation=invitation, report=report)
    logger.info(
        "delivery event id=%s kind=%s invitation=%s contact=%s",
        event.pk,
        report.kind,
        invitation.pk if invitation else None,
        contact.pk if contact else None,
    )
    return event


def _invitation_for(report: DeliveryReport) -> Invitation | None:
    """The invitation the event is about, locked: two events of one email wait in turn."""
    invitations = Invitation.objects.select_for_update(of=("self",)).select_related("contact")
    if report.invitation_id is not None:
        found = invitations.filter(pk=report.invitation_id).first()
        if found is not None:
            return found
    if report.message_id:
        bare = report.message_id.strip("<>")
        found = invitations.filter(message_id__in=[bare, f"<{bare}>"]).first()
        if found is not None:
            return found
    if report.recipient:
        since = timezone.now() - dt.timedelta(days=MATCH_BY_ADDRESS_DAYS)
        return (
            invitations.filter(contact__email=report.recipient, sent_at__gte=since)
            .order_by("-sent_at", "-pk")
            .first()
        )
    return None


def _contact_for(report: DeliveryReport, invitation: Invitation | None) -> Contact | None:
    if invitation is not None:
        return invitation.contact
    if not report.recipient:
        return None
    return Contact.objects.filter(email=report.recipient).first()


def _suppress(*, contact: Contact, reason: str, report: DeliveryReport) -> None:
    """Suppress surveys to the contact for good, once per reason (lifted only by hand)."""
    if contact.is_erased:
        return  # never surveyed again anyway, and nothing more is kept of them
    # Locked so that two events of the same address do not both suppress it.
    Contact.objects.select_for_update().filter(pk=contact.pk).first()
    now = timezone.now()
    live = Suppression.objects.filter(contact=contact, reason=reason, lifted_at__isnull=True)
    if live.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).exists():
        return
    note = f"{report.provider}: {report.description}" if report.description else report.provider
    suppress_surveys(contact=contact, reason=reason, note=note, validate=False)
    logger.info("surveys to contact %s suppressed: %s", contact.pk, reason)


def _follow(*, invitation: Invitation, report: DeliveryReport) -> None:
    """What the event changes of the invitation."""
    now = timezone.now()
    mine = Invitation.objects.filter(pk=invitation.pk)
    if report.kind in HARD:
        mine.filter(status__in=OUT).update(
            status=InvitationStatus.BOUNCED,
            bounced_at=now,
            resend_at=None,
            last_error=report.description,
        )
    elif report.kind == DeliveryKind.COMPLAINED:
        mine.filter(complained_at__isnull=True).update(complained_at=now)
    elif _about_an_earlier_email(invitation, report):
        return
    elif report.kind in SOFT and invitation.status == InvitationStatus.SENT:
        # A second report about the email already waiting to go again changes nothing.
        _send_again_later(invitation, error=report.description, now=now)
    elif report.kind == DeliveryKind.DELIVERED:
        # The provider's own retries got it through: nothing to send again.
        mine.filter(status=InvitationStatus.DEFERRED).update(
            status=InvitationStatus.SENT, resend_at=None
        )


def _about_an_earlier_email(invitation: Invitation, report: DeliveryReport) -> bool:
    return (
        invitation.soft_bounces > 0
        and report.occurred_at is not None
        and invitation.sent_at is not None
        and report.occurred_at < invitation.sent_at - CLOCK_LEEWAY
    )


def _send_again_later(invitation: Invitation, *, error: str, now: dt.datetime) -> None:
    """A soft bounce of the email last sent: send it again later, or give up after the last
    delay and count it bounced."""
    soft_bounces = invitation.soft_bounces + 1
    mine = Invitation.objects.filter(
        pk=invitation.pk, status__in=(InvitationStatus.SENT, InvitationStatus.SENDING)
    )
    if soft_bounces > len(RESEND_DELAYS):
        mine.update(
            status=InvitationStatus.BOUNCED,
            bounced_at=now,
            soft_bounces=soft_bounces,
            resend_at=None,
            claimed_at=None,
            last_error=error[:300],
        )
        logger.info("invitation %s bounced after %s soft bounces", invitation.pk, soft_bounces)
        return
    mine.update(
        status=InvitationStatus.DEFERRED,
        soft_bounces=soft_bounces,
        resend_at=now + RESEND_DELAYS[soft_bounces - 1],
        claimed_at=None,
        last_error=error[:300],
    )
    logger.info("invitation %s soft-bounced (%s): sent again later", invitation.pk, soft_bounces)


# --- sending again ---------------------------------------------------------------------------


def resends_due(*, now: dt.datetime | None = None, limit: int = RESEND_BATCH) -> list[int]:
    """Ids of soft-bounced invitations whose time to go again has come, oldest first."""
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(status=InvitationStatus.DEFERRED, resend_at__lte=now)
        .order_by("resend_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def resend_invitation(*, invitation_id: int) -> bool:
    """Send a soft-bounced invitation's email again, once due and if the person may still be
    surveyed. True when it went; False when there was nothing to do (not due, answered,
    opted out or bounced meanwhile, sent by another run) or it may no longer go."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation_id, status=InvitationStatus.DEFERRED, resend_at__lte=now
        ).update(status=InvitationStatus.SENDING, claimed_at=now, resend_at=None)
        if not claimed:
            return False
        invitation = Invitation.objects.select_related("contact", "campaign").get(pk=invitation_id)
        if _left_out(invitation, now=now):
            return False
    # The email leaves outside any transaction.
    message = invitation_email(invitation)
    try:
        with get_connection() as connection:
            connection.send_messages([message])
    except (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused) as error:
        Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
            status=InvitationStatus.BOUNCED, bounced_at=timezone.now(), last_error=str(error)[:300]
        )
        return False
    except (smtplib.SMTPException, OSError) as error:
        # The mail server is out of reach: as another soft bounce.
        _send_again_later(invitation, error=str(error), now=timezone.now())
        return False
    sent_at = timezone.now()
    Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
        status=InvitationStatus.SENT,
        sent_at=sent_at,
        message_id=sent_message_id(message),
        expires_at=sent_at + dt.timedelta(days=LoopSettings.current().survey_link_days),
        attempts=F("attempts") + 1,
        last_error="",
    )
    logger.info("invitation %s sent again after a soft bounce", invitation.pk)
    return True


def _left_out(invitation: Invitation, *, now: dt.datetime) -> bool:
    """Excluded now if the person may no longer be surveyed. The throttling window and the
    quota do not apply: they counted this very invitation when it first went."""
    contact = invitation.contact
    erased = contact.is_erased or ErasedAddress.objects.holds(contact.email)
    member = Member(contact.pk, contact.account_id, contact.opted_out or erased)
    verdict = exclusions_for([member], at=now).get(contact.pk)
    if verdict is None or verdict.reason in NOT_FOR_FOLLOW_UPS:
        return False
    Invitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.EXCLUDED,
        exclusion=verdict.reason,
        exclusion_note=verdict.note[:300],
        excluded_at=now,
        claimed_at=None,
    )
    return True
