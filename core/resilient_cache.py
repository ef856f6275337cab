"""The shared cache, read and written so that its outage never breaks a request.

The cache (Redis in production) only speeds things up or counts rate limits: when
it is down, settings are read from the database and requests are let through,
and the failure is logged. An answer must never be lost because Redis is down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# Whatever the backend raises when its server is away (redis errors, OSError for files).
CACHE_ERRORS = (Exception,)


def cache_get(key: str, default: Any = None) -> Any:
    try:
        return cache.get(key, default)
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, reading %s without it: %s", key, error)
        return default


def cache_get_many(keys: list[str]) -> dict[str, Any]:
    """The values found among `keys` (one round trip to Redis); none when the cache is down."""
    try:
        return cache.get_many(keys)
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, reading %s without it: %s", ", ".join(keys), error)
        return {}


def cache_set(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, %s not cached: %s", key, error)


def cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, %s not deleted: %s", key, error)


def cache_count(key: str, timeout: int) -> int | None:
    """Add one to the counter `key` (created at 1, expiring after `timeout` seconds) and
    return it; None when the cache cannot count."""
    try:
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            # One round trip, atomic (MULTI/EXEC): the counter created at 0 with its expiry
            # unless it exists, then counted. Stored as a plain integer, as the cache does.
            name = backend.make_and_validate_key(key)
            pipeline = backend._cache.get_client(name, write=True).pipeline()
            pipeline.set(name, 0, ex=timeout, nx=True)
            pipeline.incr(name)
            return pipeline.execute()[1]
        # Counting first: every request of a window but its first finds the counter, and
        # an add that fails would cost each of them one more round trip.
        try:
            return cache.incr(key)
        except ValueError:  # the window's first request, or the counter just expired
            if cache.add(key, 1, timeout=timeout):
                return 1
            return cache.incr(key)  # another process created it meanwhile
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, %s not counted: %s", key, error)
        return None


def cache_add(key: str, value: Any, timeout: int) -> bool | None:
    """Store `value` under `key` only if no value is there (atomic in Redis): True when
    stored, False when one was there, None when the cache cannot tell."""
    try:
        return cache.add(key, value, timeout=timeout)
    except CACHE_ERRORS as error:
        logger.warning("cache unavailable, %s not added: %s", key, error)
        return None
