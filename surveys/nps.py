"""NPS arithmetic as pure functions of plain numbers (no database).

Bands: 0–6 detractor, 7–8 passive, 9–10 promoter.
NPS = 100 × (promoters − detractors) / answers, always on pooled answers.

Uncertainty, with p and d the promoter and detractor shares of n answers:
variance = p + d − (p − d)², standard error = √(variance / n), and the margin
of error is 1.96 × SE × 100 (a normal approximation). The 95 % interval uses
the adjusted-Wald correction, which behaves on small samples: add 0.75 to the
promoter and detractor counts and 3 to n, recompute the shares and the
standard error, take NPS' ± 1.96 × SE' and clip it to [−100, 100].
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z_95 = 1.96
ADJUST_COUNT = 0.75
ADJUST_N = 3

DETRACTOR = "detractor"
PASSIVE = "passive"
PROMOTER = "promoter"


def category_for(score: int) -> str:
    """The band of a score 0–10."""
    if not 0 <= score <= 10:
        raise ValueError(f"An NPS score is between 0 and 10, not {score}.")
    if score <= 6:
        return DETRACTOR
    if score <= 8:
        return PASSIVE
    return PROMOTER


@dataclass(frozen=True)
class NpsSummary:
    """NPS of a set of answers with its uncertainty. `nps` is None when there are none."""

    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    margin_of_error: float | None
    ci95: tuple[float, float] | None

    def as_dict(self) -> dict:
        return {
            "nps": self.nps,
            "responses": self.responses,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "margin_of_error": self.margin_of_error,
            "ci95": list(self.ci95) if self.ci95 is not None else None,
        }


def nps_score(promoters: int, detractors: int, responses: int) -> float | None:
    """100 × (promoters − detractors) / responses; None with no responses."""
    if responses <= 0:
        return None
    return 100.0 * (promoters - detractors) / responses


def standard_error(promoters: float, detractors: float, responses: float) -> float:
    """Standard error of the NPS as a share (−1…1), from the trinomial variance."""
    p = promoters / responses
    d = detractors / responses
    variance = max(p + d - (p - d) ** 2, 0.0)
    return math.sqrt(variance / responses)


def margin_of_error(promoters: int, detractors: int, responses: int) -> float | None:
    """Half-width of the normal 95 % interval, in NPS points; None with no responses."""
    if responses <= 0:
        return None
    return Z_95 * standard_error(promoters, detractors, responses) * 100.0


def confidence_interval(
    promoters: int, detractors: int, responses: int
) -> tuple[float, float] | None:
    """Adjusted-Wald 95 % interval in NPS points, clipped to [−100, 100]."""
    if responses <= 0:
        return None
    p_adj = promoters + ADJUST_COUNT
    d_adj = detractors + ADJUST_COUNT
    n_adj = responses + ADJUST_N
    centre = (p_adj - d_adj) / n_adj
    half = Z_95 * standard_error(p_adj, d_adj, n_adj)
    low = max(-100.0, (centre - half) * 100.0)
    high = min(100.0, (centre + half) * 100.0)
    return (low, high)


def summarize_counts(promoters: int, passives: int, detractors: int) -> NpsSummary:
    """Everything the product shows about an NPS, from the three band counts."""
    n = promoters + passives + detractors
    return NpsSummary(
        responses=n,
        promoters=promoters,
        passives=passives,
        detractors=detractors,
        nps=nps_score(promoters, detractors, n),
        margin_of_error=margin_of_error(promoters, detractors, n),
        ci95=confidence_interval(promoters, detractors, n),
    )


def summary_of(counts) -> NpsSummary:
    """The summary of a row of band counts (`promoters`, `passives`, `detractors`), such as
    the database's `NPS_COUNTS` aggregate; a missing count is none."""
    return summarize_counts(
        counts.get("promoters") or 0, counts.get("passives") or 0, counts.get("detractors") or 0
    )


def summarize_scores(scores: Iterable[int]) -> NpsSummary:
    """NPS summary of raw 0–10 scores."""
    counts = {DETRACTOR: 0, PASSIVE: 0, PROMOTER: 0}
    for score in scores:
        counts[category_for(score)] += 1
    return summarize_counts(counts[PROMOTER], counts[PASSIVE], counts[DETRACTOR])
