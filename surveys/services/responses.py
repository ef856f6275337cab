"""`record_response`: the one way an answer enters NPS Loop."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Exists
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import (
    ERASED_EMAIL_DOMAIN,
    Account,
    AccountDomain,
    Contact,
    ErasedAddress,
    address_hash,
)
from surveys.answers import AnswerIn, clean_answer
from surveys.models import Campaign, Response
from surveys.services.announcements import announce_opted_out
from surveys.services.answer_statement import store_in_one_statement
from surveys.services.recorded import AddressErased, RecordedResponse, planned_correction
from surveys.signals import contact_matched, response_recorded, response_updated

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)


def record_response(*, answer: AnswerIn) -> RecordedResponse:
    """Check and store one answer, idempotently on (source, external_id).

    The contact is found by email (case-insensitive) or created, under the
    account named by `account_external_id`, else under the one account whose
    email domain matches. An answer that matches no account is stored
    unmatched, never dropped.

    A delivery of an answer already stored is:
    - stale, and changes nothing, when the source changed it before the stored
      version (`answer.updated_at` older than `source_updated_at`);
    - a repeat, and changes nothing, when it says what is stored;
    - a correction otherwise: the stored answer takes its score, comment and
      language (an empty comment or language leaves the stored one), and
      `response_updated` tells the playbooks, which re-route its case.
    Deliveries of one answer serialise on its row, so that replays in any order
    end with the newest version.

    Raises `ValidationError` with a message per field when the input is wrong, and
    `AddressErased` (one) for an address whose person was erased at their request: they
    are never stored again, not even an answer already stored being amended.
    """
    answer = clean_answer(answer)
    if answer.email.endswith(f"@{ERASED_EMAIL_DOMAIN}"):
        raise AddressErased()
    recorded = store_in_one_statement(answer)
    if recorded is not None:
        return recorded
    try:
        return _store(answer)
    except IntegrityError:
        # Another delivery of the same answer committed first: this one corrects it, or is
        # a repeat or stale, like any later delivery. The whole transaction is tried again
        # rather than the insert guarded by a savepoint, which would cost every answer two
        # more round trips to the database; a second failure is not that race and raises.
        return _store(answer)


def _store(answer: AnswerIn) -> RecordedResponse:
    """Correct the stored answer, or store a new one and tell the playbooks.

    Whether the address was erased comes with the first row found (the stored answer, or
    the contact), a round trip fewer for most answers; nothing is written before."""
    with transaction.atomic():
        existing = _existing(answer)
        if existing is not None:
            if existing.address_erased:
                raise AddressErased()
            return _correct(existing, answer)

        contact = _contact_for(answer)
        response = Response.objects.create(
            contact=contact,
            account=contact.account,
            campaign=answer.campaign,
            score=answer.score,
            comment=answer.comment,
            answered_at=answer.answered_at,
            source_updated_at=answer.updated_at,
            source=answer.source,
            external_id=answer.external_id,
            language=answer.language or contact.language,
            payload=answer.payload,
        )
        logger.info(
            "response recorded id=%s source=%s external_id=%s matched=%s",
            response.pk,
            response.source,
            response.external_id,
            response.account_id is not None,
        )
        response_recorded.send(sender=Response, response=response)
        return RecordedResponse(response=response, created=True)


def assign_account_to_contact(
    *, contact: Contact, account: Account, actor: User | None = None
) -> int:
    """Attach an unmatched contact to an account; its unmatched answers follow.

    Returns how many answers were matched by it. `actor` is the person who matched
    it, None when a later answer matched it automatically.
    """
    with transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(account=account, updated_at=timezone.now())
        contact.account = account
        return answers_follow_contact(contact=contact, account=account, actor=actor)


def answers_follow_contact(*, contact: Contact, account: Account, actor: User | None) -> int:
    """Give the contact's answers that wait for an account this one (the contact has it
    now); their cases follow through `contact_matched`. Returns how many answers moved."""
    with transaction.atomic():
        answers = Response.objects.select_for_update().filter(contact=contact, account__isnull=True)
        response_ids = list(answers.values_list("pk", flat=True))
        Response.objects.filter(pk__in=response_ids).update(
            account=account, updated_at=timezone.now()
        )
        contact_matched.send(
            sender=Contact,
            contact=contact,
            account=account,
            response_ids=response_ids,
            actor=actor,
        )
        return len(response_ids)


def correct_answer_origin(
    *, response: Response, campaign: Campaign | None, language: str
) -> Response:
    """Correct which campaign an answer came from and its language; what it says (score,
    comment, date) is never changed here."""
    response.campaign, response.language = campaign, language
    response.full_clean(exclude=["contact", "account", "themes"])
    response.save(update_fields=["campaign", "language", "updated_at"])
    return response


@transaction.atomic
def delete_response(*, response: Response) -> None:
    """Delete an answer, with its themes. One a case was opened for stays, for the case:
    the database refuses it (ProtectedError)."""
    response.delete()


def opt_out_contact(*, email: str) -> Contact | None:
    """Mark the contact with this email as opted out of surveys; None if unknown."""
    contact = _find_contact(email.strip().lower())
    if contact is None:
        return None
    if not contact.opted_out:
        now = timezone.now()
        with transaction.atomic():
            Contact.objects.filter(pk=contact.pk).update(
                opted_out=True, opted_out_at=now, updated_at=now
            )
            contact.opted_out, contact.opted_out_at = True, now
            announce_opted_out(contact=contact)
    return contact


# --- matching ---------------------------------------------------------------------


def _existing(answer: AnswerIn) -> Response | None:
    """The stored answer, its row locked until the transaction ends, with `address_erased`
    (whether the delivery's address belongs to someone erased)."""
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("contact", "account")
        .annotate(address_erased=_erased(answer.email))
        .filter(source=answer.source, external_id=answer.external_id)
        .first()
    )


