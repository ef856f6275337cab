"""The minute sweep: deliveries whose task the broker lost go out; failing endpoints stop;
deliveries go to the `webhooks` queue whatever the lane of the work that announced them."""

import datetime as dt

import pytest
from django.utils import timezone

from core.background import lane
from tests.webhooks.test_delivery import open_detractor_case
from webhooks.models import Delivery, WebhookEndpoint
from webhooks.services import outbox
from webhooks.tasks import SWEEP_GRACE, sweep_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list:
    """The tasks sent to the broker: (name, kwargs, queue)."""
    calls: list = []

    def send_task(name, kwargs=None, queue=None, **options):
        calls.append((name, kwargs, queue))

    monkeypatch.setattr("celery.current_app.send_task", send_task)
    return calls


def test_the_sweep_sends_a_task_for_a_delivery_the_broker_never_got(
    subscribe, default_playbooks, csm, sent
):
    subscribe("case.opened")
    open_detractor_case(csm)  # its on-commit task never ran: the broker was down
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - SWEEP_GRACE - dt.timedelta(seconds=1)
    )

    sweep_task()

    assert sent == [("webhooks.deliver", {"delivery_id": delivery.pk}, "webhooks")]


def test_the_sweep_leaves_a_delivery_just_announced_to_its_own_task(
    subscribe, default_playbooks, csm, sent
):
    subscribe("case.opened")
    open_detractor_case(csm)

    sweep_task()

    assert sent == []


def test_the_sweep_disables_an_endpoint_failing_for_5_days(subscribe, sent):
    endpoint = subscribe("case.opened")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=5, hours=1)
    )

    sweep_task()

    assert not WebhookEndpoint.objects.get().enabled


def test_deliveries_announced_in_the_bulk_lane_still_go_to_the_webhooks_queue(sent):
    with lane("bulk"):
        outbox.send_now([41, 42])

    assert [queue for _, _, queue in sent] == ["webhooks", "webhooks"]
