"""Intervals and comparisons of the statistical core, against published reference values."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sandbox.evaluation.comparisons import difference_in_differences, holm, one_sample, rate_ratio, welch
from sandbox.evaluation.intervals import cluster_bootstrap, proportion, rate


def test_garwood_interval_reproduces_the_reference() -> None:
    # domain.md: Garwood 95% CI, 15 events in exposure 400 = (0.0209884653319583, 0.0618505471787146),
    # given to 16 significant digits; chi-square quantiles are good to ~1e-15 relative.
    low, high = rate(15, 400).confidence_interval(0.95)
    assert low == pytest.approx(0.0209884653319583, rel=1e-12)
    assert high == pytest.approx(0.0618505471787146, rel=1e-12)
    assert rate(15, 400).estimate == 0.0375


def test_a_rate_without_events_has_a_zero_lower_bound_and_the_rule_of_three_upper_one() -> None:
    # With k = 0 the one-sided 95% upper bound is −ln(0.05)/E ≈ 2.996/E ("rule of three"): χ²(0.95; 2)/2 = −ln 0.05.
    assert rate(0, 100).confidence_interval()[0] == 0.0
    assert rate(0, 100).upper_bound(0.95) == pytest.approx(-math.log(0.05) / 100, rel=1e-12)
    assert rate(15, 400).lower_bound(0.975) == pytest.approx(0.0209884653319583, rel=1e-12)  # one side of the central
    assert math.isnan(rate(3, 0).estimate) and all(math.isnan(v) for v in rate(3, 0).confidence_interval())


@pytest.mark.parametrize(("args", "message"), [
    ((-1, 10.0), "events must be a whole number ≥ 0, got -1"),
    ((1.5, 10.0), "events must be a whole number ≥ 0, got 1.5"),
    ((1, math.inf), "exposure must be finite and ≥ 0, got inf"),
])
def test_a_rate_of_impossible_counts_is_refused_naming_the_argument(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rate(*args)


def test_wilson_and_exact_proportion_intervals_reproduce_newcombe() -> None:
    # Newcombe (1998), Stat Med 17:857, Table I, 81/263: Wilson (method 3) 0.2553–0.3662,
    # Clopper–Pearson (method 5) 0.2527–0.3676; four decimals given, so abs 5e-5.
    share = proportion(81, 263)
    assert share.confidence_interval() == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert share.confidence_interval(method="exact") == pytest.approx((0.2527, 0.3676), abs=5e-5)
    assert proportion(0, 10).confidence_interval()[0] == 0.0
    assert all(math.isnan(v) for v in proportion(0, 0).confidence_interval())
    with pytest.raises(ValueError, match=r"successes \(5\) cannot exceed trials \(4\)"):
        proportion(5, 4)
    with pytest.raises(ValueError, match="method must be 'wilson' or 'exact', got 'wald'"):
        share.confidence_interval(method="wald")  # type: ignore[arg-type]


def test_the_cluster_bootstrap_resamples_clusters_and_is_seeded() -> None:
    rng = np.random.default_rng(11)
    hours = rng.gamma(4.0, 0.25, size=40)  # 40 sorties
    hectares = hours * rng.normal(4.0, 0.6, size=40)
    first = cluster_bootstrap(hectares, hours, seed=3)
    assert first == cluster_bootstrap(hectares, hours, seed=3) and first.method == "BCa" and first.reason is None
    assert first.estimate == pytest.approx(hectares.sum() / hours.sum())
    assert first.low < first.estimate < first.high and first.draws.size == 9_999
    # The interval's width agrees with the delta method's standard error of a ratio of sums (to ~15%):
    # var(R) ≈ Σ (y_c − R x_c)² / (Σ x_c)² · n/(n − 1).
    residual = hectares - first.estimate * hours
    delta_se = math.sqrt(np.sum(residual**2) / hours.sum() ** 2 * 40 / 39)
    assert first.std_error == pytest.approx(delta_se, rel=0.15)
    assert (first.high - first.low) / (2 * 1.96) == pytest.approx(delta_se, rel=0.15)
    assert cluster_bootstrap(hectares, hours, seed=4) != first


def test_the_bootstrap_says_why_when_bca_degenerates_or_clusters_are_too_few() -> None:
    same = cluster_bootstrap([3.0, 3.0, 3.0, 3.0])
    assert (same.method, same.low, same.high) == ("percentile", 3.0, 3.0)
    assert same.reason is not None and "BCa interval degenerate" in same.reason
    lonely = cluster_bootstrap([3.0])
    assert lonely.method == "none" and math.isnan(lonely.low) and "1 cluster(s)" in (lonely.reason or "")
    with pytest.raises(ValueError, match="denominators must be ≥ 0"):
        cluster_bootstrap([1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="must be 1-D of one length"):
        cluster_bootstrap([1.0, 2.0], [1.0])


def test_the_exact_conditional_rate_ratio_reproduces_gu_et_al() -> None:
    # domain.md, after Gu, Ng, Tang & Schucany (2008), Biometrical Journal 50:2: 60 events in 51477.5 vs 30 in
    # 54308.7: ratio 2.10999757 (8 decimals), exact conditional one-sided p = 0.000428 (3 significant digits),
    # central exact 95% CI (1.339735721772650, 3.388365573616252) (16 digits; beta quantiles ~1e-12 relative).
    result = rate_ratio(60, 51477.5, 30, 54308.7, alternative="greater")
    assert result.effect == pytest.approx(2.10999757, abs=5e-9)
    assert result.p_value == pytest.approx(0.000428, abs=5e-7)
    assert result.confidence_interval() == pytest.approx((1.339735721772650, 3.388365573616252), rel=1e-10)
    assert result.scale == "ratio" and (result.n_treated, result.n_reference) == (60, 30)
    nothing = rate_ratio(0, 10.0, 0, 10.0)
    assert math.isnan(nothing.effect) and math.isnan(nothing.p_value)
    with pytest.raises(ValueError, match="reference_exposure must be finite and > 0, got 0"):
        rate_ratio(1, 1.0, 1, 0)


def test_welch_matches_the_textbook_formula_and_one_sample_its_t() -> None:
    a = np.array([4.2, 3.9, 4.8, 5.1, 4.4, 4.0])
    b = np.array([3.1, 3.6, 2.9, 3.3, 3.8])
    result = welch(a, b)
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    nu = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))  # Welch–Satterthwaite
    half = stats.t.ppf(0.975, nu) * math.sqrt(va + vb)
    difference = a.mean() - b.mean()
    assert (result.effect, result.low, result.high) == pytest.approx((difference, difference - half, difference + half))
    assert result.p_value == pytest.approx(2 * stats.t.sf(difference / math.sqrt(va + vb), nu))
    one = one_sample(a, 4.0, alternative="greater")
    t = (a.mean() - 4.0) / (a.std(ddof=1) / math.sqrt(a.size))
    assert one.p_value == pytest.approx(stats.t.sf(t, a.size - 1)) and one.effect == pytest.approx(a.mean() - 4.0)
    with pytest.raises(ValueError, match="treated must be a 1-D list of at least 2 cluster values"):
        welch([1.0], b)
    with pytest.raises(ValueError, match="alternative must be one of two-sided, greater, less, got 'bigger'"):
        welch(a, b, alternative="bigger")  # type: ignore[arg-type]


def test_difference_in_differences_finds_the_effect_with_cluster_robust_errors() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for site, treated in (("trial", True), ("control", False)):
        for day in range(20):
            after = day >= 10
            day_effect = rng.normal(0, 1.0)  # a day's shock shared by its observations: why errors are clustered
            for _ in range(30):
                rows.append((10 + 2 * treated + 1.5 * after - 3.0 * (treated and after) + day_effect + rng.normal(0, 1),
                             treated, after, f"{site}-{day}"))
    y, t, a, c = (np.array(column) for column in zip(*rows, strict=True))
    result = difference_in_differences(y, t, a, c)
    means = {(i, j): y[(t == i) & (a == j)].mean() for i in (False, True) for j in (False, True)}
    # With only the four cell means as regressors, δ is exactly the difference of the differences:
    assert result.effect == pytest.approx((means[True, True] - means[True, False])
                                          - (means[False, True] - means[False, False]))
    assert result.low < -3.0 < result.high and result.p_value < 1e-3
    # Day shocks shared by 30 observations each: errors that ignore them claim a far narrower interval.
    import statsmodels.api as sm

    plain = sm.OLS(y, np.column_stack([np.ones_like(y), t, a, t & a]).astype(float)).fit().conf_int()[3]
    assert result.high - result.low > 2 * (plain[1] - plain[0])
    with pytest.raises(ValueError, match="needs control and trial, before and after"):
        difference_in_differences(y[t], t[t], a[t], c[t])
    # A control and a trial site seen one day before and one after: four cells of one, nothing left to estimate
    # the error with (statsmodels would divide by zero).
    with pytest.raises(ValueError, match="more observations than its 4 parameters"):
        difference_in_differences([1.0, 2.0, 3.0, 5.0], [True, True, False, False], [False, True, False, True],
                                  ["a", "b", "c", "d"])


def test_holm_adjusts_the_confirmatory_p_values_step_down() -> None:
    # Holm (1979): sorted 0.01, 0.02, 0.04 of m = 3 → 0.03, 0.04, 0.04 (max of 3·0.01, 2·0.02, then 1·0.04 → 0.04).
    base = one_sample([1.0, 2.0, 3.0], 0.0)
    adjusted = [c.p_adjusted for c in holm([replace(base, p_value=p) for p in (0.04, 0.01, 0.02, math.nan)])]
    assert adjusted[:3] == pytest.approx([0.04, 0.03, 0.04]) and math.isnan(adjusted[3])
