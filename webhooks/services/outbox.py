"""`emit`: how every app announces a change, in the transaction that made it (an outbox).

The event and its deliveries are rows written with the change: when the transaction rolls
back nothing is announced, and when the broker is down nothing is lost (the minute sweep
sends what no task took). Each event about an object carries the next number of that
object's sequence, so receivers can order events that arrive out of order.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from core.background import enqueue
from webhooks.events import EVENT_TYPES
from webhooks.models import (
    Delivery,
    DeliveryStatus,
    ObjectSequence,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.selectors import subscriptions

WEBHOOKS_QUEUE = "webhooks"
DELIVER_TASK = "webhooks.deliver"

Data = dict[str, Any] | Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Announcement:
    """One event to announce: `data` may be a function, called only when someone wants it."""

    event_type: str
    object_key: str
    data: Data
    contact_id: int | None = None


def emit(
    event_type: str, *, object_key: str, data: Data, contact_id: int | None = None
) -> list[int]:
    """Announce one event to the endpoints subscribed to it; returns the deliveries' ids.
    Costs nothing but a cache read when no endpoint wants it."""
    return emit_many([Announcement(event_type, object_key, data, contact_id)])


def emit_many(announcements: list[Announcement]) -> list[int]:
    """Announce events (a batch's): with subscribers, three statements whatever their
    number (sequence numbers, events, deliveries); the delivery tasks go on commit, to the
    `webhooks` queue. Returns the deliveries' ids."""
    endpoints = subscriptions()
    wanted = []
    for announcement in announcements:
        if announcement.event_type not in EVENT_TYPES:
            raise ValueError(f"Unknown webhook event type {announcement.event_type!r}.")
        receivers = [pk for pk, types in endpoints if announcement.event_type in types]
        if receivers:
            wanted.append((announcement, receivers))
    if not wanted:
        return []
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        sequences = _next_sequences(Counter(a.object_key for a, _ in wanted))
        events = []
        for announcement, _receivers in wanted:
            data = announcement.data() if callable(announcement.data) else announcement.data
            events.append(
                WebhookEvent(
                    message_id=new_message_id(),
                    event_type=announcement.event_type,
                    object_key=announcement.object_key,
                    sequence=(sequence := next(sequences[announcement.object_key])),
                    body=body_of(announcement.event_type, {**data, "sequence": sequence}, now),
                    contact_id=announcement.contact_id,
                )
            )
        WebhookEvent.objects.bulk_create(events)
        ids = _insert_deliveries(
            [
                (event.pk, pk)
                for event, (_, receivers) in zip(events, wanted, strict=True)
                for pk in receivers
            ],
            now,
        )
        send_on_commit(ids)
    return ids


def _insert_deliveries(pairs: list[tuple[int, int]], now: dt.datetime) -> list[int]:
    """Insert a pending delivery per (event, endpoint), for endpoints that exist and are
    enabled now (a process may have cached an endpoint deleted since), in one statement."""
    table, endpoints = Delivery._meta.db_table, WebhookEndpoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, endpoint_id, status, attempts, "  # noqa: S608
            "next_attempt_at, created_at) "
            "SELECT x.event_id, x.endpoint_id, %s, 0, %s, %s "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS x(event_id, endpoint_id) "
            f"JOIN {endpoints} e ON e.id = x.endpoint_id AND e.enabled "
            "RETURNING id",
            [
                DeliveryStatus.PENDING,
                now,
                now,
                [event_id for event_id, _ in pairs],
                [endpoint_id for _, endpoint_id in pairs],
            ],
        )
        return sorted(row[0] for row in cursor.fetchall())


def new_message_id() -> str:
    """A `webhook-id`: unique, the same on every attempt of one delivery."""
    return f"msg_{uuid.uuid4().hex}"


def body_of(event_type: str, data: dict[str, Any], timestamp: dt.datetime) -> str:
    """The body as sent and signed: `{"type", "timestamp", "data"}`, compact JSON."""
    return json.dumps(
        {"type": event_type, "timestamp": timestamp.isoformat(), "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _next_sequences(counts: Counter[str]) -> dict[str, Any]:
    """Reserve `counts[key]` numbers of each object's sequence in one statement; the row
    lock it takes orders two transactions announcing about one object."""
    table = ObjectSequence._meta.db_table
    keys = sorted(counts)  # one lock order for every transaction: no deadlock
    values = ", ".join(["(%s, %s)"] * len(keys))
    params: list[Any] = []
    for key in keys:
        params += [key, counts[key]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (object_key, last) VALUES {values} "  # noqa: S608 - our table
            f"ON CONFLICT (object_key) DO UPDATE SET last = {table}.last + EXCLUDED.last "
            "RETURNING object_key, last",
            params,
        )
        last = dict(cursor.fetchall())
    return {key: iter(range(last[key] - counts[key] + 1, last[key] + 1)) for key in keys}


def send_on_commit(delivery_ids: list[int]) -> None:
    """Send a delivery task per id, to the `webhooks` queue, once the transaction commits.

    `robust=True`: with the broker down the rows stay pending; the minute sweep sends them.
    """
    if delivery_ids:
        transaction.on_commit(lambda: send_now(delivery_ids), robust=True)


def send_now(delivery_ids: list[int], *, countdown: float | None = None) -> None:
    """Send a delivery task per id now, to the `webhooks` queue (whatever the lane)."""
    for delivery_id in delivery_ids:
        if countdown:
            current_app.send_task(
                DELIVER_TASK,
                kwargs={"delivery_id": delivery_id},
                queue=WEBHOOKS_QUEUE,
                countdown=countdown,
            )
        else:
            enqueue(DELIVER_TASK, queue=WEBHOOKS_QUEUE, delivery_id=delivery_id)


def forget_contact(*, contact_id: int) -> int:
    """Delete the events that name the person (their email, their comments), with their
    deliveries and logs, sent or not: erasing someone leaves no copy here. Returns how
    many events went."""
    deleted, _ = WebhookEvent.objects.filter(contact_id=contact_id).delete()
    return deleted
