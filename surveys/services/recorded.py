"""What recording a delivery of an answer did, and the rule that tells a correction from a
repeat or a stale delivery: shared by `record_response`, its one-statement path and the
bulk API's `record_responses`."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from surveys.answers import AnswerIn
from surveys.models import Response


class AddressErased(ValidationError):
    """The answer is from someone erased at their request: NPS Loop stores nothing of them."""

    def __init__(self) -> None:
        super().__init__(
            {
                "email": [
                    _(
                        "This person was erased from NPS Loop at their request (GDPR): "
                        "their answers are not stored. Stop surveying them."
                    )
                ]
            },
        )


@dataclass(frozen=True)
class RecordedResponse:
    """What recording a delivery did: `created` a new answer; else `changed` the fields a
    correction changed (none for a repeat), or nothing because it was `stale`."""

    response: Response
    created: bool
    changed: tuple[str, ...] = ()
    stale: bool = False


# What a later delivery of the same answer may correct.
CORRECTABLE_FIELDS = ("score", "comment", "language")


def planned_correction(response: Response, answer: AnswerIn) -> dict[str, object] | None:
    """What a later delivery of a stored answer would change: the new value per field ({}
    for a repeat), or None when it is stale (older at the source than what is stored)."""
    stored_at = response.source_updated_at
    if stored_at is not None and answer.updated_at < stored_at:
        return None
    # Two versions stamped at the same instant: only what the stored one lacks is taken,
    # so that either order of arrival ends the same.
    same_instant = stored_at is not None and answer.updated_at == stored_at
    changes: dict[str, object] = {}
    for field in CORRECTABLE_FIELDS:
        new, old = getattr(answer, field), getattr(response, field)
        if new in ("", None) or new == old:
            continue
        if same_instant and old not in ("", None):
            continue
        changes[field] = new
    return changes
