"""Workers given the same answer at the same moment, or while it is corrected, open one
case, and the right one."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from playbooks.models import Case, CaseEvent
from playbooks.services.engine import process_response
from surveys.services.responses import AnswerIn, record_response
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


def test_processing_that_waits_for_a_correction_links_the_new_case_to_the_superseded_one(
    default_playbooks,
):
    """A worker handed the answer while its correction is being recorded waits for it, then
    sees the superseded case: the detractor case it opens replaces that one."""
    contact = ContactFactory()
    answer = {"source": "api", "external_id": "race-1", "email": contact.email}
    first = record_response(answer=AnswerIn(**answer, score=9)).response
    process_response(response_id=first.pk)
    promoter_case = Case.objects.get(response=first)
    correcting = threading.Event()
    processing_started = threading.Event()

    def correct():
        try:
            with transaction.atomic():
                record_response(answer=AnswerIn(**answer, score=3))
                correcting.set()
                processing_started.wait(timeout=10)
                time.sleep(0.3)  # the worker's query is now waiting on the answer's row
        finally:
            connection.close()

    def process():
        try:
            correcting.wait(timeout=10)
            processing_started.set()
            return process_response(response_id=first.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        corrected = pool.submit(correct)
        processed = pool.submit(process)
        corrected.result(timeout=30)
        outcome = processed.result(timeout=30)

    new_case = Case.objects.current().get(response=first)
    assert outcome.case_id == new_case.pk
    assert new_case.category == "detractor"
    assert new_case.replaces_id == promoter_case.pk
