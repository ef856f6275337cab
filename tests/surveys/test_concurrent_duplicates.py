"""Twenty deliveries of one answer at the same moment leave exactly one answer."""

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import Contact
from surveys.answers import AnswerIn
from surveys.models import Response, Source
from surveys.services import record_response
from surveys.services.integrations import create_integration

pytestmark = pytest.mark.django_db(transaction=True)

DELIVERIES = 20


def _in_parallel(work):
    barrier = threading.Barrier(DELIVERIES)

    def run(_):
        try:
            barrier.wait(timeout=10)
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
        return list(pool.map(run, range(DELIVERIES)))


def test_twenty_concurrent_calls_to_record_response_store_one_answer_and_one_contact():
    results = _in_parallel(
        lambda: record_response(
            answer=AnswerIn(
                source=Source.API, external_id="dup-1", email="race@acme.example", score=2
            )
        )
    )

    assert Response.objects.count() == 1
    assert Contact.objects.count() == 1
    assert sum(r.created for r in results) == 1
    assert {r.response.pk for r in results} == {Response.objects.get().pk}


def test_twenty_concurrent_http_deliveries_get_one_201_and_nineteen_200(live_server):
    key = create_integration(name="racer").key
    url = f"{live_server.url}/api/v1/responses"
    body = {"external_id": "dup-http", "email": "race@acme.example", "score": 2}

    def post():
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read())

    replies = _in_parallel(post)

    codes = sorted(status for status, _ in replies)
    assert codes == [200] * (DELIVERIES - 1) + [201]
    assert len({data["id"] for _, data in replies}) == 1
    assert Response.objects.count() == 1
