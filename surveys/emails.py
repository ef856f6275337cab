"""The survey email: the question and eleven one-click links, in the contact's language."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME
from django.urls import reverse

from accounts.models import Contact
from core.branding import Brand, current_brand, survey_sender
from core.mail import compose_email
from core.models import LoopSettings
from surveys.models import Campaign, Invitation

# Detractor, passive and promoter scores: white text on each passes WCAG AA.
# Every score the same colour: a red 0 and a green 10 would nudge the answer (a neutral
# scale is the survey practice). White on it is 10:1.
SCALE_COLOUR = "#374151"
# The metadata key that carries the invitation's id through an email provider's API
# (django-anymail's `metadata`), back in the provider's delivery events.
INVITATION_METADATA = "nps_invitation"


@dataclass(frozen=True)
class ScoreLink:
    # Text, not a number: the templates print it 33 times an email, and Django formats every
    # number it prints for the active language (the same digits, at a real cost).
    score: str
    url: str
    colour: str


def survey_language(language: str) -> str:
    """One of the interface's languages: the contact's when known, else the server's."""
    language = (language or "").split("-")[0].lower()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def survey_url(invitation: Invitation) -> str:
    return settings.NPS_BASE_URL + reverse("survey-answer", args=[invitation.token])


def unsubscribe_url(invitation: Invitation) -> str:
    return settings.NPS_BASE_URL + reverse("survey-unsubscribe", args=[invitation.token])


def sender_for(invitation: Invitation, *, default_from: str | None = None) -> str:
    """The campaign's sender, else `default_from`, else `survey_sender()`."""
    campaign = invitation.campaign
    if campaign is not None and campaign.sender:
        return campaign.sender
    return default_from if default_from is not None else survey_sender()


@dataclass(frozen=True)
class SurveyLook:
    """What every survey email of a sending round shares, read once from the settings: the
    sender, the reply-to address and the brand."""

    sender: str
    reply_to: str
    brand: Brand

    @classmethod
    def current(cls) -> SurveyLook:
        return cls(
            sender=survey_sender(),
            reply_to=LoopSettings.current().survey_reply_to,
            brand=current_brand(),
        )


def invitation_email(
    invitation: Invitation, *, look: SurveyLook | None = None
) -> EmailMultiAlternatives:
    """The email of one invitation, HTML and plain text, with its unsubscribe headers.

    Needs `invitation.contact` and `invitation.campaign` loaded. A sender of many emails
    passes `look` (`SurveyLook.current()`, read once) rather than have each email read the
    settings again. An invitation not saved (a preview, a test) gets no id in its headers.
    """
    look = look or SurveyLook.current()
    language = survey_language(invitation.language)
    page = survey_url(invitation)
    unsubscribe = unsubscribe_url(invitation)
    context = {
        "brand": look.brand,
        "language": language,
        "purpose": invitation.purpose,
        "first_name": invitation.contact.first_name,
        "question": invitation.question_in(language),
        "score_links": [
            ScoreLink(str(score), f"{page}?score={score}", SCALE_COLOUR) for score in range(11)
        ],
        "unsubscribe_url": unsubscribe,
    }
    message = compose_email(
        "surveys/email/invitation",
        context,
        language=language,
        to=[invitation.contact.email],
        from_email=sender_for(invitation, default_from=look.sender),
        headers={
            # RFC 2369 and RFC 8058: mail clients offer "Unsubscribe" and POST to it in one click.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        reply_to=[look.reply_to] if look.reply_to else None,
    )
    if invitation.pk is not None:
        message.extra_headers["X-NPS-Loop-Invitation"] = str(invitation.pk)
        # Our own, so that a delivery event that quotes it finds the invitation.
        message.extra_headers["Message-ID"] = make_msgid(
            idstring=f"invitation-{invitation.pk}", domain=DNS_NAME
        )
        # Read by django-anymail's backends only; other backends ignore it.
        message.metadata = {INVITATION_METADATA: str(invitation.pk)}
    return message


# The token of a previewed or test email: it matches no invitation, so its links record
# nothing (they lead to the page of an unknown link).
EXAMPLE_LINK_ID = "example"


def example_invitation(campaign: Campaign, *, language: str, contact: Contact) -> Invitation:
    """An invitation of `campaign` to `contact` in `language`, not saved: what a preview shows
    and a test email sends, exactly as the campaign's emails are built."""
    return Invitation(
        campaign=campaign,
        contact=contact,
        language=survey_language(language),
        token=EXAMPLE_LINK_ID,
    )


def sent_message_id(message: EmailMultiAlternatives) -> str:
    """The id a sent email is known by: the email provider's, when its API sent it
    (django-anymail's `anymail_status`), else our Message-ID header."""
    status = getattr(message, "anymail_status", None)
    provider_id = getattr(status, "message_id", None)
    if isinstance(provider_id, str) and provider_id:
        return provider_id[:200]
    return message.extra_headers.get("Message-ID", "")[:200]
