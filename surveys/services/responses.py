"""`record_response`: the one way an answer enters NPS Loop."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    ERASED_EMAIL_DOMAIN,
    Account,
    AccountDomain,
    Contact,
    ErasedAddress,
    Influence,
    Persona,
    address_hash,
)
from surveys.answers import AnswerIn, clean_answer
from surveys.models import Campaign, Response
from surveys.signals import contact_matched, response_recorded, response_updated

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)


class AddressErased(ValidationError):
    """The answer is from someone erased at their request: NPS Loop stores nothing of them."""

    def __init__(self) -> None:
        super().__init__(
            {
                "email": [
                    _(
                        "This person was erased from NPS Loop at their request (GDPR): "
                        "their answers are not stored. Stop surveying them."
                    )
                ]
            },
        )


@dataclass(frozen=True)
class RecordedResponse:
    """What recording a delivery did: `created` a new answer; else `changed` the fields a
    correction changed (none for a repeat), or nothing because it was `stale`."""

    response: Response
    created: bool
    changed: tuple[str, ...] = ()
    stale: bool = False


# What a later delivery of the same answer may correct.
CORRECTABLE_FIELDS = ("score", "comment", "language")


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
    recorded = _store_in_one_statement(answer)
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


# One statement (one round trip; its own transaction outside an atomic block) for what most
# deliveries are: a new answer, with its contact when it is a new person; or an answer
# stored before, returned with its contact's email and account's id to tell a repeat or a
# stale delivery, which change nothing. It writes only when nothing needs the full path:
# the answer is not stored yet, the address was not erased, and a known contact needs
# nothing filled in (a name, a language, an account to join).
_ONE_STATEMENT = """
WITH stored AS (
    SELECT {stored_columns}, c.email AS contact_email, a.external_id AS account_external_id
    FROM {response} r JOIN {contact} c ON c.id = r.contact_id
    LEFT JOIN {account} a ON a.id = r.account_id
    WHERE r.source = %(source)s::text AND r.external_id = %(external_id)s::text
), erased AS (
    SELECT 1 FROM {erased} WHERE address_hash = %(address_hash)s::text
), go AS (
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM stored) AND NOT EXISTS (SELECT 1 FROM erased)
), known AS (
    SELECT id, email, account_id, language, name FROM {contact} WHERE lower(email) = %(email)s::text
), matched AS (
    SELECT coalesce(
        (SELECT id FROM {account}
         WHERE %(account_external_id)s::text <> ''
           AND external_id = %(account_external_id)s::text),
        (SELECT min(account_id) FROM {domain} WHERE domain = %(domain)s::text HAVING count(*) = 1)
    ) AS account_id
), new_contact AS (
    INSERT INTO {contact} (email, name, language, account_id, title, persona, influence,
        phone, external_id, opted_out, created_at, updated_at)
    SELECT %(email)s::text, %(contact_name)s::text, %(language)s::text, matched.account_id, '',
        %(persona)s::text, %(influence)s::text, '', '', false, %(now)s::timestamptz,
        %(now)s::timestamptz
    FROM matched, go WHERE NOT EXISTS (SELECT 1 FROM known)
    ON CONFLICT DO NOTHING
    RETURNING id, email, account_id, language
), contact AS (
    SELECT k.id, k.email, k.account_id, k.language FROM known k, matched m, go
    WHERE (k.account_id IS NOT NULL OR m.account_id IS NULL)
      AND (k.name <> '' OR %(contact_name)s::text = '')
      AND (k.language <> '' OR %(language)s::text = '')
    UNION ALL
    SELECT id, email, account_id, language FROM new_contact
), inserted AS (
    INSERT INTO {response} (contact_id, account_id, campaign_id, score, comment, answered_at,
        source, external_id, language, payload, source_updated_at, created_at, updated_at)
    SELECT id, account_id, %(campaign_id)s::bigint, %(score)s::smallint, %(comment)s::text,
        %(answered_at)s::timestamptz, %(source)s::text, %(external_id)s::text,
        coalesce(nullif(%(language)s::text, ''), language), %(payload)s::jsonb,
        %(updated_at)s::timestamptz, %(now)s::timestamptz, %(now)s::timestamptz
    FROM contact
    ON CONFLICT (source, external_id) DO NOTHING
    RETURNING id, contact_id, account_id, category, language
)
SELECT EXISTS (SELECT 1 FROM erased), i.id, i.category, i.language, i.contact_id, c.email,
    c.language, i.account_id, a.external_id, s.*
