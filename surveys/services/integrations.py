"""Keys for the systems that send answers in: created once, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

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


def integration_for_key(key: str, *, kind: str | None = None) -> Integration | None:
    """The active integration holding `key` (of `kind` when given), or None."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    integration = Integration.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True)
    if kind is not None:
        integration = integration.filter(kind=kind)
    found = integration.first()
    if found is not None:
        touch_integration(integration=found)
    return found


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


def webhook_url(*, kind: str, key: str = "") -> str:
    """The URL to paste in the survey tool ("" for a REST API key). With `key`, the URL
    carries it (`?token=`): for a tool that cannot sign its deliveries."""
    route = WEBHOOK_ROUTES.get(kind)
    if route is None:
        return ""
    url = settings.NPS_BASE_URL + reverse(route)
    return f"{url}?{urlencode({'token': key})}" if key else url
