"""Group-sequential boundaries: published rpact/gsDesign values, independent multivariate-normal and Monte Carlo checks.

Independent checks use the canonical joint distribution of the look statistics (Jennison & Turnbull 2000, ch. 3):
(Z_1, ..., Z_K) is multivariate normal, corr(Z_i, Z_j) = sqrt(t_i / t_j) for t_i <= t_j, E[Z_k] = theta sqrt(t_k).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from sandbox.evaluation.sequential import (
    classical_obrien_fleming,
    design,
    drift_for_power,
    look,
    obrien_fleming_spending,
    pocock_spending,
)

THIRDS = (1 / 3, 2 / 3, 1.0)
ALPHA = 0.025

# scipy's multivariate normal CDF uses Genz's randomised quasi-Monte Carlo for 3 dimensions. With 4 million points
# the scatter across seeds was measured at ~1e-9 (bivariate cases are exact to ~1e-15), and the recursion with
# r = 64 is accurate to ~1e-10 in probability, so 2e-8 is a tolerance neither side should reach.
MVN_TOL = 2e-8


def _corr(t: tuple[float, ...]) -> np.ndarray:
    t_arr = np.asarray(t)
    return np.sqrt(np.minimum.outer(t_arr, t_arr) / np.maximum.outer(t_arr, t_arr))


def _mvn_below(t: tuple[float, ...], bounds: list[float], theta: float = 0.0) -> float:
    """P(Z_j < bounds_j for the first len(bounds) looks), Z multivariate normal as above."""
    k = len(bounds)
    mean = theta * np.sqrt(np.asarray(t[:k]))
    if k == 1:
        return float(norm.cdf(bounds[0] - mean[0]))
    return float(multivariate_normal.cdf(np.asarray(bounds), mean=mean, cov=_corr(t[:k]), maxpts=4_000_000,
                                         abseps=1e-10, releps=0.0, rng=np.random.default_rng(7)))


def _mvn_rejected_by(t: tuple[float, ...], upper: tuple[float, ...], theta: float = 0.0) -> list[float]:
    """Cumulative P(some Z_j >= upper_j, j <= k) = 1 - P(all Z_j < upper_j, j <= k), for k = 1..K."""
    return [1.0 - _mvn_below(t, list(upper[:k]), theta) for k in range(1, len(t) + 1)]


def _brownian_z(t: tuple[float, ...], theta: float, paths: int, seed: int) -> np.ndarray:
    """Z_k = S(t_k)/sqrt(t_k) for Brownian motion S with drift theta: independent N(theta dt, dt) increments."""
    rng = np.random.default_rng(seed)
    dt = np.diff(np.concatenate(([0.0], t)))
    s = np.cumsum(rng.standard_normal((paths, len(t))) * np.sqrt(dt) + theta * dt, axis=1)
    return s / np.sqrt(np.asarray(t))


def test_spending_functions_spend_nothing_at_start_and_alpha_at_the_end() -> None:
    for spend in (obrien_fleming_spending, pocock_spending):
        assert spend(0.0, ALPHA) == 0.0
        assert spend(1.0, ALPHA) == pytest.approx(ALPHA, abs=1e-15)
        values = [spend(x, ALPHA) for x in np.linspace(0.05, 1.0, 20)]
        assert all(b > a for a, b in itertools.pairwise(values))
    # O'Brien-Fleming type spends far less early than Pocock type: the point of choosing it.
    assert obrien_fleming_spending(1 / 3, ALPHA) < 0.01 * pocock_spending(1 / 3, ALPHA)


def test_the_recursion_reproduces_rpact_classical_obrien_fleming_to_1e_7() -> None:
    # Reference: rpact's own unit test "Run just one basic rpact test" (tests/testthat/test-pkgname.R and
    # test-f_design_group_sequential.R, rpact-com/rpact): getDesignGroupSequential() with its defaults kMax = 3,
    # alpha = 0.025, sided = 1, equally spaced, typeOfDesign = "OF", gives criticalValues 3.4710914, 2.4544323,
    # 2.0040356 and alphaSpent 0.00025917372, 0.0071600594, checked there with tolerance 1e-7.
    # These are the classical O'Brien-Fleming boundaries c*sqrt(K/k) (c = 2.0040356), NOT the Lan-DeMets "asOF"
    # spending boundaries (those are 3.710303, 2.511427, 1.993048; next test).
    classical = classical_obrien_fleming(THIRDS, alpha=ALPHA)
    # 7 decimals printed: rounding error <= 5e-8; our grid error (r = 64 vs 128) ~3e-10. Agreement found: 8 digits.
    assert classical.upper_boundaries == pytest.approx([3.4710914, 2.4544323, 2.0040356], abs=1e-7)
    assert classical.alpha_spent[:2] == pytest.approx([0.00025917372, 0.0071600594], rel=1e-7)
    assert classical.alpha_spent[2] == pytest.approx(ALPHA, abs=1e-12)
    assert look(classical, [3.0, 2.5]).decision == "stop_for_efficacy"


def test_obrien_fleming_spending_matches_gsdesign_sfldof() -> None:
    # Reference: gsDesign(k = 3, test.type = 1, alpha = 0.025, sfu = sfLDOF, timing = c(1, 2, 3) / 3)$upper$bound
    # = 3.710303 2.511427 1.993048 (printed output reproduced in gsDesign2 and graphicalMCP vignettes; the same
    # design is rpact getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF")).
    # 6 decimals printed: rounding <= 5e-7, and gsDesign's coarser default grid (r = 18) moves the last bound by
    # ~5e-8, which is why its 1.993048 rounds up from 1.99304752 while ours is 1.99304748: tolerance 6e-7.
    d = design(THIRDS, alpha=ALPHA, spending="obrien_fleming")
    assert d.upper_boundaries == pytest.approx([3.710303, 2.511427, 1.993048], abs=6e-7)
    # The first look has a closed form, no integration: z_1 = Phi^{-1}(1 - alpha(t_1)).
    assert d.upper_boundaries[0] == pytest.approx(norm.isf(obrien_fleming_spending(1 / 3, ALPHA)), abs=1e-11)
    assert d.alpha_spent == pytest.approx([obrien_fleming_spending(x, ALPHA) for x in THIRDS], abs=1e-15)
    assert d.lower_boundaries is None and d.spending == "obrien_fleming"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.alpha = 0.05  # type: ignore[misc]


def test_pocock_boundaries_spend_exactly_the_increments_by_an_independent_multivariate_normal() -> None:
    d = design(THIRDS, alpha=ALPHA, spending="pocock")
    # Pocock-type spending gives nearly flat boundaries (2.2794, 2.2949, 2.2959), all above the fixed-sample 1.96.
    assert max(d.upper_boundaries) - min(d.upper_boundaries) < 0.02 and min(d.upper_boundaries) > norm.isf(ALPHA)
    cumulative = _mvn_rejected_by(THIRDS, d.upper_boundaries)
    assert cumulative == pytest.approx([pocock_spending(x, ALPHA) for x in THIRDS], abs=MVN_TOL)
    increments = np.diff([0.0, *cumulative])
    assert increments == pytest.approx(np.diff([0.0, *(pocock_spending(x, ALPHA) for x in THIRDS)]), abs=MVN_TOL)


def test_pocock_boundaries_by_two_million_brownian_paths() -> None:
    d = design(THIRDS, alpha=ALPHA, spending="pocock")
    z = _brownian_z(THIRDS, 0.0, 2_000_000, seed=20240601)
    crossed = z >= np.asarray(d.upper_boundaries)
    first = np.where(crossed.any(axis=1), crossed.argmax(axis=1), -1)
    for k, target in enumerate(np.diff([0.0, *d.alpha_spent])):
        share = float(np.mean(first == k))
        # binomial standard error sqrt(p(1-p)/n) ~ 7e-5 for p ~ 0.011; 4 standard errors
        assert share == pytest.approx(target, abs=4 * math.sqrt(target * (1 - target) / z.shape[0]))


def test_a_single_look_is_the_fixed_sample_test() -> None:
    d = design([1.0], alpha=ALPHA)
    assert d.upper_boundaries == pytest.approx([norm.ppf(0.975)], abs=1e-11)
    assert d.alpha_spent == pytest.approx([ALPHA], abs=1e-16)
    assert design([1.0], spending="pocock").upper_boundaries == pytest.approx([1.959963984540054], abs=1e-11)


@pytest.mark.parametrize("spending", ["obrien_fleming", "pocock"])
def test_unequal_looks_spend_alpha_of_t_cumulatively(spending: str) -> None:
    t = (0.3, 0.7, 1.0)
    d = design(t, alpha=ALPHA, spending=spending)  # type: ignore[arg-type]
    spend = obrien_fleming_spending if spending == "obrien_fleming" else pocock_spending
    assert _mvn_rejected_by(t, d.upper_boundaries) == pytest.approx([spend(x, ALPHA) for x in t], abs=MVN_TOL)
    assert d.information_fractions == t


def test_drift_for_one_look_is_z_alpha_plus_z_beta() -> None:
    # z_{0.975} + z_{0.8} = 1.959963985 + 0.841621234 = 2.8015852 (7 decimals); exact formula to 1e-9.
    theta = drift_for_power([1.0], alpha=ALPHA, beta=0.2)
    assert theta == pytest.approx(2.8015852, abs=1e-7)
    assert theta == pytest.approx(norm.ppf(0.975) + norm.ppf(0.8), abs=1e-9)


def test_obrien_fleming_drift_gives_power_080_by_monte_carlo_and_multivariate_normal() -> None:
    theta = drift_for_power(THIRDS, alpha=ALPHA, beta=0.2, spending="obrien_fleming")
    upper = design(THIRDS, alpha=ALPHA).upper_boundaries
    assert theta > drift_for_power([1.0])  # looking early costs information
    z = _brownian_z(THIRDS, theta, 2_000_000, seed=20240602)
    power = float(np.mean((z >= np.asarray(upper)).any(axis=1)))
    # standard error sqrt(0.8 * 0.2 / 2e6) = 2.8e-4; 4 standard errors
    assert power == pytest.approx(0.8, abs=4 * math.sqrt(0.16 / 2e6))
    assert _mvn_rejected_by(THIRDS, upper, theta)[-1] == pytest.approx(0.8, abs=MVN_TOL)


@pytest.mark.parametrize("spending", ["obrien_fleming", "pocock"])
def test_futility_boundaries_spend_beta_under_the_drift(spending: str) -> None:
    d = design(THIRDS, alpha=ALPHA, spending=spending, beta=0.2)  # type: ignore[arg-type]
    assert d.drift == pytest.approx(drift_for_power(THIRDS, ALPHA, 0.2, spending), abs=1e-10)  # type: ignore[arg-type]
    assert d.upper_boundaries == design(THIRDS, alpha=ALPHA, spending=spending).upper_boundaries  # non-binding
    lower, upper, theta = d.lower_boundaries, d.upper_boundaries, d.drift
    assert lower is not None and theta is not None and d.beta_spent is not None
    assert lower[0] < upper[0] and lower[1] < upper[1] and lower[2] == upper[2]
    assert d.futility_capped_looks == () and d.notes == ()
    # look 1: P(Z_1 < l_1 | theta) = Phi(l_1 - theta sqrt t_1) = beta(t_1), closed form.
    assert norm.cdf(lower[0] - theta * math.sqrt(THIRDS[0])) == pytest.approx(d.beta_spent[0], abs=1e-12)
    # look 2: P(l_1 <= Z_1 < b_1, Z_2 < l_2) = P(Z_1 < b_1, Z_2 < l_2) - P(Z_1 < l_1, Z_2 < l_2), bivariate normal.
    second = _mvn_below(THIRDS, [upper[0], lower[1]], theta) - _mvn_below(THIRDS, [lower[0], lower[1]], theta)
    assert second == pytest.approx(d.beta_spent[1] - d.beta_spent[0], abs=MVN_TOL)


def test_a_futility_boundary_that_crosses_the_efficacy_one_is_set_to_it_and_said() -> None:
    # Drift 7 is far above the planned effect: P(Z_1 < b_1 | theta) ~ 0.04 < beta(1/3) ~ 0.09, so l_1 cannot spend it.
    d = design(THIRDS, alpha=ALPHA, spending="pocock", beta=0.2, drift=7.0)
    assert d.futility_capped_looks == (1, 2)
    assert d.lower_boundaries == d.upper_boundaries
    assert "look 1" in d.notes[0] and "set to it" in d.notes[0]


def test_look_decides_efficacy_futility_or_continue() -> None:
    d = design(THIRDS, alpha=ALPHA, beta=0.2)
    assert d.lower_boundaries is not None
    upper, lower = d.upper_boundaries, d.lower_boundaries
    first = look(d, [upper[0] + 0.01])
    assert first.decision == "stop_for_efficacy" and first.look == 1 and first.looks_planned == 3
    assert first.information_fraction == pytest.approx(1 / 3) and first.alpha_spent == d.alpha_spent[0]
    assert first.upper_nominal_p == pytest.approx(norm.sf(upper[0]), rel=1e-12)
    assert first.lower_nominal_p == pytest.approx(norm.sf(lower[0]), rel=1e-12)
    assert look(d, [lower[0] - 0.01]).decision == "stop_for_futility"
    assert look(d, [(lower[0] + upper[0]) / 2]).decision == "continue"
    # Futility is non-binding: continuing past it is allowed, and the next look is judged on its own.
    assert look(d, [lower[0] - 0.5, (lower[1] + upper[1]) / 2]).decision == "continue"
    assert look(d, [1.0, 2.0, upper[2] - 0.01]).decision == "stop_for_futility"  # last look: no success
    assert look(d, [1.0, 2.0, upper[2]]).decision == "stop_for_efficacy"
    plain = look(design(THIRDS), [0.0])
    assert plain.decision == "continue" and plain.lower_boundary is None and plain.lower_nominal_p is None


@pytest.mark.parametrize(("z_observed", "message"), [
    ([], "z_observed must hold between 1 and 3 values (one per look so far), got 0"),
    ([0.1, 0.2, 0.3, 0.4], "z_observed must hold between 1 and 3 values (one per look so far), got 4"),
    ([0.5, float("nan")], "z_observed[1] must be finite, got nan"),
    ([0.5, "1.2"], "z_observed[1] must be a number, got '1.2'"),
    ([4.0, 1.0], "z_observed[0]=4.0 already crossed the efficacy boundary 3.7103 at look 1"),
])
def test_look_refuses_wrong_observations(z_observed: list, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        look(design(THIRDS), z_observed)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"information_fractions": [0.5, 0.4, 1.0]},
     "information_fractions must increase strictly to 1, got [0.5, 0.4, 1.0]"),
    ({"information_fractions": [0.5, 0.9]}, "information_fractions must increase strictly to 1, got [0.5, 0.9]"),
    ({"information_fractions": [0.0, 0.5, 1.0]}, "information_fractions must be positive, got [0.0, 0.5, 1.0]"),
    ({"information_fractions": []}, "information_fractions must hold between 1 and 20 looks, got 0"),
    ({"information_fractions": [(i + 1) / 21 for i in range(21)]},
     "information_fractions must hold between 1 and 20 looks, got 21"),
    ({"information_fractions": [0.5, float("inf")]}, "information_fractions[1] must be finite, got inf"),
    ({"information_fractions": "0.5,1"}, "information_fractions must be a sequence of numbers, got '0.5,1'"),
    ({"alpha": 0.5}, "alpha must be in (0, 0.5) (one-sided), got 0.5"),
    ({"alpha": 0.0}, "alpha must be in (0, 0.5) (one-sided), got 0.0"),
    ({"alpha": True}, "alpha must be a number, got True"),
    ({"spending": "linear"}, "spending must be 'obrien_fleming' or 'pocock', got 'linear'"),
    ({"beta": 0.99}, "beta must be in (0, 0.975) = (0, 1 - alpha), got 0.99"),
    ({"beta": 0.2, "beta_spending": "hsd"}, "beta_spending must be 'obrien_fleming' or 'pocock', got 'hsd'"),
    ({"beta": 0.2, "drift": -1.0}, "drift must be positive (the expected z at full information), got -1.0"),
    ({"drift": 3.0}, "drift and beta_spending need beta, got beta=None, drift=3.0"),
])
def test_design_refuses_bad_arguments_naming_them(kwargs: dict, message: str) -> None:
    arguments = {"information_fractions": THIRDS, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        design(**arguments)


def test_spending_functions_and_drift_refuse_bad_arguments() -> None:
    with pytest.raises(ValueError, match=re.escape("t must be an information fraction in [0, 1], got 1.5")):
        obrien_fleming_spending(1.5, ALPHA)
    with pytest.raises(ValueError, match=re.escape("alpha must be in (0, 1), got 1.2")):
        pocock_spending(0.5, 1.2)
    with pytest.raises(ValueError, match=re.escape("beta must be in (0, 0.975) = (0, 1 - alpha), got 0.0")):
        drift_for_power(THIRDS, ALPHA, 0.0)
