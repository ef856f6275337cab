"""The risk score's arithmetic (`playbooks.risk`): plain values in, points out."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.models import Influence, Persona
from playbooks.risk import (
    RiskWeights,
    arr_points,
    influence_points,
    renewal_points,
    risk_score,
    score_points,
)

WEIGHTS = RiskWeights()  # the defaults: 25, 20, 20, 15, 10, 10; full at 100 000; 180 days
TODAY = dt.date(2026, 6, 1)


def in_days(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


def test_the_default_weights_add_up_to_100():
    w = WEIGHTS
    assert w.arr + w.renewal + w.score + w.influence + w.escalation + w.overdue == 100


@pytest.mark.parametrize(
    ("arr", "points"),
    [
        (None, 0),
        (Decimal("0"), 0),
        (Decimal("50000"), 13),  # 12.5, rounded half up
        (Decimal("100000"), 25),
        (Decimal("2500000"), 25),  # capped at the "full at" ARR
        (Decimal("1999.99"), 0),  # 0.4999…
        (Decimal("2000"), 1),  # 0.5
    ],
)
def test_arr_counts_in_proportion_up_to_the_full_at_amount(arr, points):
    assert arr_points(arr, WEIGHTS) == points


@pytest.mark.parametrize(
    ("score", "points"), [(0, 20), (3, 13), (6, 7), (7, 4), (8, 2), (9, 0), (10, 0)]
)
def test_a_lower_answer_counts_more_and_promoters_nothing(score, points):
    assert score_points(score, WEIGHTS) == points


@pytest.mark.parametrize(
    ("persona", "influence", "points"),
    [
        (Persona.DECISION_MAKER, Influence.HIGH, 15),
        (Persona.EXEC_SPONSOR, Influence.HIGH, 15),
        (Persona.CHAMPION, Influence.HIGH, 12),
        (Persona.DECISION_MAKER, Influence.MEDIUM, 11),  # 10.5
        (Persona.DECISION_MAKER, Influence.LOW, 6),
        (Persona.ADMIN, Influence.MEDIUM, 5),  # 5.25
        (Persona.USER, Influence.LOW, 2),  # 2.4
        (Persona.OTHER, Influence.MEDIUM, 4),  # 4.2
    ],
)
def test_influence_combines_the_persona_and_the_level(persona, influence, points):
    assert influence_points(persona, influence, WEIGHTS) == points


@pytest.mark.parametrize(
    ("renewal", "points"),
    [
        (None, 0),
        (in_days(-31), 0),  # long passed: stale data
        (in_days(-30), 20),  # passed recently: still being negotiated
        (in_days(0), 20),
        (in_days(1), 20),  # 19.89
        (in_days(90), 10),
        (in_days(179), 0),  # 0.11
        (in_days(180), 0),
        (in_days(400), 0),
    ],
)
def test_renewal_counts_in_full_when_due_and_falls_to_nothing_at_the_horizon(renewal, points):
    assert renewal_points(renewal, TODAY, WEIGHTS) == points


def test_the_score_is_the_sum_of_its_parts_in_display_order():
    risk = risk_score(
        arr=Decimal("100000"),
        score=0,
        persona=Persona.DECISION_MAKER,
        influence=Influence.HIGH,
        renewal_date=TODAY,
        today=TODAY,
        escalated=True,
        overdue=True,
        weights=WEIGHTS,
    )

    assert risk.total == 100
    assert [(p.name, p.points, p.weight) for p in risk.parts] == [
        ("arr", 25, 25),
        ("renewal", 20, 20),
        ("score", 20, 20),
        ("influence", 15, 15),
        ("escalation", 10, 10),
        ("overdue", 10, 10),
    ]
    assert risk.level == "high"


def test_the_parts_read_in_the_readers_language():
    risk = risk_score(
        arr=Decimal("50000"),
        score=9,
        persona=Persona.USER,
        influence=Influence.LOW,
        renewal_date=None,
        today=TODAY,
        escalated=False,
        overdue=True,
        weights=WEIGHTS,
    )

    with translation.override("fr"):
        assert [part.share for part in risk.parts][:2] == ["13 sur 25", "0 sur 20"]
        assert risk.summary.startswith("ARR en jeu : 13/25 · Renouvellement : 0/20 · ")
    with translation.override("en"):
        assert risk.summary.endswith(" · Escalated: 0/10 · Overdue work: 10/10")


def test_a_calm_promoter_far_from_renewal_scores_low():
    risk = risk_score(
        arr=Decimal("10000"),
        score=10,
        persona=Persona.USER,
        influence=Influence.LOW,
        renewal_date=in_days(300),
        today=TODAY,
        escalated=False,
        overdue=False,
        weights=WEIGHTS,
    )

    assert risk.total == 3 + 0 + 0 + 2
    assert risk.level == "low"


def test_other_weights_and_scales_change_the_points():
    weights = RiskWeights(
        arr=50, renewal=0, score=50, influence=0, escalation=0, overdue=0, arr_full_at=10_000
    )

    assert arr_points(Decimal("10000"), weights) == 50
    assert renewal_points(TODAY, TODAY, weights) == 0
    assert score_points(0, weights) == 50
