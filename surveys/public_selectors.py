"""Reads of the public survey pages: the invitation behind a token, and what its page shows."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from surveys.models import (
    STANDARD_QUESTION_EN,
    STANDARD_QUESTION_FR,
    Invitation,
    InvitationStatus,
)

# How long after first answering a person may still change their score or comment.
CORRECTION_WINDOW = dt.timedelta(hours=24)
PAGE_LANGUAGES = ("en", "fr")
# Invitations whose email may have reached someone. The others' tokens were never
# mailed (scheduled, excluded, or could not be sent): to the public they do not exist.
MAILED_STATUSES = (
    InvitationStatus.SENDING,
    InvitationStatus.SENT,
    InvitationStatus.ANSWERED,
    InvitationStatus.BOUNCED,
    InvitationStatus.OPTED_OUT,
)
TOKEN_MAX_LENGTH = Invitation._meta.get_field("token").max_length


def invitation_for_token(*, token: str) -> Invitation | None:
    """The mailed invitation with this token, with what its page shows; None if there is none."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.select_related("campaign", "contact", "response")
        .filter(token=token, status__in=MAILED_STATUSES)
        .first()
    )


def invitation_language(invitation: Invitation) -> str:
    """The language the invitation was sent in, as a page language (English by default)."""
    for language in (invitation.language, invitation.contact.language, settings.LANGUAGE_CODE):
        code = (language or "").lower()[:2]
        if code in PAGE_LANGUAGES:
            return code
    return "en"


def question_for(invitation: Invitation, *, language: str) -> str:
    """The campaign's question; a follow-up without a campaign asks the standard one."""
    if invitation.campaign is not None:
        return invitation.campaign.question_in(language)
    return STANDARD_QUESTION_FR if language == "fr" else STANDARD_QUESTION_EN


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
