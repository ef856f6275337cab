"""Reads of the webhooks app: who subscribes to what (cached), what is due, the logs."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from core.resilient_cache import cache_delete, cache_get, cache_set
from webhooks.models import Delivery, DeliveryStatus, WebhookEndpoint

SUBSCRIPTIONS_CACHE_KEY = "webhooks:subscriptions:v1"
SUBSCRIPTIONS_CACHE_SECONDS = 300
# Each process trusts what it read this long: announcing an event (every answer does) then
# costs neither a query nor a round trip to the cache. Another process's change (an endpoint
# added, disabled) reaches it within this delay; deliveries are only ever written for
# endpoints that exist and are enabled, whatever a process believes.
LOCAL_SECONDS = 10.0
_local: dict[str, tuple[list[tuple[int, frozenset[str]]], float]] = {}


def subscriptions() -> list[tuple[int, frozenset[str]]]:
    """The enabled endpoints and the event types each wants: from this process's memory
    (`LOCAL_SECONDS`), else from the cache the processes share, else from the database."""
    held = _local.get(SUBSCRIPTIONS_CACHE_KEY)
    if held is not None and time.monotonic() - held[1] < LOCAL_SECONDS:
        return held[0]
    found = cache_get(SUBSCRIPTIONS_CACHE_KEY)
    if found is None:
        found = [
            (pk, frozenset(types))
            for pk, types in WebhookEndpoint.objects.filter(enabled=True).values_list(
                "pk", "event_types"
            )
        ]
        cache_set(SUBSCRIPTIONS_CACHE_KEY, found, SUBSCRIPTIONS_CACHE_SECONDS)
    _local[SUBSCRIPTIONS_CACHE_KEY] = (found, time.monotonic())
    return found


def forget_subscriptions_here() -> None:
    """This process reads the subscriptions afresh next time (tests start with this)."""
    _local.clear()


def is_wanted(event_type: str) -> bool:
    """Whether any enabled endpoint subscribes to `event_type`."""
    return any(event_type in types for _, types in subscriptions())


def forget_subscriptions() -> None:
    """An endpoint changed: the cached subscriptions go, now and once the change commits (a
    worker may have cached the old ones meanwhile)."""
    forget_subscriptions_here()
    cache_delete(SUBSCRIPTIONS_CACHE_KEY)

    def once_committed() -> None:
        forget_subscriptions_here()
        cache_delete(SUBSCRIPTIONS_CACHE_KEY)

    transaction.on_commit(once_committed, robust=True)


def endpoints_with_counts() -> QuerySet[WebhookEndpoint]:
    """Every endpoint, with how many deliveries are pending and failed, and the last one."""
    return WebhookEndpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        last_delivery_at=Max("deliveries__created_at"),
    ).order_by("url", "pk")


def delivery_log(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, with their event and attempts."""
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-pk")
    )


def due_delivery_ids(*, now: dt.datetime, grace: dt.timedelta, limit: int) -> list[int]:
    """Pending deliveries due for more than `grace` (their task was lost, or never sent:
    the broker was down), oldest first."""
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
