"""What a case's timeline says, in the reader's language.

An event is written once, by the worker or by a person, and read later by people who
use the interface in English or in French. So each event keeps the English sentence
(`CaseEvent.message`, for the API, the admin and search) and the sentence untranslated,
with its parameters (`CaseEvent.said`); the case page translates that when it shows it.
The sentences themselves are `core.said`'s (notifications keep theirs the same way);
this module names the choices a timeline sentence may show.
"""

from __future__ import annotations

from accounts.models import Persona
from core.said import (
    THE_MANAGERS,
    Said,
    choice,
    named,
    phrase,
    register_choices,
    render,
    say,
    sentences,
    someone,
)
from playbooks.models import (
    ActionAudience,
    ActionStatus,
    CaseOutcome,
    CaseStatus,
    MessagePurpose,
)
from surveys.models import Category

__all__ = [
    "THE_MANAGERS",
    "Said",
    "choice",
    "event_text",
    "named",
    "phrase",
    "render",
    "say",
    "sentences",
    "someone",
]

register_choices(
    case_status=CaseStatus,
    action_status=ActionStatus,
    audience=ActionAudience,
    outcome=CaseOutcome,
    category=Category,
    message_purpose=MessagePurpose,
    persona=Persona,
)


def event_text(event) -> str:
    """What the timeline shows for an event: its sentence in the reader's language, or the
    message as written for events written before sentences were kept."""
    if event.said.get("msgid"):
        return render(event.said)
    return event.message
