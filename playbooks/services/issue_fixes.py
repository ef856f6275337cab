"""A recurring issue marked as fixed: the release note on each linked case's timeline, then
an email to the contacts who raised it, sent by the worker in batches.

`mark_issue_fixed` records the fix and writes the timeline entries in one transaction.
`queue_fix_emails` keeps the email as the manager wrote it (per language), writes one row
per contact who may be emailed (unique per fix and contact) and queues them, 50 to a task,
on commit. `deliver_fix_email` claims its row before sending: a batch run twice, or
retried, emails nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.background import BULK_QUEUE, enqueue_on_commit
from core.mail import default_sender
from playbooks.fix_defaults import FIX_PLACEHOLDERS
from playbooks.models import (
    FIX_NOTE_MAX_LENGTH,
    MESSAGE_BODY_MAX_LENGTH,
    MESSAGE_SUBJECT_MAX_LENGTH,
    CaseEvent,
    FixEmail,
    FixEmailStatus,
    IssueFix,
    IssueKind,
    MessageLanguage,
    RootCause,
)
from playbooks.placeholders import unknown_placeholders
from playbooks.selectors.issue_fixes import (
    Recipient,
    fill_fix_email,
    fix_audience,
    issue_name,
    linked_case_ids,
)
from playbooks.selectors.messages import refusal_of
from playbooks.services.notifications import DeliveryFailed
from playbooks.timeline import say
from surveys.models import Theme

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

SEND_TASK = "playbooks.send_fix_emails"
EMAIL_BATCH_SIZE = 50
FIXED_EVENT = "issue_fixed"
PERMANENT_SMTP_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def mark_issue_fixed(
    *,
    kind: str,
    issue_id: int,
    note: str,
    actor: User,
    raised_from: dt.date,
    raised_to: dt.date,
    fixed_at: dt.datetime | None = None,
) -> IssueFix:
    """Record that a root cause or a theme was fixed, with its release note, and say it on
    the timeline of each case behind it in the period (`raised_from`–`raised_to`)."""
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = _("Write the release note: what was fixed, in a sentence or two.")
    elif len(note) > FIX_NOTE_MAX_LENGTH:
        errors["note"] = _("Keep the release note under %(n)s characters.") % {
            "n": FIX_NOTE_MAX_LENGTH
        }
    if raised_from > raised_to:
        errors["raised_to"] = _("The period ends before it starts: swap the two dates.")
    if errors:
        raise ValidationError(errors)
    issue = {"root_cause": RootCause, "theme": Theme}
    if kind not in IssueKind.values:
        raise ValueError(f"unknown issue kind {kind!r}")
    with transaction.atomic():
        fix = IssueFix(
            kind=kind,
            note=note,
            fixed_at=fixed_at or timezone.now(),
            fixed_by=actor,
            raised_from=raised_from,
            raised_to=raised_to,
            **{kind: issue[kind].objects.get(pk=issue_id)},
        )
        fix.full_clean()
        fix.save()
        message = say(gettext_noop("The issue was fixed: %(note)s"), note=note)
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case_id=case_id,
                kind=FIXED_EVENT,
                actor=actor,
                message=message.english(),
                said=message.as_json(),
                details={"fix": fix.pk, "issue": issue_name(fix, MessageLanguage.EN)},
            )
            for case_id in linked_case_ids(fix)
        )
    return fix


def check_fix_email(*, templates: dict[str, tuple[str, str]]) -> None:
    """Refuse (`ValidationError`, per field) a subject or body that is empty, too long or
    names an unknown placeholder."""
    errors = {}
    for language, (subject, body) in templates.items():
        for name, text, limit in (
            (f"subject_{language}", subject, MESSAGE_SUBJECT_MAX_LENGTH),
            (f"body_{language}", body, MESSAGE_BODY_MAX_LENGTH),
        ):
            unknown = unknown_placeholders(text, known=FIX_PLACEHOLDERS)
            if not text.strip():
                errors[name] = _("Write it: each language's email needs a subject and a body.")
            elif len(text) > limit:
                errors[name] = _("Keep it under %(n)s characters.") % {"n": limit}
            elif unknown:
                errors[name] = _(
                    "Unknown placeholders: %(names)s. Use only those listed beside the form."
                ) % {"names": ", ".join(f"{{{name}}}" for name in unknown)}
    if errors:
        raise ValidationError(errors)


def queue_fix_emails(
    *,
    fix: IssueFix,
    actor: User,
    templates: dict[str, tuple[str, str]],
    raised_from: dt.date,
    raised_to: dt.date,
) -> int:
    """Keep the email of each language, write a row per contact who raised the issue in the
    period and may be emailed, and queue their sending in batches on commit. Once per fix:
    returns how many emails were queued (0 when they were queued before)."""
    check_fix_email(templates=templates)
    if raised_from > raised_to:
        raise ValidationError(
            {"raised_to": _("The period ends before it starts: swap the two dates.")}
        )
    with transaction.atomic():
        claimed = IssueFix.objects.filter(pk=fix.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now(),
            emailed_by=actor,
            raised_from=raised_from,
            raised_to=raised_to,
            subject_en=" ".join(templates["en"][0].split()),
            body_en=templates["en"][1].strip(),
            subject_fr=" ".join(templates["fr"][0].split()),
            body_fr=templates["fr"][1].strip(),
        )
        if not claimed:
            return 0
        fix.refresh_from_db()
        audience = fix_audience(fix)
        FixEmail.objects.bulk_create(
            [
                FixEmail(fix=fix, contact_id=recipient.contact_id, language=recipient.language)
                for recipient in audience.recipients
            ],
            ignore_conflicts=True,
        )
        ids = list(
            FixEmail.objects.filter(fix=fix, status=FixEmailStatus.QUEUED).values_list(
                "pk", flat=True
            )
        )
        for start in range(0, len(ids), EMAIL_BATCH_SIZE):
            enqueue_on_commit(
                SEND_TASK, queue=BULK_QUEUE, email_ids=ids[start : start + EMAIL_BATCH_SIZE]
            )
    return len(ids)


# A batch queued this long ago whose emails are still waiting was lost (the broker was down
# when the manager pressed Send); one being retried is claimed row by row, never twice.
LOST_BATCH_AFTER = dt.timedelta(minutes=10)
SWEEP_LIMIT = 5000


def requeue_lost_fix_emails(*, now: dt.datetime | None = None) -> int:
    """Queue again, in batches, the fix emails still waiting well after they were queued;
    returns how many."""
    before = (now or timezone.now()) - LOST_BATCH_AFTER
    ids = list(
        FixEmail.objects.filter(status=FixEmailStatus.QUEUED, created_at__lt=before)
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for start in range(0, len(ids), EMAIL_BATCH_SIZE):
        enqueue_on_commit(
            SEND_TASK, queue=BULK_QUEUE, email_ids=ids[start : start + EMAIL_BATCH_SIZE]
        )
    return len(ids)


def deliver_fix_email(*, email_id: int) -> bool:
    """Send one fix email, once: the row is claimed before sending, so a second run finds it
    taken. Refused when the contact opted out or was erased since; a mail server that is
    down gives the row back and raises `DeliveryFailed` for the retry."""
    claimed = FixEmail.objects.filter(pk=email_id, status=FixEmailStatus.QUEUED).update(
        status=FixEmailStatus.SENDING
    )
    if not claimed:
        return False
    email = FixEmail.objects.select_related(
        "fix__root_cause__parent", "fix__theme", "fix__emailed_by", "contact__account"
    ).get(pk=email_id)
    contact, fix = email.contact, email.fix
    refusal = refusal_of(contact)
    if refusal:
        _finish(email, FixEmailStatus.REFUSED, error=refusal)
        return False
    recipient = Recipient(
        contact_id=contact.pk,
        name=contact.name,
        first_name=contact.first_name or contact.name,
        email=contact.email,
        account=contact.account.name if contact.account else "",
        language=email.language,
    )
    subject, body = fix.template(email.language)
    sender = fix.emailed_by
    subject, body = fill_fix_email(
        fix=fix,
        recipient=recipient,
        subject=subject,
        body=body,
        sender_name=sender.name if sender else "",
    )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=default_sender(),
        to=[contact.email],
        reply_to=[sender.email] if sender and sender.email else None,
    )
    try:
        message.send()
    except PERMANENT_SMTP_ERRORS as error:
        _finish(email, FixEmailStatus.FAILED, error=str(error))
        return False
    except OSError as error:  # unreachable or busy: the retry sends it
        FixEmail.objects.filter(pk=email_id, status=FixEmailStatus.SENDING).update(
            status=FixEmailStatus.QUEUED
        )
        raise DeliveryFailed(f"fix email {email_id} failed: {error}") from error
    _finish(email, FixEmailStatus.SENT)
    return True


def _finish(email: FixEmail, status: str, *, error: str = "") -> None:
    fields = {"status": status, "error": error[:2000]}
    if status == FixEmailStatus.SENT:
        fields["sent_at"] = timezone.now()
    FixEmail.objects.filter(pk=email.pk, status=FixEmailStatus.SENDING).update(**fields)
