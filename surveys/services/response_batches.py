"""`record_responses`: many answers at once (the bulk API), as `record_response` would
record them one by one, at the cost of a handful of queries for the whole batch.

Every answer is checked in Python (`clean_answer`); then one query each finds the erased
addresses, the answers already stored, the contacts by email and the accounts the new
contacts belong to (by `account_external_id`, else by the email's domain). The new
contacts and the new answers are inserted in bulk, in one transaction, and the engine is
told of the new answers in batches once it commits. What is rare goes through
`record_response` one by one, after: corrections (so that their cases are re-routed), an
answer stored meanwhile by a concurrent delivery, and the later deliveries of an answer
sent twice in the same batch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import ERASED_EMAIL_DOMAIN, Account, AccountDomain, Contact, ErasedAddress
from surveys.answers import AnswerIn, clean_answer
from surveys.models import Response
from surveys.services.recorded import AddressErased, RecordedResponse, planned_correction
from surveys.services.responses import assign_account_to_contact, record_response
from surveys.signals import response_batch_recorded

logger = logging.getLogger(__name__)

# What each answer of a batch became: recorded, or why not (a message per field, or erased).
Outcome = RecordedResponse | ValidationError


@dataclass
class _Plan:
    """The answers of a batch on their way: outcomes known so far, and what is left."""

    outcomes: list[Outcome | None]
    # index -> the clean answer, for answers that are new (first delivery, not stored)
    new: dict[int, AnswerIn]
    # indexes recorded one by one through `record_response`, in order, after the rest
    one_by_one: list[int]
    cleaned: dict[int, AnswerIn]


def record_responses(*, answers: Sequence[AnswerIn]) -> list[Outcome]:
    """Record `answers` in order, each as `record_response` would: an outcome per answer,
    a `RecordedResponse` or the `ValidationError` (`AddressErased` for an erased person)
    that refused it. One refused answer does not stop the others."""
    plan = _plan(answers)
    created = _store_new(plan) if plan.new else []
    if created:
        logger.info(
            "responses recorded in bulk count=%s first_id=%s last_id=%s",
            len(created),
            created[0],
            created[-1],
        )
    for index in sorted(plan.one_by_one):
        try:
            plan.outcomes[index] = record_response(answer=plan.cleaned[index])
        except ValidationError as error:
            plan.outcomes[index] = error
    return plan.outcomes  # type: ignore[return-value]  # every place is filled by now


def _plan(answers: Sequence[AnswerIn]) -> _Plan:
    """Check every answer, and sort them: refused, unchanged, new, or one by one."""
    outcomes: list[Outcome | None] = [None] * len(answers)
    cleaned: dict[int, AnswerIn] = {}
    for index, answer in enumerate(answers):
        try:
            cleaned[index] = clean_answer(answer)
        except ValidationError as error:
            outcomes[index] = error
    erased = ErasedAddress.objects.among(answer.email for answer in cleaned.values())
    for index, answer in list(cleaned.items()):
        if answer.email in erased or answer.email.endswith(f"@{ERASED_EMAIL_DOMAIN}"):
            outcomes[index] = AddressErased()
            del cleaned[index]

    first: dict[tuple[str, str], int] = {}
    one_by_one: list[int] = []
    for index, answer in cleaned.items():
        key = (answer.source, answer.external_id)
        if key in first:  # sent twice in the batch: recorded after the first delivery
            one_by_one.append(index)
        else:
            first[key] = index
    stored = _stored(first)
    new: dict[int, AnswerIn] = {}
    for key, index in first.items():
        answer, response = cleaned[index], stored.get(key)
        if response is None:
            new[index] = answer
            continue
        changes = planned_correction(response, answer)
        if changes:  # a correction: its case may need re-routing
            one_by_one.append(index)
        else:
            stale = changes is None
            outcomes[index] = RecordedResponse(response=response, created=False, stale=stale)
    return _Plan(outcomes=outcomes, new=new, one_by_one=one_by_one, cleaned=cleaned)


def _stored(keys: dict[tuple[str, str], int]) -> dict[tuple[str, str], Response]:
    """The answers already stored among (source, external_id) `keys`, one query a source."""
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    stored = {}
    for source, external_ids in by_source.items():
        for response in Response.objects.select_related("contact", "account").filter(
            source=source, external_id__in=external_ids
        ):
            stored[(response.source, response.external_id)] = response
    return stored


def _store_new(plan: _Plan) -> list[int]:
    """Insert the new answers, and the contacts they need, in one transaction; returns the
    ids of the answers stored. One that a concurrent delivery stored first is left to
    `record_response` (a repeat or a correction of it)."""
    new = plan.new
    with transaction.atomic():
        contacts = _contacts_for(new.values())
        rows = _insert_answers(new, contacts)
        for index, answer in new.items():
            row = rows.get((answer.source, answer.external_id))
            if row is None:
                plan.one_by_one.append(index)
                continue
            contact = contacts[answer.email]
            response = Response(
                pk=row["id"],
                contact=contact,
                account=contact.account,
                campaign=answer.campaign,
                score=answer.score,
                comment=answer.comment,
                answered_at=answer.answered_at,
                source_updated_at=answer.updated_at,
                source=answer.source,
                external_id=answer.external_id,
                language=row["language"],
                payload=answer.payload,
                created_at=row["created_at"],
                updated_at=row["created_at"],
            )
            response.category = row["category"]
            response._state.adding = False
            plan.outcomes[index] = RecordedResponse(response=response, created=True)
        created = sorted(row["id"] for row in rows.values())
        if created:
            response_batch_recorded.send(sender=Response, response_ids=created)
    return created


def _contacts_for(answers: Iterable[AnswerIn]) -> dict[str, Contact]:
    """The contact of each address (lower case), found or created as `record_response`
    would one answer after the other: a new contact takes the first name, language and
    account its answers give; an existing one gets only what it lacks (an unmatched one
    joins the account, and its earlier answers follow)."""
    answers = list(answers)
    emails = {answer.email for answer in answers}
    contacts = _contacts_by_email(emails)
    accounts = _matching_accounts(answers)
    wanted: dict[str, dict[str, object]] = {}
    for answer in answers:
        fill = wanted.setdefault(answer.email, {"name": "", "language": "", "account": None})
        fill["name"] = fill["name"] or answer.contact_name
        fill["language"] = fill["language"] or answer.language
        fill["account"] = fill["account"] or accounts.get((answer.source, answer.external_id))

    missing = [email for email in emails if email not in contacts]
    if missing:
        Contact.objects.bulk_create(
            [
                Contact(
                    email=email,
                    name=wanted[email]["name"],
                    language=wanted[email]["language"],
                    account=wanted[email]["account"],
                )
                for email in sorted(missing)
            ],
            ignore_conflicts=True,  # created meanwhile by a concurrent delivery: found below
        )
        contacts.update(_contacts_by_email(set(missing)))

    for email, contact in contacts.items():
        if email in missing:
            continue
        fill = wanted[email]
        if contact.account_id is None and fill["account"] is not None:
            assign_account_to_contact(contact=contact, account=fill["account"])
        updates = [
            field for field in ("name", "language") if not getattr(contact, field) and fill[field]
        ]
        for field in updates:
            setattr(contact, field, fill[field])
        if updates:
            contact.save(update_fields=[*updates, "updated_at"])
    return contacts


def _contacts_by_email(emails: set[str]) -> dict[str, Contact]:
    found = (
        Contact.objects.select_related("account")
        .annotate(email_ci=Lower("email"))
        .filter(email_ci__in=emails)
    )
    return {contact.email_ci: contact for contact in found}


def _matching_accounts(answers: list[AnswerIn]) -> dict[tuple[str, str], Account]:
    """The account each answer names by `account_external_id`, else the one account owning
    its email's domain, by (source, external_id); two queries for the whole batch."""
    named = Account.objects.in_bulk(
        {answer.account_external_id for answer in answers if answer.account_external_id},
        field_name="external_id",
    )
    owners: dict[str, list[Account]] = {}
    domains = {answer.email.rsplit("@", 1)[-1] for answer in answers}
    for link in AccountDomain.objects.select_related("account").filter(domain__in=domains):
        owners.setdefault(link.domain, []).append(link.account)
    matches = {}
    for answer in answers:
        account = named.get(answer.account_external_id)
        if account is None:
            candidates = owners.get(answer.email.rsplit("@", 1)[-1], [])
            account = candidates[0] if len(candidates) == 1 else None
        if account is not None:
            matches[(answer.source, answer.external_id)] = account
    return matches


