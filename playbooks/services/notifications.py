"""Emails and Slack posts the playbooks send: to the case owner, to managers, to customers.

Queuing happens inside the engine's transaction (a task enqueued on commit);
delivery happens in its own task, outside any transaction, and stamps when it
was sent, so a second delivery of the same task sends nothing. What could not
be queued (the broker was down) is queued again by the periodic sweep.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.background import enqueue_in_batches_on_commit, enqueue_on_commit
from core.mail import compose_email, default_sender
from core.models import LoopSettings, User
from core.roles import Role
from playbooks.defaults import said_name
from playbooks.models import Case, CaseStep, Escalation, EscalationRule, StepKind, StepStatus
from playbooks.services import notices
from playbooks.services.cases import record_event
from playbooks.timeline import say, someone

logger = logging.getLogger(__name__)

SLACK_TIMEOUT_SECONDS = 10
# The timeline entry that says the owner of a superseded case was told.
SUPERSEDED_NOTICE = "superseded_notice"
# Escalations that say the owner's own step or action is late.
OVERDUE_RULES = (EscalationRule.STEP_OVERDUE, EscalationRule.ACTION_OVERDUE)


class DeliveryFailed(Exception):
    """Sending failed for a reason worth retrying (mail server or Slack unreachable)."""


# --- queuing (inside transactions) ---------------------------------------------------


# Deliveries a transaction queues go to the worker this many to a task: a batch of answers
# that opens a hundred cases sends a few tasks, not three hundred.
DELIVERY_BATCH_SIZE = 50


def queue_step_delivery(*, step_id: int) -> None:
    """Deliver a notify or acknowledge step's email once the transaction commits."""
    enqueue_in_batches_on_commit(
        "playbooks.deliver_steps", key="step_ids", item=step_id, size=DELIVERY_BATCH_SIZE
    )


def queue_escalation_emails(*, escalation_ids: Iterable[int]) -> None:
    """Tell the managers about new escalations once the transaction commits."""
    for escalation_id in escalation_ids:
        enqueue_in_batches_on_commit(
            "playbooks.deliver_escalations",
            key="escalation_ids",
            item=escalation_id,
            size=DELIVERY_BATCH_SIZE,
        )


def queue_superseded_notice(*, case_id: int) -> None:
    """Tell the case's owner that a corrected score superseded it, once the transaction
    commits."""
    enqueue_on_commit("playbooks.deliver_superseded_notice", case_id=case_id)


# --- delivery (outside transactions) ---------------------------------------------------


def deliver_step(*, step_id: int, send: bool = True) -> bool:
    """Send a notify or acknowledge step's message; False when there was nothing to send.

    `send=False` records the delivery (stamps, timeline) without emailing or posting
    anything: for a history written after the fact, as the demo data's.
    """
    step = (
        CaseStep.objects.select_related(
            "case__contact", "case__account", "case__owner", "case__response", "case__playbook"
        )
        .filter(pk=step_id, kind__in=(StepKind.NOTIFY, StepKind.ACKNOWLEDGE))
        .first()
    )
    if step is None or step.result.get("sent_at") or step.result.get("sent") is False:
        return False
    case = step.case
    if step.kind == StepKind.ACKNOWLEDGE:
        language = case.contact.language or case.response.language or settings.LANGUAGE_CODE
        recipients = [(case.contact.email, language)] if not case.contact.opted_out else []
        template = "acknowledge"
    else:
        recipients = _staff_recipients(case, step.options.get("to", "owner"))
        template = "case_opened"
    # Who was told, as the timeline names them: the owner by name, else the managers.
    told = (
        someone(case.owner)
        if step.options.get("to", "owner") != "managers" and case.owner and case.owner.email
        else someone(None)
    )
    if not recipients:
        _stamp_step(step, sent=False, note="Nobody to send it to.")
        return False
    if not step.result.get("emailed_at"):
        context = {"case": case, "step": step, "base_url": settings.NPS_BASE_URL}
        if send:
            _send_email(template, context, recipients)
        # Stamped at once: if Slack fails below, the retry does not email again.
        step.result = {**step.result, "emailed_at": timezone.now().isoformat()}
        CaseStep.objects.filter(pk=step.pk).update(result=step.result)
    if step.kind == StepKind.NOTIFY and send:
        post_to_slack(_slack_text_for_case(case))
    _stamp_step(step, sent=True, note=", ".join(email for email, _ in recipients), told=told)
    return True


