"""Erasing a person at their request (GDPR Art. 17): `erase_contact`, the whole of it.

It lives in `playbooks`, above `surveys` and `accounts`, because it must reach every copy
of the person: their contact row and interactions (`accounts`), their answers, payloads
and survey emails (`surveys`), their cases — 360° snapshots, timelines, plans,
escalations — and the snapshots of their colleagues' cases that quote them (here), and
the import reports that list them (`imports`, through the `contact_erased` signal).

What identifies the person becomes a tombstone; scores, dates, categories, themes and
counts stay, so every figure stays the same. Their open cases close as "contact erased".
A keyed hash of the address is kept so that they are never surveyed, nor stored, again.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Contact, ErasedAddress
from accounts.services.erasure import erase_contact_record, remember_erased_address
from accounts.signals import contact_erased
from core.redaction import ERASED, Needles, blank_texts, scrub
from playbooks.models import (
    ActionItem,
    Case,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    CaseStep,
    CustomerMessage,
    Escalation,
    MessageStatus,
    Note,
    ProcessingFailure,
    StepStatus,
)
from playbooks.services.announcements import announce_erased
from playbooks.services.cases import move_case, record_event
from playbooks.timeline import Said, say
from surveys.models import Response
from surveys.services.erasure import erase_answers_of
from surveys.services.suppressions import lift_suppression
from webhooks.services.outbox import forget_contact

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

# Parameters of timeline sentences that hold free text a person typed or a recipient's
# address: on the erased person's own cases they are theirs, whatever they say.
FREE_TEXT_PARAMS = frozenset(
    {
        "comment",
        "reason",
        "resolution",
        "note",
        "notes",
        "text",
        "subject",
        "to",
        "email",
        "sent_to",
    }
)


class ContactNotFound(Exception):
    """No contact has this address, and nobody with it was erased."""


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure did, in counts: nothing in it identifies the person."""

    contact_id: int | None
    already_erased: bool = False
    answers: int = 0
    comments: int = 0
    cases: int = 0
    cases_closed: int = 0
    timeline_entries: int = 0
    case_steps: int = 0
    escalations: int = 0
    action_items: int = 0
    interactions: int = 0
    invitations: int = 0
    suppressions_lifted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_erasure_email(email: Any) -> str:
    """The address to erase, trimmed and lower-cased; `ValidationError` when it is none."""
    email = str(email or "").strip().lower()
    if not email:
        raise ValidationError({"email": [_("Give the email address of the person to erase.")]})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": [_("This is not an email address; give one like person@example.com.")]}
        ) from None
    return email


def erase_contact(*, email: Any, actor: User | None = None) -> ErasureSummary:
    """Erase the person with this address. A second call finds them erased and changes
    nothing (`already_erased`). Raises `ValidationError` for a malformed address and
    `ContactNotFound` for one NPS Loop never knew."""
    email = clean_erasure_email(email)
    contact = (
        Contact.objects.alias(email_ci=Lower("email"))
        .filter(email_ci=email)
        .values_list("pk", flat=True)
        .first()
    )
    if contact is None:
        if ErasedAddress.objects.holds(email):
            return ErasureSummary(contact_id=None, already_erased=True)
        raise ContactNotFound(_("No contact has this email address."))
    return erase_contact_by_id(contact_id=contact, actor=actor)


def erase_contact_by_id(*, contact_id: int, actor: User | None = None) -> ErasureSummary:
    """Erase this contact (see the module's docstring); an erased one is left as it is."""
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=contact_id).first()
        if contact is None:
            raise ContactNotFound(_("No such contact."))
        if contact.is_erased:
            return ErasureSummary(contact_id=contact.pk, already_erased=True)
        # Answers the worker has not processed yet get no case: nobody is left to follow up.
        responses = Response.objects.select_for_update().filter(contact=contact)
        responses.filter(processed_at__isnull=True).update(processed_at=timezone.now())
        needles = Needles.of(
            emails=[contact.email],
            names=[contact.name, contact.phone],
            texts=responses.exclude(comment="").values_list("comment", flat=True),
        )
        cases = _erase_cases(contact, needles, actor)
        others = _scrub_colleagues_cases(contact, needles)
        ProcessingFailure.objects.filter(response__contact=contact).update(error=ERASED)
        answers = erase_answers_of(contact=contact, needles=needles)
        remember_erased_address(email=contact.email)
        interactions = erase_contact_record(contact=contact, needles=needles)
        contact_erased.send(sender=Contact, contact_id=contact.pk, needles=needles)
        # Webhook events that named them go, unsent ones too (their cases' closing with
        # them); receivers get `contact.erased`, which names no one, to forget them too.
        forget_contact(contact_id=contact.pk)
        announce_erased(contact_id=contact.pk)
        summary = ErasureSummary(
            contact_id=contact.pk,
            answers=answers.answers,
            comments=answers.comments,
            cases=cases["cases"],
            cases_closed=cases["closed"],
            timeline_entries=cases["events"] + others["events"],
            case_steps=cases["steps"] + others["steps"],
            escalations=cases["escalations"] + others["escalations"],
            action_items=cases["action_items"] + others["action_items"],
            interactions=interactions,
            invitations=answers.invitations,
            suppressions_lifted=cases["suppressions"] + answers.suppressions,
        )
    logger.info(
        "contact erased id=%s actor=%s %s",
        contact_id,
        actor.pk if actor else None,
        " ".join(f"{key}={value}" for key, value in summary.as_dict().items()),
    )
    return summary


