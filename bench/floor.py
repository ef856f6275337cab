"""The API's floor: the least any server must do to accept an answer, as a bare view.

`POST /bench/answers` (served only under bench.settings) takes the body
`POST /api/v1/responses` takes, stores the answer with one statement (its person found
or added by email, the answer inserted with the table's indexes and triggers, the
dashboard's kept rows among them) and pushes its id to a Redis list for a worker, then
answers 201 with the id. No key, no validation beyond reading the JSON, no idempotency,
no matching to an account by domain, no Celery message: a floor, not an API.

Measured beside `GET /healthz` in the same run, it says how much of the API's target
share is open to any implementation on this stack; the API itself is compared with it.
The benchmark sends it the API's answers from addresses of its own (`floor.<address>`),
so that neither finds the people the other added.
"""

from __future__ import annotations

import functools
import json

import psycopg
import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# The Redis list the floor pushes to; no worker reads it, the bench deletes it.
FLOOR_LIST = "bench-floor-answers"
SOURCE = "bench-floor"

_STORE = """
WITH person AS (
    INSERT INTO accounts_contact (name, email, title, persona, influence, phone, external_id,
                                  language, opted_out, created_at, updated_at)
    VALUES ('', %(email)s, '', '', '', '', '', '', false, now(), now())
    ON CONFLICT ((lower(email::text))) DO UPDATE SET updated_at = accounts_contact.updated_at
    RETURNING id, account_id
)
INSERT INTO surveys_response (contact_id, account_id, score, comment, answered_at, source,
                              external_id, language, payload, created_at, updated_at)
SELECT person.id, person.account_id, %(score)s, %(comment)s,
       coalesce(%(answered_at)s::timestamptz, now()), %(source)s, %(external_id)s, '',
       NULL, now(), now()
FROM person
RETURNING id
"""


@functools.cache
def _redis() -> redis.Redis:
    """One client, and its connection pool, per process, as Celery keeps one."""
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@csrf_exempt
@require_POST
def store_answer(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    params = {
        "email": body["email"],
        "score": int(body["score"]),
        "comment": body.get("comment", ""),
        "answered_at": body.get("answered_at"),
        "source": SOURCE,
        "external_id": body["external_id"],
    }
    # One round trip, as the API's own statement: autocommit (a statement is a transaction
    # of its own) and prepared once per connection (server-side binding).
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        answer_id = cursor.execute(_STORE, params, prepare=True).fetchone()[0]
    _redis().lpush(FLOOR_LIST, answer_id)
    return JsonResponse({"id": answer_id}, status=201)
