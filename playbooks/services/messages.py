"""Writing to the customer from the case: a draft from the admins' template, then the email
the CSM edited, sent by the app with Reply-To the CSM and logged on the case's timeline.

`send_message` checks that the contact may be written to (an address, not opted out, not
erased), stores the message as written and queues its delivery on commit;
`deliver_message` (the task `playbooks.deliver_customer_message`) sends it once, outside any
transaction, and stamps it: a second run sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.background import enqueue_on_commit
from core.mail import default_sender
from playbooks.models import (
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    Case,
    CustomerMessage,
    MessagePurpose,
    MessageStatus,
)
from playbooks.placeholders import fill, values_for
from playbooks.selectors.messages import (
    REFUSALS,
    contact_language,
    message_template,
    refusal_of,
    why_not_writable,
)
from playbooks.services.cases import CaseActionRefused, record_event
from playbooks.services.notifications import DeliveryFailed
from playbooks.timeline import choice, phrase, say

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

DELIVER_TASK = "playbooks.deliver_customer_message"


@dataclass(frozen=True)
class Draft:
    """An email to the case's contact as the template makes it, before the CSM edits it."""

    purpose: str
    language: str
    to: str
    subject: str
    body: str


def draft_message(*, case: Case, purpose: str, user: User) -> Draft:
    """The template of `purpose`, in the contact's language, filled from the case."""
    if purpose not in MessagePurpose.values:
        purpose = MessagePurpose.ACKNOWLEDGMENT
    language = contact_language(case)
    template = message_template(purpose=purpose, language=language)
    values = values_for(case=case, writer=user, language=language)
    return Draft(
        purpose=purpose,
        language=language,
        to=case.contact.email if case.contact else "",
        subject=" ".join(fill(template.subject, values).split()),
        body=fill(template.body, values),
    )


def reply_address(*, case: Case, user: User) -> str:
    """Where the customer's reply goes: the writer, else the case's owner."""
    if user.email:
        return user.email
    return case.owner.email if case.owner is not None else ""


def send_message(
    *, case: Case, user: User, purpose: str, subject: str, body: str
) -> CustomerMessage:
    """Store the email as written, put it on the timeline and queue its delivery; refused
    (`CaseActionRefused`) when the contact may not be written to."""
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    _check(purpose=purpose, subject=subject, body=body)
    with transaction.atomic():
        case = Case.objects.select_related("contact").get(pk=case.pk)
        refused = why_not_writable(case.contact)
        if refused:
            raise CaseActionRefused(refused)
        message = CustomerMessage.objects.create(
            case=case,
            purpose=purpose,
            language=contact_language(case),
            to_address=case.contact.email,
            subject=subject,
            body=body,
            sent_by=user,
            reply_to=reply_address(case=case, user=user),
        )
        record_event(
            case=case,
            kind="customer_message",
            actor=user,
            message=say(
                gettext_noop("Email to the customer (%(purpose)s), “%(subject)s”:\n%(text)s"),
                purpose=choice("message_purpose", purpose, lower=True),
                subject=subject,
                text=body,
            ),
            details={"message": message.pk, "to": message.to_address},
        )
        enqueue_on_commit(DELIVER_TASK, message_id=message.pk)
    return message


def _check(*, purpose: str, subject: str, body: str) -> None:
    errors = {}
    if purpose not in MessagePurpose.values:
        errors["purpose"] = _("Pick what the email is for.")
    if not subject:
        errors["subject"] = _("Write a subject.")
    elif len(subject) > MESSAGE_SUBJECT_MAX_LENGTH:
        errors["subject"] = _("Keep the subject under %(n)s characters.") % {
            "n": MESSAGE_SUBJECT_MAX_LENGTH
        }
    if not body:
        errors["body"] = _("Write the email first.")
    elif len(body) > MESSAGE_BODY_MAX_LENGTH:
        errors["body"] = _("Keep the email under %(n)s characters.") % {
            "n": MESSAGE_BODY_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)


def compose_message(message: CustomerMessage) -> EmailMessage:
    """The email exactly as it goes out: From the app's sender, Reply-To the CSM."""
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=default_sender(),
        to=[message.to_address],
        reply_to=[message.reply_to] if message.reply_to else None,
    )


