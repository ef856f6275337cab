"""Typeform webhooks: one `form_response` event per submitted form.

Typeform signs each delivery with the webhook's secret:
`Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`.
The score is the answer to the form's Net Promoter Score® or 0–10 opinion
scale question; the rest comes from the other answers and the hidden fields.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

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

SIGNATURE_HEADER = "Typeform-Signature"

FORM_RESPONSE = "form_response"

# Field types whose answers are a 0–10 score, the dedicated NPS question first.
SCORE_FIELD_TYPES = ("nps", "opinion_scale")
# Free text questions, in the order they are preferred as the comment.
COMMENT_FIELD_TYPES = ("long_text", "short_text")
ZERO_TO_TEN_STEPS = 11

ACCOUNT_HIDDEN_FIELDS = ("account_external_id", "account_id")
LANGUAGE_HIDDEN_FIELDS = ("language", "lang", "locale")


def verify_signature(*, body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise `SignatureError` unless the body was signed with the webhook's `secret`."""
    received = header(headers, SIGNATURE_HEADER)
    if not received:
        raise SignatureError(f"The {SIGNATURE_HEADER} header is missing.")
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    expected = "sha256=" + base64.b64encode(digest).decode()
    if not hmac.compare_digest(expected.encode(), received.encode()):
        raise SignatureError(f"The {SIGNATURE_HEADER} signature does not match the body.")


def read_event(
    payload: dict[str, Any], *, score_field: str = "", comment_field: str = ""
) -> HookEvent:
    """What one Typeform delivery means for NPS Loop.

    `score_field` and `comment_field` name a question by its id or ref, for forms
    that hold more than one scale or free text question.
    """
    event_type = text(payload.get("event_type"))
    if event_type != FORM_RESPONSE:
        return HookIgnored(reason=f"Typeform event '{event_type}' carries no form response.")
    form_response = payload.get("form_response")
    if not isinstance(form_response, dict):
        raise ValidationError({"form_response": ["Expected the form response as an object."]})

    answers = _answers_with_field_types(form_response)
    score_answer = _score_answer(answers, score_field)
    if score_answer is None:
        return HookIgnored(reason="The form response has no answer to a 0–10 question.")

    errors: dict[str, list[str]] = {}
    hidden = form_response.get("hidden") if isinstance(form_response.get("hidden"), dict) else {}
    external_id = text(form_response.get("token"))
    if not external_id:
        errors["form_response.token"] = ["This field is required: the Typeform response id."]
    email = next((text(a.get("email")) for a in answers if a.get("type") == "email"), "")
    email = email or first_text(hidden, ["email"])
    if not email:
        errors["email"] = [
            "The form response has no email: add an Email question or a hidden field "
            "named 'email' to the form."
        ]
    answered_at = iso_time(
        form_response.get("submitted_at"), field="form_response.submitted_at", errors=errors
    )
    if errors:
        raise ValidationError(errors)

    return AnswerIn(
        source=Source.TYPEFORM,
        external_id=external_id,
        email=email,
        score=score_answer.get("number"),
        comment=_comment(answers, comment_field),
        answered_at=answered_at,
        # A Typeform submission does not change after `submitted_at`.
        updated_at=answered_at,
        account_external_id=first_text(hidden, ACCOUNT_HIDDEN_FIELDS),
        contact_name=first_text(hidden, ["name"]),
        language=first_text(hidden, LANGUAGE_HIDDEN_FIELDS),
    )


def _answers_with_field_types(form_response: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers, each with `_field` set to its question's definition (type, steps, ref)."""
    definition = form_response.get("definition")
    fields = definition.get("fields") if isinstance(definition, dict) else None
    by_id = {f.get("id"): f for f in fields or [] if isinstance(f, dict)}
    answers = []
    for answer in form_response.get("answers") or []:
        if not isinstance(answer, dict):
            continue
        field = answer.get("field") if isinstance(answer.get("field"), dict) else {}
        answers.append({**answer, "_field": {**field, **by_id.get(field.get("id"), {})}})
    return answers


def _named(answer: dict[str, Any], name: str) -> bool:
    return name in (answer["_field"].get("id"), answer["_field"].get("ref"))


def _score_answer(answers: list[dict[str, Any]], score_field: str) -> dict[str, Any] | None:
    if score_field:
        return next((a for a in answers if _named(a, score_field)), None)
    for field_type in SCORE_FIELD_TYPES:
        for answer in answers:
            if answer.get("type") == "number" and _is_zero_to_ten(answer["_field"], field_type):
                return answer
    return None


def _is_zero_to_ten(field: dict[str, Any], field_type: str) -> bool:
    if field.get("type") != field_type:
        return False
    # Webhook definitions often omit the scale's properties; when present they must say 0–10.
    properties = field.get("properties") if isinstance(field.get("properties"), dict) else {}
    steps = properties.get("steps", ZERO_TO_TEN_STEPS)
    return steps == ZERO_TO_TEN_STEPS and not properties.get("start_at_one", False)


def _comment(answers: list[dict[str, Any]], comment_field: str) -> str:
    if comment_field:
        return next((text(a.get("text")) for a in answers if _named(a, comment_field)), "")
    for field_type in COMMENT_FIELD_TYPES:
        for answer in answers:
            if answer["_field"].get("type") == field_type and text(answer.get("text")):
                return text(answer.get("text"))
    return ""
