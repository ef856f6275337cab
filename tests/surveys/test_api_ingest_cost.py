"""What one `POST /api/v1/responses` costs the database, pinned so that it cannot grow
unnoticed: under load each statement is a round trip that the answers per second pay.

Counted inside the test's transaction, where each atomic block is a savepoint and its
release (in production a BEGIN and a COMMIT instead)."""

import pytest

from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/responses"


@pytest.fixture
def warm_key(api_client):
    """The key used once: its "last used" stamp is written at most once a minute."""
    ContactFactory(email="warm@acme.example")
    api_client.post(
        URL, {"external_id": "warm", "email": "warm@acme.example", "score": 9}, format="json"
    )
    return api_client


def test_an_answer_from_a_known_contact_costs_at_most_six_statements(
    warm_key, django_assert_max_num_queries
):
    ContactFactory(email="ana@acme.example", account=AccountFactory())

    # The key, the stored answer (none), the contact with whether its address was erased,
    # the insert, and the savepoint around the last three (none around the insert).
    with django_assert_max_num_queries(6):
        reply = warm_key.post(
            URL, {"external_id": "n-1", "email": "ana@acme.example", "score": 2}, format="json"
        )

    assert reply.status_code == 201
    assert reply.json()["matched"] is True


def test_an_answer_from_a_new_person_costs_at_most_eleven_statements(
    warm_key, django_assert_max_num_queries
):
    account = AccountFactory()
    account.domains.create(domain="acme.example")

    # As above, with the erased-address check, the account found by its domain and the
    # new contact, in a savepoint.
    with django_assert_max_num_queries(11):
        reply = warm_key.post(
            URL, {"external_id": "n-2", "email": "new@acme.example", "score": 2}, format="json"
        )

    assert reply.status_code == 201
    assert reply.json()["matched"] is True


def test_a_repeated_answer_costs_at_most_four_statements(warm_key, django_assert_max_num_queries):
    ContactFactory(email="ana@acme.example")
    body = {"external_id": "n-3", "email": "ana@acme.example", "score": 2}
    warm_key.post(URL, body, format="json")

    # The key, the stored answer, locked, with whether its address was erased: nothing
    # is written.
    with django_assert_max_num_queries(4):
        reply = warm_key.post(URL, body, format="json")

    assert reply.status_code == 200
