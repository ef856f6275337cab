"""Deliveries: signed, retried on network errors, 429 and 5xx with back-off, never on
other answers; each attempt logged; a replay sends the same message again."""

import datetime as dt

import pytest
from django.utils import timezone

from playbooks.services.engine import process_response
from tests.factories import AccountFactory, ContactFactory, ResponseFactory
from webhooks.models import Delivery, DeliveryStatus
from webhooks.services.endpoints import add_endpoint
from webhooks.services.sending import RETRY_DELAYS, deliver, replay, retry_delay

pytestmark = pytest.mark.django_db


def open_detractor_case(csm) -> int:
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=csm)), score=2)
    return process_response(response_id=response.pk).case_id


@pytest.fixture
def opened(subscribe, default_playbooks, csm) -> int:
    """The receiver subscribes to `case.opened`; a detractor's case opens: one delivery."""
    subscribe("case.opened")
    return open_detractor_case(csm)


def the_delivery() -> Delivery:
    return Delivery.objects.select_related("event").get()


def test_a_case_opened_reaches_the_receiver_signed_with_the_endpoints_secret(
    subscribe, receiver, sent_later, default_playbooks, csm
):
    subscribe("case.opened")
    response = ResponseFactory(contact=ContactFactory(account=AccountFactory(csm=csm)), score=2)
    case_id = process_response(response_id=response.pk).case_id

    attempt = deliver(delivery_id=the_delivery().pk)

    assert attempt.status_code == 200 and attempt.response_excerpt == "ok"
    [received] = receiver.accepted()
    assert received.headers["webhook-id"].startswith("msg_")
    assert received.headers["webhook-signature"].startswith("v1,")
    body = received.payload
    assert set(body) == {"type", "timestamp", "data"}
    assert body["type"] == "case.opened"
    assert body["data"]["id"] == case_id
    assert body["data"]["response_id"] == response.pk
    assert the_delivery().status == DeliveryStatus.DELIVERED


def test_a_500_is_retried_after_5_seconds_with_the_same_message_id(receiver, sent_later, opened):
    receiver.answers = [500, 200]
    delivery = the_delivery()
    before = timezone.now()

    deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert before + dt.timedelta(seconds=5) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + dt.timedelta(seconds=5)
    assert sent_later == [([delivery.pk], 5.0)]
    assert deliver(delivery_id=delivery.pk) is None  # not due yet

    deliver(delivery_id=delivery.pk, now=timezone.now() + dt.timedelta(seconds=6))

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert len(receiver.accepted()) == 1
    assert [a.status_code for a in delivery.attempt_log.order_by("pk")] == [500, 200]


@pytest.mark.parametrize("status", [429, 502, 503])
def test_too_many_requests_and_server_errors_are_retried(status, receiver, sent_later, opened):
    receiver.answers = [status]

    deliver(delivery_id=the_delivery().pk)

    assert the_delivery().status == DeliveryStatus.PENDING


@pytest.mark.parametrize("status", [400, 404, 410, 301])
def test_other_answers_are_not_retried(status, receiver, sent_later, opened):
    receiver.answers = [status]

    deliver(delivery_id=the_delivery().pk)

    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert sent_later == []


def test_an_unreachable_receiver_is_retried_and_its_error_logged(
    allow_private, sent_later, default_playbooks, csm
):
    endpoint = add_endpoint(url="http://127.0.0.1:9/nothing-listens", event_types=["case.opened"])
    open_detractor_case(csm)

    attempt = deliver(delivery_id=the_delivery().pk)

    assert attempt.status_code is None and "Could not connect" in attempt.error
    assert the_delivery().status == DeliveryStatus.PENDING
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None


def test_the_retries_wait_about_5_s_5_min_30_min_2_h_5_h_and_10_h():
    delays = [retry_delay(attempts=n) for n in range(1, 8)]

    assert delays == [
        dt.timedelta(seconds=5),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=30),
        dt.timedelta(hours=2),
        dt.timedelta(hours=5),
        dt.timedelta(hours=10),
        None,
    ]
    assert len(RETRY_DELAYS) == 6


def test_a_delivery_gives_up_after_the_last_retry(receiver, sent_later, opened):
    receiver.answers = [503]
    delivery = the_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=len(RETRY_DELAYS))

    deliver(delivery_id=delivery.pk)

    assert the_delivery().status == DeliveryStatus.FAILED


def test_a_huge_answer_is_logged_by_its_first_kilobyte(receiver, sent_later, opened):
    receiver.answer_body = b"x" * 100_000

    attempt = deliver(delivery_id=the_delivery().pk)

    assert len(attempt.response_excerpt) == 1024


def test_a_replay_sends_a_delivered_message_again(receiver, sent_later, opened):
    deliver(delivery_id=the_delivery().pk)

    replay(delivery=the_delivery())
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.PENDING
    deliver(delivery_id=delivery.pk)

    first, second = receiver.accepted()
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert the_delivery().status == DeliveryStatus.DELIVERED


def test_a_second_worker_given_the_same_delivery_sends_nothing(receiver, sent_later, opened):
    delivery = the_delivery()
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(seconds=60)  # claimed by another
    )

    assert deliver(delivery_id=delivery.pk) is None
    assert receiver.received == []
