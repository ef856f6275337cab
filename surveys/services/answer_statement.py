"""A new answer stored, or a repeat recognised, in one statement: what most deliveries
are, at the cost of one round trip to PostgreSQL (`record_response` tries it first)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import psycopg
from django.db import connection
from django.utils import timezone

from accounts.models import (
    Account,
    AccountDomain,
    Contact,
    ErasedAddress,
    Influence,
    Persona,
    address_hash,
)
from surveys.answers import AnswerIn
from surveys.models import Response
from surveys.services.recorded import AddressErased, RecordedResponse, planned_correction
from surveys.signals import response_recorded

# The log lines of recording answers keep one logger name, whichever path wrote them.
logger = logging.getLogger("surveys.services.responses")

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


def store_in_one_statement(answer: AnswerIn) -> RecordedResponse | None:
    """Store a new answer, or recognise a repeat or a stale delivery, in one statement;
    None when the delivery needs the full path (`record_response`'s): a correction, a known contact
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
    response.contact = _as_read(Contact, id=response.contact_id, email=stored_email)
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


def _statement_params(answer: AnswerIn, now: dt.datetime) -> dict[str, object]:
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


def _new_response(
    answer: AnswerIn, now: dt.datetime, *, pk: int, category: str, language: str
) -> Response:
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