# --- their own cases ------------------------------------------------------------------------


def _erase_cases(contact: Contact, needles: Needles, actor: User | None) -> dict[str, int]:
    """Blank every free text of the person's cases, then close the open ones."""
    counts = dict.fromkeys(
        ("cases", "closed", "events", "steps", "escalations", "action_items", "suppressions"), 0
    )
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("suppression")
        .filter(contact=contact)
        .order_by("pk")
    )
    now = timezone.now()
    for case in cases:
        counts["cases"] += 1
        for step in CaseStep.objects.filter(case=case).exclude(result={}):
            CaseStep.objects.filter(pk=step.pk).update(result=blank_texts(step.result))
            counts["steps"] += 1
        counts["events"] += _blank_events(CaseEvent.objects.filter(case=case), needles, own=True)
        counts["escalations"] += Escalation.objects.filter(case=case).update(reason=ERASED)
        Escalation.objects.filter(case=case).exclude(resolution="").update(resolution=ERASED)
        Escalation.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=now)
        counts["action_items"] += ActionItem.objects.filter(case=case).update(text=ERASED)
        Note.objects.filter(case=case).update(body=ERASED)
        _erase_messages(CustomerMessage.objects.filter(case=case))
        if case.post_mortem:
            Case.objects.filter(pk=case.pk).update(post_mortem=ERASED)
            case.post_mortem = ERASED
        if case.status == CaseStatus.CLOSED:
            record_event(
                case=case,
                kind="contact_erased",
                actor=actor,
                message=say(gettext_noop("Contact erased: their personal data was removed.")),
            )
            continue
        CaseStep.objects.filter(case=case, status=StepStatus.TODO).update(
            status=StepStatus.SKIPPED, done_at=now
        )
        move_case(
            case=case,
            target=CaseStatus.CLOSED,
            actor=actor,
            message=say(gettext_noop("Contact erased: the case is closed.")),
            fields={"closed_at": now, "outcome": CaseOutcome.CONTACT_ERASED},
        )
        counts["closed"] += 1
        if case.suppression and lift_suppression(suppression=case.suppression):
            counts["suppressions"] += 1
            record_event(
                case=case,
                kind="suppression_lifted",
                message=say(gettext_noop("Surveys may reach the customer again.")),
            )
    return counts


def _erase_messages(messages) -> None:
    """The emails written to the person: address, subject and text go; one still queued is
    never sent."""
    messages.filter(status=MessageStatus.QUEUED).update(status=MessageStatus.REFUSED)
    messages.update(to_address=ERASED, subject=ERASED, body=ERASED, error="")


def _blank_events(events, needles: Needles, *, own: bool) -> int:
    """Blank the timeline entries that hold the person's words or details; on their own
    cases every free-text part, elsewhere the parts that name them."""
    changed = 0
    for event in events.only("pk", "message", "said", "details"):
        said = _erased_said(event.said, needles, own=own) if event.said else {}
        if said.get("msgid"):
            message = Said(msgid=said["msgid"], params=said.get("params", {})).english()
        else:
            message = scrub(event.message, needles)
        details = scrub(_blank_free_text(event.details) if own else event.details, needles)
        if (message, said, details) != (event.message, event.said, event.details):
            CaseEvent.objects.filter(pk=event.pk).update(
                message=message, said=said, details=details
            )
            changed += 1
    return changed