def deliver_escalation(*, escalation_id: int, send: bool = True) -> bool:
    """Email the managers (and post to Slack) about a new escalation, once; `send=False`
    only records it as notified (see `deliver_step`)."""
    escalation = (
        Escalation.objects.select_related(
            "case__contact", "case__account", "case__response", "case__owner"
        )
        .filter(pk=escalation_id, notified_at__isnull=True)
        .first()
    )
    if escalation is None:
        return False
    # In the app too, once (a retry finds it told). The owner is emailed when a step or an
    # action of theirs ran late; of the rules at opening, the new case's email tells them.
    notices.tell_escalated(
        escalations=[escalation],
        owner_emailed=send and escalation.rule in OVERDUE_RULES,
    )
    recipients = _manager_emails()
    context = {"escalation": escalation, "case": escalation.case, "base_url": settings.NPS_BASE_URL}
    if recipients and send:
        _send_email("escalation", context, recipients)
    # Stamped before Slack: a retry must not email the managers twice.
    Escalation.objects.filter(pk=escalation.pk).update(notified_at=timezone.now())
    if not send:
        return bool(recipients)
    try:
        post_to_slack(_slack_text_for_escalation(escalation))
    except DeliveryFailed as error:  # the email went out: Slack is a copy, not worth a retry
        logger.error("escalation %s not posted to Slack: %s", escalation.pk, error)
    return bool(recipients)


def deliver_superseded_notice(*, case_id: int) -> bool:
    """Email the owner of a case superseded by a corrected score (the managers when nobody
    owns it), once: the timeline says it was sent, and a second run sends nothing."""
    case = (
        Case.objects.select_related("contact", "account", "owner", "response", "playbook")
        .filter(pk=case_id, superseded_at__isnull=False)
        .first()
    )
    if case is None or case.events.filter(kind=SUPERSEDED_NOTICE).exists():
        return False
    recipients = _staff_recipients(case, "owner")
    if recipients:
        superseded = case.events.filter(kind="status_changed").order_by("-pk").first()
        details = superseded.details if superseded else {}
        context = {
            "case": case,
            "old_score": details.get("old_score", ""),
            "new_score": details.get("new_score", case.response.score),
            "base_url": settings.NPS_BASE_URL,
        }
        _send_email("case_superseded", context, recipients)
    record_event(
        case=case,
        kind=SUPERSEDED_NOTICE,
        message=say(gettext_noop("Owner told by email that the case was superseded."))
        if recipients
        else say(gettext_noop("Nobody to tell that the case was superseded.")),
        details={"to": [email for email, _ in recipients]},
    )
    return bool(recipients)


def deliver_reminder(*, step_id: int) -> bool:
    """Email a step's assignee (the managers for a group step) that it comes due; once.

    The step is stamped as reminded after the email went out, so a failed send is retried.
    """
    from playbooks.services.schedule import mark_reminded

    step = (
        CaseStep.objects.select_related("case__contact", "case__account", "assignee")
        .filter(pk=step_id, status=StepStatus.TODO, reminded_at__isnull=True)
        .first()
    )
    if step is None:
        return False
    assignee = step.assignee
    recipients = [_recipient(assignee)] if assignee and assignee.email else _manager_emails()
    if recipients:
        context = {"case": step.case, "step": step, "base_url": settings.NPS_BASE_URL}
        _send_email("step_due", context, recipients)
    return mark_reminded(step_id=step_id) is not None and bool(recipients)


