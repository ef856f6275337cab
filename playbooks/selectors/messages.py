"""Reads for writing to the customer: the template of a purpose and language, the emails a
case sent, and whether its contact may be written to."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_noop

from accounts.models import Contact, ErasedAddress
from playbooks.message_defaults import DEFAULT_MESSAGES
from playbooks.models import (
    Case,
    CaseStatus,
    CustomerMessage,
    CustomerMessageTemplate,
    MessageLanguage,
    MessagePurpose,
)


def message_template(*, purpose: str, language: str) -> CustomerMessageTemplate:
    """The template admins set for `purpose` in `language`; the shipped text when the row is
    missing (a database restored without it), unsaved."""
    template = CustomerMessageTemplate.objects.filter(purpose=purpose, language=language).first()
    if template is not None:
        return template
    subject, body = DEFAULT_MESSAGES.get((purpose, language), ("", ""))
    return CustomerMessageTemplate(purpose=purpose, language=language, subject=subject, body=body)


def message_templates() -> list[CustomerMessageTemplate]:
    """Every purpose × language, stored or shipped, in the order of the purposes."""
    stored = {(t.purpose, t.language): t for t in CustomerMessageTemplate.objects.all()}
    return [
        stored.get((purpose, language)) or message_template(purpose=purpose, language=language)
        for purpose in MessagePurpose.values
        for language in MessageLanguage.values
    ]


def contact_language(case: Case) -> str:
    """The language the case's contact is written to in: theirs, else their answer's, else
    the site's; English when it is neither English nor French."""
    candidates = (
        case.contact.language if case.contact else "",
        case.response.language if case.response_id else "",
        settings.LANGUAGE_CODE,
    )
    for candidate in candidates:
        code = (candidate or "").lower()[:2]
        if code in MessageLanguage.values:
            return code
    return MessageLanguage.EN


# Why a contact may not be written to, untranslated (the timeline translates them at display).
REFUSALS = {
    "no_email": gettext_noop("This contact has no email address: add one to the contact first."),
    "erased": gettext_noop(
        "This person was erased at their request (GDPR): NPS Loop may not write to them."
    ),
    "opted_out": gettext_noop(
        "This person opted out of emails from NPS Loop: call them, or write from your own "
        "mailbox if they asked you to."
    ),
}


def refusal_of(contact: Contact | None) -> str:
    """Why NPS Loop may not email this contact (a key of `REFUSALS`); empty when it may."""
    if contact is None or not contact.email:
        return "no_email"
    if contact.is_erased or ErasedAddress.objects.holds(contact.email):
        return "erased"
    if contact.opted_out:
        return "opted_out"
    return ""


def why_not_writable(contact: Contact | None) -> str:
    """Why NPS Loop may not email this contact, for people; empty when it may."""
    refusal = refusal_of(contact)
    return gettext(REFUSALS[refusal]) if refusal else ""


def suggested_purpose(case: Case) -> str:
    """What the case's stage calls for: acknowledge a new case, propose a call while
    qualifying it, summarise the plan, close the loop with a closing note."""
    return {
        CaseStatus.NEW: MessagePurpose.ACKNOWLEDGMENT,
        CaseStatus.IN_PROGRESS: MessagePurpose.CALL_PROPOSAL,
        CaseStatus.PLAN_IN_PROGRESS: MessagePurpose.PLAN_SUMMARY,
        CaseStatus.MONITORING: MessagePurpose.PLAN_SUMMARY,
    }.get(case.status, MessagePurpose.CLOSING_NOTE)


def messages_of(case: Case) -> QuerySet[CustomerMessage]:
    """The emails written to the case's contact, newest first."""
    return CustomerMessage.objects.filter(case=case).select_related("sent_by")
