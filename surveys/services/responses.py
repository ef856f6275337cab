"""`record_response`: the one way an answer enters NPS Loop."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact
from surveys.models import Campaign, Response, Source
from surveys.signals import contact_matched, response_recorded, response_updated

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 10_000
# Clocks of other systems drift; an answer a few minutes "in the future" is not an error.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class RecordedResponse:
    response: Response
    created: bool


@dataclass(frozen=True)
class CleanAnswer:
    """An answer's input once checked and normalised, as `record_response` stores it."""

    source: str
    external_id: str
    email: str
    score: int
    comment: str
    answered_at: dt.datetime
    account_external_id: str
    contact_name: str
    language: str


def record_response(
    *,
    source: str,
    external_id: str,
    email: str,
    score: int | str,
    comment: str | None = "",
    answered_at: dt.datetime | None = None,
    account_external_id: str | None = "",
    contact_name: str | None = "",
    language: str | None = "",
    campaign: Campaign | None = None,
    payload: Any = None,
    update_existing: bool = False,
) -> RecordedResponse:
    """Validate and store one answer, idempotently on (source, external_id).

    The contact is found by email (case-insensitive) or created, under the
    account named by `account_external_id`, else under the one account whose
    email domain matches. An answer that matches no account is stored
    unmatched, never dropped. A repeated external id returns the stored answer
    and creates nothing; with `update_existing` it also takes the new score,
    comment and language (survey tools that deliver a comment later).

    Raises `ValidationError` with a message per field when the input is wrong.
    """
    answer = validate_response(
        source=source,
        external_id=external_id,
        email=email,
        score=score,
        comment=comment,
        answered_at=answered_at,
        account_external_id=account_external_id,
        contact_name=contact_name,
        language=language,
    )
    with transaction.atomic():
        existing = _existing(answer)
        if existing is not None:
            if update_existing:
                _amend(existing, answer, payload)
            return RecordedResponse(response=existing, created=False)

        contact = _contact_for(answer)
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    contact=contact,
                    account=contact.account,
                    campaign=campaign,
                    score=answer.score,
                    comment=answer.comment,
                    answered_at=answer.answered_at,
                    source=answer.source,
                    external_id=answer.external_id,
                    language=answer.language or contact.language,
                    payload=payload,
                )
        except IntegrityError:
            # Another delivery of the same answer committed first: it wins.
            existing = _existing(answer)
            if existing is None:
                raise
            if update_existing:  # e.g. the comment that came late, racing its first delivery
                _amend(existing, answer, payload)
            return RecordedResponse(response=existing, created=False)

        logger.info(
            "response recorded id=%s source=%s external_id=%s matched=%s",
            response.pk,
            response.source,
            response.external_id,
            response.account_id is not None,
        )
        response_recorded.send(sender=Response, response=response)
        return RecordedResponse(response=response, created=True)


def validate_response(
    *,
    source: str,
    external_id: str,
    email: str,
    score: int | str,
    comment: str | None = "",
    answered_at: dt.datetime | None = None,
    account_external_id: str | None = "",
    contact_name: str | None = "",
    language: str | None = "",
) -> CleanAnswer:
    """Check an answer exactly as `record_response` would, without touching the database.

    Returns the normalised values; raises `ValidationError` with a message per field.
    Imports call it on every row before they record any.
    """
    return _clean(
        source=source,
        external_id=external_id,
        email=email,
        score=score,
        comment=comment,
        answered_at=answered_at,
        account_external_id=account_external_id,
        contact_name=contact_name,
        language=language,
    )


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
        Contact.objects.filter(pk=contact.pk).update(
            opted_out=True, opted_out_at=now, updated_at=now
        )
        contact.opted_out, contact.opted_out_at = True, now
    return contact


# --- validation -----------------------------------------------------------------


