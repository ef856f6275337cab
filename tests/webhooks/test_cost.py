"""What announcing costs the engine: nothing when nobody subscribed, three statements in the
answer's transaction when someone did."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def statements_to_process(csm) -> list[str]:
    account = AccountFactory(csm=csm)
    warm = ResponseFactory(contact=ContactFactory(account=account), score=2)
    process_response(response_id=warm.pk)  # the worker has read its settings and playbooks
    answer = ResponseFactory(contact=ContactFactory(account=account), score=2)
    with CaptureQueriesContext(connection) as captured:
        process_response(response_id=answer.pk)
    return [query["sql"] for query in captured.captured_queries][1:-1]  # BEGIN ... COMMIT


def test_a_subscribed_case_opened_adds_three_statements_to_the_answers_transaction(
    default_playbooks, csm, subscribe
):
    without = len(statements_to_process(csm))
    subscribe("case.opened")

    with_endpoint = statements_to_process(csm)

    assert len(with_endpoint) == without + 3, "\n".join(with_endpoint)
