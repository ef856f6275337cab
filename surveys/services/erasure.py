"""Erasure (GDPR Art. 17) and retention, the part `surveys` holds: what a person wrote in
their answers, the survey emails to them, their suppressions.

Scores, dates, categories, campaigns and themes stay: every NPS, count and theme figure
is the same after as before. A comment that was written becomes a marker rather than
nothing, so that "answers with a comment" counts the same too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Contact
from core.redaction import ERASED, Needles, scrub
from surveys.models import (
    DeliveryEvent,
    Exclusion,
    Invitation,
    InvitationStatus,
    Response,
    Suppression,
)
from surveys.services.suppressions import lift_suppression

logger = logging.getLogger(__name__)

# What an expired comment reads: gone by the retention rule, not by anyone's request.
EXPIRED = "[expired]"
RETENTION_BATCH = 500


@dataclass(frozen=True)
class ErasedAnswers:
    answers: int
    comments: int
    invitations: int
    suppressions: int


def erase_answers_of(*, contact: Contact, needles: Needles) -> ErasedAnswers:
    """Blank what the person wrote and every copy of their details in their answers and
    survey emails; cancel the surveys still planned for them; lift their suppressions."""
    now = timezone.now()
    answers = Response.objects.filter(contact=contact)
    count = answers.count()
    comments = answers.exclude(comment="").update(comment=ERASED, updated_at=now)
    # The payload is the answer as the survey tool sent it: address, name, comment.
    answers.update(payload=None)
    invitations = Invitation.objects.filter(contact=contact)
    invitations.filter(status=InvitationStatus.SCHEDULED).update(
        status=InvitationStatus.EXCLUDED, exclusion=Exclusion.OPTED_OUT, excluded_at=now
    )
    # Nothing is sent again after a soft bounce; the provider's reports lose the address.
    invitations.filter(status=InvitationStatus.DEFERRED).update(
        status=InvitationStatus.SENT, resend_at=None
    )
    reports = DeliveryEvent.objects.filter(
        Q(invitation__contact=contact) | Q(recipient=contact.email)
    )
    reports.update(recipient="", description="")
    invitations.update(exclusion_note="", last_error="")
    # A link already sent takes no answer any more (and shows nothing of them).
    invitations.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).update(expires_at=now)
    lifted = 0
    for suppression in Suppression.objects.filter(contact=contact, lifted_at__isnull=True):
        lifted += lift_suppression(suppression=suppression)
    Suppression.objects.filter(contact=contact).update(note="")
    if contact.account_id is not None:
        for suppression in Suppression.objects.filter(account_id=contact.account_id).exclude(
            note=""
        ):
            if needles.found_in(suppression.note):
                Suppression.objects.filter(pk=suppression.pk).update(note=ERASED)
    return ErasedAnswers(
        answers=count,
        comments=comments,
        invitations=invitations.count(),
        suppressions=lifted,
    )


def expire_old_comments(*, days: int, now: dt.datetime | None = None) -> int:
    """Blank the comments (and the payload copies of them) of answers given more than
    `days` days ago, in batches; scores, dates and themes stay. A second run finds nothing
    left to do. Returns how many answers were blanked."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(
                Response.objects.select_for_update(skip_locked=True)
                .filter(answered_at__lt=cutoff)
                .exclude(comment__in=["", ERASED, EXPIRED])
                .only("pk", "comment", "payload")
                .order_by("pk")[:RETENTION_BATCH]
            )
            for response in batch:
                needles = Needles.of(texts=[response.comment])
                response.payload = scrub(response.payload, needles, marker=EXPIRED)
                response.comment = EXPIRED
            Response.objects.bulk_update(batch, ["comment", "payload"])
        total += len(batch)
        if len(batch) < RETENTION_BATCH:
            break
    logger.info("retention: comments of %s answers older than %s days blanked", total, days)
    return total