# An email address and the language the email is written in for it.
Recipient = tuple[str, str]


def _recipient(user: User) -> Recipient:
    """A person of the team, who reads in the language of their profile."""
    return (user.email, user.language or settings.LANGUAGE_CODE)


def _staff_recipients(case: Case, audience: str) -> list[Recipient]:
    if audience == "managers" or case.owner is None:
        return _manager_emails()
    return [_recipient(case.owner)] if case.owner.email else _manager_emails()


def _manager_emails() -> list[Recipient]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER.value)
        .exclude(email="")
        .distinct()
        .order_by("email")
    )
    return [_recipient(user) for user in users]


def _send_email(template: str, context: dict, recipients: list[Recipient]) -> None:
    """One email per language, to everyone who reads it. Should a later language's send
    fail, the retry sends the earlier ones again: a rare duplicate, never a lost email."""
    sender = default_sender()
    by_language: dict[str, list[str]] = {}
    for email, language in recipients:
        if email not in by_language.setdefault(language, []):
            by_language[language].append(email)
    for language, emails in sorted(by_language.items()):
        message = compose_email(
            f"playbooks/email/{template}",
            context,
            language=language,
            to=emails,
            from_email=sender,
        )
        try:
            message.send()
        except OSError as error:  # SMTP refused or unreachable: worth a retry
            raise DeliveryFailed(f"email to {', '.join(emails)} failed: {error}") from error


def post_to_slack(text: str) -> None:
    """Post `text` to the Slack incoming webhook of the settings, if one is set."""
    url = LoopSettings.current().slack_webhook_url
    if not url:
        return
    if not _is_webhook_url(url):
        logger.error("Slack webhook URL ignored: it must start with https://")
        return
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SLACK_TIMEOUT_SECONDS) as reply:  # noqa: S310
            reply.read()
    except urllib.error.HTTPError as error:
        # A 4xx is a wrong or revoked webhook URL: retrying will not help, say it in the log.
        if error.code < 500:
            logger.error("Slack refused the notification (%s): check the webhook URL", error.code)
            return
        raise DeliveryFailed(f"Slack answered {error.code}") from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise DeliveryFailed(f"Slack unreachable: {error}") from error


def _is_webhook_url(url: str) -> bool:
    """https, or plain http to this machine (a local relay, or the tests' fake Slack)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _slack_text_for_case(case: Case) -> str:
    response = case.response
    who = case.contact.name or case.contact.email
    account = case.account.name if case.account else "no account (unmatched)"
    comment = f' — "{response.comment[:200]}"' if response.comment else ""
    return (
        f"New {response.get_category_display().lower()} case #{case.pk}: {who} at {account} "
        f"scored {response.score}{comment}. Owner: {case.owner or 'the managers'}."
    )


def _slack_text_for_escalation(escalation: Escalation) -> str:
    case = escalation.case
    account = case.account.name if case.account else "an unmatched contact"
    return f":rotating_light: Case #{case.pk} ({account}) escalated: {escalation.reason}"


def _stamp_step(step: CaseStep, *, sent: bool, note: str, told: Any = None) -> None:
    result = {**step.result, "sent": sent}
    if sent:
        result["sent_at"] = timezone.now().isoformat()
        result["sent_to"] = note
    else:
        result["note"] = note
    CaseStep.objects.filter(pk=step.pk).update(result=result)
    if not sent:
        message = say(gettext_noop("%(step)s: nobody to send it to."), step=said_name(step.title))
    elif step.kind == StepKind.ACKNOWLEDGE:
        message = say(gettext_noop("Acknowledgement emailed to %(to)s"), to=note)
    else:
        message = say(gettext_noop("Notified %(to)s"), to=note if told is None else told)
    record_event(
        case=step.case,
        kind="notification_sent" if sent else "notification_skipped",
        message=message,
        details={"step": step.pk},
    )
