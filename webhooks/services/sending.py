"""Sending a delivery: sign, POST with a 10 s timeout, log the attempt, retry with back-off
on network errors, 429 and 5xx, never on other answers.

No transaction is held across the request: a worker claims the delivery (pushing its due
time a lease ahead, so that a second worker given it leaves it), sends, then records."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import requests
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook

from webhooks.destinations import UnresolvableHost, UnsafeDestination, check_destination
from webhooks.events import sample_data
from webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.services.outbox import body_of, new_message_id, send_now, send_on_commit

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
EXCERPT_BYTES = 1024
# After the first attempt fails, the next ones wait this long: about 18 hours in all.
RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
)
# A claimed delivery is left alone this long: a worker that died mid-request lets it go.
LEASE = dt.timedelta(seconds=TIMEOUT_SECONDS * 6)
# Retries sooner than this go to the broker with a countdown; later ones wait for the sweep.
COUNTDOWN_LIMIT = dt.timedelta(minutes=5)
USER_AGENT = "NPS-Loop-Webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one request got: a status code, or an error (then `status_code` is None)."""

    latency_ms: int
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""
    retry: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(*, attempts: int) -> dt.timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None: no more retries."""
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None


def deliver(*, delivery_id: int, now: dt.datetime | None = None) -> DeliveryAttempt | None:
    """Make the delivery's next attempt if it is due and nobody else is making it; None
    when there was nothing to do (delivered, given up, not due, claimed by another)."""
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    if not delivery.endpoint.enabled:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None
        )
        return None
    outcome = post(endpoint=delivery.endpoint, event=delivery.event)
    return _record(delivery, outcome)


def replay(*, delivery: Delivery) -> None:
    """Send a delivery again, whatever became of it (an admin asked): due now, its retries
    counted afresh."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        send_on_commit([delivery.pk])
    logger.info("webhook delivery replayed id=%s endpoint=%s", delivery.pk, delivery.endpoint_id)


def send_test(*, endpoint: WebhookEndpoint, event_type: str) -> Delivery:
    """Queue a sample event of `event_type` to the endpoint alone: its body has exactly the
    shape of a real one, its data the sample values (`webhooks.events.SAMPLES`)."""
    now = timezone.now()
    with transaction.atomic():
        message_id = new_message_id()
        event = WebhookEvent.objects.create(
            message_id=message_id,
            event_type=event_type,
            object_key=f"test:{message_id}",
            sequence=1,
            body=body_of(event_type, {**sample_data(event_type), "sequence": 1}, now),
            is_test=True,
        )
        delivery = Delivery.objects.create(event=event, endpoint=endpoint, next_attempt_at=now)
        send_on_commit([delivery.pk])
    return delivery


def signed_headers(*, secret: str, message_id: str, body: str, at: dt.datetime) -> dict:
    """The Standard Webhooks headers of a request sent at `at`."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def post(*, endpoint: WebhookEndpoint, event: WebhookEvent) -> Outcome:
    """POST the event, signed now, to the endpoint; never follows redirects, reads the first
    kilobyte of the answer at most."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        check_destination(endpoint.url)  # again: the name may point elsewhere now
    except UnsafeDestination as refusal:
        return Outcome(latency_ms=0, error=str(refusal)[:500])
    except UnresolvableHost as error:
        return Outcome(latency_ms=0, error=str(error)[:500], retry=True)
    headers = signed_headers(
        secret=endpoint.secret, message_id=event.message_id, body=event.body, at=timezone.now()
    )
    try:
        with requests.post(
            endpoint.url,
            data=event.body.encode(),
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        ) as answer:
            excerpt = answer.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            code = answer.status_code
    except requests.RequestException as error:
        return Outcome(latency_ms=elapsed(), error=_describe(error), retry=True)
    return Outcome(
        latency_ms=elapsed(),
        status_code=code,
        excerpt=excerpt.decode("utf-8", errors="replace"),
        retry=code == 429 or code >= 500,
    )


def _describe(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return f"No answer within {TIMEOUT_SECONDS} s."
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS error: {error}"[:500]
    if isinstance(error, requests.ConnectionError):
        return f"Could not connect: {error}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def _record(delivery: Delivery, outcome: Outcome) -> DeliveryAttempt:
    """Log the attempt and decide what comes next: delivered, a retry, or given up."""
    now = timezone.now()
    attempts = delivery.attempts + 1
    delay = None if outcome.succeeded or not outcome.retry else retry_delay(attempts=attempts)
    with transaction.atomic():
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_excerpt=outcome.excerpt,
            error=outcome.error,
        )
        fields: dict = {"attempts": F("attempts") + 1}
        if outcome.succeeded:
            fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
            WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, failing_since__isnull=False
            ).update(failing_since=None)
        elif delay is not None:
            fields.update(next_attempt_at=now + delay)
        else:
            fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        if not outcome.succeeded:
            WebhookEndpoint.objects.filter(
                pk=delivery.endpoint_id, failing_since__isnull=True
            ).update(failing_since=now)
        Delivery.objects.filter(pk=delivery.pk).update(**fields)
    logger.info(
        "webhook attempt delivery=%s endpoint=%s event=%s status=%s error=%s latency_ms=%s",
        delivery.pk,
        delivery.endpoint_id,
        delivery.event.event_type,
        outcome.status_code,
        outcome.error[:100],
        outcome.latency_ms,
    )
    if delay is not None and delay <= COUNTDOWN_LIMIT:
        send_now([delivery.pk], countdown=delay.total_seconds())
    return attempt
