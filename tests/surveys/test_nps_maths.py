"""NPS arithmetic checked against worked examples computed by hand."""

import math

import pytest

from surveys.nps import (
    category_for,
    confidence_interval,
    margin_of_error,
    nps_score,
    summarize_counts,
    summarize_scores,
)


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_score_bands_put_six_among_detractors(score, category):
    assert category_for(score) == category


@pytest.mark.parametrize("score", [-1, 11])
def test_scores_outside_zero_to_ten_are_refused(score):
    with pytest.raises(ValueError, match="between 0 and 10"):
        category_for(score)


def test_nps_of_fifty_promoters_thirty_passives_twenty_detractors_is_thirty():
    # 100 answers: (50 - 20) / 100 = +30.
    assert nps_score(50, 20, 100) == 30.0


def test_nps_with_no_answers_is_no_data_not_an_error():
    summary = summarize_counts(0, 0, 0)
    assert summary.nps is None
    assert summary.margin_of_error is None
    assert summary.ci95 is None
    assert summary.responses == 0


def test_margin_of_error_of_a_worked_example():
    # p = 0.5, d = 0.2: variance = 0.7 - 0.09 = 0.61; SE = sqrt(0.61 / 100) = 0.078102;
    # margin = 1.96 * 0.078102 * 100 = 15.308 points.
    assert margin_of_error(50, 20, 100) == pytest.approx(15.308, abs=0.001)


def test_adjusted_wald_interval_of_a_worked_example():
    # P' = 50.75, D' = 20.75, n' = 103: NPS' = 30 / 103 = 0.291262;
    # p' = 0.492718, d' = 0.201456, variance' = 0.694175 - 0.084834 = 0.609341,
    # SE' = sqrt(0.609341 / 103) = 0.076915; 1.96 * SE' = 0.150754.
    low, high = confidence_interval(50, 20, 100)
    assert low == pytest.approx(14.051, abs=0.01)
    assert high == pytest.approx(44.202, abs=0.01)


def test_interval_of_a_tiny_unanimous_sample_is_clipped_and_not_degenerate():
    # 3 promoters out of 3: the naive margin is 0 (variance 1 - 1 = 0), which claims
    # certainty; adjusted Wald gives P' = 3.75, D' = 0.75, n' = 6, NPS' = 0.5,
    # variance' = 0.75 - 0.25 = 0.5, SE' = sqrt(0.5 / 6) = 0.288675, half = 0.565803.
    assert margin_of_error(3, 0, 3) == 0.0
    low, high = confidence_interval(3, 0, 3)
    assert low == pytest.approx(-6.580, abs=0.01)
    assert high == 100.0


def test_all_detractors_interval_stays_within_bounds():
    low, high = confidence_interval(0, 10, 10)
    assert low >= -100.0
    assert high < 0


def test_summary_of_raw_scores_pools_answers():
    # Two segments: 1 promoter of 1 (NPS 100) and 1 promoter + 3 detractors of 4 (NPS -50).
    # Averaging segments would say +25; pooling 2 promoters and 3 detractors of 5 says -20.
    summary = summarize_scores([10, 9, 3, 0, 6])
    assert summary.nps == -20.0
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 0, 3)


def test_summary_as_dict_has_the_api_shape():
    data = summarize_counts(1, 1, 1).as_dict()
    assert set(data) == {
        "nps",
        "responses",
        "promoters",
        "passives",
        "detractors",
        "margin_of_error",
        "ci95",
    }
    assert math.isclose(data["nps"], 0.0)
    assert len(data["ci95"]) == 2
