"""Delighted webhooks: `survey_response.created`, `survey_response.updated`, `unsubscribe.created`.

Delighted signs each delivery with the project's API key:
`X-Delighted-Webhook-Signature: sha256=<hex HMAC-SHA256(api key, raw body)>`.
A response usually arrives with its score only; the comment follows in a
`survey_response.updated` event for the same response id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from surveys.answers import AnswerIn
from surveys.hooks import (
    HookEvent,
    HookIgnored,
    HookOptOut,
    SignatureError,
    first_text,
    header,
    text,
    unix_time,
)
from surveys.models import Source

SIGNATURE_HEADER = "X-Delighted-Webhook-Signature"

RESPONSE_CREATED = "survey_response.created"
RESPONSE_UPDATED = "survey_response.updated"
UNSUBSCRIBE_CREATED = "unsubscribe.created"

# Delighted also runs CSAT, CES, 5-star, smiley, eNPS and PMF surveys; only NPS is an answer here.
NPS_SURVEY_TYPE = "nps"

ACCOUNT_PROPERTIES = ("account_external_id", "account_id")
LANGUAGE_PROPERTIES = ("locale", "language")


def verify_signature(*, body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise `SignatureError` unless the body was signed with `secret` (the Delighted API key)."""
    received = header(headers, SIGNATURE_HEADER)
    if not received:
        raise SignatureError(f"The {SIGNATURE_HEADER} header is missing.")
    algorithm, _, digest = received.rpartition("=")
    if algorithm and algorithm.lower() != "sha256":
        raise SignatureError(f"{SIGNATURE_HEADER} must be 'sha256=<hex digest>'.")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), digest.strip().lower().encode()):
        raise SignatureError(f"The {SIGNATURE_HEADER} signature does not match the body.")


def read_event(payload: dict[str, Any]) -> HookEvent:
    """What one Delighted delivery means for NPS Loop."""
    event_type = text(payload.get("event_type"))
    event_data = payload.get("event_data")
    if event_type == UNSUBSCRIBE_CREATED:
        return _opt_out(event_data)
    if event_type not in (RESPONSE_CREATED, RESPONSE_UPDATED):
        return HookIgnored(reason=f"Delighted event '{event_type}' carries no NPS answer.")
    if not isinstance(event_data, dict):
        raise ValidationError({"event_data": ["Expected the survey response as an object."]})

    survey_type = text(event_data.get("survey_type")).lower() or NPS_SURVEY_TYPE
    if survey_type != NPS_SURVEY_TYPE:
        return HookIgnored(reason=f"Delighted '{survey_type}' survey responses are not NPS.")

    errors: dict[str, list[str]] = {}
    person = event_data.get("person") if isinstance(event_data.get("person"), dict) else {}
    external_id = text(event_data.get("id"))
    if not external_id:
        errors["event_data.id"] = ["This field is required: the Delighted response id."]
    email = text(person.get("email"))
    if not email:
        errors["email"] = [
            "Delighted sent no email for this person (SMS surveys have none): "
            "NPS Loop needs one to find the contact."
        ]
    answered_at = unix_time(
        event_data.get("created_at"), field="event_data.created_at", errors=errors
    )
    # Delighted's own last change of the response: what orders its deliveries.
    updated_at = (
        unix_time(event_data.get("updated_at"), field="event_data.updated_at", errors=errors)
        or answered_at
    )
    if errors:
        raise ValidationError(errors)

    properties = event_data.get("person_properties")
    return AnswerIn(
        source=Source.DELIGHTED,
        external_id=external_id,
        email=email,
        score=event_data.get("score"),
        comment=text(event_data.get("comment")),
        answered_at=answered_at,
        updated_at=updated_at,
        account_external_id=first_text(properties, ACCOUNT_PROPERTIES),
        contact_name=text(person.get("name")),
        language=first_text(properties, LANGUAGE_PROPERTIES),
    )


def _opt_out(event_data: Any) -> HookEvent:
    if not isinstance(event_data, dict):
        raise ValidationError({"event_data": ["Expected the unsubscribed person as an object."]})
    person = event_data.get("person")
    email = first_text(person, ["email"]) or first_text(event_data, ["email", "person_email"])
    if not email:
        raise ValidationError({"email": ["Delighted sent no email for the unsubscribed person."]})
    return HookOptOut(email=email)
