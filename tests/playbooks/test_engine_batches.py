"""A batch of answers (an import's) is processed in one transaction: one query locks and
reads them all, one answer's failure rolls back alone, a held answer waits its turn."""

import threading

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from playbooks.models import Case
from playbooks.services import engine
from playbooks.tasks import process_response, process_responses
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


def _lost_once_then_real(monkeypatch, error_class):
    """`engine.process_responses` as PostgreSQL runs it when another batch wins a deadlock:
    the work done, then rolled back with the error; the next call runs as usual."""
    real = engine.process_responses
    calls = []

    def process(*, response_ids):
        calls.append(list(response_ids))
        if len(calls) > 1:
            return real(response_ids=response_ids)
        try:
            with transaction.atomic():
                real(response_ids=response_ids)
                raise error_class("chosen as the deadlock victim")
        except psycopg.Error as cause:
            raise OperationalError(str(cause)) from cause

    monkeypatch.setattr(engine, "process_responses", process)
    return calls


def test_a_batch_that_loses_a_deadlock_is_tried_again_at_once(default_playbooks, monkeypatch):
    batch = detractors(3)
    calls = _lost_once_then_real(monkeypatch, psycopg.errors.DeadlockDetected)

    done = process_responses(response_ids=[answer.pk for answer in batch])

    assert done == 3
    assert len(calls) == 2  # the same batch, again, in the same task
    assert Case.objects.filter(response__in=batch).count() == 3
    assert not Response.objects.filter(pk__in=[a.pk for a in batch], processed_at=None).exists()


def test_another_database_error_still_sends_the_answers_alone(default_playbooks, monkeypatch):
    batch = detractors(2)
    calls = _lost_once_then_real(monkeypatch, psycopg.errors.AdminShutdown)
    sent_alone = []
    monkeypatch.setattr(
        process_response, "apply_async", lambda **options: sent_alone.append(options)
    )

    assert process_responses(response_ids=[answer.pk for answer in batch]) == 0

    assert len(calls) == 1
    assert sorted(options["kwargs"]["response_id"] for options in sent_alone) == sorted(
        answer.pk for answer in batch
    )
    assert not Case.objects.filter(response__in=batch).exists()
