"""Escalation rules as pure functions: the facts of a case in, the escalations due out.

The thresholds come from the settings of the playbook's escalation step
(`DEFAULT_THRESHOLDS` where a setting is missing); the reasons are written for
a manager who reads them on the dashboard, kept as sentences (`core.said`) so that each
reader reads them in their own language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_noop

from accounts.models import Persona
from core.said import Said, choice, ngettext_noop, number, say, say_count
from playbooks.models import EscalationRule

DEFAULT_THRESHOLDS: dict[str, Any] = {
    "arr_threshold": 50_000,
    "key_personas": [Persona.CHAMPION.value, Persona.EXEC_SPONSOR.value],
    "detractor_count": 3,
    "detractor_window_days": 90,
    "renewal_within_days": 90,
}


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at, gathered by the engine when the step runs."""

    arr: Decimal
    currency: str
    persona: str
    persona_label: str
    account_detractors_in_window: int  # this answer included
    renewal_date: dt.date | None
    today: dt.date  # the answer's local date: the rules judge it as of when it was given


@dataclass(frozen=True)
class EscalationDue:
    rule: str
    level: int
    said: Said

    @property
    def reason(self) -> str:
        """In English, as the API and the search read it."""
        return self.said.english()


def thresholds(step_settings: dict[str, Any]) -> dict[str, Any]:
    """The step's thresholds, with the defaults where it sets none."""
    return {**DEFAULT_THRESHOLDS, **{k: v for k, v in step_settings.items() if v is not None}}


def escalations_due(facts: CaseFacts, step_settings: dict[str, Any]) -> list[EscalationDue]:
    """Every rule that holds for these facts, with a reason a manager understands."""
    limits = thresholds(step_settings)
    due: list[EscalationDue] = []

    arr_threshold = _decimal(limits["arr_threshold"])
    if arr_threshold is not None and facts.arr >= arr_threshold > 0:
        due.append(
            EscalationDue(
                rule=EscalationRule.ARR_AT_STAKE,
                level=2,
                said=say(
                    gettext_noop("%(arr)s %(currency)s of ARR at stake (threshold %(threshold)s)."),
                    arr=number(facts.arr),
                    currency=facts.currency,
                    threshold=number(arr_threshold),
                ),
            )
        )

    if facts.persona in set(limits["key_personas"] or ()):
        due.append(
            EscalationDue(
                rule=EscalationRule.KEY_CONTACT,
                level=2,
                said=say(
                    gettext_noop(
                        "The detractor is the account's %(persona)s: the relationship itself "
                        "is at risk; consider involving the exec sponsor."
                    ),
                    persona=choice("persona", facts.persona, lower=True),
                ),
            )
        )

    # The rule is about the dissatisfaction of several people: below 2 it would fire on
    # every detractor, which the other rules and the case itself already cover.
    count = max(2, int(limits["detractor_count"]))
    window = int(limits["detractor_window_days"])
    if facts.account_detractors_in_window >= count:
        due.append(
            EscalationDue(
                rule=EscalationRule.REPEATED_DETRACTORS,
                level=2,
                said=say_count(
                    ngettext_noop(
                        "%(count)d detractors at this account in the last %(days)d day: "
                        "the dissatisfaction goes beyond one person.",
                        "%(count)d detractors at this account in the last %(days)d days: "
                        "the dissatisfaction goes beyond one person.",
                    ),
                    "days",
                    count=facts.account_detractors_in_window,
                    days=window,
                ),
            )
        )

    within = int(limits["renewal_within_days"])
    if facts.renewal_date is not None and within > 0:
        days_left = (facts.renewal_date - facts.today).days
        if 0 <= days_left <= within:
            due.append(
                EscalationDue(
                    rule=EscalationRule.RENEWAL_SOON,
                    level=3 if days_left <= 30 else 2,
                    said=say_count(
                        ngettext_noop(
                            "Renewal in %(days)d day (%(date)s).",
                            "Renewal in %(days)d days (%(date)s).",
                        ),
                        "days",
                        days=days_left,
                        date=facts.renewal_date.isoformat(),
                    ),
                )
            )
    return due


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