def _blank_free_text(value: Any) -> Any:
    """`value` with the strings under free-text keys (`FREE_TEXT_PARAMS`) blanked."""
    if isinstance(value, list):
        return [_blank_free_text(item) for item in value]
    if isinstance(value, dict):
        return {
            key: ERASED
            if key in FREE_TEXT_PARAMS and isinstance(item, str) and item
            else _blank_free_text(item)
            for key, item in value.items()
        }
    return value


def _erased_said(said: dict[str, Any], needles: Needles, *, own: bool) -> dict[str, Any]:
    params = {}
    for name, value in said.get("params", {}).items():
        if isinstance(value, dict) and "sentences" in value:
            value = {"sentences": [_erased_said(s, needles, own=own) for s in value["sentences"]]}
        elif isinstance(value, str) and own and name in FREE_TEXT_PARAMS:
            value = ERASED
        else:
            value = scrub(value, needles)
        params[name] = value
    return {**said, "params": params}


# --- what their colleagues' cases say of them ------------------------------------------------


def _scrub_colleagues_cases(contact: Contact, needles: Needles) -> dict[str, int]:
    """Other cases at the person's accounts: 360° snapshots list their answers and comments,
    timelines and plans may name them."""
    counts = dict.fromkeys(("events", "steps", "escalations", "action_items"), 0)
    account_ids = set(
        Response.objects.filter(contact=contact, account__isnull=False).values_list(
            "account_id", flat=True
        )
    )
    if contact.account_id is not None:
        account_ids.add(contact.account_id)
    if not account_ids or not needles:
        return counts
    cases = Case.objects.filter(account_id__in=account_ids).exclude(contact=contact)
    answer_ids = set(Response.objects.filter(contact=contact).values_list("pk", flat=True))
    for step in CaseStep.objects.filter(case__in=cases).exclude(result={}):
        result = _scrub_snapshot(step.result, answer_ids, needles)
        if result != step.result:
            CaseStep.objects.filter(pk=step.pk).update(result=result)
            counts["steps"] += 1
    counts["events"] = _blank_events(CaseEvent.objects.filter(case__in=cases), needles, own=False)
    for escalation in Escalation.objects.filter(case__in=cases):
        reason, resolution = (
            scrub(escalation.reason, needles),
            scrub(escalation.resolution, needles),
        )
        said = _erased_said(escalation.said, needles, own=False) if escalation.said else {}
        if (reason, resolution, said) != (
            escalation.reason,
            escalation.resolution,
            escalation.said,
        ):
            Escalation.objects.filter(pk=escalation.pk).update(
                reason=reason, resolution=resolution, said=said
            )
            counts["escalations"] += 1
    for item in ActionItem.objects.filter(case__in=cases):
        if needles.found_in(item.text):
            ActionItem.objects.filter(pk=item.pk).update(text=ERASED)
            counts["action_items"] += 1
    for case in cases.exclude(post_mortem="").only("pk", "post_mortem"):
        if needles.found_in(case.post_mortem):
            Case.objects.filter(pk=case.pk).update(post_mortem=ERASED)
    for message in CustomerMessage.objects.filter(case__in=cases).only("pk", "subject", "body"):
        if needles.found_in(message.subject) or needles.found_in(message.body):
            CustomerMessage.objects.filter(pk=message.pk).update(subject=ERASED, body=ERASED)
    # The team's notes on those cases and on the accounts themselves may name the person.
    for note in Note.objects.filter(Q(case__in=cases) | Q(account_id__in=account_ids)):
        if needles.found_in(note.body):
            Note.objects.filter(pk=note.pk).update(body=ERASED)
    return counts


def _scrub_snapshot(result: Any, answer_ids: set[int], needles: Needles) -> Any:
    """A 360° snapshot's entries for the erased person's answers lose who gave them and
    their comment (score and date stay); any other string naming them is blanked."""
    if isinstance(result, list):
        return [_scrub_snapshot(item, answer_ids, needles) for item in result]
    if not isinstance(result, dict):
        return scrub(result, needles)
    cleaned = {key: _scrub_snapshot(value, answer_ids, needles) for key, value in result.items()}
    theirs = ("same_contact" in cleaned and cleaned.get("id") in answer_ids) or any(
        isinstance(value, str) and needles.found_in(value) for value in result.values()
    )
    if theirs:  # an answer or an interaction of theirs: who, and what was said, go
        for key in ("contact", "comment", "summary"):
            if result.get(key):
                cleaned[key] = ERASED
    return cleaned
