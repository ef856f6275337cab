"""Two workers given the same answer at the same moment open one case."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from playbooks.models import Case, CaseEvent
from playbooks.services.engine import process_response
from tests.factories import ContactFactory, ResponseFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 6


def test_concurrent_processing_of_one_answer_opens_exactly_one_case(default_playbooks):
    response = ResponseFactory(contact=ContactFactory(), score=2)
    barrier = threading.Barrier(WORKERS)

    def work(_):
        try:
            barrier.wait(timeout=10)
            return process_response(response_id=response.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        outcomes = list(pool.map(work, range(WORKERS)))

    assert Case.objects.filter(response=response).count() == 1
    assert sum(not outcome.already for outcome in outcomes) == 1
    assert {outcome.case_id for outcome in outcomes} == {Case.objects.get().pk}
    assert CaseEvent.objects.filter(kind="opened").count() == 1
