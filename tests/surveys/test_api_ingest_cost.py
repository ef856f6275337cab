"""What one `POST /api/v1/responses` costs the database and Redis, pinned so that it
cannot grow unnoticed: under load each round trip is paid by the answers per second.

Counted inside the test's transaction; in production the one statement of a new answer
is its own transaction (no BEGIN or COMMIT around it)."""

import pytest
import redis
from django.core.cache import cache

from surveys.models import Response
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/responses"
CONNECTION_SET_UP = {b"HELLO", b"PING", b"CLIENT", b"SELECT", b"AUTH"}


@pytest.fixture
def warm_key(api_client):
    """The key used twice: recognised and kept by this process, its "last used" stamp
    (written at most once a minute) done."""
    ContactFactory(email="warm@acme.example")
    for n in range(2):
        body = {"external_id": f"warm-{n}", "email": "warm@acme.example", "score": 9}
        assert api_client.post(URL, body, format="json").status_code == 201
    return api_client


@pytest.fixture
def redis_commands(monkeypatch):
    """The commands sent to Redis (the cache and the broker), as they go; those that set up
    a new connection (the test's first to the broker) left out."""
    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        packed = command if isinstance(command, bytes) else b"".join(command)
        names = [part.split(b"\r\n")[2] for part in packed.split(b"*")[1:] if b"\r\n" in part]
        sent.extend(name for name in names if name not in CONNECTION_SET_UP)
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_an_answer_from_a_known_contact_costs_one_statement(
    warm_key, django_assert_max_num_queries
):
    ContactFactory(email="ana@acme.example", account=AccountFactory())

    # The stored answer (none), the erased address, the contact and the insert, together.
    with django_assert_max_num_queries(1):
        reply = warm_key.post(
            URL, {"external_id": "n-1", "email": "ana@acme.example", "score": 2}, format="json"
        )

    assert reply.status_code == 201
    assert reply.json()["matched"] is True


def test_an_answer_from_a_new_person_costs_one_statement(warm_key, django_assert_max_num_queries):
    account = AccountFactory()
    account.domains.create(domain="acme.example")

    # The account found by its domain and the new contact inserted in the same statement.
    with django_assert_max_num_queries(1):
        reply = warm_key.post(
            URL, {"external_id": "n-2", "email": "new@acme.example", "score": 2}, format="json"
        )

    assert reply.status_code == 201
    assert reply.json()["matched"] is True
    assert reply.json()["account_external_id"] == account.external_id


def test_a_repeated_answer_costs_one_statement(warm_key, django_assert_max_num_queries):
    ContactFactory(email="ana@acme.example")
    body = {"external_id": "n-3", "email": "ana@acme.example", "score": 2}
    first = warm_key.post(URL, body, format="json").json()

    # The stored answer, read back: nothing is written.
    with django_assert_max_num_queries(1):
        reply = warm_key.post(URL, body, format="json")

    assert reply.status_code == 200
    assert reply.json() == {**first, "stale": False}


def test_a_new_answer_costs_three_commands_to_redis(
    warm_key, redis_commands, django_capture_on_commit_callbacks
):
    ContactFactory(email="ana@acme.example")
    with django_capture_on_commit_callbacks(execute=True):  # the broker's queues declared
        warm_key.post(
            URL, {"external_id": "n-0", "email": "ana@acme.example", "score": 2}, format="json"
        )
    redis_commands.clear()

    with django_capture_on_commit_callbacks(execute=True):
        reply = warm_key.post(
            URL, {"external_id": "n-4", "email": "ana@acme.example", "score": 2}, format="json"
        )

    assert reply.status_code == 201
    # The wrong-key counter with the keys version; the rate limit counted (MULTI/EXEC:
    # one round trip); the engine's task.
    assert redis_commands == [b"MGET", b"MULTI", b"SET", b"INCRBY", b"EXEC", b"LPUSH"]


def test_a_contact_to_complete_takes_the_full_path_and_gets_its_name(warm_key):
    ContactFactory(email="ana@acme.example", name="")

    reply = warm_key.post(
        URL,
        {"external_id": "n-5", "email": "ana@acme.example", "score": 2, "contact_name": "Ana"},
        format="json",
    )

    assert reply.status_code == 201
    assert Response.objects.get(external_id="n-5").contact.name == "Ana"


def test_the_rate_limit_still_counts_every_request_in_its_window(
    warm_key, settings, one_rate_window
):
    settings.NPS_API_RATE_PER_MINUTE = 3
    cache.clear()
    statuses = [
        warm_key.post(
            URL, {"external_id": f"r-{n}", "email": "warm@acme.example", "score": 9}, format="json"
        ).status_code
        for n in range(4)
    ]

    assert statuses == [201, 201, 201, 429]
