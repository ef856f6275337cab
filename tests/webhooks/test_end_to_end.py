"""A detractor's answer posted to the API reaches a receiver that verifies signatures as
`case.opened`, through the real worker, within 20 seconds and exactly once."""

import time

import pytest

from surveys.services.integrations import create_integration
from tests.celery_worker import purge_queue, running_worker, wait_for
from tests.factories import AccountFactory, ContactFactory
from tests.playbooks.test_worker import post_answer
from webhooks.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(monkeypatch, tmp_path, no_shared_worker):
    """A worker of its own, which may send to 127.0.0.1 like the receiver of the test."""
    monkeypatch.setenv("NPS_WEBHOOKS_ALLOW_PRIVATE", "true")
    purge_queue()
    with running_worker(tmp_path, name="webhooks") as running:
        yield running
    purge_queue()


def test_a_detractor_answer_reaches_the_receiver_as_case_opened_once_despite_a_first_500(
    live_server, default_playbooks, csm, subscribe, receiver, worker
):
    receiver.answers = [500, 200]
    subscribe("case.opened")
    ContactFactory(account=AccountFactory(csm=csm), email="dana@acme.example")
    key = create_integration(name="crm").key

    posted_at = time.monotonic()
    answer = post_answer(
        live_server.url, key, {"external_id": "e2e-1", "email": "dana@acme.example", "score": 2}
    )
    wait_for(receiver.accepted, timeout=20, what="case.opened accepted by the receiver")
    elapsed = time.monotonic() - posted_at

    assert elapsed < 20
    first, second = receiver.received[:2]
    assert (first.answered, second.answered) == (500, 200)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    body = second.payload
    assert body["type"] == "case.opened"
    assert body["data"]["response_id"] == answer["id"]
    assert body["data"]["sequence"] == 1
    time.sleep(1)  # nothing more comes
    assert len(receiver.accepted()) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
