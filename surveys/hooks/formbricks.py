"""Formbricks webhooks: `responseCreated`, `responseUpdated` and `responseFinished`.

Formbricks signs deliveries per the Standard Webhooks specification: headers
`webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, several may be
given, space separated), the key being the base64 part of the `whsec_…` secret.

A response is delivered several times as the person goes through the survey,
always with the same `data.id`: the answer is created by the first delivery
that holds a score and completed by the later ones. The webhook does not say
which question is the NPS one, so the score is the first whole number from 0
to 10 unless `score_question` names the question.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError

from surveys.answers import AnswerIn
from surveys.hooks import (
    HookEvent,
    HookIgnored,
    SignatureError,
    first_text,
    header,
    iso_time,
    text,
)
from surveys.models import Source

SIGNATURE_HEADER = "webhook-signature"
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a format marker, not a secret)
# Standard Webhooks: deliveries older or newer than this are replays or wrong clocks.
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60

ANSWER_EVENTS = ("responseCreated", "responseUpdated", "responseFinished")

# Values Formbricks stores for call-to-action and consent questions: not comments.
QUESTION_MARKERS = frozenset({"clicked", "dismissed", "accepted"})
EMAIL_KEYS = ("email",)
NAME_KEYS = ("name",)
ACCOUNT_KEYS = ("account_external_id", "account_id", "accountId")
# Hidden fields and attributes that are about the person, never the comment.
PERSON_KEYS = frozenset({*EMAIL_KEYS, *NAME_KEYS, *ACCOUNT_KEYS, "userId", "language"})


def verify_signature(
    *, body: bytes, headers: Mapping[str, str], secret: str, now: float | None = None
) -> None:
    """Raise `SignatureError` unless the body was signed with `secret` in the last 5 minutes."""
    message_id = header(headers, ID_HEADER)
    timestamp = header(headers, TIMESTAMP_HEADER)
    signatures = header(headers, SIGNATURE_HEADER)
    missing = [
        name
        for name, value in (
            (ID_HEADER, message_id),
            (TIMESTAMP_HEADER, timestamp),
            (SIGNATURE_HEADER, signatures),
        )
        if not value
    ]
    if missing:
        raise SignatureError(f"Missing header(s): {', '.join(missing)}.")
    if not timestamp.isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} must be a Unix timestamp in seconds.")
    drift = abs((time.time() if now is None else now) - int(timestamp))
    if drift > TIMESTAMP_TOLERANCE_SECONDS:
        raise SignatureError(
            f"{TIMESTAMP_HEADER} is {int(drift)} seconds away from our clock "
            f"(at most {TIMESTAMP_TOLERANCE_SECONDS} allowed): a replay or a wrong clock."
        )
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    expected = base64.b64encode(digest)
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(expected, signature.encode()):
            return
    raise SignatureError(f"The {SIGNATURE_HEADER} signature does not match the body.")


def _key(secret: str) -> bytes:
    encoded = secret.strip().removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        # Not a Standard Webhooks secret: no signature can match it.
        raise SignatureError(f"The {SIGNATURE_HEADER} signature does not match the body.") from None


def read_event(payload: Any, *, score_question: str = "", comment_question: str = "") -> HookEvent:
    """What one Formbricks delivery (one element when the body is an array) means."""
    if not isinstance(payload, dict):
        raise ValidationError({"body": ["Expected each delivery to be a JSON object."]})
    event = text(payload.get("event"))
    if event not in ANSWER_EVENTS:
        return HookIgnored(reason=f"Formbricks event '{event}' carries no answer.")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise ValidationError({"data": ["Expected the survey response as an object."]})
    values = data.get("data") if isinstance(data.get("data"), dict) else {}

    score_key = _score_key(values, score_question)
    if score_key is None:
        wanted = f"question '{score_question}'" if score_question else "a 0–10 question"
        return HookIgnored(reason=f"The response has no answer to {wanted} yet.")

    errors: dict[str, list[str]] = {}
    external_id = text(data.get("id"))
    if not external_id:
        errors["data.id"] = ["This field is required: the Formbricks response id."]
    people = _person_sources(data, values)
    email = _first(people, EMAIL_KEYS)
    if not email:
        errors["email"] = [
            "The response has no email: identify the contact (attribute 'email') "
            "or add a hidden field named 'email' to the survey."
        ]
    answered_at = iso_time(data.get("createdAt"), field="data.createdAt", errors=errors)
    # Formbricks' own last change of the response: what orders its deliveries.
    updated_at = (
        iso_time(data.get("updatedAt"), field="data.updatedAt", errors=errors) or answered_at
    )
    if errors:
        raise ValidationError(errors)

    language = text(data.get("language"))
    return AnswerIn(
        source=Source.FORMBRICKS,
        external_id=external_id,
        email=email,
        score=values[score_key],
        comment=_comment(values, score_key, comment_question),
        answered_at=answered_at,
        updated_at=updated_at,
        account_external_id=_first(people, ACCOUNT_KEYS),
        contact_name=_first(people, NAME_KEYS) or _full_name(people),
        # Formbricks calls the survey's main language "default".
        language="" if language == "default" else language,
    )


def _is_zero_to_ten(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return float(value).is_integer() and 0 <= value <= 10


def _score_key(values: dict[str, Any], score_question: str) -> str | None:
    if score_question:
        return score_question if values.get(score_question) not in (None, "") else None
    return next((key for key, value in values.items() if _is_zero_to_ten(value)), None)


def _comment(values: dict[str, Any], score_key: str, comment_question: str) -> str:
    if comment_question:
        return text(values.get(comment_question))
    # Without a named question: the first free text answered after the score.
    keys = list(values)
    for key in keys[keys.index(score_key) + 1 :]:
        value = values[key]
        if key in PERSON_KEYS or not isinstance(value, str):
            continue
        if value.strip() and value.strip().lower() not in QUESTION_MARKERS:
            return value.strip()
    return ""


def _person_sources(data: dict[str, Any], values: dict[str, Any]) -> list[Any]:
    """Where Formbricks versions put what they know of the person, most reliable first."""
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    person = data.get("person") if isinstance(data.get("person"), dict) else {}
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    url_fields = {k: v[0] for k, v in parse_qs(urlparse(text(meta.get("url"))).query).items()}
    return [
        data.get("contactAttributes"),
        contact.get("attributes"),
        data.get("personAttributes"),
        person.get("attributes"),
        values,  # hidden fields
        url_fields,  # hidden fields passed in the survey link
    ]


def _first(sources: list[Any], keys: tuple[str, ...]) -> str:
    return next((found for source in sources if (found := first_text(source, keys))), "")


def _full_name(sources: list[Any]) -> str:
    for source in sources:
        name = " ".join(
            part
            for part in (first_text(source, ["firstName"]), first_text(source, ["lastName"]))
            if part
        )
        if name:
            return name
    return ""
