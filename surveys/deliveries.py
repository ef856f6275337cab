"""What an email provider reports about an email, in NPS Loop's terms (no database).

django-anymail turns each provider's webhook into tracking events of its own vocabulary;
`delivery_report` keeps the ones that matter for surveys (delivered, bounced, deferred,
rejected, failed, complained, unsubscribed) and says what kind each is. Opens, clicks and
the rest are not kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from surveys.emails import INVITATION_METADATA
from surveys.models import DeliveryKind

KINDS = {
    "delivered": DeliveryKind.DELIVERED,
    "bounced": DeliveryKind.BOUNCED,
    "deferred": DeliveryKind.SOFT_BOUNCED,
    "rejected": DeliveryKind.REJECTED,
    "failed": DeliveryKind.FAILED,
    "complained": DeliveryKind.COMPLAINED,
    "unsubscribed": DeliveryKind.UNSUBSCRIBED,
}
# Bounces anymail reports as "bounced" although the provider says they are temporary:
# Postmark's bounce `Type`, Amazon SES's `bounceType`.
SOFT_BOUNCE_TYPES = frozenset({"SoftBounce", "Transient", "DnsError"})
# anymail's reject reasons that say the address itself will not take mail: unknown or
# invalid, bounced or complained before. "blocked" (a policy: DMARC, a sender not
# confirmed at the provider) and "other" are about the email or the sender, not the person.
ADDRESS_REASONS = frozenset({"invalid", "bounced", "timed_out", "spam", "unsubscribed"})


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery event of one recipient, as the provider reported it."""

    provider: str
    event_id: str
    kind: DeliveryKind
    recipient: str
    message_id: str
    invitation_id: int | None
    description: str
    occurred_at: dt.datetime | None
    reject_reason: str = ""

    @property
    def address_refused(self) -> bool:
        """A hard bounce or a refusal because of the address: stop mailing it."""
        if self.kind == DeliveryKind.BOUNCED:
            return self.reject_reason not in ("blocked", "other")
        if self.kind == DeliveryKind.REJECTED:
            return self.reject_reason in ADDRESS_REASONS
        return False


def delivery_kind(*, event_type: str, esp_event) -> DeliveryKind | None:
    """Our kind of an anymail event type; None for events surveys do not keep."""
    if event_type == "bounced" and _is_soft(esp_event):
        return DeliveryKind.SOFT_BOUNCED
    return KINDS.get(event_type)


def _is_soft(esp_event) -> bool:
    if not isinstance(esp_event, dict):
        return False
    if esp_event.get("Type") in SOFT_BOUNCE_TYPES:
        return True
    bounce = esp_event.get("bounce")
    return isinstance(bounce, dict) and bounce.get("bounceType") in SOFT_BOUNCE_TYPES


def event_key(event_id: str | None, esp_event) -> str:
    """The provider's event id, else a digest of the event as sent: the same event delivered
    twice has the same key (Postmark gives ids to bounces only)."""
    if event_id:
        return str(event_id)[:200]
    raw = json.dumps(esp_event, sort_keys=True, default=str)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def delivery_report(event, *, provider: str) -> DeliveryReport | None:
    """The report of an anymail `AnymailTrackingEvent`; None when surveys do not keep it."""
    kind = delivery_kind(event_type=event.event_type, esp_event=event.esp_event)
    if kind is None:
        return None
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    invitation_id = str(metadata.get(INVITATION_METADATA, ""))
    description = event.description or event.mta_response or ""
    return DeliveryReport(
        provider=provider[:30],
        event_id=event_key(event.event_id, event.esp_event),
        kind=kind,
        recipient=(event.recipient or "").strip().lower()[:254],
        message_id=str(event.message_id or "")[:200],
        invitation_id=int(invitation_id) if invitation_id.isdigit() else None,
        description=str(description)[:300],
        occurred_at=event.timestamp,
        reject_reason=event.reject_reason or "",
    )