FROM (SELECT 1) AS one
LEFT JOIN inserted i ON true
LEFT JOIN contact c ON c.id = i.contact_id
LEFT JOIN {account} a ON a.id = i.account_id
LEFT JOIN stored s ON true
"""
# The stored answer's columns the statement reads back: all but the payload, which is
# loaded only if something asks for it.
_STORED_FIELDS = [field for field in Response._meta.concrete_fields if field.name != "payload"]


def _store_in_one_statement(answer: AnswerIn) -> RecordedResponse | None:
    """Store a new answer, or recognise a repeat or a stale delivery, in one statement;
    None when the delivery needs the full path (`_store`): a correction, a known contact
    to complete, or a race with another delivery of the same answer."""
    now = timezone.now()
    row = _fetch_one_planned_once(_one_statement(), _statement_params(answer, now))
    erased, pk, category, language, contact_id, email, contact_language, account_id, *rest = row
    account_external_id, stored = rest[0], rest[1:]
    if erased:
        raise AddressErased()
    if pk is not None:
        response = _new_response(answer, now, pk=pk, category=category, language=language)
        response.contact = _as_read(
            Contact, id=contact_id, email=email, account_id=account_id, language=contact_language
        )
        _attach_account(response, account_id, account_external_id, with_contact=True)
        logger.info(
            "response recorded id=%s source=%s external_id=%s matched=%s",
            response.pk,
            response.source,
            response.external_id,
            account_id is not None,
        )
        response_recorded.send(sender=Response, response=response)
        return RecordedResponse(response=response, created=True)
    if stored[0] is None:  # not stored, yet not stored now: the full path says why
        return None
    *columns, stored_email, stored_account_external_id = stored
    response = Response.from_db("default", [f.attname for f in _STORED_FIELDS], columns)
    changes = planned_correction(response, answer)
    if changes:
        return None  # a correction: applied with the row locked, and its case re-routed
    response.contact = Contact.from_db(
        "default", ["id", "email"], [response.contact_id, stored_email]
    )
    _attach_account(response, response.account_id, stored_account_external_id)
    if changes is None:
        logger.info(
            "stale delivery ignored id=%s source=%s delivered=%s stored=%s",
            response.pk,
            response.source,
            answer.updated_at.isoformat(),
            response.source_updated_at.isoformat(),
        )
    return RecordedResponse(response=response, created=False, stale=changes is None)


def _fetch_one_planned_once(sql: str, params: dict[str, object]) -> tuple:
    """Run `sql` through a cursor that binds its parameters on the server, and return its
    row: the statement is prepared (parsed and planned once per connection, see
    `prepare_threshold` in the settings) rather than planned again for every answer.
    Django's own cursors bind on the client and never prepare."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as raw:
        if not connection.queries_logged:
            cursor = connection.make_cursor(raw)
            cursor.execute(sql, params)
            return cursor.fetchone()
        logged = len(connection.queries_log)
        cursor = connection.make_debug_cursor(raw)
        cursor.execute(sql, params)
        # A prepared statement's cursor keeps no text of it: the log shows the statement.
        for entry in list(connection.queries_log)[logged:]:
            entry["sql"] = entry["sql"] or connection.ops.compose_sql(sql, params)
        return cursor.fetchone()


def _one_statement() -> str:
    return _ONE_STATEMENT.format(
        response=Response._meta.db_table,
        erased=ErasedAddress._meta.db_table,
        contact=Contact._meta.db_table,
        account=Account._meta.db_table,
        domain=AccountDomain._meta.db_table,
        stored_columns=", ".join(f"r.{field.column}" for field in _STORED_FIELDS),
    )


def _statement_params(answer: AnswerIn, now) -> dict[str, object]:
    return {
        "source": answer.source,
        "external_id": answer.external_id,
        "address_hash": address_hash(answer.email),
        "email": answer.email,
        "account_external_id": answer.account_external_id,
        "domain": answer.email.rsplit("@", 1)[-1],
        "contact_name": answer.contact_name,
        "language": answer.language,
        "persona": Persona.OTHER,
        "influence": Influence.MEDIUM,
        "now": now,
        "campaign_id": answer.campaign.pk if answer.campaign else None,
        "score": answer.score,
        "comment": answer.comment,
        "answered_at": answer.answered_at,
        "payload": None if answer.payload is None else json.dumps(answer.payload),
        "updated_at": answer.updated_at,
    }


def _new_response(answer: AnswerIn, now, *, pk: int, category: str, language: str) -> Response:
    """The answer just inserted, as read from the database."""
    response = Response(
        pk=pk,
        campaign=answer.campaign,
        score=answer.score,
        comment=answer.comment,
        answered_at=answer.answered_at,
        source=answer.source,
        external_id=answer.external_id,
        language=language,
        payload=answer.payload,
        source_updated_at=answer.updated_at,
        created_at=now,
        updated_at=now,
    )
    response.category = category
    response._state.adding, response._state.db = False, "default"
    return response


def _as_read(model, **values):
    """A row of `model` as read from the database with only these columns; the others are
    deferred: read from the database if something asks for them."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db("default", names, [values[name] for name in names])


def _attach_account(
    response: Response,
    account_id: int | None,
    external_id: str | None,
    *,
    with_contact: bool = False,
) -> None:
    """The answer's account (and, `with_contact`, its contact's: the same), with the id and
    CRM id that were read; its other columns load if something asks for them."""
    account = (
        None if account_id is None else _as_read(Account, id=account_id, external_id=external_id)
    )
    response.account = account
    if with_contact:
        response.contact.account = account


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
        Contact.objects.filter(pk=contact.pk).update(
            opted_out=True, opted_out_at=now, updated_at=now
        )
        contact.opted_out, contact.opted_out_at = True, now
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


def planned_correction(response: Response, answer: AnswerIn) -> dict[str, object] | None:
    """What a later delivery of a stored answer would change: the new value per field ({}
    for a repeat), or None when it is stale (older at the source than what is stored)."""
    stored_at = response.source_updated_at
    if stored_at is not None and answer.updated_at < stored_at:
        return None
    # Two versions stamped at the same instant: only what the stored one lacks is taken,
    # so that either order of arrival ends the same.
    same_instant = stored_at is not None and answer.updated_at == stored_at
    changes: dict[str, object] = {}
    for field in CORRECTABLE_FIELDS:
        new, old = getattr(answer, field), getattr(response, field)
        if new in ("", None) or new == old:
            continue
        if same_instant and old not in ("", None):
            continue
        changes[field] = new
    return changes


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
