"""What a case's timeline says, in the reader's language.

An event is written once, by the worker or by a person, and read later by people who
use the interface in English or in French. So each event keeps the English sentence
(`CaseEvent.message`, for the API, the admin and search) and the sentence untranslated,
with its parameters (`CaseEvent.said`); the case page translates that when it shows it.

Parameters are plain values (names, counts, free text a person typed), or a choice
code (`choice("case_status", "new")`), a fixed phrase (`phrase("the managers")`) or
whole sentences (`sentences(say(...), ...)`), which are translated with the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Said:
    """A timeline sentence: an English message id and its parameters."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"msgid": self.msgid, "params": self.params}

    def english(self) -> str:
        with translation.override("en"):
            return render(self.as_json())


def say(msgid: str, **params: Any) -> Said:
    """A sentence for the timeline; mark `msgid` with gettext_noop where it is written."""
    return Said(msgid=msgid, params=params)


def choice(kind: str, value: str, *, lower: bool = False) -> dict[str, Any]:
    """A parameter shown as the label of a choice (a status, a category, an outcome),
    in lower case inside a sentence when `lower`."""
    return {"choice": kind, "value": value, "lower": lower}


def phrase(msgid: str) -> dict[str, str]:
    """A parameter that is itself a fixed, translated phrase."""
    return {"phrase": msgid}


THE_MANAGERS = gettext_noop("the managers")


def sentences(*said: Said) -> dict[str, list]:
    """A parameter made of whole sentences, each translated, shown one after the other."""
    return {"sentences": [s.as_json() for s in said]}


def someone(user) -> Any:
    """A person as a parameter: their name, or the manager group when nobody."""
    return str(user) if user is not None else phrase(THE_MANAGERS)


def render(said: dict[str, Any]) -> str:
    """The sentence in the active language; parameters a sentence lacks show as '?'."""
    values = _Values({name: _value(value) for name, value in said.get("params", {}).items()})
    try:
        return (gettext(said["msgid"]) % values).strip()
    except (KeyError, TypeError, ValueError):
        return (said["msgid"] % values).strip() if isinstance(said.get("msgid"), str) else ""


def event_text(event) -> str:
    """What the timeline shows for an event: its sentence in the reader's language, or the
    message as written for events written before sentences were kept."""
    if event.said.get("msgid"):
        return render(event.said)
    return event.message


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        if "phrase" in value:
            return gettext(value["phrase"])
        if "choice" in value:
            label = _choice_label(value["choice"], value.get("value", ""))
            return label.lower() if value.get("lower") else label
        if "sentences" in value:
            return " ".join(render(said) for said in value["sentences"])
    return value


def _choice_label(kind: str, value: str) -> str:
    from playbooks.models import (
        ActionAudience,
        ActionStatus,
        CaseOutcome,
        CaseStatus,
        MessagePurpose,
    )
    from surveys.models import Category

    choices = {
        "case_status": CaseStatus,
        "action_status": ActionStatus,
        "audience": ActionAudience,
        "outcome": CaseOutcome,
        "category": Category,
        "message_purpose": MessagePurpose,
    }.get(kind)
    if choices is None:
        return value
    return str(dict(choices.choices).get(value, value))
