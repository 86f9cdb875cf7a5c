"""The impact score: utilities, AHP weights and the Monte Carlo distribution, checked against known values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from sandbox.evaluation.scoring import (
    RANDOM_INDEX,
    TARGET_UTILITY,
    AhpWeights,
    InconsistentJudgements,
    KpiEstimate,
    Utility,
    ahp,
    default_utility,
    direct_weights,
    score,
)

# Saaty's drink-consumption example (relative consumption of drinks in the US; Saaty, The Analytic Hierarchy
# Process, 1980, and his later tutorials). Matrix, 4-decimal weights, λmax and CR as quoted in this module's
# specification; Saaty prints the weights to 3 decimals (0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327).
DRINKS = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_ahp_reproduces_saatys_drinks_example() -> None:
    result = ahp(DRINKS_MATRIX, DRINKS)
    assert result.labels == tuple(DRINKS)
    # References have 4 decimals: abs 5e-5 is half a unit in the last quoted place.
    assert result.weights == pytest.approx([0.1775, 0.0191, 0.0418, 0.1164, 0.1896, 0.1288, 0.3268], abs=5e-5)
    assert sum(result.weights) == pytest.approx(1.0, abs=1e-12)
    assert result.lambda_max == pytest.approx(7.17663, abs=5e-6)  # 5 decimals quoted
    assert result.random_index == 1.32
    # CI = (λmax − 7)/6; CR = CI/1.32 = 0.0223 (4 decimals quoted)
    assert result.consistency_index == pytest.approx((result.lambda_max - 7) / 6, rel=1e-12)
    assert result.consistency_ratio == pytest.approx(0.0223, abs=5e-5)
    assert result.as_dict()["water"] == result.weights[-1]


def test_saatys_random_index_for_one_to_ten_criteria() -> None:
    # Saaty's random consistency index (Saaty 1980; the table used by most AHP software), exact as published.
    assert RANDOM_INDEX == (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)


def test_a_consistent_matrix_gives_its_ratios_and_zero_inconsistency() -> None:
    # A perfectly consistent matrix a_ij = w_i/w_j: λmax = n exactly, so CI = CR = 0 (up to rounding, 1e-9).
    w = np.array([0.5, 0.3, 0.2])
    result = ahp(np.outer(w, 1 / w), ["safety", "effectiveness", "acceptance"])
    assert result.weights == pytest.approx(w.tolist(), abs=1e-12)
    assert result.lambda_max == pytest.approx(3.0, abs=1e-9)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_one_or_two_criteria_are_always_consistent() -> None:
    assert ahp([[1.0]], ["safety"]).weights == (1.0,)
    two = ahp([[1, 3], [1 / 3, 1]], ["safety", "acceptance"])
    assert two.weights == pytest.approx([0.75, 0.25], abs=1e-12)  # w1/w2 = 3
    assert two.consistency_ratio == 0.0 and two.consistency_index == 0.0


def test_a_circular_preference_is_refused_with_its_consistency_ratio() -> None:
    # a ≻ b 9, b ≻ c 9, c ≻ a 9: a circulant matrix whose λmax is its row sum 1 + 9 + 1/9 = 10.111…,
    # so CI = (10.111 − 3)/2 = 3.5556 and CR = 3.5556/0.58 = 6.1303.
    cycle = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(InconsistentJudgements, match=r"6\.1303.*0\.10") as caught:
        ahp(cycle, ["a", "b", "c"])
    assert caught.value.consistency_ratio == pytest.approx((1 + 9 + 1 / 9 - 3) / 2 / 0.58, rel=1e-9)
    assert caught.value.lambda_max == pytest.approx(1 + 9 + 1 / 9, rel=1e-9)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(("matrix", "problem"), [
    ([[1, 2], [2, 1]], "not reciprocal"),
    ([[1, 2, 3], [1 / 2, 1, 4]], "square"),
    ([[1, -2], [-1 / 2, 1]], "positive"),
    ([[1, 0], [math.inf, 1]], "positive and finite"),
    ([[2, 2], [1 / 2, 2]], "diagonal"),
    (np.ones((11, 11)), "1 to 10 rows"),
])
def test_malformed_matrices_are_refused_naming_the_problem(matrix: list, problem: str) -> None:
    labels = [f"c{i}" for i in range(len(matrix))]
    with pytest.raises(ValueError, match=problem):
        ahp(matrix, labels)


def test_a_reciprocal_within_the_relative_tolerance_is_accepted() -> None:
    ahp([[1, 3], [0.3333334, 1]], ["a", "b"])  # 1/3 to 7 digits: within 1e-6 relative


@pytest.mark.parametrize("direction", ["higher_is_better", "lower_is_better"])
def test_utility_maps_the_anchors_to_0_60_100_linearly_and_clamps(direction: str) -> None:
    anchors = (50.0, 80.0, 90.0) if direction == "higher_is_better" else (90.0, 80.0, 50.0)
    utility = Utility(direction, *anchors)  # type: ignore[arg-type]
    u, t, e = anchors
    # Exact arithmetic on a few floats: 1e-12.
    assert utility([u, t, e]) == pytest.approx([0.0, TARGET_UTILITY, 100.0], abs=1e-12)
    assert utility((u + t) / 2) == pytest.approx(30.0, abs=1e-12)  # halfway up the 0–60 ramp
    assert utility((t + e) / 2) == pytest.approx(80.0, abs=1e-12)  # halfway up the 60–100 ramp
    worse, better = (u - 100, e + 100) if direction == "higher_is_better" else (u + 100, e - 100)
    assert utility([worse, better]).tolist() == [0.0, 100.0]
    assert utility(np.full((2, 3), t)).shape == (2, 3)


def test_utility_anchors_out_of_order_are_refused_naming_the_kpi() -> None:
    with pytest.raises(ValueError, match=r"'wait_time'.*unacceptable=5.*target=10"):
        Utility("lower_is_better", 5.0, 10.0, 8.0, kpi="wait_time")
    with pytest.raises(ValueError, match="direction"):
        Utility("sideways", 0.0, 1.0, 2.0)  # type: ignore[arg-type]


def test_a_zero_target_for_a_count_scores_zero_as_excellent_and_one_as_unacceptable() -> None:
    breaches = default_utility("lower_is_better", 0.0, kpi="privacy_breaches")
    assert (breaches.unacceptable, breaches.target, breaches.excellent) == (1.0, 0.0, 0.0)
    # 0 → 100 (the target is the best value there is); 0.5 → 60·(1 − 0.5) = 30; ≥ 1 → 0.
    assert breaches([0.0, 0.5, 1.0, 4.0]) == pytest.approx([100.0, 30.0, 0.0, 0.0], abs=1e-12)
    assert default_utility("lower_is_better", 0.0, limit=3.0).unacceptable == 3.0


def test_default_utility_bands_twenty_percent_and_respects_the_limit_and_the_best_value() -> None:
    wait = default_utility("lower_is_better", 10.0)
    assert (wait.unacceptable, wait.target, wait.excellent) == pytest.approx((12.0, 10.0, 8.0))
    assert default_utility("lower_is_better", 10.0, limit=20.0).unacceptable == 20.0
    detection = default_utility("higher_is_better", 0.9, best=1.0)
    assert (detection.unacceptable, detection.excellent) == pytest.approx((0.72, 1.0))
    with pytest.raises(ValueError, match="anchors"):
        default_utility("lower_is_better", 10.0, limit=5.0)  # a limit on the good side of the target


def kpi(code: str, dimension: str, estimate: float, se: float | None = None, weight: float = 1.0,
        draws: np.ndarray | None = None) -> KpiEstimate:
    # Anchors 0/60/100 at 0/60/100: utility equals the value on [0, 100].
    return KpiEstimate(code, dimension, weight, Utility("higher_is_better", 0.0, 60.0, 100.0), draws, estimate, se)


def test_the_same_seed_gives_the_same_distribution() -> None:
    kpis = [kpi("a", "safety", 70, 5), kpi("b", "effectiveness", 50, 10),
            kpi("c", "reliability", 0, draws=np.arange(100.0))]
    weights = {"safety": 0.5, "effectiveness": 0.3, "reliability": 0.2}
    first, second = score(kpis, weights, 60, seed=7), score(kpis, weights, 60, seed=7)
    assert first == second and np.array_equal(first.draws, second.draws)
    assert not np.array_equal(first.draws, score(kpis, weights, 60, seed=8).draws)
    assert first.draws.shape == (10_000,) and "draws=" not in repr(first).replace("n_draws=", "")


def test_a_kpi_known_without_uncertainty_gives_a_degenerate_distribution() -> None:
    result = score([kpi("a", "safety", 70, None), kpi("b", "safety", 50, 0.0)], {"safety": 1.0}, 60, n_draws=500)
    assert result.point == result.mean == result.percentile_2_5 == result.median == result.percentile_97_5 == 60.0
    assert result.probability_at_least_threshold == 1.0  # 60 ≥ 60
    assert result.dimension_intervals == {"safety": (60.0, 60.0)}


def test_probability_above_threshold_matches_the_normal_tail() -> None:
    # One KPI ~ normal(55, 5) on the linear region U = x: P(S ≥ 60) = 1 − Φ(1) = 0.158655.
    n = 100_000
    result = score([kpi("a", "effectiveness", 55, 5)], {"effectiveness": 1.0}, 60, n_draws=n, seed=1)
    p = 1 - norm.cdf(1.0)
    assert result.probability_at_least_threshold == pytest.approx(p, abs=3 * math.sqrt(p * (1 - p) / n))
    assert result.point == 55.0
    assert result.mean == pytest.approx(55.0, abs=3 * 5 / math.sqrt(n))
    # Percentiles 55 ± 1.96·5; the 2.5% quantile's standard error is sqrt(0.025·0.975/n)/φ(1.96)·5 ≈ 0.042.
    q_se = math.sqrt(0.025 * 0.975 / n) / norm.pdf(1.96) * 5
    assert result.percentile_2_5 == pytest.approx(55 - 1.959964 * 5, abs=3 * q_se)
    assert result.percentile_97_5 == pytest.approx(55 + 1.959964 * 5, abs=3 * q_se)


def test_supplied_draws_are_resampled_to_n_draws() -> None:
    draws = np.array([40.0, 80.0])
    result = score([kpi("a", "acceptance", 60, draws=draws)], {"acceptance": 1.0}, 60, n_draws=4000, seed=3)
    assert set(np.unique(result.draws)) <= {40.0, 80.0} and result.draws.size == 4000
    # Half the draws at 80 → P(S ≥ 60) ≈ 0.5 within 3·sqrt(0.25/4000) = 0.024.
    assert result.probability_at_least_threshold == pytest.approx(0.5, abs=0.024)


def test_kpi_weights_within_a_dimension_and_renormalisation_when_a_dimension_has_no_kpis() -> None:
    kpis = [kpi("a", "safety", 80, weight=3), kpi("b", "safety", 40, weight=1), kpi("c", "effectiveness", 50)]
    result = score(kpis, {"safety": 0.5, "effectiveness": 0.3, "acceptance": 0.2}, 60, n_draws=100)
    assert result.dimension_points == pytest.approx({"safety": 70.0, "effectiveness": 50.0})  # (3·80 + 40)/4
    assert result.weights == pytest.approx({"safety": 0.625, "effectiveness": 0.375})  # 0.5/0.8, 0.3/0.8
    assert result.dimensions_left_out == ("acceptance",) and result.renormalised
    assert result.dimensions_used == ("safety", "effectiveness")
    assert result.point == pytest.approx(0.625 * 70 + 0.375 * 50)


def test_direct_weights_are_normalised_and_negative_ones_refused() -> None:
    assert direct_weights({"safety": 2, "effectiveness": 2}) == {"safety": 0.5, "effectiveness": 0.5}
    with pytest.raises(ValueError, match=r"'safety'.*non-negative"):
        direct_weights({"safety": -1, "effectiveness": 2})
    with pytest.raises(ValueError, match="unknown dimensions"):
        direct_weights({"speed": 1})
    result = score([kpi("a", "safety", 80), kpi("c", "compliance", 40)], {"safety": 3, "compliance": 1}, 60, n_draws=10)
    assert result.weights == {"safety": 0.75, "compliance": 0.25} and not result.renormalised


def test_ahp_weights_feed_the_score() -> None:
    weights = ahp([[1, 3], [1 / 3, 1]], ["safety", "effectiveness"])
    assert isinstance(weights, AhpWeights)
    result = score([kpi("a", "safety", 80), kpi("b", "effectiveness", 40)], weights, 60, n_draws=10)
    assert result.point == pytest.approx(0.75 * 80 + 0.25 * 40, abs=1e-9)
