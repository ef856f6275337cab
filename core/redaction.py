"""Taking a person's words and identity out of stored text and JSON (GDPR erasure, retention).

Pure functions of plain values: what to look for (`Needles`) and the value to clean. A
string that holds any of the person's details is replaced whole by a marker, not just the
detail: a sentence quoting someone's comment is theirs too. Numbers, booleans, dates and
the shape of JSON (keys, list lengths) stay, so counts read from them stay the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ERASED = "[erased]"

# Shorter names and comments would match too many unrelated words ("ok", "Al"): they are
# only recognised as a whole string, or quoted.
MIN_NEEDLE_LENGTH = 6
# Comments are quoted truncated (a 360° snapshot keeps 280 characters, a timeline 500):
# their beginning is enough to recognise them.
COMMENT_PREFIX = 40


@dataclass(frozen=True)
class Needles:
    """The details that identify one person, as they may appear in stored text."""

    words: tuple[str, ...]  # lower case; matched inside any string
    whole: tuple[str, ...]  # lower case; matched as a whole string or quoted

    @classmethod
    def of(
        cls, *, emails: Iterable[str] = (), names: Iterable[str] = (), texts: Iterable[str] = ()
    ) -> Needles:
        """Needles for a person's addresses, names (and phone) and the texts they wrote."""
        words, whole = set(), set()
        for email in emails:
            if email.strip():
                words.add(email.strip().lower())
        for value in [*names, *texts]:
            value = " ".join(value.split()).lower()
            if not value:
                continue
            if len(value) >= MIN_NEEDLE_LENGTH:
                words.add(value[:COMMENT_PREFIX])
            else:
                whole.add(value)
        return cls(words=tuple(sorted(words)), whole=tuple(sorted(whole)))

    def __bool__(self) -> bool:
        return bool(self.words or self.whole)

    def found_in(self, text: str) -> bool:
        """Whether `text` holds any of these details."""
        flat = " ".join(text.split()).lower()
        if not flat:
            return False
        if any(word in flat for word in self.words):
            return True
        return any(flat == value or f'"{value}"' in flat for value in self.whole)


def scrub(value: Any, needles: Needles, *, marker: str = ERASED) -> Any:
    """`value` with every string holding one of `needles` replaced by `marker`."""
    if isinstance(value, str):
        return marker if needles.found_in(value) else value
    if isinstance(value, list):
        return [scrub(item, needles, marker=marker) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, needles, marker=marker) for key, item in value.items()}
    return value


def blank_texts(value: Any, *, marker: str = ERASED) -> Any:
    """`value` with every free-text string replaced by `marker`; dates, numbers, booleans,
    keys and list lengths stay (a step's call attempts still count, still have their date)."""
    if isinstance(value, str):
        return value if not value or _is_date(value) else marker
    if isinstance(value, list):
        return [blank_texts(item, marker=marker) for item in value]
    if isinstance(value, dict):
        return {key: blank_texts(item, marker=marker) for key, item in value.items()}
    return value


def _is_date(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