def _clean(**raw: Any) -> CleanAnswer:
    errors: dict[str, list[str]] = {}

    source = raw["source"]
    if source not in Source.values:
        errors["source"] = [f"Unknown source '{source}'."]

    external_id = str(raw["external_id"] or "").strip()
    if not external_id:
        errors["external_id"] = ["This field is required: the answer's id in the sending system."]
    elif len(external_id) > 200:
        errors["external_id"] = ["At most 200 characters."]

    email = str(raw["email"] or "").strip().lower()
    if not email:
        errors["email"] = ["This field is required: the email of the person who answered."]
    else:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [f"'{raw['email']}' is not a valid email address."]

    score = _clean_score(raw["score"], errors)

    comment = str(raw["comment"] or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = [f"At most {MAX_COMMENT_LENGTH} characters."]

    answered_at = raw["answered_at"] or timezone.now()
    if not isinstance(answered_at, dt.datetime):
        errors["answered_at"] = ["Expected a date and time."]
    else:
        if timezone.is_naive(answered_at):
            answered_at = timezone.make_aware(answered_at, dt.UTC)
        if answered_at > timezone.now() + FUTURE_TOLERANCE:
            errors["answered_at"] = ["The answer date is in the future."]

    account_external_id = str(raw["account_external_id"] or "").strip()
    if len(account_external_id) > 100:
        errors["account_external_id"] = ["At most 100 characters."]

    contact_name = str(raw["contact_name"] or "").strip()
    if len(contact_name) > 200:
        errors["contact_name"] = ["At most 200 characters."]

    language = str(raw["language"] or "").strip().lower().replace("_", "-").split("-")[0]
    if language and not (language.isalpha() and 2 <= len(language) <= 3):
        errors["language"] = [f"'{raw['language']}' is not a language code such as 'en' or 'fr'."]

    if errors:
        raise ValidationError(errors)
    return CleanAnswer(
        source=source,
        external_id=external_id,
        email=email,
        score=score,  # type: ignore[arg-type]
        comment=comment,
        answered_at=answered_at,
        account_external_id=account_external_id,
        contact_name=contact_name,
        language=language,
    )


def _clean_score(value: Any, errors: dict[str, list[str]]) -> int | None:
    message = "The score must be a whole number from 0 to 10."
    if value is None or value == "" or isinstance(value, bool):
        errors["score"] = ["This field is required. " + message]
        return None
    if isinstance(value, float):
        if not value.is_integer():
            errors["score"] = [message]
            return None
        value = int(value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            errors["score"] = [message]
            return None
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= 10:
        errors["score"] = [message]
        return None
    return value


# --- matching ---------------------------------------------------------------------


def _existing(answer: CleanAnswer) -> Response | None:
    return (
        Response.objects.select_related("contact", "account")
        .filter(source=answer.source, external_id=answer.external_id)
        .first()
    )


def _amend(response: Response, answer: CleanAnswer, payload: Any) -> None:
    changed = []
    for field in ("score", "comment", "language"):
        new = getattr(answer, field)
        if new not in ("", None) and getattr(response, field) != new:
            setattr(response, field, new)
            changed.append(field)
    if not changed:
        return
    if payload is not None:
        response.payload = payload
        changed.append("payload")
    response.save(update_fields=[*changed, "updated_at"])
    response.refresh_from_db(fields=["category"])
    response_updated.send(sender=Response, response=response, fields=changed)


def _find_contact(email: str) -> Contact | None:
    return (
        Contact.objects.select_related("account")
        .alias(email_ci=Lower("email"))
        .filter(email_ci=email)
        .first()
    )


def _contact_for(answer: CleanAnswer) -> Contact:
    contact = _find_contact(answer.email)
    if contact is not None:
        _complete_contact(contact, answer)
        return contact
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


def _complete_contact(contact: Contact, answer: CleanAnswer) -> None:
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


def _matching_account(answer: CleanAnswer) -> Account | None:
    if answer.account_external_id:
        account = Account.objects.filter(external_id=answer.account_external_id).first()
        if account is not None:
            return account
    domain = answer.email.rsplit("@", 1)[-1]
    account_ids = list(
        AccountDomain.objects.filter(domain=domain).values_list("account_id", flat=True)[:2]
    )
    if len(account_ids) == 1:
        return Account.objects.get(pk=account_ids[0])
    return None
