"""Adding, switching and removing the endpoints that receive webhooks; disabling those that
have failed for days, and telling the admins."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.mail import compose_email
from core.roles import Role
from webhooks.destinations import UnresolvableHost, UnsafeDestination, check_destination
from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookEndpoint
from webhooks.selectors import forget_subscriptions

if TYPE_CHECKING:
    from core.models import User

logger = logging.getLogger(__name__)

# An endpoint whose deliveries have all failed for this long is disabled.
FAILING_LIMIT = dt.timedelta(days=5)


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def clean_endpoint(*, url: str, event_types: list[str]) -> tuple[str, list[str]]:
    """The URL and event types, checked; `ValidationError` naming the field otherwise."""
    errors: dict[str, list[str]] = {}
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
        check_destination(url)
    except ValidationError:
        errors["url"] = [_("Give a full http:// or https:// URL.")]
    except (UnsafeDestination, UnresolvableHost) as refusal:
        errors["url"] = [str(refusal)]
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        errors["event_types"] = [
            _("Unknown events: %(unknown)s. Choose among %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)}
        ]
    elif not event_types:
        errors["event_types"] = [_("Choose at least one event.")]
    if errors:
        raise ValidationError(errors)
    return url, [t for t in EVENT_TYPES if t in set(event_types)]


def add_endpoint(
    *, url: str, event_types: list[str], description: str = "", actor: User | None = None
) -> WebhookEndpoint:
    """Register an endpoint for the events it wants, with a new signing secret (read it
    from the returned endpoint now: it is never shown again)."""
    url, event_types = clean_endpoint(url=url, event_types=event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            event_types=event_types,
            description=description.strip(),
            secret=new_secret(),
            created_by=actor,
        )
        forget_subscriptions()
    logger.info("webhook endpoint added id=%s events=%s", endpoint.pk, ",".join(event_types))
    return endpoint


def change_events(*, endpoint: WebhookEndpoint, event_types: list[str]) -> None:
    """Subscribe the endpoint to these events instead."""
    _url, event_types = clean_endpoint(url=endpoint.url, event_types=event_types)
    endpoint.event_types = event_types
    endpoint.save(update_fields=["event_types", "updated_at"])
    forget_subscriptions()


def enable_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Send events to the endpoint again (its failures forgotten)."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=True, disabled_at=None, failing_since=None, updated_at=timezone.now()
    )
    endpoint.enabled, endpoint.disabled_at, endpoint.failing_since = True, None, None
    forget_subscriptions()


def disable_endpoint(*, endpoint: WebhookEndpoint, now: dt.datetime | None = None) -> bool:
    """Stop sending events to the endpoint; False when it was disabled already."""
    now = now or timezone.now()
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_at=now, updated_at=now
    )
    endpoint.enabled, endpoint.disabled_at = False, now
    forget_subscriptions()
    return bool(changed)


def delete_endpoint(*, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log."""
    with transaction.atomic():
        endpoint.delete()
        forget_subscriptions()


def disable_failing_endpoints(*, now: dt.datetime | None = None) -> list[int]:
    """Disable the endpoints whose deliveries have failed for `FAILING_LIMIT` without a
    success, and email the admins about each; returns their ids."""
    now = now or timezone.now()
    failing = WebhookEndpoint.objects.filter(
        enabled=True, failing_since__lte=now - FAILING_LIMIT
    ).order_by("pk")
    disabled = []
    for endpoint in failing:
        if disable_endpoint(endpoint=endpoint, now=now):
            disabled.append(endpoint.pk)
            logger.warning(
                "webhook endpoint disabled id=%s failing_since=%s",
                endpoint.pk,
                endpoint.failing_since.isoformat(),
            )
            _tell_admins(endpoint)
    return disabled


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    """Email every active admin, in their language, that the endpoint was disabled."""
    from django.contrib.auth import get_user_model

    admins = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.ADMIN.value)
        .exclude(email="")
        .distinct()
    )
    context = {"endpoint": endpoint, "base_url": settings.NPS_BASE_URL}
    for admin in admins:
        compose_email(
            "webhooks/endpoint_disabled",
            {**context, "admin": admin},
            language=admin.language or settings.LANGUAGE_CODE,
            to=[admin.email],
        ).send(fail_silently=False)
