"""The risk score of a case, 0–100: pure arithmetic on plain values, no database.

The score is a sum of parts, each part its weight (a business setting) times a factor from
0 to 1, rounded to whole points part by part, so that the parts shown always add up to the
score. The weights add up to 100.

- ARR at stake: the account's ARR, converted to the reporting currency, over the setting
  "full at" (capped at 1); 0 when its currency has no rate.
- Renewal: 1 when the renewal date is today or passed less than `RECENT_RENEWAL_DAYS` ago,
  falling linearly to 0 at the horizon; 0 when unknown or long passed.
- Answer: (9 − score) / 9: a 0 counts in full, a promoter (9, 10) not at all.
- Influence: the persona's share times the influence's (a decision maker of high influence
  counts in full, a user of low influence hardly).
- Escalated: 1 while the case has an unresolved escalation.
- Overdue: 1 while its first contact, one of its people's steps or an action is late.

ARR, answer and influence do not change with time: their points are stored on the case
(`Case.risk_base`) and sorted on; renewal, escalation and overdue work are added when the
queue is read. `playbooks.selectors.risk` writes the same arithmetic in SQL; integer
arithmetic on both sides keeps them equal to the point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Influence, Persona

# A renewal that passed less than this many days ago is likely still being negotiated:
# it counts as due today. An older one is stale CRM data and counts for nothing.
RECENT_RENEWAL_DAYS = 30

# Out of 100: how much of the influence part a persona and an influence level carry.
PERSONA_SHARE = {
    Persona.DECISION_MAKER: 100,
    Persona.EXEC_SPONSOR: 100,
    Persona.CHAMPION: 80,
    Persona.ADMIN: 50,
    Persona.USER: 40,
    Persona.OTHER: 40,
}
INFLUENCE_SHARE = {Influence.HIGH: 100, Influence.MEDIUM: 70, Influence.LOW: 40}
DEFAULT_SHARE = 40  # a persona or influence NPS Loop does not know

# The highest answer that carries risk: 9 and 10 are promoters.
TOP_RISKY_SCORE = 9

# name: label, in the order the parts are shown
PART_LABELS = {
    "arr": _("ARR at stake"),
    "renewal": _("Renewal"),
    "score": _("Answer"),
    "influence": _("Contact's influence"),
    "escalation": _("Escalated"),
    "overdue": _("Overdue work"),
}
BASE_PARTS = ("arr", "score", "influence")


@dataclass(frozen=True)
class RiskWeights:
    """The points each part may reach (adding up to 100), and the two scales."""

    arr: int = 25
    renewal: int = 20
    score: int = 20
    influence: int = 15
    escalation: int = 10
    overdue: int = 10
    arr_full_at: int = 100_000
    renewal_horizon_days: int = 180
    # ARR is converted to it before it is weighed: "full at" is an amount of it.
    reporting_currency: str = "EUR"

    @classmethod
    def of(cls, loop) -> RiskWeights:
        """The weights of the settings row (`core.models.LoopSettings`)."""
        return cls(
            arr=loop.risk_weight_arr,
            renewal=loop.risk_weight_renewal,
            score=loop.risk_weight_score,
            influence=loop.risk_weight_influence,
            escalation=loop.risk_weight_escalation,
            overdue=loop.risk_weight_overdue,
            arr_full_at=loop.risk_arr_full_at,
            renewal_horizon_days=loop.risk_renewal_horizon_days,
            reporting_currency=loop.reporting_currency,
        )


@dataclass(frozen=True)
class RiskPart:
    name: str
    points: int
    weight: int

    @property
    def label(self) -> str:
        return str(PART_LABELS[self.name])

    @property
    def share(self) -> str:
        """'12 of 30': its points of its weight (in the reader's language)."""
        return gettext("%(points)s of %(weight)s") % {"points": self.points, "weight": self.weight}


@dataclass(frozen=True)
class RiskScore:
    """A case's risk: its total and the parts it is the sum of, in display order."""

    parts: tuple[RiskPart, ...]

    @property
    def total(self) -> int:
        return sum(part.points for part in self.parts)

    @property
    def summary(self) -> str:
        """Its parts on one line, 'ARR at stake: 12/30 · …': the badge's title, built here
        rather than in the template, as a queue shows twenty-five badges a page."""
        line = gettext("%(part)s: %(points)s/%(weight)s")
        return " · ".join(
            line % {"part": part.label, "points": part.points, "weight": part.weight}
            for part in self.parts
        )

    @property
    def level(self) -> str:
        """ "high", "medium" or "low": the badge's colour."""
        if self.total >= 60:
            return "high"
        return "medium" if self.total >= 30 else "low"


def _rounded(weight: int, numerator: int, denominator: int) -> int:
    """weight × numerator / denominator, rounded half up, in integers."""
    return (2 * weight * numerator + denominator) // (2 * denominator)


def arr_points(arr: Decimal | int | None, weights: RiskWeights) -> int:
    full = Decimal(weights.arr_full_at)
    at_stake = min(max(Decimal(arr or 0), Decimal(0)), full)
    exact = Decimal(weights.arr) * at_stake / full + Decimal("0.5")
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def score_points(score: int, weights: RiskWeights) -> int:
    return _rounded(weights.score, TOP_RISKY_SCORE - min(score, TOP_RISKY_SCORE), TOP_RISKY_SCORE)


def influence_points(persona: str, influence: str, weights: RiskWeights) -> int:
    share = PERSONA_SHARE.get(persona, DEFAULT_SHARE) * INFLUENCE_SHARE.get(
        influence, DEFAULT_SHARE
    )
    return _rounded(weights.influence, share, 100 * 100)


def renewal_points(renewal_date: dt.date | None, today: dt.date, weights: RiskWeights) -> int:
    if renewal_date is None:
        return 0
    days = (renewal_date - today).days
    horizon = weights.renewal_horizon_days
    if days < -RECENT_RENEWAL_DAYS or days >= horizon:
        return 0
    if days <= 0:
        return weights.renewal
    return _rounded(weights.renewal, horizon - days, horizon)


def base_points(
    *, arr: Decimal | int | None, score: int, persona: str, influence: str, weights: RiskWeights
) -> int:
    """The points that do not change with time: what `Case.risk_base` stores."""
    return (
        arr_points(arr, weights)
        + score_points(score, weights)
        + influence_points(persona, influence, weights)
    )


def risk_score(
    *,
    arr: Decimal | int | None,
    score: int,
    persona: str,
    influence: str,
    renewal_date: dt.date | None,
    today: dt.date,
    escalated: bool,
    overdue: bool,
    weights: RiskWeights,
) -> RiskScore:
    """The risk of a case from its inputs, part by part."""
    return RiskScore(
        parts=(
            RiskPart("arr", arr_points(arr, weights), weights.arr),
            RiskPart("renewal", renewal_points(renewal_date, today, weights), weights.renewal),
            RiskPart("score", score_points(score, weights), weights.score),
            RiskPart("influence", influence_points(persona, influence, weights), weights.influence),
            RiskPart("escalation", weights.escalation if escalated else 0, weights.escalation),
            RiskPart("overdue", weights.overdue if overdue else 0, weights.overdue),
        )
    )
