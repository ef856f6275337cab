"""Fixed-window rate limits for the public survey pages, wrong API keys and the test emails
of campaigns, counted in Django's cache.

Each client gets a counter per scope and per window (a minute by default); the first
request of a window creates it with `cache.add`, later ones `cache.incr` it. With
Redis both are atomic, so concurrent web processes share one exact count; the file
cache of the embedded set-up may undercount under races, which a limit tolerates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from core.addresses import client_ip
from core.resilient_cache import cache_count, cache_get

WINDOW_SECONDS = 60
TEST_EMAILS_PER_WINDOW = 5
TEST_EMAIL_WINDOW_SECONDS = 600


@dataclass(frozen=True)
class Limit:
    """At most `requests` per `seconds` for one client, counted under `scope`."""

    scope: str
    requests: int
    seconds: int = WINDOW_SECONDS


def public_page_limit() -> Limit:
    """Every request to a public survey page, whatever its token."""
    return Limit("survey-page", settings.NPS_PUBLIC_RATE_PER_MINUTE)


def unknown_token_limit() -> Limit:
    """Requests for tokens that match no invitation: someone guessing, or a mangled link."""
    return Limit("survey-unknown-token", settings.NPS_PUBLIC_UNKNOWN_TOKEN_RATE_PER_MINUTE)


def wrong_api_key_limit() -> Limit:
    """REST API requests with a wrong, revoked or malformed key: someone guessing keys."""
    return Limit(
        "api-wrong-key",
        settings.NPS_API_WRONG_KEY_LIMIT,
        seconds=settings.NPS_API_WRONG_KEY_WINDOW_MINUTES * 60,
    )


def api_limit() -> Limit:
    """Every request to the REST API, per API key, signed-in person or client address."""
    return Limit("api", settings.NPS_API_RATE_PER_MINUTE)


def test_email_limit() -> Limit:
    """The test emails of campaigns one person sends themselves: a few to check, not a way
    to mail anyone."""
    return Limit("campaign-test-email", TEST_EMAILS_PER_WINDOW, seconds=TEST_EMAIL_WINDOW_SECONDS)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as the limits count it (`core.addresses.client_ip`)."""
    return client_ip(request) or "unknown"


def hit(limit: Limit, *, client: str) -> int | None:
    """Count one request; None while within the limit, else the seconds until the next window."""
    key, retry_after = window(limit, client)
    count = cache_count(key, timeout=limit.seconds + 1)
    # A cache that is down lets everyone through: an answer is worth more than a limit.
    return retry_after if count is not None and count > limit.requests else None


def exhausted(limit: Limit, *, client: str) -> int | None:
    """Like `hit` without counting: the seconds to wait when the client is over the limit."""
    key, retry_after = window(limit, client)
    return retry_after if (cache_get(key) or 0) >= limit.requests else None


def window(limit: Limit, client: str) -> tuple[str, int]:
    """The cache key counting `client`'s requests in the current window, and the seconds
    until the next window."""
    now = time.time()
    start = int(now // limit.seconds) * limit.seconds
    retry_after = max(1, math.ceil(start + limit.seconds - now))
    return f"ratelimit:{limit.scope}:{client}:{start}", retry_after
