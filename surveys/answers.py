"""One shape for an NPS answer on its way in, from every channel.

The REST API, the survey tools' webhooks, CSV imports, the survey page and the demo each
build an `AnswerIn`; `clean_answer` checks and normalises it; `record_response`
(`surveys.services.responses`) stores it, idempotently on (source, external id): a
second delivery with other content is a correction, unless it is older than the stored
answer's last change at the source (`updated_at`), in which case it is stale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from core.periods import FIRST_DAY, FIRST_MOMENT
from surveys.models import Source

if TYPE_CHECKING:
    from surveys.models import Campaign

MAX_COMMENT_LENGTH = 10_000
# Clocks of other systems drift; an answer a few minutes "in the future" is not an error.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
# Built once: `Source.values` is rebuilt at each access, and imports check a million rows.
_SOURCES = frozenset(Source.values)


@dataclasses.dataclass(frozen=True)
class AnswerIn:
    """One answer as a channel received it. `score` may still be text (a CSV cell, a form
    field); `clean_answer` makes it a whole number or says why not."""

    source: str
    external_id: str
    email: str
    score: Any
    comment: str | None = ""
    answered_at: dt.datetime | None = None
    account_external_id: str | None = ""
    contact_name: str | None = ""
    language: str | None = ""
    campaign: Campaign | None = None
    # As received, kept for audit.
    payload: Any = None
    # When the sending system last changed the answer (its own clock); None: now, on
    # arrival. A delivery of a stored answer that is older than what is stored is stale.
    updated_at: dt.datetime | None = None


def clean_answer(answer: AnswerIn) -> AnswerIn:
    """The answer checked and normalised, as `record_response` stores it (email in lower
    case, texts trimmed, the language as a two- or three-letter code, a naive time read as
    UTC, no answer time or last-modified time as now). Raises `ValidationError` with a
    message per field. Imports call it on every row before they record any."""
    raw = answer.__dict__  # read-only here: the fields as received
    errors: dict[str, list[str]] = {}
    now = timezone.now()

    source = raw["source"]
    if source not in _SOURCES:
        errors["source"] = [f"Unknown source '{source}'."]

    external_id = _text(raw["external_id"])
    if not external_id:
        errors["external_id"] = ["This field is required: the answer's id in the sending system."]
    elif len(external_id) > 200:
        errors["external_id"] = ["At most 200 characters."]

    email = str(raw["email"] or "").strip().lower()
    if not email:
        errors["email"] = ["This field is required: the email of the person who answered."]
    elif not _is_email(email):
        errors["email"] = [f"'{raw['email']}' is not a valid email address."]

    score = _clean_score(raw["score"], errors)

    comment = _text(raw["comment"])
    if len(comment) > MAX_COMMENT_LENGTH:
        errors["comment"] = [f"At most {MAX_COMMENT_LENGTH} characters."]

    answered_at = raw["answered_at"] or now
    if not isinstance(answered_at, dt.datetime):
        errors["answered_at"] = ["Expected a date and time."]
    else:
        if timezone.is_naive(answered_at):
            answered_at = timezone.make_aware(answered_at, dt.UTC)
        if answered_at > now + FUTURE_TOLERANCE:
            errors["answered_at"] = ["The answer date is in the future."]
        elif answered_at < FIRST_MOMENT:
            # No report's period starts earlier: it is a sending system's empty date
            # (0001-01-01, 1970-01-01) or a typo, and stored it would count in no period.
            errors["answered_at"] = [
                f"The answer date is before {FIRST_DAY.isoformat()}, the first day reports "
                "cover: give the day it was given (0001-01-01 or 1970-01-01 is often an empty "
                "date in the sending system)."
            ]

    updated_at = raw["updated_at"] or now
    if not isinstance(updated_at, dt.datetime):
        errors["updated_at"] = ["Expected a date and time."]
    else:
        if timezone.is_naive(updated_at):
            updated_at = timezone.make_aware(updated_at, dt.UTC)
        if updated_at > now + FUTURE_TOLERANCE:
            errors["updated_at"] = ["The last-modified time is in the future."]

    account_external_id = _text(raw["account_external_id"])
    if len(account_external_id) > 100:
        errors["account_external_id"] = ["At most 100 characters."]

    contact_name = _text(raw["contact_name"])
    if len(contact_name) > 200:
        errors["contact_name"] = ["At most 200 characters."]

    language = str(raw["language"] or "").strip().lower().replace("_", "-").split("-")[0]
    if language and not (language.isalpha() and 2 <= len(language) <= 3):
        errors["language"] = [f"'{raw['language']}' is not a language code such as 'en' or 'fr'."]

    if errors:
        raise ValidationError(errors)
    return dataclasses.replace(
        answer,
        external_id=external_id,
        email=email,
        score=score,
        comment=comment,
        answered_at=answered_at,
        updated_at=updated_at,
        account_external_id=account_external_id,
        contact_name=contact_name,
        language=language,
        payload=_storable(raw["payload"]),
    )


def _text(value: Any) -> str:
    """A text field trimmed, without the NUL characters PostgreSQL cannot store."""
    return str(value or "").replace("\x00", "").strip()


@functools.lru_cache(maxsize=65_536)
def _is_email(email: str) -> bool:
    """Django's check of an address, remembered: an import of a hundred thousand answers
    holds a few thousand people, each checked once."""
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _plain_text(value: Any) -> bool:
    return type(value) is str and "\x00" not in value


def _storable(payload: Any) -> Any:
    """The payload as received, less the NUL characters PostgreSQL's JSON cannot store."""
    if isinstance(payload, str):
        return payload.replace("\x00", "")
    if isinstance(payload, dict):
        if all(_plain_text(key) and _plain_text(value) for key, value in payload.items()):
            return payload  # texts without NUL, as an import's every row: kept as they are
        return {_storable(str(key)): _storable(value) for key, value in payload.items()}
    if isinstance(payload, list):
        return [_storable(item) for item in payload]
    return payload


def _clean_score(value: Any, errors: dict[str, list[str]]) -> int | None:
    message = "The score must be a whole number from 0 to 10."
    if value is None or value == "" or isinstance(value, bool):
        errors["score"] = ["This field is required. " + message]
        return None
    if isinstance(value, float):
        if not value.is_integer():
            errors["score"] = [message]
            return None
        value = int(value)
    if isinstance(value, str):
        if not value.strip().isdigit():
            errors["score"] = [message]
            return None
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= 10:
        errors["score"] = [message]
        return None
    return value
