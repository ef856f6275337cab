"""A batch of answers (an import's) is processed in one transaction: one query locks and
reads them all, one answer's failure rolls back alone, a held answer waits its turn."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from playbooks.models import Case
from playbooks.tasks import process_responses
from surveys.models import Response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory

# Real transactions, as in the worker: no test savepoints around them.
pytestmark = pytest.mark.django_db(transaction=True)


def detractors(count: int) -> list[Response]:
    return [ResponseFactory(contact=ContactFactory(), score=2) for _ in range(count)]


def test_a_batch_opens_every_case_with_one_lock_query_and_one_commit(default_playbooks):
    first, *batch = detractors(11)
    process_responses(response_ids=[first.pk])  # the worker has read its settings

    with CaptureQueriesContext(connection) as captured:
        done = process_responses(response_ids=[answer.pk for answer in batch])

    assert done == 10
    assert Case.objects.filter(response__in=batch).count() == 10
    statements = [query["sql"] for query in captured.captured_queries]
    assert sum(sql.startswith("COMMIT") for sql in statements) == 1
    locks = [sql for sql in statements if "FOR UPDATE" in sql]
    assert len(locks) == 1, locks
    # Fewer statements than answers processed one by one (8 each, and their commits).
    assert len(statements) < 8 * len(batch)


def test_an_answer_another_worker_holds_is_processed_once_it_lets_go(default_playbooks):
    held, free = detractors(2)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Response.objects.select_for_update().get(pk=held.pk)
                holding.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(timeout=10)
    threading.Timer(0.5, release.set).start()

    done = process_responses(response_ids=[held.pk, free.pk])
    holder.join(timeout=10)

    assert done == 2
    assert Case.objects.filter(response__in=[held, free]).count() == 2


def test_cases_a_batch_opens_at_one_account_see_each_other_in_their_360_view(
    default_playbooks,
):
    account = AccountFactory()
    answers = [ResponseFactory(contact=ContactFactory(account=account), score=2) for _ in range(3)]

    process_responses(response_ids=[answer.pk for answer in answers])

    cases = {case.response_id: case for case in Case.objects.filter(response__in=answers)}
    first, second, third = (cases[answer.pk] for answer in answers)
    others = third.steps.get(kind="lookup_360").result["other_open_cases"]
    assert [other["id"] for other in others] == [second.pk, first.pk]
    assert others[0]["contact"] == second.contact.name