def _erased(email: str) -> Exists:
    return Exists(ErasedAddress.objects.filter(address_hash=address_hash(email)))


def _correct(response: Response, answer: AnswerIn) -> RecordedResponse:
    """Apply a later delivery of a stored answer, unless it is stale or a repeat."""
    changes = planned_correction(response, answer)
    if changes is None:
        logger.info(
            "stale delivery ignored id=%s source=%s delivered=%s stored=%s",
            response.pk,
            response.source,
            answer.updated_at.isoformat(),
            response.source_updated_at.isoformat(),
        )
        return RecordedResponse(response=response, created=False, stale=True)
    if not changes:  # a repeat: nothing changes, not even when it was last seen
        return RecordedResponse(response=response, created=False)
    previous: dict[str, object] = {}
    for field, new in changes.items():
        old = getattr(response, field)
        previous[field] = old[:500] if isinstance(old, str) else old
        setattr(response, field, new)
    changed = list(changes)
    response.source_updated_at = answer.updated_at  # not older: not stale
    if answer.payload is not None:
        response.payload = answer.payload
    response.save(update_fields=[*changed, "source_updated_at", "payload", "updated_at"])
    response.refresh_from_db(fields=["category"])
    logger.info(
        "response corrected id=%s source=%s fields=%s",
        response.pk,
        response.source,
        ",".join(changed),
    )
    response_updated.send(sender=Response, response=response, fields=changed, previous=previous)
    return RecordedResponse(response=response, created=False, changed=tuple(changed))


def _find_contact(email: str) -> Contact | None:
    return (
        Contact.objects.select_related("account")
        .alias(email_ci=Lower("email"))
        .filter(email_ci=email)
        .first()
    )


def _contact_for(answer: AnswerIn) -> Contact:
    """The answer's contact, found or created; `AddressErased` for an erased person's."""
    contact = (
        Contact.objects.select_related("account")
        .alias(email_ci=Lower("email"))
        .annotate(address_erased=_erased(answer.email))
        .filter(email_ci=answer.email)
        .first()
    )
    if contact is not None:
        if contact.address_erased:
            raise AddressErased()
        _complete_contact(contact, answer)
        return contact
    if ErasedAddress.objects.holds(answer.email):
        raise AddressErased()
    try:
        with transaction.atomic():
            contact = Contact(
                email=answer.email,
                name=answer.contact_name,
                language=answer.language,
                account=_matching_account(answer),
            )
            contact.save()
            return contact
    except IntegrityError:
        # Created meanwhile by a concurrent delivery for the same person.
        contact = _find_contact(answer.email)
        if contact is None:
            raise
        return contact


def _complete_contact(contact: Contact, answer: AnswerIn) -> None:
    """Fill what an existing contact lacks; never overwrite CRM data."""
    if contact.account_id is None:
        account = _matching_account(answer)
        if account is not None:
            assign_account_to_contact(contact=contact, account=account)
    updates = []
    if not contact.name and answer.contact_name:
        contact.name = answer.contact_name
        updates.append("name")
    if not contact.language and answer.language:
        contact.language = answer.language
        updates.append("language")
    if updates:
        contact.save(update_fields=[*updates, "updated_at"])


def _matching_account(answer: AnswerIn) -> Account | None:
    if answer.account_external_id:
        account = Account.objects.filter(external_id=answer.account_external_id).first()
        if account is not None:
            return account
    domain = answer.email.rsplit("@", 1)[-1]
    # The account comes with its domain: one query, not two.
    domains = list(AccountDomain.objects.filter(domain=domain).select_related("account")[:2])
    if len(domains) == 1:
        return domains[0].account
    return None