def _insert_answers(
    new: dict[int, AnswerIn], contacts: dict[str, Contact]
) -> dict[tuple[str, str], dict]:
    """INSERT the new answers in one statement; an answer a concurrent delivery stored
    first is skipped (ON CONFLICT DO NOTHING). Returns what was stored, by (source, id)."""
    now = timezone.now()
    rows, params = [], []
    for answer in new.values():
        contact = contacts[answer.email]
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s)")
        params += [
            contact.pk,
            contact.account_id,
            answer.campaign.pk if answer.campaign else None,
            answer.score,
            answer.comment,
            answer.answered_at,
            answer.source,
            answer.external_id,
            answer.language or contact.language,
            None if answer.payload is None else json.dumps(answer.payload),
            answer.updated_at,
            now,
            now,
        ]
    table = Response._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (contact_id, account_id, campaign_id, score, comment,
                    answered_at, source, external_id, language, payload, source_updated_at,
                    created_at, updated_at)
                VALUES {", ".join(rows)}
                ON CONFLICT (source, external_id) DO NOTHING
                RETURNING id, source, external_id, category, language, created_at""",  # noqa: S608
            params,
        )
        return {
            (source, external_id): {
                "id": pk,
                "category": category,
                "language": language,
                "created_at": created_at,
            }
            for pk, source, external_id, category, language, created_at in cursor.fetchall()
        }
