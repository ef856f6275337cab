"""A slow receiver never slows answers or cases: deliveries wait on their own queue, served
by a worker of their own, as in production (README, "The worker in production")."""

import time

import pytest

from playbooks.models import Case
from surveys.services.integrations import create_integration
from tests.celery_worker import purge_queue, running_worker, wait_for
from tests.factories import AccountFactory, ContactFactory
from tests.playbooks.test_worker import post_answer
from tests.webhooks.receiver import Receiver, running_receiver
from webhooks.services.endpoints import add_endpoint

pytestmark = pytest.mark.django_db(transaction=True)

RECEIVER_SECONDS = 8  # under the 10 s timeout: each delivery holds its worker that long


class SlowReceiver(Receiver):
    def next_answer(self) -> int:
        time.sleep(RECEIVER_SECONDS)
        return 200


def test_a_slow_receiver_does_not_delay_the_cases_of_new_answers(
    live_server, default_playbooks, csm, allow_private, monkeypatch, tmp_path, no_shared_worker
):
    monkeypatch.setenv("NPS_WEBHOOKS_ALLOW_PRIVATE", "true")  # for the workers
    purge_queue()
    with (
        running_receiver(SlowReceiver()) as receiver,
        running_worker(tmp_path, name="main", queues="live,celery,bulk"),
        running_worker(tmp_path, name="hooks", queues="webhooks") as hooks_worker,
    ):
        endpoint = add_endpoint(url=receiver.url, event_types=["response.recorded", "case.opened"])
        receiver.secret = endpoint.secret
        emails = [f"person{n}@acme{n}.example" for n in range(3)]
        for email in emails:
            ContactFactory(account=AccountFactory(csm=csm), email=email)
        key = create_integration(name="crm").key

        started = time.monotonic()
        answers = [
            post_answer(live_server.url, key, {"external_id": email, "email": email, "score": 2})
            for email in emails
        ]
        wait_for(
            lambda: Case.objects.filter(response_id__in=[a["id"] for a in answers]).count() == 3,
            timeout=20,
            what="the three cases",
        )
        elapsed = time.monotonic() - started

        assert elapsed < RECEIVER_SECONDS, f"the cases took {elapsed:.1f} s"
        assert len(receiver.received) <= 1  # the six deliveries are still crawling along
        # A warm shutdown would wait for the delivery under way: seconds of nothing.
        hooks_worker.kill()
    purge_queue()
