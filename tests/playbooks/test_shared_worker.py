"""The Celery worker the tests share runs the tasks of the tests that asked for it, and no
others: a worker running a later test's tasks behind its back races it for its rows."""

import time

import pytest

from nps_loop.celery import app
from playbooks.models import Case
from surveys.answers import AnswerIn
from surveys.models import Response, Source
from surveys.services import record_response
from tests.celery_worker import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def waiting_on(queue: str) -> int:
    with app.connection_for_read() as conn:
        return conn.default_channel.client.llen(queue)


def detractor(external_id: str) -> Response:
    return record_response(
        answer=AnswerIn(
            source=Source.API, external_id=external_id, email="shared@acme.example", score=1
        )
    ).response


def test_a_test_with_the_worker_gets_its_answers_processed(default_playbooks, celery_worker):
    answer = detractor("with-worker")

    wait_for(lambda: Case.objects.filter(response=answer).exists(), timeout=30, what="its case")


def test_a_later_test_without_it_finds_its_tasks_still_queued(default_playbooks):
    answer = detractor("without-worker")
    time.sleep(2)  # the worker above took its answer's task in well under a second

    assert Response.objects.get(pk=answer.pk).processed_at is None
    assert not Case.objects.filter(response=answer).exists()
    assert waiting_on("live") == 1
