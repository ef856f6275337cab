"""Survey tools' webhook deliveries read as NPS answers: pure functions, no database.

Each tool has a module (`delighted`, `typeform`, `formbricks`) with:

- `SIGNATURE_HEADER`, the header that carries the tool's signature;
- `verify_signature(body=, headers=, secret=)`, which raises `SignatureError`
  when the raw body was not signed with `secret`;
- `read_event(payload, ...)`, which turns one parsed delivery into an `AnswerIn`
  (to hand to `record_response`), a `HookOptOut` or a `HookIgnored`, and raises
  Django's `ValidationError` (messages per field) for an answer it cannot read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime

from surveys.answers import AnswerIn


@dataclass(frozen=True)
class HookOptOut:
    """The person asked the tool to stop surveying them."""

    email: str


@dataclass(frozen=True)
class HookIgnored:
    """A delivery that carries no answer; acknowledged so that the tool stops retrying."""

    reason: str


HookEvent = AnswerIn | HookOptOut | HookIgnored


class SignatureError(Exception):
    """A delivery's signature is missing, malformed, stale or wrong; the message says which."""


def header(headers: Mapping[str, str], name: str) -> str:
    """The value of header `name`, looked up without regard to case; empty when absent."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return (value or "").strip()


def text(value: Any) -> str:
    """A JSON value as stripped text; empty for null, objects and lists."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def first_text(mapping: Any, keys: Iterable[str]) -> str:
    """The first non-empty text among `keys` of a JSON object (keys compared loosely)."""
    if not isinstance(mapping, dict):
        return ""
    loose = {_loose_key(k): v for k, v in mapping.items()}
    for key in keys:
        found = text(loose.get(_loose_key(key)))
        if found:
            return found
    return ""


def _loose_key(key: Any) -> str:
    """`Account ID`, `account-id` and `account_id` are the same key to a person."""
    return str(key).strip().lower().replace(" ", "_").replace("-", "_")


def unix_time(value: Any, *, field: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    """A Unix timestamp in seconds as an aware datetime; None (and an error) if it is not one."""
    if value is None or value == "":
        return None
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        errors[field] = [f"'{value}' is not a Unix timestamp in seconds."]
        return None


def iso_time(value: Any, *, field: str, errors: dict[str, list[str]]) -> dt.datetime | None:
    """An ISO 8601 date and time as a datetime; None (and an error) if it is not one."""
    if value is None or value == "":
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but not a real date (month 13)
        parsed = None
    if parsed is None:
        errors[field] = [f"'{value}' is not an ISO 8601 date and time."]
    return parsed
