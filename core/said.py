"""Sentences written once and read later in the reader's language.

A sentence is kept untranslated, as its English message id and its parameters (`Said`),
and translated when a person reads it: a case's timeline, a notification. Parameters are
plain values (names, counts, free text a person typed), or a choice code
(`choice("case_status", "new")`), a fixed phrase (`phrase("the managers")`) or whole
sentences (`sentences(say(...), ...)`), which are translated with the sentence.

The apps that own the choices register them (`register_choices`), so that this ground
floor never imports the floors above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop, ngettext


@dataclass(frozen=True)
class Said:
    """A sentence: an English message id and its parameters; with a plural form, the
    parameter whose number chooses between them."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str = ""
    count: str = ""

    def as_json(self) -> dict[str, Any]:
        kept = {"msgid": self.msgid, "params": self.params}
        if self.plural:
            kept.update(plural=self.plural, count=self.count)
        return kept

    def english(self) -> str:
        with translation.override("en"):
            return render(self.as_json())


def say(msgid: str, **params: Any) -> Said:
    """A sentence to keep; mark `msgid` with gettext_noop where it is written."""
    return Said(msgid=msgid, params=params)


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Mark a sentence and its plural for translation, untranslated (`makemessages` knows
    the keyword): the forms `say_count` keeps."""
    return singular, plural


def say_count(forms: tuple[str, str], chosen_by: str, /, **params: Any) -> Said:
    """A sentence with a plural form, chosen by the number in the parameter `chosen_by`."""
    singular, plural = forms
    return Said(msgid=singular, params=params, plural=plural, count=chosen_by)


def number(value: Any, decimals: int = 0) -> dict[str, Any]:
    """A parameter shown as a number in the reader's way (460,000 or 460 000)."""
    return {"number": str(value), "decimals": decimals}


def choice(kind: str, value: str, *, lower: bool = False) -> dict[str, Any]:
    """A parameter shown as the label of a choice (a status, a category, an outcome),
    in lower case inside a sentence when `lower`."""
    return {"choice": kind, "value": value, "lower": lower}


def phrase(msgid: str) -> dict[str, str]:
    """A parameter that is itself a fixed, translated phrase."""
    return {"phrase": msgid}


THE_MANAGERS = gettext_noop("the managers")


def named(names: dict[str, str]) -> dict[str, dict[str, str]]:
    """A parameter that is a name kept in several languages ({"en": ..., "fr": ...}), shown
    in the reader's language, or in English when it has no name in theirs."""
    return {"named": names}


def in_reader_language(names: dict[str, str]) -> str:
    """Of a name kept in several languages ({"en": ..., "fr": ...}), the reader's, or the
    English one when it has none in theirs."""
    language = (translation.get_language() or "en").split("-")[0]
    return names.get(language) or names.get("en", "")


def sentences(*said: Said) -> dict[str, list]:
    """A parameter made of whole sentences, each translated, shown one after the other."""
    return {"sentences": [s.as_json() for s in said]}


def someone(user) -> Any:
    """A person as a parameter: their name, or the manager group when nobody."""
    return str(user) if user is not None else phrase(THE_MANAGERS)


def render(said: dict[str, Any]) -> str:
    """The sentence in the active language; parameters a sentence lacks show as '?'."""
    params = said.get("params", {})
    values = _Values({name: _value(value) for name, value in params.items()})
    try:
        if said.get("plural"):
            text = ngettext(said["msgid"], said["plural"], int(params[said["count"]]))
            return (text % values).strip()
        return (gettext(said["msgid"]) % values).strip()
    except (KeyError, TypeError, ValueError):
        return (said["msgid"] % values).strip() if isinstance(said.get("msgid"), str) else ""


_CHOICES: dict[str, type[Choices]] = {}


def register_choices(**kinds: type[Choices]) -> None:
    """Make `choice(kind, value)` parameters show the labels of these choices."""
    _CHOICES.update(kinds)


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _value(value: Any) -> Any:
    if isinstance(value, dict):
        if "phrase" in value:
            return gettext(value["phrase"])
        if "number" in value:
            return number_format(
                Decimal(value["number"]), value.get("decimals", 0), force_grouping=True
            )
        if "choice" in value:
            label = _choice_label(value["choice"], value.get("value", ""))
            return label.lower() if value.get("lower") else label
        if "sentences" in value:
            return " ".join(render(said) for said in value["sentences"])
        if "named" in value:
            return in_reader_language(value["named"])
    return value


def _choice_label(kind: str, value: str) -> str:
    choices = _CHOICES.get(kind)
    if choices is None:
        return value
    return str(dict(choices.choices).get(value, value))