# SMTP answers that no retry will change: the address or the message is refused.
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def deliver_message(*, message_id: int, first_attempt: bool = True) -> bool:
    """Send a queued customer email once; False when there was nothing to send (sent already,
    another delivery started it, refused because the contact opted out or was erased
    meanwhile, or refused by the mail server). Raises `DeliveryFailed` for what a retry may
    cure; the retries of a delivery pass `first_attempt=False`."""
    message = (
        CustomerMessage.objects.select_related("case__contact")
        .filter(pk=message_id, status=MessageStatus.QUEUED, sent_at__isnull=True)
        .first()
    )
    if message is None:
        return False
    if first_attempt and not _start_delivery(message):
        return False  # another delivery (the sweep's, or the first) has it
    refusal = refusal_of(message.case.contact)
    if refusal:
        _finish(message, MessageStatus.REFUSED, error=REFUSALS[refusal], translate=True)
        return False
    try:
        compose_message(message).send()
    except PERMANENT_SMTP_ERRORS as error:
        _finish(message, MessageStatus.FAILED, error=str(error))
        return False
    except OSError as error:  # the mail server is unreachable or busy: worth a retry
        raise DeliveryFailed(f"customer email {message.pk} failed: {error}") from error
    return _finish(message, MessageStatus.SENT)


def _start_delivery(message: CustomerMessage) -> bool:
    """Stamp the first delivery attempt; False when one started already."""
    return bool(
        CustomerMessage.objects.filter(pk=message.pk, attempted_at__isnull=True).update(
            attempted_at=timezone.now()
        )
    )


# The retries of a delivery end within half an hour (`playbooks.tasks`): an email still
# queued this long after its delivery started was cut short (a worker lost its task).
STALE_DELIVERY = dt.timedelta(hours=2)
SWEEP_BATCH = 500


def undelivered_message_ids(*, older_than: dt.datetime) -> list[int]:
    """Queued emails written before `older_than` (and within two days) whose delivery never
    started: the broker was down when they were written."""
    return list(
        CustomerMessage.objects.filter(
            status=MessageStatus.QUEUED,
            attempted_at__isnull=True,
            created_at__lt=older_than,
            created_at__gte=older_than - dt.timedelta(days=2),
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def give_up_stale_deliveries(*, now: dt.datetime | None = None) -> int:
    """Mark failed the emails whose delivery started long ago and never ended; returns how
    many. They are not sent again: the customer may have received them."""
    before = (now or timezone.now()) - STALE_DELIVERY
    stale = CustomerMessage.objects.filter(
        status=MessageStatus.QUEUED, attempted_at__lt=before
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    for message_id in list(stale):
        give_up_delivery(message_id=message_id, error="The delivery was interrupted.")
    return len(stale)


def give_up_delivery(*, message_id: int, error: str) -> None:
    """Mark a customer email failed after its retries ran out; the timeline says so."""
    message = (
        CustomerMessage.objects.select_related("case")
        .filter(pk=message_id, status=MessageStatus.QUEUED)
        .first()
    )
    if message is not None:
        _finish(message, MessageStatus.FAILED, error=error)


def _finish(
    message: CustomerMessage, status: str, *, error: str = "", translate: bool = False
) -> bool:
    """Move a queued message to `status`, once (two workers cannot both move it); `error`
    is a message id the timeline translates when `translate`, else the server's words."""
    now = timezone.now()
    fields = {"status": status, "error": error[:2000]}
    if status == MessageStatus.SENT:
        fields["sent_at"] = now
    with transaction.atomic():
        moved = CustomerMessage.objects.filter(pk=message.pk, status=MessageStatus.QUEUED).update(
            **fields
        )
        if moved and status != MessageStatus.SENT:
            record_event(
                case=message.case,
                kind="customer_message_not_sent",
                message=say(
                    gettext_noop("The email “%(subject)s” was not sent: %(reason)s"),
                    subject=message.subject,
                    reason=phrase(error) if translate else error,
                ),
                details={"message": message.pk, "status": status},
            )
    if moved:
        logger.info("customer email %s %s", message.pk, status)
    return bool(moved) and status == MessageStatus.SENT
