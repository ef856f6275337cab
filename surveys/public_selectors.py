"""Reads of the public survey pages: the invitation behind a token, and what its page shows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from surveys.emails import survey_language
from surveys.models import Invitation, InvitationStatus

# How long after first answering a person may still change their score or comment.
CORRECTION_WINDOW = dt.timedelta(hours=24)
PAGE_LANGUAGES = tuple(dict(settings.LANGUAGES))
# Invitations whose email may have reached someone. The others' tokens were never
# mailed (scheduled, excluded, or could not be sent): to the public they do not exist.
MAILED_STATUSES = (
    InvitationStatus.SENDING,
    InvitationStatus.SENT,
    InvitationStatus.DEFERRED,
    InvitationStatus.ANSWERED,
    InvitationStatus.BOUNCED,
    InvitationStatus.OPTED_OUT,
)
TOKEN_MAX_LENGTH = Invitation._meta.get_field("token").max_length


def invitation_for_token(*, token: str) -> Invitation | None:
    """The mailed invitation with this token, with what its page shows; None if there is none
    (nor for someone erased at their request: their links lead nowhere)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.select_related("campaign", "contact", "response")
        .filter(token=token, status__in=MAILED_STATUSES, contact__erased_at__isnull=True)
        .first()
    )


def invitation_language(invitation: Invitation) -> str:
    """The language the invitation was sent in: the page speaks it too."""
    return survey_language(invitation.language or invitation.contact.language)


def correction_deadline(invitation: Invitation) -> dt.datetime | None:
    """Until when the answer may be changed; None while the invitation is unanswered."""
    if invitation.response_id is None or invitation.answered_at is None:
        return None
    return invitation.answered_at + CORRECTION_WINDOW


def answer_can_change(invitation: Invitation, *, at: dt.datetime | None = None) -> bool:
    """Whether the answer was given less than 24 hours ago."""
    deadline = correction_deadline(invitation)
    return deadline is not None and (at or timezone.now()) < deadline


def can_be_answered(invitation: Invitation, *, at: dt.datetime | None = None) -> bool:
    """Whether a first answer is still accepted: unanswered and the link not expired."""
    return invitation.response_id is None and not invitation.is_expired(at)
