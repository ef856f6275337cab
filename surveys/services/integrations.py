"""Keys for the systems that send answers in: created once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.resilient_cache import cache_add, cache_set
from surveys.models import Integration, IntegrationKind

KEY_PREFIX = "npsl_"

# Where each survey tool posts its answers (`surveys/api_urls.py`).
WEBHOOK_ROUTES = {
    IntegrationKind.DELIGHTED: "api-hook-delighted",
    IntegrationKind.TYPEFORM: "api-hook-typeform",
    IntegrationKind.FORMBRICKS: "api-hook-formbricks",
}


def hash_key(key: str) -> str:
    """The stored form of a key. Keys are 256-bit random, so a plain SHA-256 is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class NewIntegration:
    integration: Integration
    key: str  # shown once, never stored


@transaction.atomic
def create_integration(
    *, name: str, kind: str = IntegrationKind.API, signing_secret: str = ""
) -> NewIntegration:
    """Create an integration and return it with its key, which cannot be read again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    integration = Integration(
        name=name.strip(),
        kind=kind,
        key_prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=hash_key(key),
        signing_secret=signing_secret.strip(),
    )
    integration.full_clean()
    integration.save()
    return NewIntegration(integration=integration, key=key)


# The keys this process recognised, by hash: (integration, keys version then, when).
# Trusted while the shared keys version (`KEYS_VERSION` in the cache) is unchanged, which
# every change to an integration renews; for a minute at most, should the cache lose it.
KEYS_VERSION = "integrations:keys-version"
KNOWN_KEY_SECONDS = 60
_known_keys: dict[str, tuple[Integration, str, float]] = {}


def integration_for_key(
    key: str, *, kind: str | None = None, keys_version: str | None = None
) -> Integration | None:
    """The active integration holding `key` (of `kind` when given), or None.

    With `keys_version` (read from the cache, `KEYS_VERSION`), a key this process already
    recognised under that version costs no query: under load each one is a round trip
    every answer would pay."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    digest = hash_key(key)
    found = None
    known = _known_keys.get(digest) if keys_version is not None else None
    if known and known[1] == keys_version and time.monotonic() - known[2] < KNOWN_KEY_SECONDS:
        found = known[0]
    else:
        found = Integration.objects.filter(key_hash=digest, revoked_at__isnull=True).first()
        if found is not None and keys_version is not None:
            _known_keys[digest] = (found, keys_version, time.monotonic())
    if found is None or (kind is not None and found.kind != kind):
        return None
    touch_integration(integration=found)
    return found


def keys_version_or_start(version: str | None) -> str | None:
    """`version` as read from the cache; when the cache has none (emptied, or down), one is
    started for the next requests and None returned: this one reads its key afresh."""
    if version is None:
        cache_add(KEYS_VERSION, uuid.uuid4().hex, timeout=None)
    return version


def forget_known_keys() -> None:
    """An integration changed (revoked, renamed, edited): every process reads keys afresh."""
    _known_keys.clear()
    cache_set(KEYS_VERSION, uuid.uuid4().hex, timeout=None)


def touch_integration(*, integration: Integration) -> None:
    """Record that the integration was used, at most once a minute to spare the database."""
    now = timezone.now()
    if integration.last_used_at is None or (now - integration.last_used_at).total_seconds() > 60:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now


def rename_integration(*, integration: Integration, name: str) -> Integration:
    """Give an integration another name; its key and signing secret stay as they are."""
    integration.name = name.strip()
    integration.full_clean()
    integration.save(update_fields=["name"])
    return integration


def revoke_integration(*, integration: Integration) -> None:
    """Stop accepting the integration's key and signatures from now on."""
    Integration.objects.filter(pk=integration.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    integration.refresh_from_db(fields=["revoked_at"])
    forget_known_keys()
    # And once it commits: a request meanwhile may have read the key as still active.
    transaction.on_commit(forget_known_keys, robust=True)


def webhook_url(*, kind: str, key: str = "") -> str:
    """The URL to paste in the survey tool ("" for a REST API key). With `key`, the URL
    carries it (`?token=`): for a tool that cannot sign its deliveries."""
    route = WEBHOOK_ROUTES.get(kind)
    if route is None:
        return ""
    url = settings.NPS_BASE_URL + reverse(route)
    return f"{url}?{urlencode({'token': key})}" if key else url
